//! Cross-field rules on the typed project: references resolve, dependencies form no
//! cycle, names give distinct logical IDs (the load balancer's ingress rules too), each service fits
//! a Fargate size.

use super::fargate;
use crate::cfn::logical_id::{normalize as id, MAX_LEN as MAX_LOGICAL_ID};
use crate::compose::load::Loaded;
use crate::compose::model::{Project, Service};
use crate::compose::values::Protocol;
use crate::diagnostics::{Diagnostics, Path};
use std::collections::{BTreeMap, BTreeSet};

/// Security groups one task network interface can have.
pub const MAX_SECURITY_GROUPS: usize = 5;

/// Checks the rules; returns the Fargate size of every service that fits one.
pub fn check(
    project: &Project,
    loaded: &Loaded,
    diags: &mut Diagnostics,
) -> BTreeMap<String, (u32, u32)> {
    let services = Path::new("services");
    if project.services.is_empty() && !diags.has_errors() {
        let why = if loaded.disabled.is_empty() {
            "the project defines no services".to_string()
        } else {
            format!(
                "every service is disabled by profiles; activate one of {} with the `Profiles` property",
                profiles_of(loaded.disabled.values().flatten())
            )
        };
        diags.error(&services, why);
    }
    distinct_ids(project.services.keys(), &services, "service", diags);
    distinct_ids(
        project.networks.keys(),
        &Path::new("networks"),
        "network",
        diags,
    );
    distinct_ids(
        project
            .secrets
            .iter()
            .filter(|(_, s)| s.is_created())
            .map(|(k, _)| k),
        &Path::new("secrets"),
        "secret",
        diags,
    );

    let mut sizes = BTreeMap::new();
    let mut ingress: BTreeMap<String, (&str, u16, &str)> = BTreeMap::new();
    for (name, s) in &project.services {
        let path = services.key(name);
        // A service whose `extends` failed (reported) has no image of its own to check.
        let unresolved = loaded.tree["services"][name].get("extends").is_some();
        if s.image.is_none() && !unresolved {
            let has_build = loaded.tree["services"][name].get("build").is_some();
            let why = if has_build {
                "is required: ECS pulls images and cannot build them; run `compose-to-ecs package --image-repository <ECR repository URI>` on the template to build and push it, or set `image` to an image in a registry"
            } else {
                "is required: set the image to run, e.g. `image: nginx:1.27`"
            };
            diags.error(path.key("image"), why);
        }
        for dep in s.depends_on.keys() {
            if project.services.contains_key(dep) {
                continue;
            }
            let message = match loaded.disabled.get(dep) {
                Some(p) => format!(
                    "depends on `{dep}`, which is disabled by profiles; activate {} with the `Profiles` property",
                    profiles_of(p.iter())
                ),
                None => format!("depends on `{dep}`, which is not a service of this project"),
            };
            diags.error(path.key("depends_on"), message);
        }
        for net in &s.networks {
            if net != "default" && !project.networks.contains_key(net) {
                diags.error(
                    path.key("networks"),
                    format!("network `{net}` is not declared under the top-level `networks`"),
                );
            }
        }
        if s.networks.len() > MAX_SECURITY_GROUPS {
            diags.error(
                path.key("networks"),
                format!(
                    "a task can join at most {MAX_SECURITY_GROUPS} networks (one security group each), found {}",
                    s.networks.len()
                ),
            );
        }
        if !s.ports.is_empty()
            && s.networks.iter().all(|n| {
                project
                    .networks
                    .get(n)
                    .is_some_and(|n| n.external.is_some())
            })
        {
            diags.error(
                path.key("ports"),
                "publishing ports needs one network the project creates: external security groups are never modified; add the service to a project network",
            );
        }
        for port in &s.ports {
            // The load balancer's ingress rule on each project network is named
            // `<Network><port>[UDP]Ingress`: `front` with 180 and `front1` with 80 meet.
            for (target, protocol) in port.reached() {
                let udp = if protocol == Protocol::Udp { "UDP" } else { "" };
                for net in &s.networks {
                    let external = project
                        .networks
                        .get(net)
                        .is_some_and(|n| n.external.is_some());
                    if external {
                        continue;
                    }
                    let part = format!("{}{target}{udp}Ingress", id(net));
                    let this = (net.as_str(), target, name.as_str());
                    match ingress.get(&part) {
                        Some(&(other_net, other_port, other)) if other_net != net => diags.error(
                            &port.path,
                            format!(
                                "network `{net}` and port `{target}` give the logical ID part `{part}`, as network `{other_net}` and port `{other_port}` of service `{other}` do; rename one of the networks"
                            ),
                        ),
                        Some(_) => {}
                        None => {
                            ingress.insert(part, this);
                        }
                    }
                }
            }
        }
        rolling_update(s, &path, diags);
        if super::compute::runs_on_ec2(project, s) {
            continue;
        }
        match fargate::smallest(s.cpus, s.memory) {
            Some((cpu, memory)) => {
                if let Some(r) = s.memory_reservation {
                    if r > u64::from(memory) {
                        diags.error(
                            path.key("deploy").key("resources").key("reservations").key("memory"),
                            format!("the reservation of {r} MiB is above the task's {memory} MiB; raise the limit or lower the reservation"),
                        );
                    }
                }
                sizes.insert(name.clone(), (cpu, memory));
            }
            None => diags.error(
                path.key("deploy").key("resources"),
                format!(
                    "no Fargate size fits {}: the largest task has 16 vCPU and 122880 MiB (120 GiB), and a task with N vCPU has at most 8 N GiB",
                    match (s.cpus, s.memory) {
                        (Some(c), Some(m)) => format!("{} vCPU and {m} MiB", format_cpus(c)),
                        (Some(c), None) => format!("{} vCPU", format_cpus(c)),
                        (None, Some(m)) => format!("{m} MiB"),
                        (None, None) => "the request".to_string(),
                    }
                ),
            ),
        }
    }
    cycles(project, diags);
    sizes
}

fn format_cpus(milli: u64) -> String {
    let whole = milli / 1000;
    let frac = milli % 1000;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{}", format!("{frac:03}").trim_end_matches('0'))
    }
}

fn profiles_of<'a>(profiles: impl Iterator<Item = &'a String>) -> String {
    let set: BTreeSet<&String> = profiles.collect();
    let names: Vec<String> = set.iter().map(|p| format!("`{p}`")).collect();
    match names.len() {
        1 => format!("profile {}", names[0]),
        _ => format!("one of the profiles {}", names.join(", ")),
    }
}

/// Compose's rule for the names of services, networks, volumes, secrets and configs:
/// `^[a-zA-Z0-9._-]+$`.
fn is_compose_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub(super) fn distinct_ids<'a>(
    names: impl Iterator<Item = &'a String>,
    path: &Path,
    what: &str,
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, &String> = BTreeMap::new();
    for name in names {
        if !is_compose_name(name) {
            diags.error(
                path.key(name),
                format!(
                    "`{}` is not a valid {what} name: Compose allows letters, digits, `.`, `_` and `-`",
                    name.escape_debug()
                ),
            );
            continue;
        }
        let normalized = id(name);
        if normalized.len() > MAX_LOGICAL_ID {
            diags.error(
                path.key(name),
                format!("the {what} name is {} characters long, and CloudFormation logical IDs have at most {MAX_LOGICAL_ID}; shorten it", name.len()),
            );
            continue;
        }
        if normalized.is_empty() {
            diags.error(
                path.key(name),
                format!("the {what} name has no letters or digits to build CloudFormation logical IDs from; rename it"),
            );
            continue;
        }
        if let Some(other) = seen.get(&normalized) {
            diags.error(
                path.key(name),
                format!("`{name}` and `{other}` both give the logical ID part `{normalized}`; rename one of them"),
            );
        } else {
            seen.insert(normalized, name);
        }
    }
}

fn rolling_update(s: &Service, path: &Path, diags: &mut Diagnostics) {
    let Some(p) = s.update.parallelism else {
        return;
    };
    if s.update.min_percent.is_some() && s.update.max_percent.is_some() {
        return;
    }
    if p == 0 {
        diags.error(
            path.key("deploy").key("update_config").key("parallelism"),
            "expected at least `1`, found `0`",
        );
    } else if s.replicas < p {
        diags.error(
            path.key("deploy").key("update_config").key("parallelism"),
            format!(
                "updating {p} tasks at a time needs at least {p} replicas, found `deploy.replicas: {}`",
                s.replicas
            ),
        );
    }
}

fn cycles(project: &Project, diags: &mut Diagnostics) {
    // Each cycle reported once, at its first service (crate::graph).
    let edges: BTreeMap<&str, Vec<&str>> = project
        .services
        .iter()
        .map(|(name, s)| {
            let deps = s
                .depends_on
                .keys()
                .filter(|d| project.services.contains_key(*d))
                .map(String::as_str)
                .collect();
            (name.as_str(), deps)
        })
        .collect();
    for cycle in crate::graph::cycles(&edges) {
        let first = cycle[..cycle.len() - 1]
            .iter()
            .min()
            .copied()
            .unwrap_or(cycle[0]);
        diags.error(
            Path::new("services").key(first).key("depends_on"),
            format!(
                "dependency cycle: {}",
                cycle
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            ),
        );
    }
}
