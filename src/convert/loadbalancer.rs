//! The load balancer (see docs/load-balancing.md): an Application Load Balancer when every
//! published port is HTTP or HTTPS, otherwise a Network Load Balancer (compose-cli's
//! rule); one listener per published port (HTTPS and TLS with the project's certificate,
//! TCP_UDP for a port published for both), one target group per (service, port) on the
//! container port, listener rules for services that share a port by host or path, and
//! the HTTP to HTTPS redirect. The allowed sources reach the listener ports only; tasks
//! accept their container ports from the load balancer's security group only.
//!
//! What goes where was decided by `validate::loadbalancer`; this file writes it out.

use super::capacity::{instance_group, EPHEMERAL_FROM, EPHEMERAL_TO};
use super::context::Context;
use super::network::network_id;
use crate::cfn::intrinsics::{get_att, ref_, sub};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::{NetworkMode, Routing, Service};
use crate::compose::values::Protocol;
use crate::validate::loadbalancer::{Fallback, Kind, Listener, ListenerProtocol, Target};
use serde_json::{json, Value};
use std::collections::BTreeSet;

use super::tls::SSL_POLICY;

/// Target group health checks: a new task is healthy after `HEALTHY_THRESHOLD` checks
/// `HEALTH_CHECK_INTERVAL` seconds apart (20 s), instead of ELB's 5 × 30 s.
pub const HEALTH_CHECK_INTERVAL: u64 = 10;
/// Seconds a health check may take (less than the interval).
pub const HEALTH_CHECK_TIMEOUT: u64 = 5;
/// Consecutive successes that make a target healthy.
pub const HEALTHY_THRESHOLD: u64 = 2;
/// Consecutive failures that make a target unhealthy.
pub const UNHEALTHY_THRESHOLD: u64 = 3;
/// Compose's default `stop_grace_period`, the default deregistration delay.
pub const DEFAULT_STOP_GRACE_SECONDS: u64 = 10;

/// True when the project gets an Application Load Balancer.
pub fn is_application(ctx: &Context) -> bool {
    ctx.valid
        .balancer()
        .is_some_and(|p| p.kind == Kind::Application)
}

/// The load balancer ARN value.
fn arn(ctx: &Context) -> Value {
    match &ctx.placement.load_balancer {
        Some(existing) => existing.clone(),
        None => ref_(&ctx.id("LoadBalancer")),
    }
}

/// The load balancer's full name (`app/<name>/<id>`), as CloudWatch dimensions and
/// Application Auto Scaling name it: the created one's, or read from the given ARN.
pub fn full_name(ctx: &Context) -> Value {
    match &ctx.placement.load_balancer {
        Some(existing) => {
            json!({"Fn::Select": [1, {"Fn::Split": ["loadbalancer/", existing.clone()]}]})
        }
        None => get_att(&ctx.id("LoadBalancer"), "LoadBalancerFullName"),
    }
}

/// The security group the load balancer's traffic comes from.
fn source_group(ctx: &Context) -> Value {
    match &ctx.placement.load_balancer_security_group {
        Some(sg) => sg.clone(),
        None => ref_(&ctx.id("LoadBalancerSecurityGroup")),
    }
}

/// The transport protocols a listener's clients use.
fn transports(protocol: ListenerProtocol) -> &'static [Protocol] {
    match protocol {
        ListenerProtocol::Udp => &[Protocol::Udp],
        ListenerProtocol::TcpUdp => &[Protocol::Tcp, Protocol::Udp],
        _ => &[Protocol::Tcp],
    }
}

/// Who may connect to the listeners: the given sources; for an internal load balancer
/// the VPC (its CIDR when the project creates it, else the private address ranges);
/// otherwise anywhere.
fn sources(ctx: &Context) -> Vec<Value> {
    if !ctx.placement.sources.is_empty() {
        return ctx.placement.sources.clone();
    }
    if !ctx.placement.internal {
        return vec![json!("0.0.0.0/0")];
    }
    if ctx.placement.vpc.is_none() {
        return vec![get_att(&ctx.id("Vpc"), "CidrBlock")];
    }
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .iter()
        .map(|c| json!(c))
        .collect()
}

/// One ingress rule of the load balancer's group.
fn ingress_rule(source: &Value, port: u16, protocol: Protocol) -> Value {
    let (key, shown) = match source.as_str() {
        Some("0.0.0.0/0") => ("CidrIp", "the internet".to_string()),
        Some(s) if s.starts_with("pl-") => ("SourcePrefixListId", s.to_string()),
        Some(s) if s.contains(':') => ("CidrIpv6", s.to_string()),
        Some(s) => ("CidrIp", s.to_string()),
        None => ("CidrIp", "the allowed sources".to_string()),
    };
    let mut rule = serde_json::Map::new();
    rule.insert(key.into(), source.clone());
    rule.insert(
        "Description".into(),
        json!(format!("{port}/{} from {shown}", protocol.lower())),
    );
    rule.insert("FromPort".into(), json!(port));
    rule.insert("IpProtocol".into(), json!(protocol.lower()));
    rule.insert("ToPort".into(), json!(port));
    Value::Object(rule)
}

/// `<P>LoadBalancer` and its security group, when some port is published and no
/// existing load balancer is given.
pub fn load_balancer(ctx: &mut Context) {
    let Some(plan) = ctx.valid.balancer() else {
        return;
    };
    if ctx.placement.load_balancer.is_some() {
        return;
    }
    let application = plan.kind == Kind::Application;
    let project = ctx.project().name.clone();
    let sources = sources(ctx);
    let mut ingress = Vec::new();
    for l in &plan.listeners {
        for &protocol in transports(l.protocol) {
            for source in &sources {
                ingress.push(ingress_rule(source, l.port, protocol));
            }
        }
    }
    let internal = ctx.placement.internal;
    let sg_id = ctx.id("LoadBalancerSecurityGroup");
    ctx.out.add(
        sg_id.clone(),
        Resource::new(
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": format!(
                    "{project} load balancer: published ports from {}",
                    if ctx.placement.sources.is_empty() && !internal { "the internet" } else { "the allowed sources" }
                ),
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
                "Scheme": if internal { "internal" } else { "internet-facing" },
                "Subnets": super::network::balancer_subnets(ctx, internal),
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
    /// Listener and listener rule logical IDs.
    pub ids: Vec<String>,
    /// `LoadBalancers` entries of the ECS service.
    pub entries: Vec<Value>,
    /// Target group logical IDs, in port order.
    pub target_groups: Vec<String>,
}

/// `TCP`, `UDP`, or `TCPUDP` for a port published for both: the protocol part of the
/// logical IDs (compose-cli's, from the Compose protocol).
fn id_protocol(l: &Listener, t: &Target) -> &'static str {
    if l.protocol == ListenerProtocol::TcpUdp {
        "TCPUDP"
    } else {
        t.port.protocol.upper()
    }
}

/// The listener's logical ID: compose-cli's `<Svc><PROTO><port>Listener` when it serves
/// one service, `<PROTO><port>Listener` when services share it by routing rules.
fn listener_id(ctx: &Context, l: &Listener) -> String {
    let t = &l.targets[0];
    let part = format!("{}{}Listener", id_protocol(l, t), l.port);
    if l.owned() {
        format!("{}{}{part}", ctx.prefix, normalize(&t.service))
    } else {
        ctx.id(&part)
    }
}

/// The listener ARN value: the created listener, or the existing one.
fn listener_arn(ctx: &Context, l: &Listener) -> Value {
    match ctx.placement.listeners.get(&l.port) {
        Some(existing) if l.existing => existing.clone(),
        _ => ref_(&listener_id(ctx, l)),
    }
}

/// The listener resource (once per listener; every service behind it adds the same).
fn listener(ctx: &mut Context, l: &Listener, target_group: Option<&str>) {
    if l.existing {
        return;
    }
    let id = listener_id(ctx, l);
    let default = match (l.fallback, target_group) {
        (Fallback::Redirect, _) => json!({
            "Type": "redirect",
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
        }),
        (Fallback::Forward(_), Some(tg)) => json!({"Type": "forward", "TargetGroupArn": ref_(tg)}),
        _ => json!({
            "Type": "fixed-response",
            "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "Not Found"},
        }),
    };
    let mut props = json!({
        "LoadBalancerArn": arn(ctx),
        "Port": l.port,
        "Protocol": l.protocol.name(),
    });
    if l.protocol.tls() {
        if let Some(first) = ctx.placement.certificates.first() {
            props["Certificates"] = json!([{"CertificateArn": first}]);
        }
        props["SslPolicy"] = json!(SSL_POLICY);
        let more: Vec<Value> = ctx
            .placement
            .certificates
            .iter()
            .skip(1)
            .map(|c| json!({"CertificateArn": c}))
            .collect();
        if !more.is_empty() {
            ctx.out.add(
                format!("{id}Certificates"),
                Resource::new(
                    "AWS::ElasticLoadBalancingV2::ListenerCertificate",
                    json!({"ListenerArn": ref_(&id), "Certificates": more}),
                ),
            );
        }
    }
    props["DefaultActions"] = json!([default]);
    ctx.out.add(
        id,
        Resource::new("AWS::ElasticLoadBalancingV2::Listener", props),
    );
}

/// The default target of a listener: which target forwards by default.
fn is_default(l: &Listener, t: &Target) -> bool {
    matches!(l.fallback, Fallback::Forward(i) if l.targets[i].service == t.service)
}

/// The target group's health check and attributes.
fn target_group(ctx: &Context, s: &Service, l: &Listener, t: &Target, mode: NetworkMode) -> Value {
    let application = is_application(ctx);
    let protocol = match l.protocol {
        ListenerProtocol::Http | ListenerProtocol::Https => "HTTP",
        ListenerProtocol::Tls => "TCP",
        other => other.name(),
    };
    let check = &t.port.check;
    let mut props = json!({
        "Port": t.port.target,
        "Protocol": protocol,
        "TargetType": if mode == NetworkMode::Awsvpc { "ip" } else { "instance" },
        "VpcId": ctx.vpc.clone(),
    });
    let http_check = application || check.path.is_some();
    if !application {
        props["HealthCheckProtocol"] = json!(if http_check { "HTTP" } else { "TCP" });
    }
    if http_check {
        props["HealthCheckPath"] = json!(check.path.as_deref().unwrap_or("/"));
        props["Matcher"] = json!({"HttpCode": check.matcher.as_deref().unwrap_or("200-399")});
    }
    props["HealthCheckIntervalSeconds"] = json!(check.interval.unwrap_or(HEALTH_CHECK_INTERVAL));
    props["HealthCheckTimeoutSeconds"] = json!(check.timeout.unwrap_or(HEALTH_CHECK_TIMEOUT));
    props["HealthyThresholdCount"] = json!(check.healthy_threshold.unwrap_or(HEALTHY_THRESHOLD));
    props["UnhealthyThresholdCount"] =
        json!(check.unhealthy_threshold.unwrap_or(UNHEALTHY_THRESHOLD));
    if let Some(port) = check.port {
        props["HealthCheckPort"] = json!(port.to_string());
    } else if mode == NetworkMode::Bridge {
        // Health checks follow each task's dynamic host port.
        props["HealthCheckPort"] = json!("traffic-port");
    }
    // Draining waits as long as the container may take to stop (Compose's default: 10 s).
    let delay = s.stop_grace_period.unwrap_or(DEFAULT_STOP_GRACE_SECONDS);
    props["TargetGroupAttributes"] = json!([
        {"Key": "deregistration_delay.timeout_seconds", "Value": delay.to_string()},
    ]);
    props["Tags"] = Value::Array(ctx.service_tags(s));
    props
}

/// The container ports and protocols the load balancer reaches on a task (for TCP and
/// UDP on one port, UDP too).
fn task_ports(l: &Listener, t: &Target) -> BTreeSet<(u16, Protocol)> {
    let mut out = t.port.reached();
    if l.protocol == ListenerProtocol::TcpUdp {
        out.insert((t.port.target, Protocol::Udp));
    }
    out
}

/// Target group, listener, listener rule, task ingress and endpoint output for each
/// published port of `s`.
pub fn listeners(ctx: &mut Context, s: &Service) -> Listeners {
    let mut out = Listeners {
        ids: Vec::new(),
        entries: Vec::new(),
        target_groups: Vec::new(),
    };
    let Some(plan) = ctx.valid.balancer() else {
        return out;
    };
    let mut alternates = Vec::new();
    let mode = ctx
        .valid
        .service_plan(&s.name)
        .map_or(NetworkMode::Awsvpc, |p| p.network_mode);
    for (l, t) in plan.of_service(&s.name) {
        let proto_id = id_protocol(l, t);
        if l.fallback == Fallback::Redirect {
            // Port 80 answers with a redirect to HTTPS: no target group, nothing reaches
            // the task on this port.
            listener(ctx, l, None);
            out.ids.push(listener_id(ctx, l));
            continue;
        }
        let tg = ctx.service_id(s, &format!("{proto_id}{}TargetGroup", l.port));
        let props = target_group(ctx, s, l, t, mode);
        // Blue/green-family deployments: the alternate target group (convert::deployments).
        let alternate = super::deployments::alternate_group(ctx, s, proto_id, l.port, &props);
        let mut production = None;
        ctx.out.add(
            tg.clone(),
            Resource::new("AWS::ElasticLoadBalancingV2::TargetGroup", props),
        );
        let default_tg = match l.fallback {
            Fallback::Forward(i) => Some(ctx.service_id(
                &Service {
                    name: l.targets[i].service.clone(),
                    ..Service::default()
                },
                &format!("{}{}TargetGroup", id_protocol(l, &l.targets[i]), l.port),
            )),
            _ => None,
        };
        listener(ctx, l, default_tg.as_deref());
        if is_default(l, t) {
            out.ids.push(listener_id(ctx, l));
            if let Some(alt) = &alternate {
                // ECS shifts a rule's weights, never a listener's default action.
                let rule = ctx.service_id(s, &format!("{proto_id}{}ListenerRule", l.port));
                let arn = listener_arn(ctx, l);
                super::deployments::production_rule(ctx, &rule, arn, &tg, alt);
                out.ids.push(rule.clone());
                production = Some(rule);
            }
        } else if let Some(rule) = forward_rule(ctx, s, l, t, &tg, alternate.as_deref()) {
            production = Some(rule.clone());
            if !l.existing {
                out.ids.push(listener_id(ctx, l));
            }
            out.ids.push(rule);
        }
        for (port, protocol) in task_ports(l, t) {
            task_ingress(ctx, s, mode, port, protocol);
        }
        if ctx.placement.load_balancer.is_none() {
            let url = endpoint(ctx, l, t);
            ctx.out.output(
                ctx.service_id(s, &format!("{proto_id}{}Endpoint", l.port)),
                &format!("Where service {} is published on port {}", s.name, l.port),
                if url.contains("${") {
                    sub(&url)
                } else {
                    json!(url)
                },
            );
        }
        let mut entry = json!({
            "ContainerName": s.name,
            "ContainerPort": t.port.target,
            "TargetGroupArn": ref_(&tg),
        });
        if let (Some(alt), Some(rule)) = (&alternate, &production) {
            entry["AdvancedConfiguration"] =
                super::deployments::advanced(ctx, s, l, (&tg, alt, rule), &mut out.ids);
            alternates.push(alt.clone());
        }
        out.entries.push(entry);
        out.target_groups.push(tg);
    }
    // After the primaries: autoscaling follows the first target group.
    out.target_groups.extend(alternates);
    out.ids.sort();
    out.ids.dedup();
    out
}

/// The conditions of a routed port's listener rule: its hosts (`x-aws-routing.hosts`, or
/// the names of `x-aws-domain`) and its paths; all must match.
pub fn rule_conditions(routing: &Routing) -> Vec<Value> {
    let mut conditions = Vec::new();
    if !routing.hosts.is_empty() {
        conditions
            .push(json!({"Field": "host-header", "HostHeaderConfig": {"Values": routing.hosts}}));
    }
    if !routing.paths.is_empty() {
        conditions
            .push(json!({"Field": "path-pattern", "PathPatternConfig": {"Values": routing.paths}}));
    }
    conditions
}

/// The listener rule forwarding `s`'s routed port `t` on listener `l` to target group
/// `target_group` (`<Svc><PROTO><port>ListenerRule`, at the priority the plan gave it);
/// returns its logical ID, `None` for a port without routing (the listener's default).
/// Other areas that need the rule (deployment strategies) reuse it.
pub fn forward_rule(
    ctx: &mut Context,
    s: &Service,
    l: &Listener,
    t: &Target,
    target_group: &str,
    alternate: Option<&str>,
) -> Option<String> {
    let routing = t.port.routing.as_ref()?;
    let rule = ctx.service_id(s, &format!("{}{}ListenerRule", id_protocol(l, t), l.port));
    let resource = Resource::new(
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        json!({
            "ListenerArn": listener_arn(ctx, l),
            "Priority": t.priority.unwrap_or(1),
            "Conditions": rule_conditions(routing),
            "Actions": [super::deployments::forward(target_group, alternate)],
        }),
    );
    ctx.out.add(rule.clone(), resource);
    Some(rule)
}

/// Where a service is reached: `https://<host or DNS name>[:port][path]` for web ports,
/// `<DNS name>:<port>` otherwise.
fn endpoint(ctx: &Context, l: &Listener, t: &Target) -> String {
    let dns = format!("${{{}.DNSName}}", ctx.id("LoadBalancer"));
    let (scheme, default_port) = match l.protocol {
        ListenerProtocol::Http => ("http://", 80),
        ListenerProtocol::Https => ("https://", 443),
        _ => return format!("{dns}:{}", l.port),
    };
    let routing = t.port.routing.as_ref();
    let host = routing
        .and_then(|r| r.hosts.iter().find(|h| !h.contains(['*', '?'])))
        .cloned()
        .unwrap_or(dns);
    let port = if l.port == default_port {
        String::new()
    } else {
        format!(":{}", l.port)
    };
    let path = routing
        .and_then(|r| r.paths.first())
        .map(|p| p.split(['*', '?']).next().unwrap_or("/").to_string())
        .unwrap_or_default();
    format!("{scheme}{host}{port}{path}")
}

/// The task accepts `port`/`protocol` from the load balancer's security group only.
fn task_ingress(ctx: &mut Context, s: &Service, mode: NetworkMode, port: u16, protocol: Protocol) {
    let suffix = if protocol == Protocol::Udp { "UDP" } else { "" };
    if mode != NetworkMode::Awsvpc {
        // `bridge`/`host` tasks listen on the instances: the instances accept the host
        // ports (the ephemeral range in `bridge` mode) from the load balancer.
        let (from, to, name) = if mode == NetworkMode::Bridge {
            (EPHEMERAL_FROM, EPHEMERAL_TO, "DynamicPorts".to_string())
        } else {
            (port, port, port.to_string())
        };
        let group = instance_group(ctx);
        ctx.out.add(
            format!("{group}{name}{suffix}Ingress"),
            Resource::new(
                "AWS::EC2::SecurityGroupIngress",
                json!({
                    "Description": format!("{from}-{to}/{} from the load balancer", protocol.lower()),
                    "FromPort": from,
                    "GroupId": ref_(&group),
                    "IpProtocol": protocol.lower(),
                    "SourceSecurityGroupId": source_group(ctx),
                    "ToPort": to,
                }),
            ),
        );
        return;
    }
    // On each project network of the service.
    for net in &s.networks {
        let external = ctx
            .project()
            .networks
            .get(net)
            .is_some_and(|n| n.external.is_some());
        if external {
            continue;
        }
        let id = ctx.id(&format!("{}{}{suffix}Ingress", normalize(net), port));
        let group = network_id(ctx, net);
        ctx.out.add(
            id,
            Resource::new(
                "AWS::EC2::SecurityGroupIngress",
                json!({
                    "Description": format!("{port}/{} from the load balancer", protocol.lower()),
                    "FromPort": port,
                    "GroupId": ref_(&group),
                    "IpProtocol": protocol.lower(),
                    "SourceSecurityGroupId": source_group(ctx),
                    "ToPort": port,
                }),
            ),
        );
    }
}
