//! The ECS service: replicas, rolling updates with the deployment circuit breaker, the
//! launch type or capacity provider strategy, the `awsvpc` network configuration, load
//! balancer and discovery wiring, and `DependsOn` on `depends_on` and the services it names.

use super::autoscaling::desired_count;
use super::capacity::{association_id, strategy};
use super::context::Context;
use super::discovery::{service_connect, srv_port};
use super::loadbalancer::Listeners;
use super::network::{private_subnets, security_group};
use super::volumes;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::template::Resource;
use crate::compose::model::{FailureAction, NetworkMode, Project, Service};
use crate::validate::volumes::needs_client_group;
use serde_json::{json, Value};

/// Seconds ECS ignores load balancer health checks after a task starts.
pub const HEALTH_CHECK_GRACE_SECONDS: u64 = 60;

/// (MaximumPercent, MinimumHealthyPercent), compose-cli's rule: the `x-aws-*` percents
/// win; otherwise `parallelism` p of r replicas gives (r+p)/r and (r−p)/r. A service that
/// writes a named volume is stopped first (Compose's default `order`): 100 and 0, or
/// (r−p)/r with `parallelism`, so that two tasks never write the same files; an explicit
/// `order: start-first` keeps ECS's 200/100 (with a warning, `validate::data`).
pub fn percents(project: &Project, s: &Service) -> (u32, u32) {
    // A group's task writes what any of its containers writes (`compose::groups`).
    let writes = crate::compose::groups::task_services(project, s)
        .into_iter()
        .any(Service::writes_volume);
    let stop_first = s.update.stop_first || (writes && !s.update.start_first);
    let (mut max, mut min) = if stop_first { (100, 0) } else { (200, 100) };
    if let Some(p) = s.update.parallelism {
        let r = s.replicas;
        if r > 0 && p <= r {
            min = (r - p) * 100 / r;
            max = if stop_first { 100 } else { (r + p) * 100 / r };
        }
    }
    (
        s.update.max_percent.unwrap_or(max),
        s.update.min_percent.unwrap_or(min),
    )
}

/// `<P><Svc>Service`.
pub fn service(ctx: &mut Context, s: &Service, listeners: &Listeners) {
    let (max, min) = percents(ctx.project(), s);
    let (enable, rollback) = match s.update.failure_action {
        FailureAction::Rollback => (true, true),
        FailureAction::Pause => (true, false),
        FailureAction::Continue => (false, false),
    };
    let mut groups: Vec<Value> = s.networks.iter().map(|n| security_group(ctx, n)).collect();
    if needs_client_group(ctx.project(), s) && !volumes::on_instance_network(ctx, s) {
        groups.push(ref_(&volumes::client_group_id(ctx, s)));
    }
    let plan = ctx.valid.service_plan(&s.name).cloned();
    let ec2 = plan.as_ref().is_some_and(|p| p.ec2);
    let mode = plan
        .as_ref()
        .map_or(NetworkMode::Awsvpc, |p| p.network_mode);
    let mut props = json!({
        "Cluster": ctx.cluster(),
        "TaskDefinition": ref_(&ctx.service_id(s, "TaskDefinition")),
    });
    if let Some(count) = desired_count(s) {
        props["DesiredCount"] = json!(count);
    }
    match plan.as_ref().and_then(|p| p.strategy.as_deref()) {
        Some(shares) => props["CapacityProviderStrategy"] = strategy(ctx, shares),
        None => props["LaunchType"] = json!("FARGATE"),
    }
    if !ec2 {
        props["PlatformVersion"] = json!("LATEST");
    }
    props["DeploymentConfiguration"] = json!({
        "MaximumPercent": max,
        "MinimumHealthyPercent": min,
        "DeploymentCircuitBreaker": {"Enable": enable, "Rollback": rollback},
    });
    super::deployments::configure(s, &mut props["DeploymentConfiguration"]);
    if let Some(alarms) = super::alarms::deployment_alarms(ctx, s, &listeners.target_groups) {
        props["DeploymentConfiguration"]["Alarms"] = alarms;
    }
    props["DeploymentController"] = json!({"Type": "ECS"});
    if s.operations.exec {
        props["EnableExecuteCommand"] = json!(true);
    }
    if mode == NetworkMode::Awsvpc {
        // On EC2, a task's network interface cannot have a public address; the instances
        // pull images and send logs (docs/compute.md). In private subnets, NAT does. On
        // Fargate otherwise, see `Placement`.
        let public_ip = if ec2 || private_subnets(ctx).is_some() {
            json!("DISABLED")
        } else {
            ctx.placement.assign_public_ip.clone()
        };
        props["NetworkConfiguration"] = json!({
            "AwsvpcConfiguration": {
                "AssignPublicIp": public_ip,
                "SecurityGroups": groups,
                "Subnets": volumes::service_subnets(ctx, s),
            },
        });
    }
    if !listeners.entries.is_empty() {
        props["LoadBalancers"] = Value::Array(listeners.entries.clone());
        props["HealthCheckGracePeriodSeconds"] = json!(s.healthcheck_grace_period.unwrap_or(
            HEALTH_CHECK_GRACE_SECONDS.max(
                s.healthcheck
                    .as_ref()
                    .and_then(|h| h.start_period)
                    .unwrap_or(0)
            )
        ));
    }
    let registry = get_att(&ctx.service_id(s, "ServiceDiscoveryEntry"), "Arn");
    match (mode, srv_port(ctx, s)) {
        (NetworkMode::Awsvpc, _) => props["ServiceRegistries"] = json!([{"RegistryArn": registry}]),
        // `bridge` and `host` tasks have no address of their own: SRV records name the
        // instance and the port.
        (_, Some(port)) => {
            props["ServiceRegistries"] = json!([{
                "RegistryArn": registry,
                "ContainerName": s.name,
                "ContainerPort": port,
            }])
        }
        (_, None) => {}
    }
    if mode != NetworkMode::Host {
        props["ServiceConnectConfiguration"] = service_connect(ctx, s);
    }
    props["EnableECSManagedTags"] = json!(true);
    props["PropagateTags"] = json!("SERVICE");
    props["SchedulingStrategy"] = json!("REPLICA");
    super::host::daemon(s, &mut props);
    props["Tags"] = Value::Array(ctx.service_tags(s));
    let has_strategy = props.get("CapacityProviderStrategy").is_some();
    let mut resource = Resource::new("AWS::ECS::Service", props)
        .depends_on_all(listeners.ids.iter().cloned())
        .depends_on_all(ctx.network_ready.iter().cloned())
        .depends_on_all(volumes::mount_targets_of(ctx, s));
    if has_strategy {
        if let Some(association) = association_id(ctx) {
            resource = resource.depends_on(association);
        }
    }
    // Servers before clients: `depends_on`, and the services it names (validate::reach).
    if let Some(reach) = ctx.valid.reach().services.get(&s.name) {
        for dep in &reach.after {
            resource = resource.depends_on(super::jobs::dependency_id(ctx, dep));
        }
    }
    let id = ctx.service_id(s, "Service");
    ctx.out.add(id, resource);
}
