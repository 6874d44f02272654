//! Blue/green-family deployments (docs/deployments.md): what `validate::deployments`
//! allowed, written out. For each load-balanced port of a service with `x-aws-strategy`
//! `blue_green`, `canary` or `linear`:
//!
//! - an alternate target group `<P><Svc>Alternate<PROTO><port>TargetGroup`, the primary's
//!   twin: ECS registers the new tasks in whichever of the two carries no traffic;
//! - a production listener rule forwarding to both target groups by weight (100 and 0):
//!   ECS moves traffic by rewriting the weights of a rule, never a listener's default
//!   action, so a service that owns its listener gets a catch-all rule
//!   (`path-pattern /*`, the last priority) and a service routed by `x-aws-routing` has
//!   its rule weighted;
//! - with `x-aws-test_port`, a test listener on that port with a catch-all rule ECS points
//!   at the new tasks before they get production traffic; its port is opened to the VPC
//!   only, never to the internet;
//! - `LoadBalancers[].AdvancedConfiguration` naming them, and the infrastructure role
//!   `<P>EcsInfrastructureRole` ECS assumes to rewrite the rules: trusted by
//!   `ecs.amazonaws.com`, with the managed policy
//!   `AmazonECSInfrastructureRolePolicyForLoadBalancers` and nothing else, as the ECS
//!   Developer Guide ("Amazon ECS infrastructure IAM role for load balancers") builds it;
//! - `DeploymentConfiguration.Strategy`, `BakeTimeInMinutes` and the canary or linear
//!   settings; no deployment circuit breaker (ECS uses it with rolling updates only); the
//!   service's deployment alarms (`convert::alarms`, which watches both target groups)
//!   roll back.

use super::context::Context;
use crate::cfn::intrinsics::{get_att, ref_, sub};
use crate::cfn::template::Resource;
use crate::compose::deployments::Shift;
use crate::compose::model::Service;
use crate::validate::loadbalancer::{Listener, ListenerProtocol};
use serde_json::{json, Value};

/// The priority of the catch-all production rule: the last one ALB allows, so that every
/// `x-aws-routing` rule on the listener is tried first.
pub const CATCH_ALL_PRIORITY: u32 = 50_000;

/// The managed policy ECS's infrastructure role for load balancers carries.
pub const INFRASTRUCTURE_POLICY: &str = "AmazonECSInfrastructureRolePolicyForLoadBalancers";

/// True when `s` deploys by moving traffic between two target groups.
pub fn shifts_traffic(s: &Service) -> bool {
    s.deployment.is_some()
}

/// The alternate target group's logical ID.
pub fn alternate_id(ctx: &Context, s: &Service, proto_id: &str, port: u16) -> String {
    ctx.service_id(s, &format!("Alternate{proto_id}{port}TargetGroup"))
}

/// True when `tg` is one of the alternate target groups of `s`.
pub fn is_alternate(ctx: &Context, s: &Service, tg: &str) -> bool {
    tg.starts_with(&ctx.service_id(s, "Alternate"))
}

/// Adds the alternate twin of target group `props`, when `s` shifts traffic.
pub fn alternate_group(
    ctx: &mut Context,
    s: &Service,
    proto_id: &str,
    port: u16,
    props: &Value,
) -> Option<String> {
    if !shifts_traffic(s) {
        return None;
    }
    let id = alternate_id(ctx, s, proto_id, port);
    ctx.out.add(
        id.clone(),
        Resource::new("AWS::ElasticLoadBalancingV2::TargetGroup", props.clone()),
    );
    Some(id)
}

/// A rule's forward action: to `primary`, or by weight to `primary` (all) and `alternate`
/// (none) for ECS to shift.
pub fn forward(primary: &str, alternate: Option<&str>) -> Value {
    match alternate {
        None => json!({"Type": "forward", "TargetGroupArn": ref_(primary)}),
        Some(alt) => json!({
            "Type": "forward",
            "ForwardConfig": {"TargetGroups": [
                {"TargetGroupArn": ref_(primary), "Weight": 100},
                {"TargetGroupArn": ref_(alt), "Weight": 0},
            ]},
        }),
    }
}

/// The catch-all rule `id` on `listener`: every request, by weight to the two groups.
fn catch_all(ctx: &mut Context, id: &str, listener: Value, priority: u32, tg: &str, alt: &str) {
    ctx.out.add(
        id.to_string(),
        Resource::new(
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            json!({
                "ListenerArn": listener,
                "Priority": priority,
                "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
                "Actions": [forward(tg, Some(alt))],
            }),
        ),
    );
}

/// The production rule of a service that owns its listener's default action.
pub fn production_rule(ctx: &mut Context, id: &str, listener: Value, tg: &str, alt: &str) {
    catch_all(ctx, id, listener, CATCH_ALL_PRIORITY, tg, alt);
}

/// `<P>EcsInfrastructureRole`, once per project.
fn infrastructure_role(ctx: &mut Context) -> String {
    let id = ctx.id("EcsInfrastructureRole");
    ctx.out.add(
        id.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "AllowAccessToECSForInfrastructureManagement",
                        "Effect": "Allow",
                        "Principal": {"Service": "ecs.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }],
                },
                "Description": format!("Lets ECS move traffic between the target groups of project {} during blue/green, canary and linear deployments", ctx.project().name),
                "ManagedPolicyArns": [sub(&format!("arn:${{AWS::Partition}}:iam::aws:policy/{INFRASTRUCTURE_POLICY}"))],
                "Tags": ctx.project_tags(),
            }),
        ),
    );
    id
}

/// Who may reach a test listener: the VPC (its CIDR when the project creates it, else the
/// private address ranges), never the internet.
fn test_sources(ctx: &Context) -> Vec<Value> {
    if ctx.placement.vpc.is_none() {
        return vec![get_att(&ctx.id("Vpc"), "CidrBlock")];
    }
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .iter()
        .map(|c| json!(c))
        .collect()
}

/// The test listener `<P><Svc>Test<port>Listener` of `s` (same protocol and certificate
/// as `l`), its catch-all rule and its ingress from the VPC; returns the rule's ID.
fn test_listener(
    ctx: &mut Context,
    s: &Service,
    l: &Listener,
    port: u16,
    tg: &str,
    alt: &str,
    ids: &mut Vec<String>,
) -> String {
    let listener = ctx.service_id(s, &format!("Test{port}Listener"));
    let mut props = json!({
        "LoadBalancerArn": match &ctx.placement.load_balancer {
            Some(existing) => existing.clone(),
            None => ref_(&ctx.id("LoadBalancer")),
        },
        "Port": port,
        "Protocol": l.protocol.name(),
        "DefaultActions": [forward(tg, None)],
    });
    if l.protocol == ListenerProtocol::Https {
        if let Some(first) = ctx.placement.certificates.first() {
            props["Certificates"] = json!([{"CertificateArn": first}]);
        }
        props["SslPolicy"] = json!(super::tls::SSL_POLICY);
    }
    ctx.out.add(
        listener.clone(),
        Resource::new("AWS::ElasticLoadBalancingV2::Listener", props),
    );
    let rule = format!("{listener}Rule");
    catch_all(ctx, &rule, ref_(&listener), 1, tg, alt);
    // The service waits for every listener and rule forwarding to its target groups.
    ids.push(listener);
    ids.push(rule.clone());
    match (&ctx.placement.load_balancer, &ctx.placement.load_balancer_security_group) {
        (None, _) => {
            let group = ref_(&ctx.id("LoadBalancerSecurityGroup"));
            for (i, source) in test_sources(ctx).into_iter().enumerate() {
                let suffix = if i == 0 { String::new() } else { format!("{i}") };
                let shown = source.as_str().unwrap_or("the VPC").to_string();
                ctx.out.add(
                    ctx.service_id(s, &format!("TestPort{port}Ingress{suffix}")),
                    Resource::new(
                        "AWS::EC2::SecurityGroupIngress",
                        json!({
                            "CidrIp": source,
                            "Description": format!("{port}/tcp test traffic from {shown}"),
                            "FromPort": port,
                            "GroupId": group,
                            "IpProtocol": "tcp",
                            "ToPort": port,
                        }),
                    ),
                );
            }
        }
        _ => ctx.diags.warn(
            crate::compose::deployments::update_path(&s.name).key("x-aws-test_port"),
            format!("the load balancer is given, not created: allow port {port} from your VPC on its security group yourself (never from the internet)"),
        ),
    }
    rule
}

/// `LoadBalancers[].AdvancedConfiguration` for the port of listener `l`; the test listener
/// when `x-aws-test_port` asks for one.
pub fn advanced(
    ctx: &mut Context,
    s: &Service,
    l: &Listener,
    (tg, alt, production): (&str, &str, &str),
    ids: &mut Vec<String>,
) -> Value {
    let role = infrastructure_role(ctx);
    let mut config = json!({
        "AlternateTargetGroupArn": ref_(alt),
        "ProductionListenerRule": ref_(production),
        "RoleArn": get_att(&role, "Arn"),
    });
    if let Some(port) = s.deployment.and_then(|d| d.test_port) {
        let rule = test_listener(ctx, s, l, port, tg, alt, ids);
        config["TestListenerRule"] = ref_(&rule);
    }
    config
}

/// The strategy's part of `DeploymentConfiguration`.
pub fn configure(s: &Service, config: &mut Value) {
    let Some(d) = s.deployment else { return };
    // The deployment circuit breaker can only be used with rolling updates (ECS API
    // reference, `DeploymentConfiguration.deploymentCircuitBreaker`).
    if let Some(map) = config.as_object_mut() {
        map.remove("DeploymentCircuitBreaker");
    }
    config["Strategy"] = json!(d.shift.ecs_name());
    config["BakeTimeInMinutes"] = json!(d.bake);
    let percent = |tenths: u32| json!(f64::from(tenths) / 10.0);
    match d.shift {
        Shift::BlueGreen => {}
        Shift::Canary { tenths, bake } => {
            config["CanaryConfiguration"] =
                json!({"CanaryPercent": percent(tenths), "CanaryBakeTimeInMinutes": bake});
        }
        Shift::Linear { tenths, bake } => {
            config["LinearConfiguration"] =
                json!({"StepPercent": percent(tenths), "StepBakeTimeInMinutes": bake});
        }
    }
}
