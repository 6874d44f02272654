//! The task definition: on Fargate, `awsvpc` and the smallest size that fits; on EC2, the
//! requested size, the network mode and the GPUs. The service's container, after the helper
//! that writes its secret and config files when it has any.

use super::context::Context;
use super::discovery::{port_name, tcp_ports};
use super::iam::has_task_role;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::template::Resource;
use crate::compose::model::{Arch, NetworkMode, Service, Text};
use crate::compose::values::Protocol;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// `<P><Svc>TaskDefinition`.
pub fn task_definition(ctx: &mut Context, s: &Service) {
    let plan = ctx.valid.service_plan(&s.name).cloned();
    let mut props = json!({"Family": format!("{}-{}", ctx.project().name, s.name)});
    match plan.as_ref().filter(|p| p.ec2) {
        Some(p) => {
            if let Some(cpu) = p.cpu_units {
                props["Cpu"] = json!(cpu.to_string());
            }
            props["Memory"] = json!(p.memory.to_string());
            props["NetworkMode"] = json!(match p.network_mode {
                NetworkMode::Awsvpc => "awsvpc",
                NetworkMode::Bridge => "bridge",
                NetworkMode::Host => "host",
            });
            props["RequiresCompatibilities"] = json!(["EC2"]);
        }
        None => {
            let (cpu, memory) = ctx.valid.size(&s.name);
            props["Cpu"] = json!(cpu.to_string());
            props["Memory"] = json!(memory.to_string());
            props["NetworkMode"] = json!("awsvpc");
            props["RequiresCompatibilities"] = json!(["FARGATE"]);
        }
    }
    props["ExecutionRoleArn"] = get_att(&ctx.service_id(s, "TaskExecutionRole"), "Arn");
    if has_task_role(ctx, s) {
        props["TaskRoleArn"] = get_att(&ctx.service_id(s, "TaskRole"), "Arn");
    }
    // Always pinned: an image built or pulled for the other architecture fails with
    // `exec format error`. `platform`, else x86_64 (the EC2 capacity's architecture is the
    // services' own: `validate::compute` keeps them equal).
    props["RuntimePlatform"] = json!({
        "CpuArchitecture": match s.platform.unwrap_or(Arch::X86_64) {
            Arch::X86_64 => "X86_64",
            Arch::Arm64 => "ARM64",
        },
        "OperatingSystemFamily": "LINUX",
    });
    super::host::task(s, &mut props);
    super::groups::task_modes(s, &mut props);
    if let Some(gib) = s.ephemeral_storage {
        props["EphemeralStorage"] = json!({"SizeInGiB": gib});
    }
    let (mut containers, mut volumes) = containers_of(ctx, s);
    // Containers that share the task (`compose::groups`): after the root's, by name.
    let project = ctx.project();
    let root_at = containers.len() - 1;
    super::groups::root_dependencies(project, s, &mut containers[root_at]);
    for m in crate::compose::groups::task_services(project, s)
        .into_iter()
        .skip(1)
    {
        let (mut more, extra) = containers_of(ctx, m);
        let at = more.len() - 1;
        let mappings = super::groups::member_container(project, m, &mut more[at]);
        super::groups::take_mappings(&mut containers[root_at], mappings);
        super::groups::add_volumes(&m.name, extra, &mut more, &mut volumes);
        containers.extend(more);
    }
    let limit = crate::compose::groups::MAX_CONTAINERS;
    if containers.len() > limit {
        ctx.diags.error(
            format!("services.{}", s.name),
            format!("the task of `{}` would hold {} containers (with the helpers that write secret, config and bind-mounted files), and an ECS task definition holds at most {limit}; link fewer services to it", s.name, containers.len()),
        );
    }
    props["ContainerDefinitions"] = Value::Array(containers);
    if !volumes.is_empty() {
        props["Volumes"] = Value::Array(volumes);
    }
    props["Tags"] = Value::Array(ctx.service_tags(s));
    let id = ctx.service_id(s, "TaskDefinition");
    ctx.out
        .add(id, Resource::new("AWS::ECS::TaskDefinition", props));
}

/// The containers of one service (the helpers that write its files first, its own last)
/// and the volumes they use.
fn containers_of(ctx: &mut Context, s: &Service) -> (Vec<Value>, Vec<Value>) {
    let plan = ctx.valid.service_plan(&s.name).cloned();
    let logs = log_configuration(ctx, s);
    let mut app = container(ctx, s, logs.clone());
    if let Some(n) = plan.as_ref().and_then(|p| p.gpus) {
        app["ResourceRequirements"] = json!([{"Type": "GPU", "Value": n.to_string()}]);
    }
    let mut volumes = super::volumes::task_volumes(ctx, s);
    let files = super::secrets::files(ctx, s, &logs);
    let mut containers = Vec::new();
    if let Some(f) = files {
        // Secret, config and bind-mounted files join the volume mounts (the volumes' own
        // first).
        let mut mounts = app["MountPoints"].as_array().cloned().unwrap_or_default();
        mounts.extend(f.mounts);
        app["MountPoints"] = Value::Array(mounts);
        app["DependsOn"] = json!([{"ContainerName": f.init_name, "Condition": "SUCCESS"}]);
        volumes.extend(f.volumes);
        // The writer first (where it always was), then the seed it waits for.
        containers.push(f.init);
        containers.extend(f.seed);
    }
    containers.push(app);
    (containers, volumes)
}

fn texts(items: &[Text]) -> Value {
    Value::Array(items.iter().map(Text::to_json).collect())
}

/// The `awslogs` configuration of the service's containers.
fn log_configuration(ctx: &Context, s: &Service) -> Value {
    let mut options = Map::new();
    options.insert("awslogs-group".into(), ref_(&ctx.id("LogGroup")));
    options.insert("awslogs-region".into(), ref_("AWS::Region"));
    options.insert("awslogs-stream-prefix".into(), json!(ctx.project().name));
    for (k, v) in &s.log_options {
        options.insert(k.clone(), v.to_json());
    }
    json!({"LogDriver": "awslogs", "Options": options})
}

fn container(ctx: &Context, s: &Service, logs: Value) -> Value {
    let mut c = Map::new();
    let mut set = |k: &str, v: Value| {
        c.insert(k.to_string(), v);
    };
    set("Name", json!(s.name));
    set("Image", s.image.as_ref().map_or(Value::Null, Text::to_json));
    set("Essential", json!(true));
    if let Some(cmd) = &s.entrypoint {
        set("EntryPoint", texts(cmd));
    }
    if let Some(cmd) = &s.command {
        set("Command", texts(cmd));
    }
    if !s.environment.is_empty() {
        set(
            "Environment",
            Value::Array(
                s.environment
                    .iter()
                    .map(|(k, v)| json!({"Name": k, "Value": v.to_json()}))
                    .collect(),
            ),
        );
    }
    let secrets = super::secrets::container_secrets(ctx, s);
    if !secrets.is_empty() {
        set("Secrets", Value::Array(secrets));
    }
    if let Some(c) = super::secrets::repository_credentials(s) {
        set("RepositoryCredentials", c);
    }
    if !s.labels.is_empty() {
        let labels: Map<String, Value> = s
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        set("DockerLabels", Value::Object(labels));
    }
    if let Some(u) = &s.user {
        set("User", u.to_json());
    }
    if let Some(w) = &s.working_dir {
        set("WorkingDirectory", w.to_json());
    }
    let mut linux = Map::new();
    if s.init {
        linux.insert("InitProcessEnabled".into(), json!(true));
    }
    if !s.cap_add.is_empty() || !s.cap_drop.is_empty() {
        let mut caps = Map::new();
        if !s.cap_add.is_empty() {
            caps.insert("Add".into(), json!(s.cap_add));
        }
        if !s.cap_drop.is_empty() {
            caps.insert("Drop".into(), json!(s.cap_drop));
        }
        linux.insert("Capabilities".into(), Value::Object(caps));
    }
    super::host::linux_parameters(s, &mut linux);
    if !linux.is_empty() {
        set("LinuxParameters", Value::Object(linux));
    }
    if !s.ulimits.is_empty() {
        set(
            "Ulimits",
            Value::Array(
                s.ulimits
                    .iter()
                    .map(|(name, (soft, hard))| json!({"Name": name, "SoftLimit": soft, "HardLimit": hard}))
                    .collect(),
            ),
        );
    }
    if let Some(h) = &s.healthcheck {
        let mut hc = json!({
            "Command": texts(&h.command),
            "Interval": h.interval,
            "Timeout": h.timeout,
            "Retries": h.retries,
        });
        if let Some(sp) = h.start_period {
            hc["StartPeriod"] = json!(sp);
        }
        set("HealthCheck", hc);
    }
    set("LogConfiguration", logs);
    if let Some(t) = s.stop_grace_period {
        set("StopTimeout", json!(t));
    }
    if s.read_only {
        set("ReadonlyRootFilesystem", json!(true));
    }
    if s.tty {
        set("PseudoTerminal", json!(true));
    }
    if s.stdin_open {
        set("Interactive", json!(true));
    }
    if !s.sysctls.is_empty() {
        set(
            "SystemControls",
            Value::Array(
                s.sysctls
                    .iter()
                    .map(|(k, v)| json!({"Namespace": k, "Value": v.to_json()}))
                    .collect(),
            ),
        );
    }
    if let Some(r) = s.memory_reservation {
        set("MemoryReservation", json!(r));
    }
    let mounts = super::volumes::mount_points(s);
    if !mounts.is_empty() {
        set("MountPoints", Value::Array(mounts));
    }
    let mode = ctx
        .valid
        .service_plan(&s.name)
        .map_or(NetworkMode::Awsvpc, |p| p.network_mode);
    let mappings = port_mappings(s, mode, &tcp_ports(ctx, s));
    if !mappings.is_empty() {
        set("PortMappings", Value::Array(mappings));
    }
    super::host::container(s, &mut c);
    Value::Object(c)
}

/// One mapping per container port and protocol; TCP ports are named for Service Connect.
/// The declared ports (`ports`, `expose`) come first, then the other ports the service is
/// known to be reached on (`validate::reach`). In `bridge` mode the host port is dynamic
/// (`0`: ECS picks one of the ephemeral range); in `host` mode it is the container port.
fn port_mappings(s: &Service, mode: NetworkMode, named: &BTreeSet<u16>) -> Vec<Value> {
    let mut declared: BTreeSet<(u16, Protocol)> =
        s.ports.iter().map(|p| (p.target, p.protocol)).collect();
    declared.extend(s.expose.iter().copied());
    let known = named
        .iter()
        .map(|p| (*p, Protocol::Tcp))
        .filter(|p| !declared.contains(p));
    let all: Vec<(u16, Protocol)> = declared.iter().copied().chain(known).collect();
    all.into_iter()
        .map(|(port, protocol)| {
            let mut m = json!({"ContainerPort": port, "Protocol": protocol.lower()});
            match mode {
                NetworkMode::Awsvpc => {}
                NetworkMode::Bridge => m["HostPort"] = json!(0),
                NetworkMode::Host => m["HostPort"] = json!(port),
            }
            if protocol == Protocol::Tcp && named.contains(&port) {
                m["Name"] = json!(port_name(s, port));
                let app = s
                    .ports
                    .iter()
                    .find(|p| p.target == port && p.protocol == protocol)
                    .and_then(|p| p.app_protocol.clone());
                if let Some(app) = app {
                    m["AppProtocol"] = json!(app);
                }
            }
            m
        })
        .collect()
}
