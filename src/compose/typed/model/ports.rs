//! Published ports, their load balancer extensions and the top-level load balancer ones.

use super::text::Text;
use crate::compose::source::values::Protocol;
use std::collections::{BTreeMap, BTreeSet};

/// A published port.
#[derive(Clone, Debug, PartialEq)]
pub struct Port {
    /// Container port.
    pub target: u16,
    /// Port on the load balancer.
    pub published: u16,
    /// Transport protocol.
    pub protocol: Protocol,
    /// `x-aws-protocol` (lower case).
    pub x_protocol: Option<String>,
    /// `app_protocol` (lower case).
    pub app_protocol: Option<String>,
    /// Where the port was declared (`services.web.ports[0]`).
    pub path: String,
    /// `x-aws-routing`: which requests reach this service on a shared listener.
    pub routing: Option<Routing>,
    /// `x-aws-healthcheck`: how the load balancer checks the service on this port.
    pub check: TargetCheck,
}

/// `x-aws-routing` of a port: request conditions (all must match; any value of each).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Routing {
    /// `hosts`: host names (`api.example.com`, `*.example.com`).
    pub hosts: Vec<String>,
    /// `paths`: path patterns (`/api/*`).
    pub paths: Vec<String>,
    /// `priority`: the rule's place among the listener's rules (lowest first).
    pub priority: Option<u32>,
}

/// `x-aws-healthcheck` of a port: the load balancer's health check (each field optional).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetCheck {
    /// `path`: an HTTP path checks over HTTP, on a Network Load Balancer too.
    pub path: Option<String>,
    /// `matcher`: HTTP codes counted as healthy (`200`, `200-399`, `200,302`).
    pub matcher: Option<String>,
    /// `port`: the container port checked (default: the traffic port).
    pub port: Option<u16>,
    /// `interval`, seconds.
    pub interval: Option<u64>,
    /// `timeout`, seconds.
    pub timeout: Option<u64>,
    /// `healthy_threshold`: consecutive successes that make a target healthy.
    pub healthy_threshold: Option<u64>,
    /// `unhealthy_threshold`: consecutive failures that make it unhealthy.
    pub unhealthy_threshold: Option<u64>,
}

impl Port {
    /// What the load balancer speaks to clients on this port, when it is a web port
    /// (`None`: plain TCP or UDP). compose-cli's rule, extended: `x-aws-protocol` decides;
    /// without it, a TCP port published on 443 is HTTPS when the project has a
    /// certificate, and a TCP port published on or forwarding to 80 is HTTP. (Port 443
    /// without a certificate is TLS passthrough: see docs/load-balancing.md.)
    pub fn web(&self, certificate: bool) -> Option<Web> {
        match self.x_protocol.as_deref() {
            Some("http") => Some(Web::Http),
            Some("https") => Some(Web::Https),
            Some(_) => None,
            None if self.protocol != Protocol::Tcp => None,
            None if self.published == 443 && certificate => Some(Web::Https),
            None if self.published == 80 || self.target == 80 => Some(Web::Http),
            None => None,
        }
    }
}

impl Port {
    /// The container ports and protocols the load balancer reaches on a task: the traffic
    /// port, and the health-check port over TCP when it differs or the port is UDP (UDP
    /// targets are checked over TCP).
    pub fn reached(&self) -> BTreeSet<(u16, Protocol)> {
        let mut out = BTreeSet::from([(self.target, self.protocol)]);
        if self.protocol == Protocol::Udp || self.check.port.is_some() {
            out.insert((self.check.port.unwrap_or(self.target), Protocol::Tcp));
        }
        out
    }
}

/// A web port's protocol towards clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Web {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS, terminated by the load balancer.
    Https,
}

/// The top-level load balancer extensions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadBalancing {
    /// `x-aws-certificate`: ACM certificate ARNs (the first is the listeners' default).
    pub certificates: Vec<Text>,
    /// `x-aws-loadbalancer_scheme: internal`.
    pub internal: bool,
    /// `x-aws-loadbalancer_sources`: CIDR blocks and prefix lists allowed to connect.
    pub sources: Vec<Text>,
    /// `x-aws-listeners`: existing listeners by the published port they serve.
    pub listeners: BTreeMap<u16, Text>,
    /// `x-aws-http_redirect: false` keeps port 80 serving HTTP next to HTTPS.
    pub no_http_redirect: bool,
}
