//! `deploy.x-aws-autoscaling` → Application Auto Scaling: a scalable target on the ECS
//! service's desired count (after the service: its `ResourceId` reads the service's name)
//! and a target-tracking policy (after the target, which it references). No role is created: without `RoleARN`, Application Auto Scaling uses its
//! service-linked role for ECS.

use super::context::Context;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::template::Resource;
use crate::compose::model::{ScaleMetric, Service};
use serde_json::{json, Value};

/// Cooldown when Compose sets none, seconds (compose-cli's value).
pub const DEFAULT_COOLDOWN: u64 = 60;

/// The cluster's name for the `service/<cluster>/<service>` resource ID: the created
/// cluster's `Ref`, or the existing cluster's name (the part after `/` of an ARN).
pub(super) fn cluster_name(ctx: &Context) -> Value {
    match &ctx.placement.cluster {
        Some(Value::String(s)) => json!(s.rsplit('/').next().unwrap_or(s)),
        Some(other) => other.clone(),
        None => ref_(&ctx.id("Cluster")),
    }
}

/// `<P><Svc>ScalableTarget` and `<P><Svc>ScalingPolicy`. `target_group` is the target
/// group of the service's first published port (for request-count scaling).
pub fn autoscaling(ctx: &mut Context, s: &Service, target_group: Option<&str>) {
    let Some(a) = &s.autoscaling else { return };
    let service = ctx.service_id(s, "Service");
    let target = ctx.service_id(s, "ScalableTarget");
    ctx.out.add(
        target.clone(),
        Resource::new(
            "AWS::ApplicationAutoScaling::ScalableTarget",
            json!({
                "MaxCapacity": a.max,
                "MinCapacity": a.min,
                "ResourceId": {"Fn::Join": ["/", ["service", cluster_name(ctx), get_att(&service, "Name")]]},
                "ScalableDimension": "ecs:service:DesiredCount",
                "ServiceNamespace": "ecs",
            }),
        )
        // Also implied by the `GetAtt`; stated so the service's own `DependsOn` (its
        // listeners, the capacity provider association) come first for any creator.
        .depends_on(service),
    );
    let (kind, value) = match a.metric {
        ScaleMetric::Cpu(v) => ("ECSServiceAverageCPUUtilization", v),
        ScaleMetric::Memory(v) => ("ECSServiceAverageMemoryUtilization", v),
        ScaleMetric::Requests(v) => ("ALBRequestCountPerTarget", v),
    };
    let mut metric = json!({"PredefinedMetricType": kind});
    if let (ScaleMetric::Requests(_), Some(tg)) = (a.metric, target_group) {
        // `app/<lb>/<id>/targetgroup/<tg>/<id>`.
        metric["ResourceLabel"] = json!({"Fn::Join": ["/", [super::loadbalancer::full_name(ctx), get_att(tg, "TargetGroupFullName")]]});
    }
    let policy = ctx.service_id(s, "ScalingPolicy");
    ctx.out.add(
        policy.clone(),
        Resource::new(
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            json!({
                "PolicyName": policy,
                "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": ref_(&target),
                "TargetTrackingScalingPolicyConfiguration": {
                    "PredefinedMetricSpecification": metric,
                    "TargetValue": value,
                    "ScaleInCooldown": a.scale_in_cooldown.unwrap_or(DEFAULT_COOLDOWN),
                    "ScaleOutCooldown": a.scale_out_cooldown.unwrap_or(DEFAULT_COOLDOWN),
                },
            }),
        )
        .depends_on(target),
    );
}

/// The service's `DesiredCount`: `replicas`; none under `x-aws-autoscaling`, so that a
/// stack update keeps the count Application Auto Scaling reached. Without it
/// CloudFormation creates the service with 1 task and an update keeps the current count
/// (AWS::ECS::Service, `DesiredCount`); registering the scalable target then brings the
/// count within `min`..`max` (Application Auto Scaling, RegisterScalableTarget).
pub fn desired_count(s: &Service) -> Option<u32> {
    match &s.autoscaling {
        Some(_) => None,
        None => Some(s.replicas),
    }
}
