//! The keys that reach into the host a container runs on: `privileged`, `devices`,
//! `security_opt`, `ipc`, `pid`, `shm_size`, `extra_hosts`, and the capabilities of
//! `cap_add`/`cap_drop`. Read here in Compose words, whatever the capacity; whether the
//! service may use them (EC2 capacity only, some not in `awsvpc` mode) is
//! `validate::host`'s decision. Also the top-level `x-aws-private_subnets`.

pub use super::model::{Device, HostAccess, Namespace, Nat, SecurityOpt};
use super::reader::Reader;
use crate::compose::source::tree::{as_mapping, kind};
use crate::diagnostics::Path;
use serde_json::{Map, Value};

/// The capabilities ECS can add or drop (`KernelCapabilities`), without `CAP_`.
pub const CAPABILITIES: &[&str] = &[
    "ALL",
    "AUDIT_CONTROL",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "SYSLOG",
    "WAKE_ALARM",
];

impl Reader<'_> {
    /// `privileged`, `devices`, `security_opt`, `ipc`, `pid`, `shm_size`, `extra_hosts`.
    pub(super) fn host_access(&mut self, map: &Map<String, Value>, path: &Path) -> HostAccess {
        let get = |k: &str| map.get(k);
        let mut h = HostAccess::default();
        if let Some(v) = get("privileged") {
            h.privileged = self.boolean(v, &path.key("privileged")).unwrap_or_default();
        }
        if let Some(v) = get("devices") {
            self.devices(v, &path.key("devices"), &mut h);
        }
        if let Some(v) = get("security_opt") {
            let p = path.key("security_opt");
            for (i, opt) in self.string_list(v, &p).into_iter().enumerate() {
                if let Some(o) = self.security_opt(&opt, &p.index(i)) {
                    h.security_opt.push(o);
                }
            }
        }
        if let Some(v) = get("ipc") {
            let p = path.key("ipc");
            h.ipc = match self.literal(v, &p).as_deref() {
                None | Some("") => None,
                Some("host") => Some(Namespace::Host),
                Some("shareable") => Some(Namespace::Task),
                Some("private") => Some(Namespace::Private),
                // Another service's namespace: its task's (`compose::groups`).
                Some(other) if other.starts_with("service:") => None,
                Some(other) => {
                    self.diags.error(
                        &p,
                        namespace_error("ipc", other, "`host`, `private` or `shareable`"),
                    );
                    None
                }
            };
        }
        if let Some(v) = get("pid") {
            let p = path.key("pid");
            match self.literal(v, &p).as_deref() {
                None | Some("") => {}
                Some("host") => h.pid_host = true,
                Some(other) if other.starts_with("service:") => {}
                Some(other) => self
                    .diags
                    .error(&p, namespace_error("pid", other, "`host`")),
            }
        }
        if let Some(v) = get("shm_size") {
            h.shm_size = self.mebibytes(v, &path.key("shm_size"));
        }
        if let Some(v) = get("extra_hosts") {
            self.extra_hosts(v, &path.key("extra_hosts"), &mut h);
        }
        h
    }

    /// `cap_add`/`cap_drop` items with their indexes: upper case, without `CAP_`, among
    /// the ones ECS knows.
    pub(super) fn capabilities(&mut self, v: &Value, path: &Path) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (i, cap) in self.string_list(v, path).into_iter().enumerate() {
            let upper = cap.trim().to_ascii_uppercase();
            let cap = upper.strip_prefix("CAP_").unwrap_or(&upper).to_string();
            if CAPABILITIES.contains(&cap.as_str()) {
                out.push((i, cap));
            } else {
                self.diags.error(
                    path.index(i),
                    format!("ECS does not know the capability `{cap}`; use one of the Linux capabilities ECS lists (`NET_ADMIN`, `SYS_ADMIN`, ...), or `privileged: true` on EC2 capacity"),
                );
            }
        }
        out
    }

    fn devices(&mut self, v: &Value, path: &Path, h: &mut HostAccess) {
        let Value::Array(items) = v else {
            self.expected(
                path,
                "a list of devices like `/dev/net/tun:/dev/net/tun`",
                v,
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let (source, target, perms) = match item {
                Value::String(s) => {
                    let parts: Vec<&str> = s.split(':').collect();
                    match parts.as_slice() {
                        [src] => (src.to_string(), src.to_string(), None),
                        [src, dst] => (src.to_string(), dst.to_string(), None),
                        [src, dst, perms] => {
                            (src.to_string(), dst.to_string(), Some(perms.to_string()))
                        }
                        _ => {
                            self.expected(
                                &p,
                                "a device like `/dev/net/tun:/dev/net/tun:rwm`",
                                item,
                            );
                            continue;
                        }
                    }
                }
                Value::Object(m) => {
                    let text = |k: &str| m.get(k).and_then(Value::as_str).map(String::from);
                    let Some(src) = text("source") else {
                        self.diags
                            .error(&p, "`source` is required: the device's path on the host");
                        continue;
                    };
                    let dst = text("target").unwrap_or_else(|| src.clone());
                    (src, dst, text("permissions"))
                }
                other => {
                    self.expected(&p, "a device like `/dev/net/tun:/dev/net/tun`", other);
                    continue;
                }
            };
            if !source.starts_with('/') || !target.starts_with('/') {
                self.diags.error(
                    &p,
                    format!("ECS maps host devices by path: expected absolute paths like `/dev/net/tun`, found `{source}`"),
                );
                continue;
            }
            let mut permissions = Vec::new();
            if let Some(perms) = perms.filter(|p| !p.is_empty()) {
                for c in perms.chars() {
                    let name = match c {
                        'r' => "read",
                        'w' => "write",
                        'm' => "mknod",
                        _ => {
                            self.diags.error(
                                &p,
                                format!("expected device permissions made of `r`, `w` and `m`, found `{perms}`"),
                            );
                            permissions.clear();
                            break;
                        }
                    };
                    if !permissions.contains(&name) {
                        permissions.push(name);
                    }
                }
            }
            h.devices.push((
                Device {
                    source,
                    target,
                    permissions,
                },
                p.to_string(),
            ));
        }
    }

    fn security_opt(&mut self, opt: &str, path: &Path) -> Option<SecurityOpt> {
        // Docker accepts `key:value` and `key=value`.
        let (key, value) = match opt.split_once([':', '=']) {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (opt.trim(), None),
        };
        match (key, value) {
            ("no-new-privileges", None | Some("true")) => Some(SecurityOpt::NoNewPrivileges),
            ("no-new-privileges", Some("false")) => None,
            ("apparmor", Some(p)) if !p.is_empty() => Some(SecurityOpt::AppArmor(p.to_string())),
            ("label", Some(l)) if !l.is_empty() => Some(SecurityOpt::Label(l.to_string())),
            ("seccomp" | "systempaths", _) => {
                self.diags.error(
                    path,
                    format!("ECS cannot pass `{key}` options to Docker, so the container keeps Docker's default profile; drop `{opt}`, or use `privileged: true` (which lifts it) on EC2 capacity"),
                );
                None
            }
            _ => {
                self.diags.error(
                    path,
                    format!("expected `no-new-privileges`, `apparmor:<profile>` or `label:<value>` (what ECS passes to Docker), found `{opt}`"),
                );
                None
            }
        }
    }

    fn extra_hosts(&mut self, v: &Value, path: &Path, h: &mut HostAccess) {
        let entries: Vec<(String, Value, Path)> = match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    let p = path.index(i);
                    let text = self.literal(item, &p)?;
                    // `host=ip` (Compose's own form) or `host:ip`, the address maybe an
                    // IPv6 one with colons of its own.
                    let split = text.split_once('=').or_else(|| text.split_once(':'));
                    match split {
                        Some((name, ip)) => Some((name.to_string(), Value::from(ip), p)),
                        None => {
                            self.diags.error(
                                &p,
                                format!("expected `<host name>=<address>`, found `{text}`"),
                            );
                            None
                        }
                    }
                })
                .collect(),
            Value::Object(_) => as_mapping(v)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, ip)| {
                    let p = path.key(&k);
                    (k, ip, p)
                })
                .collect(),
            other => {
                self.diags.error(
                    path,
                    format!(
                        "expected a list like `[\"host=10.0.0.1\"]` or a mapping, found {}",
                        kind(other)
                    ),
                );
                return;
            }
        };
        for (name, ips, p) in entries {
            let ips = match ips {
                Value::Array(list) => list,
                one => vec![one],
            };
            for ip in ips {
                let Some(ip) = self.literal(&ip, &p) else {
                    continue;
                };
                let ip = ip.trim().trim_start_matches('[').trim_end_matches(']');
                let name = name.trim();
                let valid = ip == "host-gateway" || ip.parse::<std::net::IpAddr>().is_ok();
                if name.is_empty() || !valid {
                    self.diags.error(
                        &p,
                        format!("expected a host name and an IP address (or `host-gateway`), found `{name}` and `{ip}`"),
                    );
                    continue;
                }
                h.extra_hosts.push((name.to_string(), ip.to_string()));
            }
        }
    }

    /// `x-aws-private_subnets`: `true` (one NAT gateway), `nat_per_az`, or `false`.
    pub(super) fn private_subnets(&mut self, v: &Value, path: &Path) -> Option<Nat> {
        nat(v).or_else(|| {
            self.diags.error(
                path,
                NAT_EXPECTED.to_string() + &format!(", found {}", super::reader::describe(v)),
            );
            None
        })?
    }
}

/// What `x-aws-private_subnets` and the `PrivateSubnets` property accept.
pub const NAT_EXPECTED: &str =
    "expected `true` (private subnets, one NAT gateway), `nat_per_az` (one NAT gateway per availability zone) or `false`";

/// Reads a private-subnets setting: `Some(None)` for `false`, `None` when it is none of
/// the accepted values.
pub fn nat(v: &Value) -> Option<Option<Nat>> {
    match v {
        Value::Bool(true) => Some(Some(Nat::Single)),
        Value::Bool(false) | Value::Null => Some(None),
        Value::String(s) => match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "true" | "single" | "single_nat" => Some(Some(Nat::Single)),
            "nat_per_az" | "per_az" => Some(Some(Nat::PerAz)),
            "false" => Some(None),
            _ => None,
        },
        _ => None,
    }
}

fn namespace_error(key: &str, found: &str, expected: &str) -> String {
    if found.starts_with("container:") {
        format!("ECS knows only the containers of the same task, and `{found}` names a container outside the project; share a service's namespace (`{key}: service:<name>`), or drop `{key}`")
    } else {
        format!("expected {expected}, found `{found}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::source::interpolate::Variables;
    use crate::diagnostics::Diagnostics;
    use serde_json::json;

    fn read(service: Value) -> (HostAccess, Vec<String>) {
        let mut diags = Diagnostics::new();
        let variables = Variables::default();
        let mut r = Reader {
            diags: &mut diags,
            variables: &variables,
            local: None,
            budget: Default::default(),
        };
        let map = service.as_object().cloned().unwrap_or_default();
        let h = r.host_access(&map, &Path::new("services").key("s"));
        let errors = diags.errors().iter().map(|d| d.to_string()).collect();
        (h, errors)
    }

    #[test]
    fn extra_hosts_in_every_form() {
        let (h, errors) = read(json!({"extra_hosts": [
            "db=10.0.0.5", "cache:10.0.0.6", "v6=::1", "v6b:[::2]", "gw:host-gateway"
        ]}));
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<(&str, &str)> = h
            .extra_hosts
            .iter()
            .map(|(n, i)| (n.as_str(), i.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("db", "10.0.0.5"),
                ("cache", "10.0.0.6"),
                ("v6", "::1"),
                ("v6b", "::2"),
                ("gw", "host-gateway")
            ]
        );
        let (h, _) = read(json!({"extra_hosts": {"a": "10.0.0.1", "b": ["10.0.0.2", "10.0.0.3"]}}));
        assert_eq!(h.extra_hosts.len(), 3);
        let (_, errors) = read(json!({"extra_hosts": ["nohost", "x=not-an-ip"]}));
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn devices_and_permissions() {
        let (h, errors) = read(json!({"devices": [
            "/dev/net/tun", "/dev/a:/dev/b:rw", {"source": "/dev/c", "permissions": "m"}
        ]}));
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<(&str, &str, Vec<&str>)> = h
            .devices
            .iter()
            .map(|(d, _)| (d.source.as_str(), d.target.as_str(), d.permissions.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("/dev/net/tun", "/dev/net/tun", vec![]),
                ("/dev/a", "/dev/b", vec!["read", "write"]),
                ("/dev/c", "/dev/c", vec!["mknod"]),
            ]
        );
        let (_, errors) =
            read(json!({"devices": ["dev/x", "/dev/y:/dev/y:rx", "vendor.com/gpu=all"]}));
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn security_options_ecs_can_pass() {
        let (h, errors) = read(json!({"security_opt": [
            "no-new-privileges", "no-new-privileges:false", "apparmor=unconfined", "label:type:svirt_t"
        ]}));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            h.security_opt,
            [
                SecurityOpt::NoNewPrivileges,
                SecurityOpt::AppArmor("unconfined".into()),
                SecurityOpt::Label("type:svirt_t".into()),
            ]
        );
        let (_, errors) = read(json!({"security_opt": ["seccomp:unconfined", "bogus"]}));
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn namespaces() {
        let (h, _) = read(json!({"ipc": "shareable", "pid": "host", "shm_size": "64m"}));
        assert_eq!(
            (h.ipc, h.pid_host, h.shm_size),
            (Some(Namespace::Task), true, Some(64))
        );
        // `service:` is a group's (compose::groups); `container:` has no ECS form.
        let (_, errors) = read(json!({"ipc": "service:db", "pid": "private"}));
        assert_eq!(errors.len(), 1, "{errors:?}");
        let (_, errors) = read(json!({"ipc": "container:db", "pid": "container:db"}));
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn private_subnet_values() {
        assert_eq!(nat(&json!(true)), Some(Some(Nat::Single)));
        assert_eq!(nat(&json!("nat-per-az")), Some(Some(Nat::PerAz)));
        assert_eq!(nat(&json!("false")), Some(None));
        assert_eq!(nat(&json!("maybe")), None);
        assert_eq!(nat(&json!(2)), None);
    }
}
