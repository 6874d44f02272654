//! The project's load balancer, decided from the Compose side: its kind, one listener per
//! published port, the services each listener forwards to (by routing rule, or as its
//! default), rule priorities, the HTTP to HTTPS redirect, and the rules that keep it
//! valid: two services share a port only through `x-aws-routing`, TCP and UDP share one
//! only within a service, HTTPS needs a certificate. See docs/load-balancing.md.

use crate::compose::model::{Port, Project, ScaleMetric, Web};
use crate::compose::values::Protocol;
use crate::diagnostics::{Diagnostics, Path};
use std::collections::{BTreeMap, BTreeSet};

/// Load balancer settings given outside the Compose document (the project's
/// `LoadBalancer` property), which the decisions depend on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Given {
    /// A certificate is given by the property.
    pub certificate: bool,
    /// Published ports served by existing listeners given by the property.
    pub listeners: BTreeSet<u16>,
    /// An existing load balancer is given by the property.
    pub balancer: bool,
}

/// Application or Network Load Balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Every published port is a web port.
    Application,
    /// Some port is plain TCP or UDP.
    Network,
}

/// A listener's protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListenerProtocol {
    /// HTTP (Application Load Balancer).
    Http,
    /// HTTPS, terminated with the project's certificate.
    Https,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// TCP and UDP on one port.
    TcpUdp,
    /// TLS, terminated with the project's certificate (Network Load Balancer).
    Tls,
}

impl ListenerProtocol {
    /// The name Elastic Load Balancing uses.
    pub fn name(self) -> &'static str {
        match self {
            ListenerProtocol::Http => "HTTP",
            ListenerProtocol::Https => "HTTPS",
            ListenerProtocol::Tcp => "TCP",
            ListenerProtocol::Udp => "UDP",
            ListenerProtocol::TcpUdp => "TCP_UDP",
            ListenerProtocol::Tls => "TLS",
        }
    }

    /// True when the listener terminates TLS with the project's certificate.
    pub fn tls(self) -> bool {
        matches!(self, ListenerProtocol::Https | ListenerProtocol::Tls)
    }
}

/// One service port behind a listener.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The service.
    pub service: String,
    /// Its port (for TCP and UDP on one port, the TCP one).
    pub port: Port,
    /// The rule's priority, when the port has `x-aws-routing`.
    pub priority: Option<u32>,
}

/// What a listener does with a request no rule takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// Forward to `targets[i]`.
    Forward(usize),
    /// Answer 404.
    NotFound,
    /// Redirect to HTTPS on 443.
    Redirect,
}

/// One listener: a published port.
#[derive(Clone, Debug, PartialEq)]
pub struct Listener {
    /// The published port.
    pub port: u16,
    /// Its protocol.
    pub protocol: ListenerProtocol,
    /// The service ports it forwards to, sorted by service.
    pub targets: Vec<Target>,
    /// Its default action.
    pub fallback: Fallback,
    /// True when the listener exists already (`x-aws-listeners`): only rules are added.
    pub existing: bool,
}

impl Listener {
    /// True when the listener is named after its one service (compose-cli's
    /// `<Svc><PROTO><port>Listener`), false when services share it.
    pub fn owned(&self) -> bool {
        self.targets.len() == 1 && self.targets[0].port.routing.is_none()
    }
}

/// The load balancer of a project that publishes ports.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Its kind.
    pub kind: Kind,
    /// Its listeners, by port.
    pub listeners: Vec<Listener>,
    /// A certificate is given.
    pub certificate: bool,
}

impl Plan {
    /// The listeners forwarding to `service`, with the target of `service` in each.
    pub fn of_service<'a>(
        &'a self,
        service: &'a str,
    ) -> impl Iterator<Item = (&'a Listener, &'a Target)> + 'a {
        self.listeners.iter().flat_map(move |l| {
            l.targets
                .iter()
                .filter(move |t| t.service == service)
                .map(move |t| (l, t))
        })
    }
}

/// Decides the load balancer; `None` when no port is published. Problems go to `diags`.
pub fn plan(project: &Project, given: &Given, diags: &mut Diagnostics) -> Option<Plan> {
    let lb = &project.load_balancing;
    // `x-aws-domain` creates a certificate (`compose::domains`).
    let certificate =
        given.certificate || !lb.certificates.is_empty() || !project.domains.names.is_empty();
    let ports: Vec<(&str, &Port)> = project
        .services
        .values()
        .flat_map(|s| s.ports.iter().map(move |p| (s.name.as_str(), p)))
        .collect();
    if ports.is_empty() {
        return None;
    }
    let existing: BTreeSet<u16> = given
        .listeners
        .iter()
        .copied()
        .chain(lb.listeners.keys().copied())
        .collect();
    // A port an existing listener serves is a web port: the listener's protocol (and
    // certificate) are its own.
    let kind = if ports
        .iter()
        .all(|(_, p)| p.web(certificate).is_some() || existing.contains(&p.published))
    {
        Kind::Application
    } else {
        Kind::Network
    };
    let existing_balancer = given.balancer || project.loadbalancer.is_some();
    if !existing.is_empty() && !existing_balancer {
        diags.error(
            Path::new("x-aws-listeners"),
            "existing listeners belong to an existing load balancer: set `x-aws-loadbalancer` (or the `LoadBalancer` property's `Arn`) too",
        );
    }
    let mut by_port: BTreeMap<u16, Vec<(&str, &Port)>> = BTreeMap::new();
    for (service, port) in &ports {
        by_port
            .entry(port.published)
            .or_default()
            .push((service, port));
    }
    let mut listeners = Vec::new();
    for (number, entries) in by_port {
        if let Some(l) = listener(number, &entries, kind, certificate, &existing, diags) {
            listeners.push(l);
        }
    }
    for port in existing
        .iter()
        .filter(|p| !listeners.iter().any(|l| l.port == **p))
    {
        diags.error(
            Path::new("x-aws-listeners").key(&port.to_string()),
            format!("no service publishes port `{port}`; publish it, or drop the listener"),
        );
    }
    redirect(&mut listeners, certificate && !lb.no_http_redirect);
    // `validate::compute` checked the ports counting a bare 443 as HTTPS; without a
    // certificate it is TLS passthrough, which needs a Network Load Balancer.
    if kind == Kind::Network && ports.iter().all(|(_, p)| p.web(true).is_some()) {
        for s in project.services.values() {
            if let Some(a) = s.autoscaling.as_ref() {
                if matches!(a.metric, ScaleMetric::Requests(_)) && !s.ports.is_empty() {
                    diags.error(
                        format!("{}.requests", a.path),
                        "scaling on requests needs an Application Load Balancer, but port `443` without a certificate is TLS passthrough on a Network Load Balancer; set `x-aws-certificate`, or scale on `cpu` or `memory`",
                    );
                }
            }
        }
    }
    Some(Plan {
        kind,
        listeners,
        certificate,
    })
}

/// The listener of one published port.
fn listener(
    number: u16,
    entries: &[(&str, &Port)],
    kind: Kind,
    certificate: bool,
    existing: &BTreeSet<u16>,
    diags: &mut Diagnostics,
) -> Option<Listener> {
    let mut failed = false;
    for (_, p) in entries {
        if p.x_protocol.as_deref() == Some("https") && !certificate && !existing.contains(&number) {
            diags.error(
                format!("{}.x-aws-protocol", p.path),
                "`https` needs a certificate: set `x-aws-certificate` to an ACM certificate ARN (or the project's `LoadBalancer.Certificate` property), or publish the port as `tcp` (TLS passthrough)",
            );
            failed = true;
        }
    }
    let first = entries[0].1;
    let protocol = match kind {
        Kind::Application => match first.web(certificate) {
            Some(Web::Https) => ListenerProtocol::Https,
            _ => ListenerProtocol::Http,
        },
        Kind::Network => {
            let tcp = entries.iter().any(|(_, p)| p.protocol == Protocol::Tcp);
            let udp = entries.iter().any(|(_, p)| p.protocol == Protocol::Udp);
            match (tcp, udp) {
                (true, true) => ListenerProtocol::TcpUdp,
                (false, true) => ListenerProtocol::Udp,
                _ if first.web(certificate) == Some(Web::Https) && certificate => {
                    ListenerProtocol::Tls
                }
                _ => ListenerProtocol::Tcp,
            }
        }
    };
    let existing = existing.contains(&number);
    if existing && kind == Kind::Network {
        diags.error(
            Path::new("x-aws-listeners").key(&number.to_string()),
            "an existing listener takes routing rules, which only an Application Load Balancer has; every published port of the project must be HTTP or HTTPS",
        );
        failed = true;
    }
    let mut targets: Vec<Target> = Vec::new();
    for (service, port) in entries {
        if kind == Kind::Application && port.web(certificate) != first.web(certificate) {
            diags.error(
                &port.path,
                format!(
                    "port `{number}` is served as {} for service `{}` and as {} here; give both the same `x-aws-protocol`",
                    web_name(first.web(certificate)),
                    entries[0].0,
                    web_name(port.web(certificate))
                ),
            );
            failed = true;
            continue;
        }
        if let Some(t) = targets.iter().find(|t| t.service == *service) {
            // The same service on TCP and UDP: one `TCP_UDP` target group, one port.
            if t.port.target != port.target {
                diags.error(
                    &port.path,
                    format!(
                        "port `{number}` is published for TCP and UDP, which one `TCP_UDP` target group serves on one container port, found `{}` and `{}`; use the same container port",
                        t.port.target, port.target
                    ),
                );
                failed = true;
            }
            continue;
        }
        if let Some(other) = targets.first() {
            let shared = kind == Kind::Application
                && (port.routing.is_some() || other.port.routing.is_some() || targets.len() > 1);
            if !shared {
                let message = if kind == Kind::Network && other.port.protocol != port.protocol {
                    format!(
                        "port `{number}` is published for {} by service `{}` and for {} here; one `TCP_UDP` listener forwards to one service",
                        other.port.protocol.upper(),
                        other.service,
                        port.protocol.upper()
                    )
                } else if kind == Kind::Network {
                    format!(
                        "port `{number}/{}` is already published by service `{}`; a Network Load Balancer listener serves one service per port: publish another port",
                        port.protocol.lower(),
                        other.service
                    )
                } else {
                    format!(
                        "port `{number}/{}` is already published by service `{}`; a listener serves one service per port unless they share it by host or path: give one of them `x-aws-routing`",
                        port.protocol.lower(),
                        other.service
                    )
                };
                diags.error(&port.path, message);
                failed = true;
                continue;
            }
        }
        targets.push(Target {
            service: service.to_string(),
            port: (*port).clone(),
            priority: None,
        });
    }
    if kind == Kind::Network {
        for t in targets.iter().filter(|t| t.port.routing.is_some()) {
            diags.error(
                format!("{}.x-aws-routing", t.port.path),
                "routing by host or path needs an Application Load Balancer, but some published port of the project is plain TCP or UDP, which makes it a Network Load Balancer; publish that port elsewhere or drop the routing",
            );
            failed = true;
        }
    }
    let defaults: Vec<usize> = (0..targets.len())
        .filter(|&i| targets[i].port.routing.is_none())
        .collect();
    if defaults.len() > 1 {
        let names: Vec<String> = defaults
            .iter()
            .map(|&i| format!("`{}`", targets[i].service))
            .collect();
        diags.error(
            &targets[defaults[1]].port.path,
            format!(
                "port `{number}` is published by services {} without `x-aws-routing`; a listener has one default: give all but one of them `x-aws-routing` (hosts or paths)",
                names.join(", ")
            ),
        );
        failed = true;
    }
    if existing {
        for t in targets.iter().filter(|t| t.port.routing.is_none()) {
            diags.error(
                &t.port.path,
                format!("port `{number}` is served by an existing listener, whose default action stays its own: give the port `x-aws-routing` (hosts or paths), so that the service gets a rule on it"),
            );
            failed = true;
        }
    }
    if !priorities(&mut targets, number, diags) {
        failed = true;
    }
    if failed {
        return None;
    }
    let fallback = match defaults.first() {
        Some(&i) => Fallback::Forward(i),
        None => Fallback::NotFound,
    };
    Some(Listener {
        port: number,
        protocol,
        targets,
        fallback,
        existing,
    })
}

fn web_name(web: Option<Web>) -> &'static str {
    match web {
        Some(Web::Https) => "HTTPS",
        _ => "HTTP",
    }
}

/// Gives every routed target its rule priority: the given ones, then the others from 1 up
/// (skipping given ones), most specific first (host and path, then path, then host;
/// longer paths first), then by service name. Deterministic whatever the document order.
fn priorities(targets: &mut [Target], number: u16, diags: &mut Diagnostics) -> bool {
    let mut taken: BTreeMap<u32, &str> = BTreeMap::new();
    let mut ok = true;
    for t in targets.iter() {
        if let Some(p) = t.port.routing.as_ref().and_then(|r| r.priority) {
            if let Some(other) = taken.insert(p, &t.service) {
                diags.error(
                    format!("{}.x-aws-routing.priority", t.port.path),
                    format!("priority `{p}` on port `{number}` is taken by service `{other}`; give each rule its own"),
                );
                ok = false;
            }
        }
    }
    let taken: BTreeSet<u32> = taken.keys().copied().collect();
    let mut auto: Vec<usize> = (0..targets.len())
        .filter(|&i| {
            targets[i]
                .port
                .routing
                .as_ref()
                .is_some_and(|r| r.priority.is_none())
        })
        .collect();
    auto.sort_by_key(|&i| {
        let r = targets[i]
            .port
            .routing
            .as_ref()
            .expect("filtered on routing");
        let rank = match (r.hosts.is_empty(), r.paths.is_empty()) {
            (false, false) => 0,
            (true, false) => 1,
            _ => 2,
        };
        let longest = r.paths.iter().map(String::len).max().unwrap_or(0);
        (rank, usize::MAX - longest, targets[i].service.clone())
    });
    let mut next = 1;
    for i in auto {
        while taken.contains(&next) {
            next += 1;
        }
        targets[i].priority = Some(next);
        next += 1;
    }
    for t in targets.iter_mut() {
        if let Some(p) = t.port.routing.as_ref().and_then(|r| r.priority) {
            t.priority = Some(p);
        }
    }
    ok
}

/// With a certificate, port 80 redirects to HTTPS on 443 when every service behind it is
/// also behind an HTTPS listener on 443 (no service loses its only way in).
fn redirect(listeners: &mut [Listener], enabled: bool) {
    if !enabled {
        return;
    }
    let https: BTreeSet<String> = listeners
        .iter()
        .filter(|l| l.port == 443 && l.protocol == ListenerProtocol::Https)
        .flat_map(|l| l.targets.iter().map(|t| t.service.clone()))
        .collect();
    for l in listeners.iter_mut() {
        let covered = l.targets.iter().all(|t| https.contains(&t.service));
        if l.port == 80 && l.protocol == ListenerProtocol::Http && !l.existing && covered {
            l.fallback = Fallback::Redirect;
        }
    }
}
