//! What a container on EC2 capacity takes from its host (validated by `validate::host`):
//! `Privileged`, `LinuxParameters.Devices` and `SharedMemorySize`, `DockerSecurityOptions`,
//! `ExtraHosts`, the task's `PidMode` and `IpcMode`; a daemon service's scheduling; and the
//! container agent settings the security options need.

use super::context::Context;
use crate::compose::host::{Namespace, SecurityOpt};
use crate::compose::model::Service;
use serde_json::{json, Map, Value};

/// The host settings of the service's container.
pub fn container(s: &Service, c: &mut Map<String, Value>) {
    let h = &s.host;
    if h.privileged {
        c.insert("Privileged".into(), json!(true));
    }
    if !h.security_opt.is_empty() {
        let opts: Vec<String> = h
            .security_opt
            .iter()
            .map(|o| match o {
                SecurityOpt::NoNewPrivileges => "no-new-privileges".to_string(),
                SecurityOpt::AppArmor(p) => format!("apparmor:{p}"),
                SecurityOpt::Label(l) => format!("label:{l}"),
            })
            .collect();
        c.insert("DockerSecurityOptions".into(), json!(opts));
    }
    if !h.extra_hosts.is_empty() {
        let hosts: Vec<Value> = h
            .extra_hosts
            .iter()
            .map(|(name, ip)| json!({"Hostname": name, "IpAddress": ip}))
            .collect();
        c.insert("ExtraHosts".into(), Value::Array(hosts));
    }
}

/// The container's `LinuxParameters` for host devices and `/dev/shm`.
pub fn linux_parameters(s: &Service, linux: &mut Map<String, Value>) {
    let h = &s.host;
    if !h.devices.is_empty() {
        let devices: Vec<Value> = h
            .devices
            .iter()
            .map(|(d, _)| {
                let mut v = json!({"HostPath": d.source, "ContainerPath": d.target});
                if !d.permissions.is_empty() {
                    v["Permissions"] = json!(d.permissions);
                }
                v
            })
            .collect();
        linux.insert("Devices".into(), Value::Array(devices));
    }
    if let Some(mib) = h.shm_size {
        linux.insert("SharedMemorySize".into(), json!(mib));
    }
}

/// The task definition's `PidMode` and `IpcMode`.
pub fn task(s: &Service, props: &mut Value) {
    if s.host.pid_host {
        props["PidMode"] = json!("host");
    }
    if let Some(ns) = s.host.ipc {
        props["IpcMode"] = json!(match ns {
            Namespace::Host => "host",
            Namespace::Task => "task",
            Namespace::Private => "none",
        });
    }
}

/// A `global` service: `DAEMON` scheduling on the EC2 instances, without a desired count
/// or a capacity provider strategy (ECS refuses both), replacing each instance's task in
/// place (at most 100 percent; none need stay up unless `x-aws-min_percent` says so).
pub fn daemon(s: &Service, props: &mut Value) {
    if !s.compute.global {
        return;
    }
    if let Value::Object(m) = props {
        m.shift_remove("DesiredCount");
        m.shift_remove("CapacityProviderStrategy");
    }
    props["LaunchType"] = json!("EC2");
    props["SchedulingStrategy"] = json!("DAEMON");
    props["DeploymentConfiguration"]["MaximumPercent"] = json!(100);
    props["DeploymentConfiguration"]["MinimumHealthyPercent"] =
        json!(s.update.min_percent.unwrap_or(0));
}

/// Lines for the container agent's `/etc/ecs/ecs.config`: AppArmor and SELinux options
/// reach Docker only from an agent that says it can apply them.
pub fn agent_config(ctx: &Context) -> String {
    let opts = || {
        ctx.project()
            .services
            .values()
            .flat_map(|s| &s.host.security_opt)
    };
    let mut lines = String::new();
    if opts().any(|o| matches!(o, SecurityOpt::Label(_))) {
        lines.push_str("echo ECS_SELINUX_CAPABLE=true >> /etc/ecs/ecs.config\n");
    }
    if opts().any(|o| matches!(o, SecurityOpt::AppArmor(_))) {
        lines.push_str("echo ECS_APPARMOR_CAPABLE=true >> /etc/ecs/ecs.config\n");
    }
    lines
}
