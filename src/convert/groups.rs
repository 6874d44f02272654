//! Containers that share a task (`compose::groups`): the member containers of a root's task
//! definition. A member keeps its image, environment, secrets, mounts, logging, health
//! check and limits; it gets `Essential: false` when it runs once, `DependsOn` from its links
//! and its `depends_on` inside the group (`service_started` → `START`, `service_healthy` →
//! `HEALTHY`, `service_completed_successfully` → `SUCCESS`), `VolumesFrom` from
//! `volumes_from`, and no port mappings of its own (the task has one address: the root's
//! container maps every port of the group, which Service Connect names). Volumes keep
//! apart: a member's scratch, host and helper volumes get its name; EFS volumes defined
//! alike are shared.

use crate::compose::groups::{container_dependencies, Grouping, Kind};
use crate::compose::model::{Condition, Project, Service};
use serde_json::{json, Value};

/// ECS's container dependency condition for a Compose `depends_on` condition.
fn condition(c: Condition) -> &'static str {
    match c {
        Condition::Started => "START",
        Condition::Healthy => "HEALTHY",
        Condition::CompletedSuccessfully => "SUCCESS",
    }
}

/// The task definition's `PidMode`/`IpcMode` when members share the root's namespaces.
pub fn task_modes(s: &Service, props: &mut Value) {
    if let Some(Grouping::Root { ipc, pid, .. }) = &s.group {
        if *pid {
            props["PidMode"] = json!("task");
        }
        if *ipc {
            props["IpcMode"] = json!("task");
        }
    }
}

/// Makes `app`, the container built for member `s`, a container of its root's task:
/// essential or not, its dependencies and `VolumesFrom`; returns its port mappings, which
/// the root's container takes.
pub fn member_container(project: &Project, s: &Service, app: &mut Value) -> Vec<Value> {
    let essential = match &s.group {
        Some(Grouping::Member { essential, .. }) => *essential,
        _ => true,
    };
    app["Essential"] = json!(essential);
    if essential {
        // `restart: always`: restarted in place, as Docker does, once it ran a minute (the
        // shortest period ECS allows); an earlier exit stops the task, which the service
        // replaces (ECS Developer Guide, "Restart individual containers in Amazon ECS tasks
        // with container restart policies").
        app["RestartPolicy"] = json!({"Enabled": true, "RestartAttemptPeriod": 60});
    }
    let mut depends: Vec<Value> = app["DependsOn"].as_array().cloned().unwrap_or_default();
    for (name, c) in container_dependencies(project, s) {
        depends.push(json!({"ContainerName": name, "Condition": condition(c)}));
    }
    if !depends.is_empty() {
        app["DependsOn"] = Value::Array(depends);
    }
    let from: Vec<Value> = s
        .shares
        .iter()
        .filter_map(|l| match l.kind {
            Kind::VolumesFrom { read_only } => {
                Some(json!({"SourceContainer": l.target, "ReadOnly": read_only}))
            }
            _ => None,
        })
        .collect();
    if !from.is_empty() {
        app["VolumesFrom"] = Value::Array(from);
    }
    match app
        .as_object_mut()
        .and_then(|c| c.shift_remove("PortMappings"))
    {
        Some(Value::Array(mappings)) => mappings,
        _ => Vec::new(),
    }
}

/// The dependencies of the root's own container on members it waits for.
pub fn root_dependencies(project: &Project, s: &Service, app: &mut Value) {
    let deps = container_dependencies(project, s);
    if deps.is_empty() {
        return;
    }
    let mut depends: Vec<Value> = app["DependsOn"].as_array().cloned().unwrap_or_default();
    for (name, c) in deps {
        depends.push(json!({"ContainerName": name, "Condition": condition(c)}));
    }
    app["DependsOn"] = Value::Array(depends);
}

/// Adds a member's port mappings to the root's container, but for the ports it maps
/// already (one mapping per port and protocol in a task).
pub fn take_mappings(root: &mut Value, mappings: Vec<Value>) {
    let mut list: Vec<Value> = root["PortMappings"].as_array().cloned().unwrap_or_default();
    for m in mappings {
        let same =
            |o: &Value| o["ContainerPort"] == m["ContainerPort"] && o["Protocol"] == m["Protocol"];
        if !list.iter().any(same) {
            list.push(m);
        }
    }
    if !list.is_empty() {
        root["PortMappings"] = Value::Array(list);
    }
}

/// Adds a member's volumes to the task's, renaming the member's (in its containers'
/// mount points too): its scratch, host and helper volumes always (they are its own), an
/// EFS volume only when the task has another of the same name (one defined alike is
/// shared).
pub fn add_volumes(
    member: &str,
    volumes: Vec<Value>,
    containers: &mut [Value],
    task: &mut Vec<Value>,
) {
    let suffix: String = member
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    for mut v in volumes {
        let Some(name) = v["Name"].as_str().map(String::from) else {
            continue;
        };
        if v.get("EFSVolumeConfiguration").is_some() {
            if task.contains(&v) {
                continue;
            }
            if !task.iter().any(|t| t["Name"] == json!(name)) {
                task.push(v);
                continue;
            }
        }
        let renamed = format!("{name}-{suffix}");
        for c in containers.iter_mut() {
            if let Some(points) = c["MountPoints"].as_array_mut() {
                for p in points {
                    if p["SourceVolume"] == json!(name) {
                        p["SourceVolume"] = json!(renamed);
                    }
                }
            }
        }
        v["Name"] = json!(renamed);
        task.push(v);
    }
}
