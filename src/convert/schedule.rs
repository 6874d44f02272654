//! Scheduled services (`deploy.x-aws-schedule`, docs/operations.md "Scheduled jobs"): an
//! EventBridge Scheduler schedule that runs the service's task (`RunTask`, with the
//! parameters its ECS service would have), in place of an ECS service:
//! `<P><Svc>Schedule`, its role `<P><Svc>ScheduleRole` (run that task definition in that
//! cluster, pass the task's roles to ECS tasks, write to the dead-letter queue), the queue
//! `<P><Svc>ScheduleDeadLetterQueue` receiving the runs Scheduler could not start, and,
//! when alarms are on, an alarm on it.

use super::context::Context;
use super::iam::has_task_role;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::template::Resource;
use crate::compose::model::Service;
use serde_json::{json, Map, Value};

/// How long a failed event is kept for a retry (seconds): Scheduler's default, a day.
const MAX_EVENT_AGE_SECONDS: u32 = 86_400;

/// The cluster's ARN, which Scheduler's target takes (not a name).
fn cluster_arn(ctx: &Context) -> Value {
    match &ctx.placement.cluster {
        None => get_att(&ctx.id("Cluster"), "Arn"),
        Some(Value::String(c)) if c.starts_with("arn:") => json!(c),
        Some(other) => json!({"Fn::Sub": [
            "arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/${ClusterName}",
            {"ClusterName": other},
        ]}),
    }
}

/// `RunTask`'s parameters in Scheduler's `EcsParameters` shape.
fn ecs_parameters(ctx: &Context, s: &Service) -> Value {
    let run = super::jobs::run_parameters(ctx, s);
    let mut p = Map::new();
    p.insert(
        "TaskDefinitionArn".into(),
        ref_(&ctx.service_id(s, "TaskDefinition")),
    );
    p.insert("TaskCount".into(), json!(1));
    for key in [
        "LaunchType",
        "CapacityProviderStrategy",
        "PlatformVersion",
        "NetworkConfiguration",
    ] {
        if let Some(v) = run.get(key) {
            p.insert(key.into(), v.clone());
        }
    }
    Value::Object(p)
}

/// The schedule, its role, its dead-letter queue and alarm.
pub fn schedule(ctx: &mut Context, s: &Service) {
    let Some(spec) = s.schedule.clone() else {
        return;
    };
    let queue = ctx.service_id(s, "ScheduleDeadLetterQueue");
    let role = ctx.service_id(s, "ScheduleRole");
    let task_definition = ref_(&ctx.service_id(s, "TaskDefinition"));
    let cluster = cluster_arn(ctx);
    let mut roles = vec![get_att(&ctx.service_id(s, "TaskExecutionRole"), "Arn")];
    if has_task_role(ctx, s) {
        roles.push(get_att(&ctx.service_id(s, "TaskRole"), "Arn"));
    }
    ctx.out.add(
        queue.clone(),
        Resource::new(
            "AWS::SQS::Queue",
            json!({
                "SqsManagedSseEnabled": true,
                "MessageRetentionPeriod": 1_209_600,
                "Tags": ctx.service_tags(s),
            }),
        ),
    );
    ctx.out.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "scheduler.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                    }],
                },
                "Policies": [{
                    "PolicyName": "RunScheduledTask",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "ecs:RunTask",
                                "Resource": task_definition.clone(),
                                "Condition": {"ArnEquals": {"ecs:cluster": cluster.clone()}},
                            },
                            {
                                "Effect": "Allow",
                                "Action": "iam:PassRole",
                                "Resource": roles,
                                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                            },
                            {
                                "Effect": "Allow",
                                "Action": "sqs:SendMessage",
                                "Resource": get_att(&queue, "Arn"),
                            },
                        ],
                    },
                }],
                "Tags": ctx.service_tags(s),
            }),
        ),
    );
    let mut props = json!({
        "Description": format!("Runs service {} of Compose project {}", s.name, ctx.project().name),
        "ScheduleExpression": spec.expression,
        "State": "ENABLED",
        "FlexibleTimeWindow": match spec.flexible_window {
            Some(m) => json!({"Mode": "FLEXIBLE", "MaximumWindowInMinutes": m}),
            None => json!({"Mode": "OFF"}),
        },
        "Target": {
            "Arn": cluster,
            "RoleArn": get_att(&role, "Arn"),
            "EcsParameters": ecs_parameters(ctx, s),
            "DeadLetterConfig": {"Arn": get_att(&queue, "Arn")},
            "RetryPolicy": {
                "MaximumRetryAttempts": spec.retries,
                "MaximumEventAgeInSeconds": MAX_EVENT_AGE_SECONDS,
            },
        },
    });
    if let Some(tz) = &spec.timezone {
        props["ScheduleExpressionTimezone"] = json!(tz);
    }
    let mut resource = Resource::new("AWS::Scheduler::Schedule", props)
        .depends_on_all(ctx.network_ready.iter().cloned())
        .depends_on_all(super::volumes::mount_targets_of(ctx, s));
    for dep in s.depends_on.keys() {
        resource = resource.depends_on(super::jobs::dependency_id(ctx, dep));
    }
    let id = ctx.service_id(s, "Schedule");
    ctx.out.add(id, resource);
    super::alarms::dead_letter_alarm(ctx, s, &queue);
}
