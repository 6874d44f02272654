//! What tasks on the project's EC2 instances can reach that Fargate tasks cannot: the
//! instance's credentials, and each other. `awsvpc` tasks have their own network interface
//! and security groups, and ECS blocks the instance metadata for them
//! (`ECS_AWSVPC_BLOCK_IMDS`); `bridge` tasks sit behind the instance's bridge, where the
//! metadata hop limit of 1 keeps them from it. `host` tasks share the instance's network:
//! they can read the instance role's credentials, and nothing in between keeps networks
//! apart. Both say so here.

use super::compute::Plan;
use super::volumes::volumes_of;
use crate::compose::model::{NetworkMode, Project, Service};
use crate::diagnostics::{Diagnostics, Path};
use std::collections::BTreeSet;

/// True when the service gets a task role of its own (`x-aws-role`, `x-aws-policies`, or
/// the EFS volumes it mounts).
pub fn has_task_role(s: &Service) -> bool {
    s.role.is_some() || !s.policies.is_empty() || !volumes_of(s).is_empty() || s.operations.exec
}

/// Warns about `host` services without a task role, and about networks whose separation
/// `bridge` and `host` services lose.
pub fn check(project: &Project, plan: &Plan, diags: &mut Diagnostics) {
    let mut shared: Vec<&Service> = Vec::new();
    for s in project.services.values() {
        let mode = plan
            .services
            .get(&s.name)
            .map_or(NetworkMode::Awsvpc, |p| p.network_mode);
        if mode == NetworkMode::Awsvpc {
            continue;
        }
        shared.push(s);
        if mode == NetworkMode::Host && !has_task_role(s) {
            diags.warn(
                Path::new("services").key(&s.name).key("network_mode"),
                "a `host` task shares the instance's network and can read the instance role's credentials from its metadata: with no task role of its own, the service's AWS calls run as the instance; give it one (`x-aws-policies` or `x-aws-role`), or use `network_mode: bridge` or `awsvpc`",
            );
        }
    }
    let networks: BTreeSet<&str> = shared
        .iter()
        .flat_map(|s| s.networks.iter().map(String::as_str))
        .collect();
    if networks.len() > 1 {
        let names: Vec<String> = networks.iter().map(|n| format!("`{n}`")).collect();
        let services: Vec<String> = shared.iter().map(|s| format!("`{}`", s.name)).collect();
        diags.warn(
            "networks",
            format!(
                "networks {} lose their separation on EC2: services {} run in `bridge` or `host` mode and share the instances' one security group, so each reaches the others; use `network_mode: awsvpc` to keep a network's services apart",
                names.join(", "),
                services.join(", ")
            ),
        );
    }
}
