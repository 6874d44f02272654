//! The day-two extensions of the project and of each service: alarms, dashboard, exec,
//! Container Insights.

use super::text::Text;
/// The project's operations settings (top-level extensions).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Operations {
    /// `x-aws-alarms`: present when alarms are on.
    pub alarms: Option<ProjectAlarms>,
    /// `x-aws-dashboard` (`None`: the default, a dashboard when alarms are on).
    pub dashboard: Option<bool>,
    /// `x-aws-container_insights` (`None`: the default, enhanced).
    pub insights: Option<Insights>,
}

/// Top-level `x-aws-alarms`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectAlarms {
    /// `email`: addresses subscribed to the alarm topic.
    pub emails: Vec<Text>,
    /// `topic`: an existing SNS topic ARN alarms publish to instead of a new one.
    pub topic: Option<Text>,
    /// `rollback`: every service rolls a deployment back when its alarms fire.
    pub rollback: Option<bool>,
    /// `periods`: minutes a condition must last before an alarm fires.
    pub periods: Option<u32>,
    /// `load_balancer_5xx`: the load balancer's own 5XX responses per minute.
    pub load_balancer_5xx: Limit,
}

/// Container Insights on the cluster the project creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insights {
    /// Container Insights with enhanced observability (task and container metrics).
    Enhanced,
    /// Container Insights (cluster and service metrics).
    Enabled,
    /// Off.
    Disabled,
}

impl Insights {
    /// The setting's value, as ECS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Insights::Enhanced => "enhanced",
            Insights::Enabled => "enabled",
            Insights::Disabled => "disabled",
        }
    }
}

/// One alarm threshold: the default, off (`false`), or a value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Limit {
    /// Not written: the default threshold.
    #[default]
    Default,
    /// `false`: no such alarm.
    Off,
    /// A threshold.
    At(f64),
}

impl Limit {
    /// The threshold, `default` when not written; `None` when the alarm is off.
    pub fn or(self, default: f64) -> Option<f64> {
        match self {
            Limit::Default => Some(default),
            Limit::Off => None,
            Limit::At(v) => Some(v),
        }
    }
}

/// A service's operations settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceOperations {
    /// ECS Exec: `x-aws-exec` of the service, else of the project.
    pub exec: bool,
    /// `deploy.x-aws-alarms`.
    pub alarms: ServiceAlarms,
}

/// `deploy.x-aws-alarms`: a service's thresholds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceAlarms {
    /// `false`: no alarm for this service.
    pub off: bool,
    /// Where it was written, when it was.
    pub path: Option<String>,
    /// Average CPU utilisation, percent.
    pub cpu: Limit,
    /// Average memory utilisation, percent.
    pub memory: Limit,
    /// Tasks missing (desired minus running).
    pub running_tasks: Limit,
    /// 5XX responses of the service's targets per minute.
    pub target_5xx: Limit,
    /// Unhealthy targets.
    pub unhealthy_targets: Limit,
    /// 95th percentile target response time, seconds.
    pub response_time: Limit,
    /// Minutes a condition must last.
    pub periods: Option<u32>,
    /// Roll a deployment back when the service's alarms fire.
    pub rollback: Option<bool>,
}
