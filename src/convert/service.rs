//! The ECS service: replicas, rolling updates with the deployment circuit breaker, the
//! `awsvpc` network configuration, load balancer and discovery wiring, and `DependsOn` for
//! `depends_on`.

use super::discovery::service_connect;
use super::loadbalancer::Listeners;
use super::network::security_group;
use super::volumes;
use super::Context;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::{FailureAction, Service};
use crate::validate::volumes::needs_client_group;
use serde_json::{json, Value};

/// Seconds ECS ignores load balancer health checks after a task starts.
pub const HEALTH_CHECK_GRACE_SECONDS: u64 = 60;

/// (MaximumPercent, MinimumHealthyPercent), compose-cli's rule: the `x-aws-*` percents
/// win; otherwise `parallelism` p of r replicas gives (r+p)/r and (r−p)/r.
pub fn percents(s: &Service) -> (u32, u32) {
    let (mut max, mut min) = (200, 100);
    if let Some(p) = s.update.parallelism {
        let r = s.replicas;
        if r > 0 && p <= r {
            min = (r - p) * 100 / r;
            max = if s.update.stop_first {
                100
            } else {
                (r + p) * 100 / r
            };
        }
    } else if s.update.stop_first {
        max = 100;
        min = 0;
    }
    (
        s.update.max_percent.unwrap_or(max),
        s.update.min_percent.unwrap_or(min),
    )
}

/// `<P><Svc>Service`.
pub fn service(ctx: &mut Context, s: &Service, listeners: &Listeners) {
    let (max, min) = percents(s);
    let (enable, rollback) = match s.update.failure_action {
        FailureAction::Rollback => (true, true),
        FailureAction::Pause => (true, false),
        FailureAction::Continue => (false, false),
    };
    let mut groups: Vec<Value> = s.networks.iter().map(|n| security_group(ctx, n)).collect();
    if needs_client_group(ctx.project(), s) {
        groups.push(ref_(&volumes::client_group_id(ctx, s)));
    }
    let mut props = json!({
        "Cluster": ctx.cluster(),
        "TaskDefinition": ref_(&ctx.service_id(s, "TaskDefinition")),
        "DesiredCount": s.replicas,
        "LaunchType": "FARGATE",
        "PlatformVersion": "LATEST",
        "DeploymentConfiguration": {
            "MaximumPercent": max,
            "MinimumHealthyPercent": min,
            "DeploymentCircuitBreaker": {"Enable": enable, "Rollback": rollback},
        },
        "DeploymentController": {"Type": "ECS"},
        "NetworkConfiguration": {
            "AwsvpcConfiguration": {
                "AssignPublicIp": "ENABLED",
                "SecurityGroups": groups,
                "Subnets": volumes::service_subnets(ctx, s),
            },
        },
    });
    if !listeners.entries.is_empty() {
        props["LoadBalancers"] = Value::Array(listeners.entries.clone());
        props["HealthCheckGracePeriodSeconds"] = json!(HEALTH_CHECK_GRACE_SECONDS.max(
            s.healthcheck
                .as_ref()
                .and_then(|h| h.start_period)
                .unwrap_or(0)
        ));
    }
    props["ServiceRegistries"] =
        json!([{"RegistryArn": get_att(&ctx.service_id(s, "ServiceDiscoveryEntry"), "Arn")}]);
    props["ServiceConnectConfiguration"] = service_connect(ctx, s);
    props["EnableECSManagedTags"] = json!(true);
    props["PropagateTags"] = json!("SERVICE");
    props["SchedulingStrategy"] = json!("REPLICA");
    props["Tags"] = Value::Array(ctx.service_tags(s));
    let mut resource = Resource::new("AWS::ECS::Service", props)
        .depends_on_all(listeners.ids.iter().cloned())
        .depends_on_all(ctx.network_ready.iter().cloned())
        .depends_on_all(volumes::mount_targets_of(ctx, s));
    for dep in s.depends_on.keys() {
        resource = resource.depends_on(format!("{}{}Service", ctx.prefix, normalize(dep)));
    }
    let id = ctx.service_id(s, "Service");
    ctx.out.add(id, resource);
}
