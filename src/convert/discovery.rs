//! Service discovery: services reach each other by the names Compose gives them, as under
//! `docker compose`, without changing images (`validate::reach` decides names, ports and
//! order; docs/ARCHITECTURE.md, "Service discovery").
//!
//! - ECS Service Connect gives every task the short names (`db:5432`, and each alias) of
//!   the project's services for every TCP port known, through the ECS-managed proxy.
//! - Cloud Map DNS registers every `awsvpc` task as `<service>.<project>.local` (A
//!   records); in the VPC the project creates, its DHCP options make `<project>.local` the
//!   search domain, so `db` resolves on any port (`network::vpc`).
//! - What neither gives is a warning: the service, who reaches it, and what to add.

use super::context::Context;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::template::Resource;
use crate::compose::model::{NetworkMode, Service};
use crate::compose::values::Protocol;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The Cloud Map namespace name: `<project>.local`.
pub fn namespace_name(ctx: &Context) -> String {
    format!("{}.local", ctx.project().name.replace('_', "-"))
}

/// `<P>CloudMap`: the private DNS namespace.
pub fn namespace(ctx: &mut Context) {
    let name = namespace_name(ctx);
    let project = ctx.project().name.clone();
    let ns = Resource::new(
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        json!({
            "Name": name,
            "Vpc": ctx.vpc.clone(),
            "Description": format!("Service Map for Docker Compose project {project}"),
            "Tags": ctx.project_tags(),
        }),
    );
    let id = ctx.id("CloudMap");
    ctx.out.add(id, ns);
}

/// `<P><Svc>ServiceDiscoveryEntry`: the service's DNS name in the namespace.
/// A record per task in `awsvpc` mode; in `bridge`/`host` mode, SRV records (instance and
/// port), for services with a port, and no entry for the others.
pub fn entry(ctx: &mut Context, s: &Service) {
    let mode = ctx
        .valid
        .service_plan(&s.name)
        .map_or(NetworkMode::Awsvpc, |p| p.network_mode);
    let record = match (mode, srv_port(ctx, s)) {
        (NetworkMode::Awsvpc, _) => "A",
        (_, Some(_)) => "SRV",
        (_, None) => return,
    };
    let entry = Resource::new(
        "AWS::ServiceDiscovery::Service",
        json!({
            "Name": s.name,
            "NamespaceId": ref_(&ctx.id("CloudMap")),
            "Description": format!("\"{}\" service discovery entry in Cloud Map", s.name),
            "DnsConfig": {
                "DnsRecords": [{"Type": record, "TTL": 60}],
                "RoutingPolicy": "MULTIVALUE",
            },
            "HealthCheckCustomConfig": {"FailureThreshold": 1},
            "Tags": ctx.service_tags(s),
        }),
    );
    let id = ctx.service_id(s, "ServiceDiscoveryEntry");
    ctx.out.add(id, entry);
}

/// The port SRV records name in `bridge`/`host` mode: the first declared TCP port, or
/// else the first one known.
pub fn srv_port(ctx: &Context, s: &Service) -> Option<u16> {
    let declared = s
        .ports
        .iter()
        .filter(|p| p.protocol == Protocol::Tcp)
        .map(|p| p.target)
        .chain(
            s.expose
                .iter()
                .filter(|(_, p)| *p == Protocol::Tcp)
                .map(|(p, _)| *p),
        )
        .min();
    declared.or_else(|| tcp_ports(ctx, s).into_iter().next())
}

/// TCP ports other services reach this one on: declared, exposed, the image's, the ones
/// other services name, the default ports of widely used images (`validate::reach`).
pub fn tcp_ports(ctx: &Context, s: &Service) -> BTreeSet<u16> {
    ctx.valid
        .reach()
        .services
        .get(&s.name)
        .map(|r| r.ports.clone())
        .unwrap_or_default()
}

/// The port mapping name Service Connect refers to: `<service>-<port>`, lower case.
pub fn port_name(s: &Service, port: u16) -> String {
    discovery_name(&s.name, &format!("-{port}"))
}

/// `<base>` sanitised for Cloud Map (lower case letters, digits, `-`, `_`; not starting
/// with either), cut so that `<base><suffix>` has at most 64 characters.
fn discovery_name(base: &str, suffix: &str) -> String {
    let base: String = base
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let base = base.trim_start_matches(['-', '_']);
    let keep = 64usize.saturating_sub(suffix.len());
    let base = if base.len() > keep {
        &base[..keep]
    } else {
        base
    };
    let base = if base.is_empty() { "port" } else { base };
    format!("{base}{suffix}")
}

/// The service's `ServiceConnectConfiguration`.
pub fn service_connect(ctx: &Context, s: &Service) -> Value {
    // One entry per name and port: a Service Connect service has one client alias. An
    // alias's entry shares the port's mapping under its own Cloud Map name,
    // `<service>-<port>-a<n>` (never a service's `<service>-<port>`, which ends in digits).
    let aliases: Vec<String> = ctx
        .valid
        .reach()
        .services
        .get(&s.name)
        .map(|r| r.aliases.iter().cloned().collect())
        .unwrap_or_default();
    let mut services: Vec<Value> = Vec::new();
    for port in tcp_ports(ctx, s) {
        let name = port_name(s, port);
        services.push(json!({
            "PortName": name,
            "DiscoveryName": name,
            "ClientAliases": [{"DnsName": s.name.to_ascii_lowercase(), "Port": port}],
        }));
        for (i, alias) in aliases.iter().enumerate() {
            services.push(json!({
                "PortName": name,
                "DiscoveryName": discovery_name(&s.name, &format!("-{port}-a{}", i + 1)),
                "ClientAliases": [{"DnsName": alias, "Port": port}],
            }));
        }
    }
    let mut config = json!({
        "Enabled": true,
        "Namespace": get_att(&ctx.id("CloudMap"), "Arn"),
        "LogConfiguration": {
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": ref_(&ctx.id("LogGroup")),
                "awslogs-region": ref_("AWS::Region"),
                "awslogs-stream-prefix": format!("{}-service-connect", ctx.project().name),
            },
        },
    });
    if !services.is_empty() {
        config["Services"] = Value::Array(services);
    }
    config
}

/// Warns about every reference no mechanism serves: a name without a known port outside
/// the project's DNS search domain, and services in `host` mode, which Service Connect
/// does not serve. One warning per service reached, naming who reaches it.
pub fn warnings(ctx: &mut Context) {
    let created_vpc = ctx.placement.vpc.is_none();
    let mode = |name: &str| {
        ctx.valid
            .service_plan(name)
            .map_or(NetworkMode::Awsvpc, |p| p.network_mode)
    };
    let mut found: BTreeMap<(String, &'static str), BTreeSet<String>> = BTreeMap::new();
    for (target, reach) in &ctx.valid.reach().services {
        let target_mode = mode(target);
        for m in &reach.clients {
            let by_dns = created_vpc
                && m.name == target.to_ascii_lowercase()
                && target_mode == NetworkMode::Awsvpc;
            let client_mode = mode(&m.client);
            let by_service_connect = client_mode != NetworkMode::Host
                && target_mode != NetworkMode::Host
                && !reach.ports.is_empty();
            if by_dns || by_service_connect {
                continue;
            }
            let why = if target_mode == NetworkMode::Host {
                "host"
            } else if client_mode == NetworkMode::Host && !reach.ports.is_empty() {
                "client_host"
            } else {
                "no_port"
            };
            let who = if m.name == target.to_ascii_lowercase() {
                format!("`{}`", m.client)
            } else {
                format!("`{}` (as `{}`)", m.client, m.name)
            };
            found.entry((target.clone(), why)).or_default().insert(who);
        }
    }
    let namespace = namespace_name(ctx);
    for ((target, why), clients) in found {
        let who = clients.into_iter().collect::<Vec<_>>().join(", ");
        let message = match why {
            "host" => format!(
                "`{target}` runs in `host` network mode, which Service Connect does not serve, and has no address of its own in DNS (SRV records `{target}.{namespace}` name the instance and port): {who} cannot reach it by name; use `network_mode: awsvpc` or `bridge`"
            ),
            "client_host" => format!(
                "{who} runs in `host` network mode, which is not a Service Connect client: it reaches `{target}` by name only through DNS, in the VPC the project creates, when `{target}` runs in `awsvpc` mode; use `network_mode: awsvpc` or `bridge` for the client"
            ),
            _ => {
                let dns = if created_vpc {
                    "the project's DNS search domain serves only service names of `awsvpc` tasks"
                } else {
                    "in a VPC the project does not create, no DNS search domain makes short names resolve"
                };
                format!(
                    "no port of `{target}` is known (no `ports`, `expose`, port in a reference, or known image), and {who} reaches it by name: Service Connect cannot serve a name without a port, and {dns}; add the port `{target}` listens on: `expose: [\"<port>\"]`"
                )
            }
        };
        ctx.diags.warn(format!("services.{target}"), message);
    }
}
