//! How a service runs besides as a long-running service: once per deployment (a job) or on a
//! schedule.

/// A service that runs once to completion in each deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Further runs after a failed one before the deployment fails (`on-failure:N`).
    pub retries: u32,
    /// Why the service is a job.
    pub why: Why,
}

/// Why a service is a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Its `restart` policy (`no` or `on-failure`).
    Restart,
    /// Another service waits for it to complete (the first such service, by name).
    Awaited(String),
}

/// `deploy.x-aws-schedule`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// `cron(...)`, `rate(...)` or `at(...)`.
    pub expression: String,
    /// An IANA time zone (`Europe/Paris`); `None`: UTC.
    pub timezone: Option<String>,
    /// Minutes the run may start late (spreading load); `None`: at the time.
    pub flexible_window: Option<u64>,
    /// Retries of a run EventBridge Scheduler could not start (default 0).
    pub retries: u32,
}
