//! Published ports, in Compose words: the short and long syntax, ranges mapped one to one,
//! loopback bindings, and the port extensions (`x-aws-protocol`) read into the model. A
//! child of `normalize` (it extends its `Reader`); what the ports become on a load
//! balancer is decided in `convert::loadbalancer`, what is valid across the project in
//! `validate::rules`.

use super::*;

impl Reader<'_> {
    pub(super) fn ports(&mut self, v: &Value, path: &Path, s: &mut Service) {
        let Value::Array(items) = v else {
            self.expected(path, "a list of ports", v);
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
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
                                Ok(list) if list.len() == targets.len() || list.len() == 1 => {
                                    Some(list)
                                }
                                Ok(_) => {
                                    self.diags.error(p.key("published"), "the published range and the target range must have the same length");
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
                let published = published.unwrap_or(target);
                if published != target {
                    self.diags.error(
                        &p,
                        format!("the load balancer forwards to the same port it listens on: published port `{published}` differs from container port `{target}`; publish `{target}:{target}` or change the container's port"),
                    );
                    continue;
                }
                if let Some(x) = &x_protocol {
                    match x.as_str() {
                        "http" | "tcp" | "udp" => {}
                        "https" => {
                            self.diags.error(
                                p.key("x-aws-protocol"),
                                "HTTPS listeners need a certificate, which is not supported yet; publish the port as `http` or `tcp` (TLS passthrough)",
                            );
                            continue;
                        }
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
                if let Some(a) = &app_protocol {
                    if !matches!(a.as_str(), "http" | "http2" | "grpc") {
                        self.diags.error(
                            p.key("app_protocol"),
                            format!("expected the application protocol `http`, `http2` or `grpc`, found `{a}`"),
                        );
                        continue;
                    }
                }
                let port = Port {
                    target,
                    published,
                    protocol,
                    x_protocol,
                    app_protocol,
                    path: p.to_string(),
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
