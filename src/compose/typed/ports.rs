//! Published ports, in Compose words: the short and long syntax, ranges mapped one to one,
//! loopback bindings, and the port extensions (`x-aws-protocol`) read into the model. It
//! extends the `Reader` that `normalize` reads with; what the ports become on a load
//! balancer is decided in `convert::loadbalancer`, what is valid across the project in
//! `validate::rules`.

use super::model::*;
use super::reader::Reader;
use crate::compose::source::values::{self, Protocol};
use crate::diagnostics::Path;
use serde_json::{Map, Value};

impl Reader<'_> {
    pub(super) fn ports(&mut self, v: &Value, path: &Path, s: &mut Service) {
        let Value::Array(items) = v else {
            self.expected(path, "a list of ports", v);
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let (routing, check) = match item {
                Value::Object(m) => (
                    m.get("x-aws-routing")
                        .and_then(|v| self.routing(v, &p.key("x-aws-routing"))),
                    m.get("x-aws-healthcheck")
                        .map(|v| self.target_check(v, &p.key("x-aws-healthcheck")))
                        .unwrap_or_default(),
                ),
                _ => (None, TargetCheck::default()),
            };
            let specs: Vec<PortSpec> = match item {
                Value::String(_) | Value::Number(_) => {
                    let Some(text) = self.literal(item, &p) else {
                        continue;
                    };
                    match values::short_port(&text) {
                        Ok(ports) => ports
                            .into_iter()
                            .map(|sp| {
                                (sp.host_ip, sp.published, sp.target, sp.protocol, None, None)
                            })
                            .collect(),
                        Err(e) => {
                            self.diags.error(&p, e);
                            continue;
                        }
                    }
                }
                Value::Object(m) => {
                    let Some(target) = m.get("target") else {
                        self.diags
                            .error(&p, "a port needs `target`, the container port");
                        continue;
                    };
                    let Some(target) = self.literal(target, &p.key("target")) else {
                        continue;
                    };
                    let targets = match values::port_range(&target) {
                        Ok(t) => t,
                        Err(e) => {
                            self.diags.error(p.key("target"), e);
                            continue;
                        }
                    };
                    let published = match m.get("published") {
                        None | Some(Value::Null) => None,
                        Some(pv) => {
                            let Some(text) = self.literal(pv, &p.key("published")) else {
                                continue;
                            };
                            match values::port_range(&text) {
                                Ok(list) if list.len() == targets.len() => Some(list),
                                Ok(_) if targets.len() == 1 => {
                                    self.diags.error(p.key("published"), format!("a load balancer listens on one port for container port `{}`, found the range `{text}` to choose from; publish one port", targets[0]));
                                    continue;
                                }
                                Ok(list) => {
                                    self.diags.error(p.key("published"), format!("the published range has {} ports and the target range {}: a load balancer maps ranges one to one; give both the same length", list.len(), targets.len()));
                                    continue;
                                }
                                Err(e) => {
                                    self.diags.error(p.key("published"), e);
                                    continue;
                                }
                            }
                        }
                    };
                    let protocol = match m.get("protocol") {
                        None | Some(Value::Null) => Protocol::Tcp,
                        Some(pv) => {
                            let Some(text) = self.literal(pv, &p.key("protocol")) else {
                                continue;
                            };
                            match Protocol::parse(&text) {
                                Ok(proto) => proto,
                                Err(e) => {
                                    self.diags.error(p.key("protocol"), e);
                                    continue;
                                }
                            }
                        }
                    };
                    let host_ip = m
                        .get("host_ip")
                        .and_then(|h| self.literal(h, &p.key("host_ip")));
                    let x_protocol = m
                        .get("x-aws-protocol")
                        .and_then(|x| self.literal(x, &p.key("x-aws-protocol")))
                        .map(|x| x.to_ascii_lowercase());
                    let app_protocol = m
                        .get("app_protocol")
                        .and_then(|x| self.literal(x, &p.key("app_protocol")))
                        .map(|x| x.to_ascii_lowercase());
                    targets
                        .iter()
                        .enumerate()
                        .map(|(j, t)| {
                            let published = published.as_ref().map(|list| {
                                if list.len() == 1 {
                                    list[0]
                                } else {
                                    list[j]
                                }
                            });
                            (
                                host_ip.clone(),
                                published,
                                *t,
                                protocol,
                                x_protocol.clone(),
                                app_protocol.clone(),
                            )
                        })
                        .collect()
                }
                other => {
                    self.expected(
                        &p,
                        "a port like `8080:80` or a mapping with `target`",
                        other,
                    );
                    continue;
                }
            };
            for (host_ip, published, target, protocol, x_protocol, app_protocol) in specs {
                if let Some(ip) = &host_ip {
                    let loopback = ip.starts_with("127.") || ip == "::1" || ip == "localhost";
                    if !loopback && ip != "0.0.0.0" && ip != "::" {
                        self.diags.warn(
                            &p,
                            format!("host address `{ip}` is ignored: the load balancer listens on all addresses"),
                        );
                    }
                    if loopback {
                        self.diags.warn(
                            &p,
                            format!("bound to `{ip}`: not published on the load balancer; reachable by the project's services only"),
                        );
                        s.expose.insert((target, protocol));
                        continue;
                    }
                }
                // The listener listens on the published port and forwards to the container's.
                let published = published.unwrap_or(target);
                if let Some(x) = &x_protocol {
                    match x.as_str() {
                        "http" | "https" | "tcp" | "udp" => {}
                        other => {
                            self.diags.error(
                                p.key("x-aws-protocol"),
                                format!(
                                    "expected `http`, `https`, `tcp` or `udp`, found `{other}`"
                                ),
                            );
                            continue;
                        }
                    }
                }
                // Free-form in the Compose specification: only the protocols ECS knows
                // change the load balancer and Service Connect; the others are kept as
                // the user's note and otherwise ignored.
                let app_protocol = match app_protocol {
                    Some(a) if !matches!(a.as_str(), "http" | "http2" | "grpc") => {
                        self.diags.warn(
                            p.key("app_protocol"),
                            format!("ECS knows the application protocols `http`, `http2` and `grpc` only: this one is ignored and the port is served as plain {}", protocol.upper()),
                        );
                        None
                    }
                    a => a,
                };
                let port = Port {
                    target,
                    published,
                    protocol,
                    x_protocol,
                    app_protocol,
                    path: p.to_string(),
                    routing: routing.clone(),
                    check: check.clone(),
                };
                if s.ports
                    .iter()
                    .any(|q| q.published == port.published && q.protocol == port.protocol)
                {
                    self.diags.error(
                        &p,
                        format!(
                            "port `{}/{}` is published twice",
                            port.published,
                            port.protocol.lower()
                        ),
                    );
                    continue;
                }
                s.ports.push(port);
            }
        }
    }

    /// `x-aws-routing`: `{hosts, paths, priority}`; `hosts` and `paths` take one value or
    /// a list.
    fn routing(&mut self, v: &Value, path: &Path) -> Option<Routing> {
        let Value::Object(map) = v else {
            self.expected(path, "a mapping with `hosts` and/or `paths`", v);
            return None;
        };
        let mut routing = Routing::default();
        if let Some(h) = map.get("hosts") {
            let hp = path.key("hosts");
            for (i, host) in self.string_list(h, &hp).into_iter().enumerate() {
                let ok = !host.is_empty()
                    && host.len() <= 128
                    && host
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*' | '?'));
                if ok {
                    routing.hosts.push(host.to_ascii_lowercase());
                } else {
                    self.diags.error(
                        hp.index(i),
                        format!("expected a host name like `api.example.com` or `*.example.com`, found `{host}`"),
                    );
                }
            }
        }
        if let Some(pv) = map.get("paths") {
            let pp = path.key("paths");
            for (i, pattern) in self.string_list(pv, &pp).into_iter().enumerate() {
                if pattern.starts_with('/') && pattern.len() <= 128 && !pattern.contains(' ') {
                    routing.paths.push(pattern);
                } else {
                    self.diags.error(
                        pp.index(i),
                        format!("expected a path pattern starting with `/`, like `/api/*`, found `{pattern}`"),
                    );
                }
            }
        }
        if let Some(pv) = map.get("priority") {
            let pp = path.key("priority");
            match self.uint(pv, &pp) {
                Some(n @ 1..=50000) => routing.priority = Some(n as u32),
                Some(n) => self.diags.error(
                    &pp,
                    format!("expected a rule priority from 1 to 50000, found `{n}`"),
                ),
                None => {}
            }
        }
        let values = routing.hosts.len() + routing.paths.len();
        if values == 0 && !map.contains_key("hosts") && !map.contains_key("paths") {
            self.diags.error(
                path,
                "a routing rule needs `hosts`, `paths` or both, e.g. `hosts: [api.example.com]`",
            );
            return None;
        }
        if values == 0 {
            return None;
        }
        if values > 5 {
            self.diags.error(
                path,
                format!("a listener rule matches at most 5 hosts and paths together, found {values}; split the service's routes or use wildcards"),
            );
            return None;
        }
        Some(routing)
    }

    /// `x-aws-healthcheck` of a port: the target group's health check.
    fn target_check(&mut self, v: &Value, path: &Path) -> TargetCheck {
        let mut check = TargetCheck::default();
        let Value::Object(map) = v else {
            self.expected(path, "a mapping like `{path: /health, interval: 10s}`", v);
            return check;
        };
        if let Some(pv) = map.get("path") {
            let pp = path.key("path");
            if let Some(text) = self.literal(pv, &pp) {
                if text.starts_with('/') && text.len() <= 1024 {
                    check.path = Some(text);
                } else {
                    self.diags.error(
                        &pp,
                        format!("expected an HTTP path starting with `/`, like `/health`, found `{text}`"),
                    );
                }
            }
        }
        if let Some(mv) = map.get("matcher") {
            let mp = path.key("matcher");
            if let Some(text) = self.literal(mv, &mp) {
                let codes = text.split([',', '-']).all(|c| {
                    c.trim()
                        .parse::<u16>()
                        .is_ok_and(|n| (200..=499).contains(&n))
                });
                if codes {
                    check.matcher = Some(text.replace(' ', ""));
                } else {
                    self.diags.error(
                        &mp,
                        format!("expected HTTP codes from 200 to 499 like `200`, `200-399` or `200,302`, found `{text}`"),
                    );
                }
            }
        }
        if let Some(pv) = map.get("port") {
            let pp = path.key("port");
            if let Some(text) = self.literal(pv, &pp) {
                match values::port_number(&text) {
                    Ok(n) => check.port = Some(n),
                    Err(e) => self.diags.error(&pp, e),
                }
            }
        }
        let seconds = |key: &str, min: u64, max: u64, this: &mut Self| -> Option<u64> {
            let kp = path.key(key);
            let secs = this.duration_secs(map.get(key)?, &kp)?;
            if (min..=max).contains(&secs) {
                Some(secs)
            } else {
                this.diags.error(
                    &kp,
                    format!("expected {min}s to {max}s (Elastic Load Balancing's range), found `{secs}s`"),
                );
                None
            }
        };
        check.interval = seconds("interval", 5, 300, self);
        check.timeout = seconds("timeout", 2, 120, self);
        let count = |key: &str, this: &mut Self| -> Option<u64> {
            let kp = path.key(key);
            let n = this.uint(map.get(key)?, &kp)?;
            if (2..=10).contains(&n) {
                Some(n)
            } else {
                this.diags.error(
                    &kp,
                    format!("expected 2 to 10 (Elastic Load Balancing's range), found `{n}`"),
                );
                None
            }
        };
        check.healthy_threshold = count("healthy_threshold", self);
        check.unhealthy_threshold = count("unhealthy_threshold", self);
        if let (Some(i), Some(t)) = (check.interval, check.timeout) {
            if t >= i {
                self.diags.error(
                    path.key("timeout"),
                    format!("the timeout `{t}s` must be shorter than the interval `{i}s`"),
                );
            }
        }
        check
    }

    /// `deploy.x-aws-healthcheck_grace_period`: how long ECS ignores the load balancer's
    /// health checks of a new task.
    pub(super) fn healthcheck_grace_period(&mut self, v: &Value, path: &Path) -> Option<u64> {
        let secs = self.duration_secs(v, path)?;
        if secs > 2_147_483_647 {
            self.diags.error(
                path,
                format!("expected at most 2147483647s, found `{secs}s`"),
            );
            return None;
        }
        Some(secs)
    }

    /// The top-level load balancer extensions: `x-aws-certificate`,
    /// `x-aws-loadbalancer_scheme`, `x-aws-loadbalancer_sources`, `x-aws-listeners`,
    /// `x-aws-http_redirect`.
    pub(super) fn load_balancing(&mut self, tree: &Map<String, Value>) -> LoadBalancing {
        let root = Path::root();
        let mut lb = LoadBalancing::default();
        if let Some(v) = tree.get("x-aws-certificate") {
            lb.certificates = self.text_list(v, &root.key("x-aws-certificate"));
        }
        if let Some(v) = tree.get("x-aws-loadbalancer_scheme") {
            let p = root.key("x-aws-loadbalancer_scheme");
            match self.literal(v, &p).as_deref() {
                Some("internal") => lb.internal = true,
                Some("internet-facing") | None => {}
                Some(other) => self.diags.error(
                    &p,
                    format!("expected `internet-facing` or `internal`, found `{other}`"),
                ),
            }
        }
        if let Some(v) = tree.get("x-aws-loadbalancer_sources") {
            let p = root.key("x-aws-loadbalancer_sources");
            lb.sources = self.text_list(v, &p);
            for (i, source) in lb.sources.iter().enumerate() {
                if let Text::Lit(text) = source {
                    if let Err(e) = check_source(text) {
                        self.diags.error(p.index(i), e);
                    }
                }
            }
        }
        if let Some(v) = tree.get("x-aws-listeners") {
            let p = root.key("x-aws-listeners");
            match v {
                Value::Object(map) => {
                    for (port, arn) in map {
                        let kp = p.key(port);
                        match values::port_number(port) {
                            Ok(n) => {
                                if let Some(t) = self.text(arn, &kp) {
                                    lb.listeners.insert(n, t);
                                }
                            }
                            Err(e) => self.diags.error(&kp, e),
                        }
                    }
                }
                other => self.expected(
                    &p,
                    "a mapping of published ports to listener ARNs, like `443: arn:aws:elasticloadbalancing:...`",
                    other,
                ),
            }
        }
        if let Some(v) = tree.get("x-aws-http_redirect") {
            lb.no_http_redirect =
                self.boolean(v, &root.key("x-aws-http_redirect")) == Some(false) && !v.is_null();
        }
        lb
    }

    /// One value or a list of values, each a string or an intrinsic function.
    fn text_list(&mut self, v: &Value, path: &Path) -> Vec<Text> {
        match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.text(item, &path.index(i)))
                .collect(),
            other => self.text(other, path).into_iter().collect(),
        }
    }
}

/// One port before checks: host address, published, target, protocol, `x-aws-protocol`,
/// `app_protocol`.
type PortSpec = (
    Option<String>,
    Option<u16>,
    u16,
    Protocol,
    Option<String>,
    Option<String>,
);

/// Checks a source allowed to reach the listeners: an IPv4 or IPv6 CIDR block, or a
/// managed prefix list id.
pub fn check_source(text: &str) -> Result<(), String> {
    if text.starts_with("pl-")
        && text.len() > 3
        && text[3..].chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Ok(());
    }
    let valid = text.split_once('/').is_some_and(|(ip, bits)| {
        let bits: Option<u8> = bits.parse().ok();
        match (ip.parse::<std::net::IpAddr>(), bits) {
            (Ok(std::net::IpAddr::V4(_)), Some(b)) => b <= 32,
            (Ok(std::net::IpAddr::V6(_)), Some(b)) => b <= 128,
            _ => false,
        }
    });
    if valid {
        Ok(())
    } else {
        Err(format!("expected a CIDR block like `10.0.0.0/16` or `::/0`, or a prefix list id like `pl-0abc123`, found `{text}`"))
    }
}
