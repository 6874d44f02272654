//! The load balancer: an Application Load Balancer when every published port is HTTP,
//! otherwise a Network Load Balancer (compose-cli's rule); a listener per published port,
//! a target group per (service, port). The internet reaches the load balancer on the
//! published ports only; tasks accept those ports from the load balancer only.

use super::capacity::{instance_group, EPHEMERAL_FROM, EPHEMERAL_TO};
use super::network::network_id;
use super::Context;
use crate::cfn::intrinsics::{get_att, ref_, sub};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::{NetworkMode, Port, Service};
use crate::compose::values::Protocol;
use serde_json::{json, Value};

/// True when the project gets an Application Load Balancer.
pub fn is_application(ctx: &Context) -> bool {
    ctx.project()
        .services
        .values()
        .flat_map(|s| &s.ports)
        .all(Port::is_http)
}

fn has_ports(ctx: &Context) -> bool {
    ctx.project().services.values().any(|s| !s.ports.is_empty())
}

/// The load balancer ARN value.
fn arn(ctx: &Context) -> Value {
    match &ctx.placement.load_balancer {
        Some(existing) => existing.clone(),
        None => ref_(&ctx.id("LoadBalancer")),
    }
}

/// The security group the load balancer's traffic comes from.
fn source_group(ctx: &Context) -> Value {
    match &ctx.placement.load_balancer_security_group {
        Some(sg) => sg.clone(),
        None => ref_(&ctx.id("LoadBalancerSecurityGroup")),
    }
}

/// `<P>LoadBalancer` and its security group, when some port is published and no
/// existing load balancer is given.
pub fn load_balancer(ctx: &mut Context) {
    if !has_ports(ctx) || ctx.placement.load_balancer.is_some() {
        return;
    }
    let application = is_application(ctx);
    let project = ctx.project().name.clone();
    let mut ingress = Vec::new();
    for s in ctx.project().services.values() {
        for p in &s.ports {
            ingress.push(json!({
                "CidrIp": "0.0.0.0/0",
                "Description": format!("{}:{}/{} from the internet", s.name, p.published, p.protocol.lower()),
                "FromPort": p.published,
                "IpProtocol": p.protocol.lower(),
                "ToPort": p.published,
            }));
        }
    }
    let sg_id = ctx.id("LoadBalancerSecurityGroup");
    ctx.out.add(
        sg_id.clone(),
        Resource::new(
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": format!("{project} load balancer: published ports from the internet"),
                "SecurityGroupIngress": ingress,
                "VpcId": ctx.vpc.clone(),
                "Tags": ctx.project_tags(),
            }),
        ),
    );
    let attributes = if application {
        json!([{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}])
    } else {
        json!([{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}])
    };
    let lb_id = ctx.id("LoadBalancer");
    ctx.out.add(
        lb_id.clone(),
        Resource::new(
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            json!({
                "Type": if application { "application" } else { "network" },
                "Scheme": "internet-facing",
                "Subnets": ctx.subnets.clone(),
                "SecurityGroups": [ref_(&sg_id)],
                "LoadBalancerAttributes": attributes,
                "Tags": ctx.project_tags(),
            }),
        )
        .depends_on_all(ctx.network_ready.clone()),
    );
    ctx.out.output(
        ctx.id("LoadBalancerDnsName"),
        "DNS name of the load balancer",
        get_att(&lb_id, "DNSName"),
    );
}

/// What a service's published ports produced: the listener IDs (the ECS service waits for
/// them) and the `LoadBalancers` entries.
pub struct Listeners {
    /// Listener logical IDs.
    pub ids: Vec<String>,
    /// `LoadBalancers` entries of the ECS service.
    pub entries: Vec<Value>,
    /// Target group logical IDs, in port order.
    pub target_groups: Vec<String>,
}

/// Target group, listener and task ingress for each published port of `s`.
pub fn listeners(ctx: &mut Context, s: &Service) -> Listeners {
    let mut out = Listeners {
        ids: Vec::new(),
        entries: Vec::new(),
        target_groups: Vec::new(),
    };
    let mode = ctx
        .valid
        .service_plan(&s.name)
        .map_or(NetworkMode::Awsvpc, |p| p.network_mode);
    if s.ports.is_empty() {
        return out;
    }
    let application = is_application(ctx);
    for p in &s.ports {
        let proto_id = p.protocol.upper();
        let protocol = if application { "HTTP" } else { proto_id };
        let tg = ctx.service_id(s, &format!("{proto_id}{}TargetGroup", p.published));
        let listener = ctx.service_id(s, &format!("{proto_id}{}Listener", p.target));
        let mut tg_props = json!({
            "Port": p.target,
            "Protocol": protocol,
            "TargetType": if mode == NetworkMode::Awsvpc { "ip" } else { "instance" },
            "VpcId": ctx.vpc.clone(),
            "Tags": ctx.service_tags(s),
        });
        if application {
            tg_props["Matcher"] = json!({"HttpCode": "200-399"});
        }
        if mode == NetworkMode::Bridge {
            // Health checks follow each task's dynamic host port.
            tg_props["HealthCheckPort"] = json!("traffic-port");
        }
        ctx.out.add(
            tg.clone(),
            Resource::new("AWS::ElasticLoadBalancingV2::TargetGroup", tg_props),
        );
        ctx.out.add(
            listener.clone(),
            Resource::new(
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": arn(ctx),
                    "Port": p.published,
                    "Protocol": protocol,
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": ref_(&tg)}],
                }),
            ),
        );
        if mode != NetworkMode::Awsvpc {
            // `bridge`/`host` tasks listen on the instances: the instances accept the
            // host ports (the ephemeral range in `bridge` mode) from the load balancer.
            let (from, to, name) = if mode == NetworkMode::Bridge {
                (EPHEMERAL_FROM, EPHEMERAL_TO, "DynamicPorts".to_string())
            } else {
                (p.target, p.target, p.target.to_string())
            };
            let suffix = if p.protocol == Protocol::Udp {
                "UDP"
            } else {
                ""
            };
            let group = instance_group(ctx);
            ctx.out.add(
                format!("{group}{name}{suffix}Ingress"),
                Resource::new(
                    "AWS::EC2::SecurityGroupIngress",
                    json!({
                        "Description": format!("{from}-{to}/{} from the load balancer", p.protocol.lower()),
                        "FromPort": from,
                        "GroupId": ref_(&group),
                        "IpProtocol": p.protocol.lower(),
                        "SourceSecurityGroupId": source_group(ctx),
                        "ToPort": to,
                    }),
                ),
            );
        }
        // Tasks accept the port from the load balancer, on each project network.
        for net in s.networks.iter().filter(|_| mode == NetworkMode::Awsvpc) {
            let external = ctx
                .project()
                .networks
                .get(net)
                .is_some_and(|n| n.external.is_some());
            if external {
                continue;
            }
            let suffix = if p.protocol == Protocol::Udp {
                "UDP"
            } else {
                ""
            };
            let id = ctx.id(&format!("{}{}{suffix}Ingress", normalize(net), p.target));
            let group = network_id(ctx, net);
            ctx.out.add(
                id,
                Resource::new(
                    "AWS::EC2::SecurityGroupIngress",
                    json!({
                        "Description": format!("{}/{} from the load balancer", p.target, p.protocol.lower()),
                        "FromPort": p.target,
                        "GroupId": ref_(&group),
                        "IpProtocol": p.protocol.lower(),
                        "SourceSecurityGroupId": source_group(ctx),
                        "ToPort": p.target,
                    }),
                ),
            );
        }
        let url = if application {
            if p.published == 80 {
                format!("http://${{{}.DNSName}}", ctx.id("LoadBalancer"))
            } else {
                format!(
                    "http://${{{}.DNSName}}:{}",
                    ctx.id("LoadBalancer"),
                    p.published
                )
            }
        } else {
            format!("${{{}.DNSName}}:{}", ctx.id("LoadBalancer"), p.published)
        };
        if ctx.placement.load_balancer.is_none() {
            ctx.out.output(
                ctx.service_id(s, &format!("{proto_id}{}Endpoint", p.published)),
                &format!(
                    "Where service {} is published on port {}",
                    s.name, p.published
                ),
                sub(&url),
            );
        }
        out.entries.push(json!({
            "ContainerName": s.name,
            "ContainerPort": p.target,
            "TargetGroupArn": ref_(&tg),
        }));
        out.ids.push(listener);
        out.target_groups.push(tg);
    }
    out
}
