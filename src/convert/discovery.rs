//! Service discovery: services reach each other by their Compose service name, as under
//! `docker compose`, without changing images.
//!
//! - ECS Service Connect gives every task the short names (`db:5432`) of the project's
//!   services for their TCP ports (`ports` and `expose`), through the ECS-managed proxy.
//! - Cloud Map DNS registers every task as `<service>.<project>.local` (A records), which
//!   also serves UDP and undeclared ports.

use super::Context;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::template::Resource;
use crate::compose::model::{NetworkMode, Service};
use crate::compose::values::Protocol;
use serde_json::{json, Value};
use std::collections::BTreeSet;

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
    let record = match (mode, srv_port(s)) {
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

/// The port SRV records name in `bridge`/`host` mode: the first TCP port.
pub fn srv_port(s: &Service) -> Option<u16> {
    tcp_ports(s).into_iter().next()
}

/// TCP ports other services reach this one on (published and exposed).
pub fn tcp_ports(s: &Service) -> BTreeSet<u16> {
    let mut ports: BTreeSet<u16> = s
        .ports
        .iter()
        .filter(|p| p.protocol == Protocol::Tcp)
        .map(|p| p.target)
        .collect();
    ports.extend(
        s.expose
            .iter()
            .filter(|(_, p)| *p == Protocol::Tcp)
            .map(|(p, _)| *p),
    );
    ports
}

/// The port mapping name Service Connect refers to: `<service>-<port>`, lower case.
pub fn port_name(s: &Service, port: u16) -> String {
    let base: String = s
        .name
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
    let suffix = format!("-{port}");
    let keep = 64 - suffix.len();
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
    let services: Vec<Value> = tcp_ports(s)
        .into_iter()
        .map(|port| {
            let name = port_name(s, port);
            json!({
                "PortName": name,
                "DiscoveryName": name,
                "ClientAliases": [{"DnsName": s.name.to_ascii_lowercase(), "Port": port}],
            })
        })
        .collect();
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
