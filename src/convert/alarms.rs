//! Alarms to e-mail (docs/operations.md): the alarm topic (encrypted with a key of the
//! project's own, which CloudWatch may use: the AWS-managed `alias/aws/sns` key does not
//! let CloudWatch publish), its e-mail subscriptions, and per service CloudWatch alarms on
//! CPU, memory and missing tasks, and behind a load balancer on the targets' 5XX
//! responses, unhealthy targets and response time; per created Application Load Balancer,
//! its own 5XX responses. Alarm and OK actions both notify. With rollback on, a service's
//! alarms (but the missing-tasks one, which a deployment trips by itself) become its
//! `DeploymentAlarms`.
//!
//! Alarm names are fixed text (`Fn::Sub` of the stack name, the project and the service):
//! the ECS service lists them in `DeploymentAlarms`, and the alarms read the service's
//! name, so a `Ref` both ways would be a cycle.

use super::autoscaling::cluster_name;
use super::context::{Alerting, Context};
use super::loadbalancer::{full_name, is_application};
use crate::cfn::intrinsics::{get_att, ref_, sub};
use crate::cfn::template::Resource;
use crate::compose::model::{Project, Service, Text};
use crate::compose::operations::Limit;
use crate::diagnostics::Diagnostics;
use crate::embed::ProjectSpec;
use serde_json::{json, Value};

/// Minutes a condition must last when neither `x-aws-alarms` nor the service says.
pub const DEFAULT_PERIODS: u32 = 5;
/// Default CPU and memory thresholds, percent.
pub const DEFAULT_UTILISATION: f64 = 80.0;
/// Default 5XX responses per minute (targets', and the load balancer's own).
pub const DEFAULT_5XX: f64 = 10.0;
/// Default 95th percentile target response time, seconds.
pub const DEFAULT_RESPONSE_TIME: f64 = 2.0;

/// Resolves the project's alerting: the property wins over the extension.
pub fn alerting(
    spec: &ProjectSpec,
    project: &Project,
    diags: &mut Diagnostics,
) -> Option<Alerting> {
    let ext = project.operations.alarms.as_ref();
    let prop = spec.alarms.as_ref();
    if ext.is_none() && prop.is_none() {
        return None;
    }
    let (emails, topic) = match (prop, ext) {
        (Some(p), _) => (p.emails.clone(), p.topic.clone()),
        (None, Some(e)) => (
            e.emails.iter().map(Text::to_json).collect(),
            e.topic.as_ref().map(Text::to_json),
        ),
        (None, None) => return None,
    };
    if emails.is_empty() && topic.is_none() {
        diags.error(
            "x-aws-alarms",
            "alarms need somewhere to notify: set `email` (one address or a list) or `topic` (an existing SNS topic ARN), here or in the project's `Alarms` property",
        );
        return None;
    }
    Some(Alerting {
        emails,
        topic,
        rollback: prop
            .and_then(|p| p.rollback)
            .or(ext.and_then(|e| e.rollback))
            .unwrap_or(false),
        periods: ext.and_then(|e| e.periods).unwrap_or(DEFAULT_PERIODS),
        load_balancer_5xx: ext.map_or(Limit::Default, |e| e.load_balancer_5xx),
    })
}

/// The ARN alarms notify.
fn topic_arn(ctx: &Context, a: &Alerting) -> Value {
    match &a.topic {
        Some(t) => t.clone(),
        None => ref_(&ctx.id("AlarmTopic")),
    }
}

/// `<P>AlarmTopic` with its key and policy (unless a topic is given), and one
/// `<P>AlarmEmail<N>Subscription` per address.
pub fn topic(ctx: &mut Context) {
    let Some(a) = ctx.placement.alerting.clone() else {
        return;
    };
    let project = ctx.project().name.clone();
    if a.topic.is_none() {
        let key = ctx.id("AlarmTopicKey");
        let topic = ctx.id("AlarmTopic");
        ctx.out.add(
            key.clone(),
            Resource::new(
                "AWS::KMS::Key",
                json!({
                    "Description": format!("{project} alarm topic: encrypts the notifications CloudWatch alarms publish"),
                    "EnableKeyRotation": true,
                    "KeyPolicy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "AccountAdministersTheKey",
                                "Effect": "Allow",
                                "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                                "Action": "kms:*",
                                "Resource": "*",
                            },
                            {
                                "Sid": "CloudWatchAlarmsPublish",
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                                "Resource": "*",
                            },
                        ],
                    },
                    // No `Tags`: the offline emulator's KMS adapter reads `TagKey`/`TagValue`
                    // where CloudFormation has `Key`/`Value` (docs/operations.md).
                }),
            ),
        );
        ctx.out.add(
            topic.clone(),
            Resource::new(
                "AWS::SNS::Topic",
                json!({
                    "DisplayName": format!("{project} alarms"),
                    "KmsMasterKeyId": ref_(&key),
                    "Tags": ctx.project_tags(),
                }),
            ),
        );
        ctx.out.add(
            ctx.id("AlarmTopicPolicy"),
            Resource::new(
                "AWS::SNS::TopicPolicy",
                json!({
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "CloudWatchAlarmsPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": ref_(&topic),
                            "Condition": {
                                "ArnLike": {"aws:SourceArn": sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*")},
                                "StringEquals": {"aws:SourceAccount": ref_("AWS::AccountId")},
                            },
                        }],
                    },
                    "Topics": [ref_(&topic)],
                }),
            ),
        );
        ctx.out.output(
            ctx.id("AlarmTopicArn"),
            "SNS topic the project's alarms notify",
            ref_(&topic),
        );
    }
    let arn = topic_arn(ctx, &a);
    for (i, email) in a.emails.iter().enumerate() {
        let number = if i == 0 {
            String::new()
        } else {
            (i + 1).to_string()
        };
        ctx.out.add(
            ctx.id(&format!("AlarmEmail{number}Subscription")),
            Resource::new(
                "AWS::SNS::Subscription",
                json!({"Endpoint": email, "Protocol": "email", "TopicArn": arn}),
            ),
        );
    }
}

/// One alarm to create.
struct Alarm {
    id: String,
    /// The alarm's name (`Fn::Sub`), also listed in `DeploymentAlarms`.
    name: Value,
    /// Part of the service's deployment alarms when rollback is on.
    deploys: bool,
    properties: Value,
}

/// What an alarm watches and when it fires.
struct Watch<'a> {
    what: String,
    description: String,
    namespace: &'a str,
    metric: &'a str,
    statistic: &'a str,
    dimensions: Value,
    threshold: f64,
}

/// `{Name, Value}` pairs.
fn dimensions(pairs: &[(&str, Value)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(n, v)| json!({"Name": n, "Value": v}))
            .collect(),
    )
}

/// The alarm's name: `<stack> <project> <service>: <what>` (no comma: ECS separates
/// deployment alarm names with commas).
fn alarm_name(ctx: &Context, service: Option<&str>, what: &str) -> Value {
    let project = &ctx.project().name;
    let subject = match service {
        Some(s) => format!("{project} {s}"),
        None => project.clone(),
    };
    sub(&format!("${{AWS::StackName}} {subject}: {what}"))
}

/// The common part of every alarm: actions, periods, missing data.
fn base(ctx: &Context, a: &Alerting, periods: u32, name: &Value, description: String) -> Value {
    let arn = topic_arn(ctx, a);
    json!({
        "AlarmName": name,
        "AlarmDescription": description,
        "ActionsEnabled": true,
        "AlarmActions": [arn.clone()],
        "OKActions": [arn],
        "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": periods,
        "DatapointsToAlarm": periods,
        "TreatMissingData": "notBreaching",
    })
}

fn metric_alarm(
    ctx: &Context,
    a: &Alerting,
    periods: u32,
    id: String,
    service: Option<&str>,
    w: Watch,
) -> Alarm {
    let name = alarm_name(ctx, service, &w.what);
    let mut p = base(ctx, a, periods, &name, w.description);
    p["Namespace"] = json!(w.namespace);
    p["MetricName"] = json!(w.metric);
    p["Dimensions"] = w.dimensions;
    if w.statistic.starts_with('p') {
        p["ExtendedStatistic"] = json!(w.statistic);
    } else {
        p["Statistic"] = json!(w.statistic);
    }
    p["Period"] = json!(60);
    p["Threshold"] = json!(w.threshold);
    Alarm {
        id,
        name,
        deploys: true,
        properties: p,
    }
}

/// The minutes, in words.
fn minutes(n: u32) -> String {
    if n == 1 {
        "1 minute".into()
    } else {
        format!("{n} minutes in a row")
    }
}

/// The alarms of service `s`; `target_groups` are its target groups' logical IDs.
fn service_alarms(ctx: &Context, s: &Service, target_groups: &[String]) -> Vec<Alarm> {
    let Some(a) = ctx.placement.alerting.as_ref() else {
        return Vec::new();
    };
    let t = &s.operations.alarms;
    if t.off {
        return Vec::new();
    }
    let periods = t.periods.unwrap_or(a.periods);
    let during = minutes(periods);
    let project = &ctx.project().name;
    let who = format!("Service `{}` of project `{project}`", s.name);
    let ecs = dimensions(&[
        ("ClusterName", cluster_name(ctx)),
        (
            "ServiceName",
            get_att(&ctx.service_id(s, "Service"), "Name"),
        ),
    ]);
    let mut out = Vec::new();
    for (limit, what, metric, suffix, word) in [
        (t.cpu, "CPU high", "CPUUtilization", "CpuAlarm", "CPU"),
        (
            t.memory,
            "memory high",
            "MemoryUtilization",
            "MemoryAlarm",
            "memory",
        ),
    ] {
        if let Some(threshold) = limit.or(DEFAULT_UTILISATION) {
            out.push(metric_alarm(
                ctx,
                a,
                periods,
                ctx.service_id(s, suffix),
                Some(&s.name),
                Watch {
                    what: what.into(),
                    description: format!("{who}: average {word} utilisation above {threshold}% for {during}. Give the service more {word} (`deploy.resources`) or more tasks, or tune `deploy.x-aws-alarms.{}`", if word == "CPU" { "cpu" } else { "memory" }),
                    namespace: "AWS/ECS",
                    metric,
                    statistic: "Average",
                    dimensions: ecs.clone(),
                    threshold,
                },
            ));
        }
    }
    if let Some(threshold) = t.running_tasks.or(0.0) {
        let name = alarm_name(ctx, Some(&s.name), "tasks missing");
        let mut p = base(
            ctx,
            a,
            periods,
            &name,
            format!("{who}: fewer tasks running than desired (more than {threshold} missing) for {during}. Look at the service's events and stopped tasks (`aws ecs describe-services`); needs Container Insights on the cluster"),
        );
        let stat = |id: &str, metric: &str| {
            json!({
                "Id": id,
                "MetricStat": {
                    "Metric": {"Namespace": "ECS/ContainerInsights", "MetricName": metric, "Dimensions": ecs.clone()},
                    "Period": 60,
                    "Stat": "Average",
                },
                "ReturnData": false,
            })
        };
        p["Metrics"] = json!([
            stat("desired", "DesiredTaskCount"),
            stat("running", "RunningTaskCount"),
            {"Id": "missing", "Expression": "desired - running", "Label": "Tasks missing", "ReturnData": true},
        ]);
        p["Threshold"] = json!(threshold);
        out.push(Alarm {
            id: ctx.service_id(s, "RunningTasksAlarm"),
            name,
            deploys: false,
            properties: p,
        });
    }
    let application = is_application(ctx);
    let namespace = if application {
        "AWS/ApplicationELB"
    } else {
        "AWS/NetworkELB"
    };
    for tg in target_groups {
        let stem = tg.strip_suffix("TargetGroup").unwrap_or(tg);
        let port: String = stem
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        // The alternate target group of a blue/green-family deployment: its own alarm
        // names (convert::deployments).
        let port = if super::deployments::is_alternate(ctx, s, tg) {
            format!("{port} (alternate)")
        } else {
            port
        };
        let dims = dimensions(&[
            ("LoadBalancer", full_name(ctx)),
            ("TargetGroup", get_att(tg, "TargetGroupFullName")),
        ]);
        let mut watches = Vec::new();
        if application {
            if let Some(threshold) = t.target_5xx.or(DEFAULT_5XX) {
                watches.push(("Target5XXAlarm", Watch {
                    what: format!("5XX responses on {port}"),
                    description: format!("{who}: 5XX responses from its tasks on port {port} above {threshold} a minute for {during}. Read the service's logs"),
                    namespace,
                    metric: "HTTPCode_Target_5XX_Count",
                    statistic: "Sum",
                    dimensions: dims.clone(),
                    threshold,
                }));
            }
        }
        if let Some(threshold) = t.unhealthy_targets.or(0.0) {
            watches.push(("UnhealthyTargetsAlarm", Watch {
                what: format!("unhealthy targets on {port}"),
                description: format!("{who}: more than {threshold} tasks failing the load balancer's health check on port {port} for {during}. Check `x-aws-healthcheck` and the service's logs"),
                namespace,
                metric: "UnHealthyHostCount",
                statistic: "Maximum",
                dimensions: dims.clone(),
                threshold,
            }));
        }
        if application {
            if let Some(threshold) = t.response_time.or(DEFAULT_RESPONSE_TIME) {
                watches.push(("ResponseTimeAlarm", Watch {
                    what: format!("slow responses on {port}"),
                    description: format!("{who}: 95th percentile response time on port {port} above {threshold} s for {during}"),
                    namespace,
                    metric: "TargetResponseTime",
                    statistic: "p95",
                    dimensions: dims.clone(),
                    threshold,
                }));
            }
        }
        for (suffix, watch) in watches {
            out.push(metric_alarm(
                ctx,
                a,
                periods,
                format!("{stem}{suffix}"),
                Some(&s.name),
                watch,
            ));
        }
    }
    out
}

/// Adds the alarms of service `s` (after the service: they read its name).
pub fn alarms(ctx: &mut Context, s: &Service, target_groups: &[String]) {
    if ctx.placement.alerting.is_none() {
        if let Some(path) = &s.operations.alarms.path {
            ctx.diags.warn(
                path,
                "no alarm is created: alarms are off for the project; turn them on with `x-aws-alarms` (or the `Alarms` property) and an e-mail address or SNS topic",
            );
        }
        return;
    }
    let tags = ctx.service_tags(s);
    for alarm in service_alarms(ctx, s, target_groups) {
        let mut props = alarm.properties;
        props["Tags"] = Value::Array(tags.clone());
        ctx.out
            .add(alarm.id, Resource::new("AWS::CloudWatch::Alarm", props));
    }
}

/// The `DeploymentAlarms` of service `s`, when its rollback is on.
pub fn deployment_alarms(ctx: &Context, s: &Service, target_groups: &[String]) -> Option<Value> {
    let a = ctx.placement.alerting.as_ref()?;
    if !s.operations.alarms.rollback.unwrap_or(a.rollback) {
        return None;
    }
    let names: Vec<Value> = service_alarms(ctx, s, target_groups)
        .into_iter()
        .filter(|alarm| alarm.deploys)
        .map(|alarm| alarm.name)
        .collect();
    (!names.is_empty()).then(|| json!({"AlarmNames": names, "Enable": true, "Rollback": true}))
}

/// `<P>LoadBalancer5XXAlarm`: the created Application Load Balancer's own 5XX responses.
pub fn load_balancer_alarms(ctx: &mut Context) {
    let Some(a) = ctx.placement.alerting.clone() else {
        return;
    };
    if ctx.placement.load_balancer.is_some() || ctx.valid.balancer().is_none() {
        return;
    }
    if !is_application(ctx) {
        return;
    }
    let Some(threshold) = a.load_balancer_5xx.or(DEFAULT_5XX) else {
        return;
    };
    let project = ctx.project().name.clone();
    let alarm = metric_alarm(
        ctx,
        &a,
        a.periods,
        ctx.id("LoadBalancer5XXAlarm"),
        None,
        Watch {
            what: "load balancer 5XX responses".into(),
            description: format!("Load balancer of project `{project}`: its own 5XX responses (no healthy target, timeouts) above {threshold} a minute for {}", minutes(a.periods)),
            namespace: "AWS/ApplicationELB",
            metric: "HTTPCode_ELB_5XX_Count",
            statistic: "Sum",
            dimensions: dimensions(&[("LoadBalancer", full_name(ctx))]),
            threshold,
        },
    );
    let mut props = alarm.properties;
    props["Tags"] = Value::Array(ctx.project_tags());
    ctx.out
        .add(alarm.id, Resource::new("AWS::CloudWatch::Alarm", props));
}

/// `<P><Svc>ScheduleFailedAlarm`: a run of scheduled service `s` that EventBridge Scheduler
/// could not start landed in its dead-letter queue `queue_id` (docs/operations.md,
/// "Scheduled jobs"). Nothing when alarms are off.
pub fn dead_letter_alarm(ctx: &mut Context, s: &Service, queue_id: &str) {
    let Some(a) = ctx.placement.alerting.clone() else {
        return;
    };
    let project = ctx.project().name.clone();
    let alarm = metric_alarm(
        ctx,
        &a,
        1,
        ctx.service_id(s, "ScheduleFailedAlarm"),
        Some(&s.name),
        Watch {
            what: "scheduled run failed to start".into(),
            description: format!("Scheduled service `{}` of project `{project}`: EventBridge Scheduler could not start a run; the failed event is in the dead-letter queue (its message says why)", s.name),
            namespace: "AWS/SQS",
            metric: "ApproximateNumberOfMessagesVisible",
            statistic: "Maximum",
            dimensions: dimensions(&[("QueueName", get_att(queue_id, "QueueName"))]),
            threshold: 0.0,
        },
    );
    let mut props = alarm.properties;
    props["Tags"] = Value::Array(ctx.service_tags(s));
    ctx.out
        .add(alarm.id, Resource::new("AWS::CloudWatch::Alarm", props));
}
