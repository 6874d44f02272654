//! What each capacity offers, service by service: the host features (`privileged`,
//! `devices`, `security_opt`, `ipc`, `pid`, `shm_size`, `extra_hosts`, capabilities beyond
//! `SYS_PTRACE`) and `deploy.mode: global` need EC2 capacity, and each is an error on
//! Fargate that names the key to add; Fargate's own settings (`x-aws-ephemeral_storage`)
//! are errors on EC2; the network mode limits `extra_hosts` and `net.*` kernel parameters.
//! The table of which key needs which capacity is in `docs/compute.md`.

use super::compute::{runs_on_ec2, Plan};
use crate::compose::model::{NetworkMode, Project, Service};
use std::collections::BTreeMap;

/// The longest a Fargate task waits for a container to stop, seconds.
pub const FARGATE_MAX_STOP_SECONDS: u64 = 120;
use crate::diagnostics::{Diagnostics, Path};

/// Capabilities a Fargate task may add.
pub const FARGATE_CAP_ADD: &[&str] = &["SYS_PTRACE"];

/// How to move a service to EC2 capacity, as every Fargate error here says it.
pub const TO_EC2: &str =
    "run the service on EC2 capacity: add `deploy.x-aws-capacity: ec2` to the service, or `x-aws-capacity: ec2` at the top level";

/// Checks every service against where it runs.
pub fn check(project: &Project, plan: &Plan, diags: &mut Diagnostics) {
    for (name, s) in &project.services {
        let path = Path::new("services").key(name);
        if runs_on_ec2(project, s) {
            let mode = plan
                .services
                .get(name)
                .map_or(NetworkMode::Bridge, |p| p.network_mode);
            on_ec2(s, mode, &path, diags);
        } else {
            on_fargate(s, &path, diags);
        }
    }
}

fn on_fargate(s: &Service, path: &Path, diags: &mut Diagnostics) {
    for (key, why) in s.host.keys() {
        diags.error(path.key(key), format!("{why}; {TO_EC2}"));
    }
    if !s.host.extra_hosts.is_empty() {
        diags.error(
            path.key("extra_hosts"),
            format!("a Fargate task (`awsvpc` mode) takes no `/etc/hosts` entries; {TO_EC2}, whose default `bridge` networking takes them, or use a DNS record"),
        );
    }
    for (cap, i) in &s.host.cap_add_index {
        if !FARGATE_CAP_ADD.contains(&cap.as_str()) {
            diags.error(
                path.key("cap_add").index(*i),
                format!("a Fargate task can add only `SYS_PTRACE`, found `{cap}`; {TO_EC2}"),
            );
        }
    }
    if s.compute.global {
        diags.error(
            path.key("deploy").key("mode"),
            format!("`global` runs one task on each EC2 instance, and Fargate has no instances; use `replicated` with `replicas`, or {TO_EC2}"),
        );
    }
}

fn on_ec2(s: &Service, mode: NetworkMode, path: &Path, diags: &mut Diagnostics) {
    if !s.host.extra_hosts.is_empty() && mode == NetworkMode::Awsvpc {
        diags.error(
            path.key("extra_hosts"),
            "entries in `/etc/hosts` are not available in `awsvpc` mode; use `bridge` networking (EC2's default: drop `network_mode: awsvpc`) or `host`",
        );
    }
    if mode == NetworkMode::Host && s.ports.is_empty() && s.expose.is_empty() {
        // Docker publishes nothing in `host` mode either, but there the host's own address
        // reaches every port the container listens on; here the instances' security group
        // admits only the load balancer (on published ports) and the instances themselves.
        let example = s
            .image_config
            .as_ref()
            .and_then(|c| c.exposed.iter().next())
            .map_or("<port>".to_string(), |(p, _)| p.to_string());
        diags.warn(
            path.key("network_mode"),
            format!("a `host` task listens on its instance's network, which only the project's EC2 instances (and the `bridge` and `host` tasks on them) reach, neither the load balancer nor `awsvpc` tasks; it publishes no port, so to reach it through the load balancer, publish the one it serves (`ports: [\"{example}:{example}\"]`)"),
        );
    }
    if mode == NetworkMode::Host {
        for key in s.sysctls.keys().filter(|k| k.starts_with("net.")) {
            diags.error(
                path.key("sysctls").key(key),
                "a `net.*` kernel parameter cannot be set in `host` networking mode, where the container shares the instance's network; use `bridge` networking, or drop it",
            );
        }
    }
    if s.ephemeral_storage.is_some() {
        diags.error(
            path.key("x-aws-ephemeral_storage"),
            "task storage is sized on Fargate only; on EC2 capacity a task uses the instance's root volume; drop `x-aws-ephemeral_storage`",
        );
    }
    if s.compute.global {
        let deploy = path.key("deploy");
        if s.replicas_set {
            diags.error(
                deploy.key("replicas"),
                "a `global` service runs one task on each EC2 instance; drop `replicas` (or `scale`)",
            );
        }
        if s.autoscaling.is_some() {
            diags.error(
                deploy.key("x-aws-autoscaling"),
                "a `global` service runs one task on each EC2 instance and scales with them; drop `x-aws-autoscaling`",
            );
        }
    }
}

/// Fargate's limits that bend the model rather than refuse it: a `stop_grace_period`
/// above Fargate's 120 s becomes 120 s, and `shm_size` is dropped, each with a warning
/// (EC2 capacity keeps them).
pub fn fargate_limits(project: &mut Project, diags: &mut Diagnostics) {
    let on_fargate: BTreeMap<String, bool> = project
        .services
        .iter()
        .map(|(n, s)| (n.clone(), !runs_on_ec2(project, s)))
        .collect();
    for (name, s) in project.services.iter_mut() {
        let path = Path::new("services").key(name);
        if on_fargate[name] {
            if let Some(mib) = s.host.shm_size.take() {
                // A sizing hint: the container runs without it (PostgreSQL, Chromium), on
                // Fargate's 64 MiB `/dev/shm`. Refusing it kept whole apps off Fargate.
                diags.warn(
                    path.key("shm_size"),
                    format!("Fargate gives every container a 64 MiB `/dev/shm` and cannot size it, found `{mib}m`: ignored; a database's parallel queries or a browser that need more may fail (PostgreSQL: `could not resize shared memory segment`); EC2 capacity honours it: `deploy.x-aws-capacity: ec2`"),
                );
            }
        }
        let Some(secs) = s.stop_grace_period else {
            continue;
        };
        if on_fargate[name] && secs > FARGATE_MAX_STOP_SECONDS {
            diags.warn(
                path.key("stop_grace_period"),
                format!("a Fargate task waits at most {FARGATE_MAX_STOP_SECONDS}s before stopping a container, found `{secs}s`: using {FARGATE_MAX_STOP_SECONDS}s (EC2 capacity waits longer)"),
            );
            s.stop_grace_period = Some(FARGATE_MAX_STOP_SECONDS);
        }
    }
}
