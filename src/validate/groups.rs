//! Containers that share a task (`compose::groups`): where the group runs (the root's
//! capacity, `awsvpc` only, `ipc` on EC2 only), the task's size (the sum of its
//! containers'), and how the group is reached: a member's names and ports become the
//! root's, since the containers of an `awsvpc` task share one address.

use super::compute::Plan;
use super::fargate;
use super::reach;
use crate::compose::groups::{Grouping, Kind};
use crate::compose::model::{NetworkMode, Project, Service};
use crate::diagnostics::{Diagnostics, Path};
use std::collections::BTreeMap;

/// The groups' roots with their members.
fn groups(project: &Project) -> Vec<(&Service, Vec<&Service>)> {
    project
        .services
        .values()
        .filter_map(|s| match &s.group {
            Some(Grouping::Root { members, .. }) => Some((
                s,
                members
                    .iter()
                    .filter_map(|m| project.services.get(m))
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

/// Checks where each group runs and sizes its task: the root's `sizes` (Fargate) or plan
/// (EC2) become the group's.
pub fn check(
    project: &Project,
    plan: &mut Plan,
    sizes: &mut BTreeMap<String, (u32, u32)>,
    diags: &mut Diagnostics,
) {
    let services = Path::new("services");
    for (root, members) in groups(project) {
        let Some(rp) = plan.services.get(&root.name).cloned() else {
            continue;
        };
        let x = &root.name;
        if rp.network_mode != NetworkMode::Awsvpc {
            let mode = match rp.network_mode {
                NetworkMode::Bridge => "bridge",
                _ => "host",
            };
            for m in &members {
                for l in &m.shares {
                    let how = match l.kind {
                        Kind::Network => "ECS has no `container:` network mode, so",
                        _ => "in that mode",
                    };
                    diags.error(
                        &l.path,
                        format!("`{}` shares a task with `{x}`, which runs in `{mode}` network mode on EC2: {how} the containers of a task share an address and reach each other on `localhost` only in `awsvpc` mode; add `network_mode: awsvpc` to `{x}`", m.name),
                    );
                }
            }
            continue;
        }
        for m in &members {
            let Some(mp) = plan.services.get(&m.name).cloned() else {
                continue;
            };
            if mp.ec2 != rp.ec2 || mp.strategy != rp.strategy {
                let place = |ec2: bool| if ec2 { "EC2 capacity" } else { "Fargate" };
                diags.error(
                    services.key(&m.name),
                    format!("`{}` is a container of `{x}`'s task, which runs on {} while `{}` asks for {} (`deploy.x-aws-capacity`, GPUs or placement); give both the same capacity", m.name, place(rp.ec2), m.name, place(mp.ec2)),
                );
            }
            if m.compute
                .network_mode
                .is_some_and(|n| n != NetworkMode::Awsvpc)
            {
                diags.error(
                    services.key(&m.name).key("network_mode"),
                    format!("`{}` is a container of `{x}`'s task, which runs in `awsvpc` mode; drop `network_mode`", m.name),
                );
            }
            if let Some(p) = plan.services.get_mut(&m.name) {
                // The member's container runs in the root's task: its network mode.
                p.network_mode = rp.network_mode;
            }
            if m.operations.exec && !root.operations.exec {
                diags.warn(
                    services.key(&m.name).key("x-aws-exec"),
                    format!("ECS Exec is a setting of the task's ECS service, `{x}`'s: enable it on `{x}` to reach the container `{}` (`--container {}`)", m.name, m.name),
                );
            }
            for l in m.shares.iter().filter(|l| l.kind == Kind::Ipc) {
                if !rp.ec2 {
                    diags.error(
                        &l.path,
                        format!("Fargate tasks cannot share an IPC namespace (the task definition's `IpcMode` is not supported on Fargate): run `{x}` and `{}` on EC2 capacity (`deploy.x-aws-capacity: ec2`), or drop `ipc`", m.name),
                    );
                } else if root.host.ipc.is_some() {
                    diags.error(
                        &l.path,
                        format!("`{x}` sets its own `ipc`, and a task has one IPC mode; drop one of them"),
                    );
                }
            }
            for l in m.shares.iter().filter(|l| l.kind == Kind::Pid) {
                if root.host.pid_host {
                    diags.error(
                        &l.path,
                        format!("`{x}` shares the host's process namespace (`pid: host`), and a task has one PID mode; drop one of them"),
                    );
                }
            }
        }
        // The task's size: every container's limits added up.
        let all: Vec<&Service> = std::iter::once(root)
            .chain(members.iter().copied())
            .collect();
        let sum = |f: &dyn Fn(&Service) -> Option<u64>| -> Option<u64> {
            all.iter()
                .filter_map(|s| f(s))
                .reduce(|a, b| a.saturating_add(b))
        };
        let cpus = sum(&|s| s.cpus);
        let memory = sum(&|s| s.memory);
        if rp.ec2 {
            if let Some(p) = plan.services.get_mut(x) {
                let units = cpus.map(|m| (m * 1024).div_ceil(1000).min(u64::from(u32::MAX)) as u32);
                p.cpu_units = units.or(p.cpu_units);
                if let Some(mem) = memory {
                    p.memory = p.memory.max(mem.min(u64::from(u32::MAX)) as u32);
                }
            }
        } else {
            match fargate::smallest(cpus, memory) {
                Some(size) => {
                    sizes.insert(x.clone(), size);
                }
                None => diags.error(
                    services.key(x).key("deploy").key("resources"),
                    format!("no Fargate size fits the containers of `{x}`'s task together: the largest task has 16 vCPU and 122880 MiB (120 GiB); lower the limits of `{x}` and the services that share its task"),
                ),
            }
        }
    }
}

/// A member's names, ports, clients and start order become its root's: Service Connect
/// and `DependsOn` know only the root's ECS service. Names inside the group and the
/// group's own services leave `after`.
pub fn fold(project: &Project, plan: &mut reach::Plan) {
    let root_of = |n: &str| -> String {
        project.services.get(n).map_or(n.to_string(), |s| {
            crate::compose::groups::root_of(project, s).name.clone()
        })
    };
    for (root, members) in groups(project) {
        for m in members {
            let Some(r) = plan.services.remove(&m.name) else {
                continue;
            };
            let Some(target) = plan.services.get_mut(&root.name) else {
                continue;
            };
            target.ports.extend(r.ports);
            // Docker gives a member no name of its own on the network; ECS does when some
            // service names it, so that the reference works either way.
            if !r.clients.is_empty() {
                target.aliases.insert(m.name.to_ascii_lowercase());
            }
            target.aliases.extend(r.aliases);
            target.after.extend(r.after);
            target.clients.extend(r.clients.into_iter().map(|mut c| {
                c.target = root.name.clone();
                c
            }));
        }
    }
    for (name, r) in plan.services.iter_mut() {
        r.after = r
            .after
            .iter()
            .map(|a| root_of(a))
            .filter(|a| a != name)
            .collect();
    }
}
