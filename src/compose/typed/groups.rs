//! Containers that share a task (docs/operations.md, "Containers that share a task"):
//! `network_mode: service:X`, `ipc: service:X`, `pid: service:X` and `volumes_from` link
//! services; the services a chain of links joins (a connected component) run as the
//! containers of one task, whose ECS service is the root's: the one long-running service
//! the others attach to. Read after `jobs` and `schedule`, since a run-once member becomes a
//! non-essential container instead of a job. In Compose words only; `validate::groups`
//! checks where the group runs and `convert` builds its task definition.

use super::model::{Condition, Project, Service};
pub use super::model::{Grouping, Kind, Link};
use super::reader::Reader;
use crate::diagnostics::Path;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The most containers an ECS task definition holds (Amazon ECS service quotas,
/// "Containers per task definition").
pub const MAX_CONTAINERS: usize = 10;

/// The root of the group `s` belongs to (itself when it has no group or is the root).
pub fn root_of<'a>(project: &'a Project, s: &'a Service) -> &'a Service {
    match &s.group {
        Some(Grouping::Member { root, .. }) => project.services.get(root).unwrap_or(s),
        _ => s,
    }
}

/// The services whose containers `s`'s task definition holds: `s`, then its members when
/// it is a group's root (a member alone holds nothing of its own: an empty list).
pub fn task_services<'a>(project: &'a Project, s: &'a Service) -> Vec<&'a Service> {
    match &s.group {
        Some(Grouping::Root { members, .. }) => std::iter::once(s)
            .chain(members.iter().filter_map(|m| project.services.get(m)))
            .collect(),
        Some(Grouping::Member { .. }) => Vec::new(),
        None => vec![s],
    }
}

/// True when `s` is a container of another service's task.
pub fn is_member(s: &Service) -> bool {
    matches!(s.group, Some(Grouping::Member { .. }))
}

/// The container dependencies of `s` inside its group: (container, condition), from its
/// links (started) and its `depends_on` on services of the group (the condition written
/// wins), sorted by name.
pub fn container_dependencies(project: &Project, s: &Service) -> Vec<(String, Condition)> {
    let root = root_of(project, s);
    let group: BTreeSet<&str> = task_services(project, root)
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let mut out: BTreeMap<String, Condition> = BTreeMap::new();
    for l in &s.shares {
        out.entry(l.target.clone()).or_insert(Condition::Started);
    }
    for (dep, c) in &s.depends_on {
        if group.contains(dep.as_str()) && *dep != s.name {
            out.insert(dep.clone(), *c);
        }
    }
    out.into_iter().collect()
}

/// Reads the links of every service and forms the groups.
pub(super) fn read(r: &mut Reader, tree: &Map<String, Value>, project: &mut Project) {
    let Some(Value::Object(raw)) = tree.get("services") else {
        return;
    };
    let services = Path::root().key("services");
    let names: Vec<String> = project.services.keys().cloned().collect();
    for name in &names {
        let Some(Value::Object(map)) = raw.get(name) else {
            continue;
        };
        let links = links(r, map, name, &services.key(name), project);
        if let Some(s) = project.services.get_mut(name) {
            s.shares = links;
        }
    }
    // Connected components: union-find over the services' indexes (halving paths, so that
    // a chain of thousands of links stays linear).
    let index: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..names.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for s in project.services.values() {
        for l in &s.shares {
            let (Some(&a), Some(&b)) = (index.get(s.name.as_str()), index.get(l.target.as_str()))
            else {
                continue;
            };
            let (a, b) = (find(&mut parent, a), find(&mut parent, b));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut components: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, n) in names.iter().enumerate() {
        let root = find(&mut parent, i);
        components.entry(root).or_default().push(n.clone());
    }
    // `restart: always`/`unless-stopped`, by service (`jobs` read the others).
    let restarting: BTreeSet<String> = names
        .iter()
        .filter(|n| {
            let v = raw.get(*n).and_then(|s| s.get("restart"));
            matches!(
                v.and_then(Value::as_str).map(str::trim),
                Some("always" | "unless-stopped")
            )
        })
        .cloned()
        .collect();
    for group in components.into_values().filter(|g| g.len() > 1) {
        if group.len() > MAX_CONTAINERS {
            r.diags.error(
                services.key(&group[0]),
                format!("{} services are linked by `network_mode`, `ipc`, `pid` or `volumes_from` into one task, and an ECS task definition holds at most {MAX_CONTAINERS} containers; split them", group.len()),
            );
            continue;
        }
        form(r, project, &group, &restarting);
    }
}

/// The links one service writes.
fn links(
    r: &mut Reader,
    map: &Map<String, Value>,
    name: &str,
    path: &Path,
    project: &Project,
) -> Vec<Link> {
    let mut out = Vec::new();
    let mut target = |r: &mut Reader, t: &str, p: &Path, kind: Kind| {
        let t = t.trim();
        if t == name {
            r.diags
                .error(p, format!("`{name}` cannot attach to itself"));
        } else if !project.services.contains_key(t) {
            r.diags.error(
                p,
                format!("`{t}` is not a service of this project (or it is disabled by profiles); name a service to share its {}", what(kind)),
            );
        } else {
            out.push(Link {
                target: t.to_string(),
                kind,
                path: p.to_string(),
            });
        }
    };
    for kind in [Kind::Network, Kind::Ipc, Kind::Pid] {
        let p = path.key(kind.key());
        // `normalize` reads the other values (and refuses `container:`).
        if let Some(Value::String(v)) = map.get(kind.key()) {
            if let Some(t) = v.strip_prefix("service:") {
                target(r, t, &p, kind);
            }
        }
    }
    if let Some(v) = map.get("volumes_from") {
        let p = path.key("volumes_from");
        for (i, item) in r.string_list(v, &p).into_iter().enumerate() {
            let ip = p.index(i);
            if item.starts_with("container:") {
                r.diags.error(
                    &ip,
                    "ECS knows only the containers of the same task: `container:` names a container outside the project; name a service (`volumes_from: [<service>]`), or mount the same named volume in both services",
                );
                continue;
            }
            let (t, mode) = match item.rsplit_once(':') {
                Some((t, m)) => (t, Some(m)),
                None => (item.as_str(), None),
            };
            let read_only = match mode {
                None | Some("rw") => false,
                Some("ro") => true,
                Some(_) => {
                    r.diags.error(
                        &ip,
                        "expected `<service>`, `<service>:ro` or `<service>:rw`",
                    );
                    continue;
                }
            };
            target(r, t, &ip, Kind::VolumesFrom { read_only });
        }
    }
    out
}

fn what(kind: Kind) -> &'static str {
    match kind {
        Kind::Network => "network",
        Kind::Ipc => "IPC namespace",
        Kind::Pid => "process namespace",
        Kind::VolumesFrom { .. } => "volumes",
    }
}

/// Forms one group: checks its links, chooses its root, marks its services.
fn form(r: &mut Reader, project: &mut Project, group: &[String], restarting: &BTreeSet<String>) {
    let services = Path::root().key("services");
    let in_group: BTreeSet<&str> = group.iter().map(String::as_str).collect();
    // Containers start after what they attach to and what they wait for: no cycle.
    let edges: BTreeMap<&str, Vec<&str>> = group
        .iter()
        .filter_map(|n| project.services.get(n))
        .map(|s| {
            let mut e: BTreeSet<&str> = s.shares.iter().map(|l| l.target.as_str()).collect();
            e.extend(
                s.depends_on
                    .keys()
                    .map(String::as_str)
                    .filter(|d| in_group.contains(d) && *d != s.name),
            );
            (s.name.as_str(), e.into_iter().collect())
        })
        .collect();
    if let Some(cycle) = crate::graph::cycles(&edges).into_iter().next() {
        let chain: Vec<String> = cycle.iter().map(|s| format!("`{s}`")).collect();
        r.diags.error(
            services.key(cycle[0]),
            format!("these services attach to or wait for each other in a cycle ({}): containers of one task start in order, so one of them must own what the others share; drop the link or `depends_on` that closes the cycle", chain.join(" → ")),
        );
        return;
    }
    let svc = |n: &str| project.services.get(n);
    let namespaced = |n: &str| svc(n).is_some_and(|s| s.shares.iter().any(|l| l.kind.namespace()));
    let candidates: Vec<&str> = group
        .iter()
        .map(String::as_str)
        .filter(|n| !namespaced(n))
        .collect();
    let long: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|n| svc(n).is_some_and(|s| s.job.is_none()))
        .collect();
    let targets: BTreeSet<&str> = group
        .iter()
        .filter_map(|n| svc(n))
        .flat_map(|s| s.shares.iter().map(|l| l.target.as_str()))
        .collect();
    let root = match long.as_slice() {
        [one] => one.to_string(),
        [] => {
            let owner = candidates.first().copied().unwrap_or(group[0].as_str());
            r.diags.error(
                services.key(owner),
                format!("`{owner}` runs once (its `restart`, or a `service_completed_successfully` wait), and the services linked to it ({}) would share its task: a task shared by several containers needs a long-running one to own it, and a run-once group is not supported yet; make `{owner}` long-running (`restart: always`), or drop the links", others(group, owner)),
            );
            return;
        }
        many => {
            let attached: Vec<&str> = many
                .iter()
                .copied()
                .filter(|n| targets.contains(n))
                .collect();
            match attached.as_slice() {
                [one] => one.to_string(),
                _ => {
                    let list: Vec<String> = many.iter().map(|n| format!("`{n}`")).collect();
                    r.diags.error(
                        services.key(many[0]),
                        format!("{} would share one task (they are linked by `network_mode`, `ipc`, `pid` or `volumes_from`), but none of them attaches to the others: a task has one ECS service, named after the service the others attach to; make the others join one of them (`network_mode: service:{}`)", list.join(" and "), many[0]),
                    );
                    return;
                }
            }
        }
    };
    let members: Vec<String> = group.iter().filter(|n| **n != root).cloned().collect();
    let mut ipc = false;
    let mut pid = false;
    let root_networks = svc(&root).map(|s| s.networks.clone()).unwrap_or_default();
    for m in &members {
        let Some(s) = project.services.get_mut(m) else {
            continue;
        };
        let path = services.key(m);
        let network = s.shares.iter().find(|l| l.kind == Kind::Network);
        ipc |= s.shares.iter().any(|l| l.kind == Kind::Ipc);
        pid |= s.shares.iter().any(|l| l.kind == Kind::Pid);
        // The task's network interface is the root's: its security groups, its networks.
        let own = std::mem::replace(&mut s.networks, root_networks.clone());
        let default = BTreeSet::from(["default".to_string()]);
        if let (Some(l), true) = (network, own != default) {
            r.diags.error(
                path.key("networks"),
                format!("`network_mode: service:{}` and `networks` exclude each other (Docker Compose refuses both): `{m}` joins `{}`'s networks; drop `networks`", l.target, l.target),
            );
        } else if network.is_none() && own != root_networks && own != default {
            r.diags.warn(
                path.key("networks"),
                format!("ignored: `{m}` is a container of `{root}`'s task, which joins `{root}`'s networks"),
            );
        }
        let essential = match s.job.take() {
            None => restarting.contains(m),
            Some(job) => {
                if job.retries > 0 {
                    r.diags.warn(
                        path.key("restart"),
                        format!("`{m}` is a container of `{root}`'s task: it runs once in each task, without the retries of `on-failure`"),
                    );
                }
                false
            }
        };
        s.group = Some(Grouping::Member {
            root: root.clone(),
            essential,
        });
    }
    if let Some(s) = project.services.get_mut(&root) {
        s.group = Some(Grouping::Root { members, ipc, pid });
    }
}

fn others(group: &[String], owner: &str) -> String {
    let list: Vec<String> = group
        .iter()
        .filter(|n| *n != owner)
        .map(|n| format!("`{n}`"))
        .collect();
    list.join(", ")
}
