//! Containers that share a task (`compose::groups`): where the group runs (the root's
//! capacity, `awsvpc` only, `ipc` on EC2 only), the task's size (the sum of its
//! containers'), and how the group is reached: a member's names and ports become the
//! root's, since the containers of an `awsvpc` task share one address.

use super::compute::Plan;
use super::fargate;
use super::reach;
use crate::compose::groups::{Grouping, Kind};
use crate::compose::model::{Condition, NetworkMode, Project, Service};
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

/// What a member cannot have, or has in vain: it has no ECS service, load balancer
/// targets or schedule of its own, and a container waits to be healthy only for one with a
/// health check.
fn member_rules(project: &Project, diags: &mut Diagnostics) {
    let services = Path::new("services");
    for (root, members) in groups(project) {
        let x = &root.name;
        let group: Vec<&Service> = std::iter::once(root)
            .chain(members.iter().copied())
            .collect();
        // `service_healthy` between containers is ECS's `HEALTHY`, which needs a health check
        // in the task definition: ECS does not run an image's own `HEALTHCHECK` ("Amazon ECS
        // doesn't monitor Docker health checks that are embedded in a container image",
        // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/healthcheck.html).
        for s in &group {
            for (dep, c) in &s.depends_on {
                let unchecked = group
                    .iter()
                    .any(|d| d.name == *dep && d.healthcheck.is_none());
                if *c == Condition::Healthy && unchecked {
                    diags.error(
                        services.key(&s.name).key("depends_on").key(dep).key("condition"),
                        format!("waits for `{dep}` to be healthy, and `{dep}` has no `healthcheck`: a container of the same task can wait only for a container with one, and ECS does not run the image's own `HEALTHCHECK`; add a `healthcheck` to `{dep}` (for an image that has one, its command, as `docker inspect` shows it), or wait with `service_started`"),
                    );
                }
            }
        }
        for m in members {
            let name = &m.name;
            let path = services.key(name);
            let network = m.shares.iter().find(|l| l.kind == Kind::Network);
            if let Some(first) = m.ports.first() {
                let why = match network {
                    Some(l) => format!("`{name}` joins the network of `{}` (`network_mode: service:{}`), and Docker refuses `ports` on such a service: the ports belong to the network's owner", l.target, l.target),
                    None => format!("`{name}` is a container of `{x}`'s task, whose load balancer targets are `{x}`'s"),
                };
                diags.error(
                    &first.path,
                    format!("{why}; move them to `services.{x}.ports` (the container listens on the task's shared address either way), or use `expose`"),
                );
            }
            if m.schedule.is_some() {
                diags.error(
                    path.key("deploy").key("x-aws-schedule"),
                    format!("`{name}` is a container of `{x}`'s task, so it cannot run on a schedule of its own; drop the schedule or the link"),
                );
            }
            if m.replicas_set && m.replicas != root.replicas {
                diags.warn(
                    path.key("deploy").key("replicas"),
                    format!("ignored: `{name}` is a container of `{x}`'s task, so it runs once in each of `{x}`'s {} task(s); the group scales as one, with `{x}`'s `deploy`", root.replicas),
                );
            }
            // What belongs to an ECS service: the group's is the root's.
            let service_keys = [
                (m.update != Default::default(), "deploy.update_config"),
                (
                    m.healthcheck_grace_period.is_some(),
                    "deploy.x-aws-healthcheck_grace_period",
                ),
                (m.operations.alarms.path.is_some(), "deploy.x-aws-alarms"),
                (m.autoscaling.is_some(), "deploy.x-aws-autoscaling"),
            ];
            for (_, key) in service_keys.iter().filter(|(set, _)| *set) {
                diags.warn(
                    format!("{path}.{key}"),
                    format!("ignored: `{name}` is a container of `{x}`'s task, without an ECS service of its own; the group is deployed, scaled and watched as `{x}`'s service says"),
                );
            }
            for waiter in project.services.values() {
                let waits = waiter.depends_on.get(name) == Some(&Condition::CompletedSuccessfully);
                if waits && !group.iter().any(|g| g.name == waiter.name) {
                    diags.warn(
                        services.key(&waiter.name).key("depends_on").key(name),
                        format!("`{name}` is a container of `{x}`'s task, whose completion another service cannot wait for: `{}` starts once `{x}`'s service is stable", waiter.name),
                    );
                }
            }
        }
    }
}

/// Checks where each group runs and sizes its task: the root's `sizes` (Fargate) or plan
/// (EC2) become the group's.
pub fn check(
    project: &Project,
    plan: &mut Plan,
    sizes: &mut BTreeMap<String, (u32, u32)>,
    diags: &mut Diagnostics,
) {
    member_rules(project, diags);
    let services = Path::new("services");
    let groups = groups(project);
    if !groups.is_empty() {
        // Members run in their root's task; their own plans counted below are replaced.
        for (root, members) in &groups {
            if let Some(mode) = plan.services.get(&root.name).map(|p| p.network_mode) {
                for m in members {
                    if let Some(p) = plan.services.get_mut(&m.name) {
                        p.network_mode = mode;
                    }
                }
            }
        }
        host_networking(plan);
    }
    for (root, members) in groups {
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
                } else if root
                    .host
                    .ipc
                    .is_some_and(|n| n != crate::compose::host::Namespace::Task)
                {
                    diags.error(
                        &l.path,
                        format!("`{x}` sets its own `ipc` (`host` or `private`), and a task has one IPC mode; drop one of them"),
                    );
                }
            }
            // What the task definition sets once for every container: the root's.
            let path = services.key(&m.name);
            if m.platform.is_some() && m.platform != root.platform {
                diags.error(
                    path.key("platform"),
                    format!("`{}` is a container of `{x}`'s task, and a task runs on one CPU architecture: give `{x}` the same `platform`, or drop it here", m.name),
                );
            }
            if m.host.pid_host && !root.host.pid_host {
                diags.error(
                    path.key("pid"),
                    format!("`{}` is a container of `{x}`'s task, and a task has one PID mode: set `pid: host` on `{x}`", m.name),
                );
            }
            if m.host.ipc.is_some() && m.host.ipc != root.host.ipc {
                diags.error(
                    path.key("ipc"),
                    format!("`{}` is a container of `{x}`'s task, and a task has one IPC mode: set `ipc` on `{x}` (or share it with `ipc: service:{x}`)", m.name),
                );
            }
            if m.ephemeral_storage.is_some() && m.ephemeral_storage > root.ephemeral_storage {
                diags.error(
                    path.key("x-aws-ephemeral_storage"),
                    format!("`{}` is a container of `{x}`'s task, whose ephemeral storage is set once for the task: set it on `{x}`", m.name),
                );
            }
            for l in &m.shares {
                let (Kind::VolumesFrom { read_only: false }, Some(source)) =
                    (l.kind, project.services.get(&l.target))
                else {
                    continue;
                };
                let writes = source.mounts.iter().any(|v| {
                    matches!(v.source, crate::compose::model::MountSource::Volume(_))
                        && !v.read_only
                });
                if writes && m.user != source.user {
                    diags.warn(
                        &l.path,
                        format!("`{}` writes the named volumes of `{}` through `volumes_from` as its own user, and their access points are made for `{}`'s user: give `{}` the same `user:` as `{}`, or take them read-only (`{}:ro`)", m.name, source.name, source.name, m.name, source.name, source.name),
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
            instance_fits(project, plan, &all, x, diags);
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

/// Whether some EC2 task uses the instances' network, once members took their root's mode.
fn host_networking(plan: &mut Plan) {
    let any = plan
        .services
        .values()
        .any(|p| p.ec2 && p.network_mode != NetworkMode::Awsvpc);
    if let Some(ec2) = plan.ec2.as_mut() {
        ec2.host_networking = any;
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

/// The project's EC2 instance type was chosen for the largest service: a group's task
/// needs its containers' reservations added up. A larger type of the table when the chosen
/// one is too small, or an error when a `node.machine` constraint named it.
fn instance_fits(
    project: &Project,
    plan: &mut Plan,
    all: &[&Service],
    root: &str,
    diags: &mut Diagnostics,
) {
    use super::instances::{find, smallest, Need};
    let Some(ec2) = plan.ec2.as_mut() else {
        return;
    };
    let Some(current) = find(&ec2.instance_type) else {
        return;
    };
    let need = Need {
        gpus: all
            .iter()
            .filter_map(|s| plan.services.get(&s.name).and_then(|p| p.gpus))
            .sum(),
        millicpus: all
            .iter()
            .map(|s| s.compute.reserved_cpus.or(s.cpus).unwrap_or(0))
            .sum(),
        memory_mib: all
            .iter()
            .map(|s| s.compute.reserved_memory.or(s.memory).unwrap_or(0))
            .sum::<u64>()
            .max(plan.services.get(root).map_or(0, |p| u64::from(p.memory))),
    };
    let fits = |t: &super::instances::InstanceType| {
        t.gpus >= need.gpus
            && u64::from(t.vcpus) * 1000 >= need.millicpus
            && u64::from(t.memory_gib) * 1024 > need.memory_mib
    };
    if fits(current) {
        return;
    }
    let constrained = project
        .services
        .values()
        .any(|s| s.compute.machine.is_some());
    match smallest(need, current.arch).filter(|_| !constrained) {
        Some(t) => ec2.instance_type = t.name.to_string(),
        None => diags.error(
            Path::new("services").key(root).key("deploy").key("resources"),
            format!("the containers of `{root}`'s task together need more than the EC2 instance type `{}` offers; lower their reservations, or name a larger type with `node.machine == <type>`", current.name),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::Project;

    fn project(text: &str) -> (Project, Diagnostics) {
        let tree: serde_json::Map<String, serde_json::Value> =
            serde_yaml_ng::from_str(text).unwrap();
        let mut diags = Diagnostics::default();
        let vars = crate::compose::interpolate::Variables::default();
        let p = crate::compose::normalize::normalize(&tree, "p", &vars, None, &mut diags);
        (p, diags)
    }

    #[test]
    fn a_members_names_ports_and_order_become_the_roots() {
        let (p, d) = project(
            "services:\n  vpn: {image: v, expose: ['9999']}\n  torrent: {image: t, network_mode: 'service:vpn', depends_on: [db]}\n  db: {image: postgres:16}\n  ui: {image: u, command: ['wget', 'http://torrent:8080/']}\n",
        );
        assert!(d.errors().is_empty(), "{d:?}");
        let mut diags = Diagnostics::new();
        let mut reach = reach::plan(&p, &mut diags);
        fold(&p, &mut reach);
        assert!(!reach.services.contains_key("torrent"));
        let vpn = reach.of("vpn");
        assert_eq!(vpn.ports, [8080, 9999].into_iter().collect());
        assert_eq!(vpn.aliases, ["torrent".to_string()].into_iter().collect());
        assert_eq!(vpn.after, ["db".to_string()].into_iter().collect());
        assert_eq!(
            reach.of("ui").after,
            ["vpn".to_string()].into_iter().collect()
        );
    }

    #[test]
    fn ports_on_a_member_and_waiting_for_health_without_a_check_are_errors() {
        for (text, path) in [
            ("services:\n  a: {image: x}\n  b: {image: x, network_mode: 'service:a', ports: ['80:80']}\n", "services.b.ports[0]"),
            ("services:\n  a: {image: x}\n  b: {image: x, network_mode: 'service:a', depends_on: {a: {condition: service_healthy}}}\n", "services.b.depends_on.a.condition"),
            ("services:\n  a: {image: x}\n  b: {image: x, network_mode: 'service:a', deploy: {x-aws-schedule: 'rate(1 hour)'}}\n", "services.b.deploy.x-aws-schedule"),
        ] {
            let (p, _) = project(text);
            let mut diags = Diagnostics::new();
            let mut plan = super::super::compute::plan(&p, &mut diags);
            check(&p, &mut plan, &mut BTreeMap::new(), &mut diags);
            let errors = format!("{:?}", diags.errors());
            assert!(errors.contains(path), "{text}: {errors}");
        }
    }

    #[test]
    fn the_task_is_sized_for_every_container_and_groups_need_awsvpc() {
        let (p, _) = project(
            "services:\n  a: {image: x, deploy: {resources: {limits: {cpus: '1', memory: 2G}}}}\n  b: {image: x, volumes_from: [a], deploy: {resources: {limits: {cpus: '1', memory: 2G}}}}\n",
        );
        let mut diags = Diagnostics::new();
        let mut plan = super::super::compute::plan(&p, &mut diags);
        let mut sizes = BTreeMap::new();
        check(&p, &mut plan, &mut sizes, &mut diags);
        assert_eq!(sizes.get("a"), Some(&(2048, 4096)));
        let (p, _) = project(
            "x-aws-capacity: ec2\nservices:\n  a: {image: x}\n  b: {image: x, network_mode: 'service:a'}\n",
        );
        let mut diags = Diagnostics::new();
        let mut plan = super::super::compute::plan(&p, &mut diags);
        check(&p, &mut plan, &mut sizes, &mut diags);
        let errors = format!("{:?}", diags.errors());
        assert!(errors.contains("services.b.network_mode"), "{errors}");
    }
}
