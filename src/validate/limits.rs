//! Limits checked on the loaded tree before anything is built: a project whose service
//! count alone cannot fit in one stack is refused at once, so that neither time nor memory
//! goes into a template CloudFormation would refuse (8,000 services used to peak at 270 MB
//! before the 500-resource check ran on the finished output).

use crate::diagnostics::Diagnostics;
use crate::emit::MAX_RESOURCES;
use serde_json::{Map, Value};

/// The fewest resources a service gives: its task definition, ECS service and execution
/// role (most also have a Cloud Map entry).
pub const RESOURCES_PER_SERVICE: usize = 3;

/// The most services a project may have: more cannot fit in one stack.
pub const MAX_SERVICES: usize = MAX_RESOURCES / RESOURCES_PER_SERVICE;

/// False (with an error on `services`) when the project has more services than one stack
/// can hold.
pub fn check(tree: &Map<String, Value>, diags: &mut Diagnostics) -> bool {
    let n = tree
        .get("services")
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    if n <= MAX_SERVICES {
        return true;
    }
    diags.error(
        "services",
        format!(
            "{n} services give at least {} resources, over CloudFormation's limit of {MAX_RESOURCES} (each service has at least a task definition, an ECS service and an execution role); split the project across stacks, at most {MAX_SERVICES} services each",
            n * RESOURCES_PER_SERVICE
        ),
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn too_many_services_are_refused_before_converting() {
        let tree = |n: usize| {
            let services: Map<String, Value> = (0..n)
                .map(|i| (format!("s{i}"), json!({"image": "nginx"})))
                .collect();
            json!({ "services": services }).as_object().unwrap().clone()
        };
        let mut d = Diagnostics::new();
        assert!(check(&tree(MAX_SERVICES), &mut d));
        assert!(!check(&tree(MAX_SERVICES + 1), &mut d));
        assert_eq!(
            d.errors()[0].to_string(),
            "services: 167 services give at least 501 resources, over CloudFormation's limit of 500 (each service has at least a task definition, an ECS service and an execution role); split the project across stacks, at most 166 services each"
        );
    }
}
