//! The overlay's validation before anything merges: no `NoEcho` parameter put where its
//! value would be readable, markers well formed; and after, no removed resource still
//! referred to.

use super::ids::{visit_references, Names};
use super::merge::{MARKER_PREFIX, REPLACE};
use crate::cfn::template::Generated;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Container settings anyone who can describe the task definition reads.
const PLAIN_SIGHT: &[&str] = &[
    "Environment",
    "Command",
    "EntryPoint",
    "DockerLabels",
    "HealthCheck",
    "User",
    "WorkingDirectory",
    "Image",
    "SystemControls",
    "LogConfiguration",
    "Hostname",
    "ExtraHosts",
];

/// Resource properties readable by whoever may describe the resource, whatever its type:
/// tags (`tag:GetResources`) and IAM policy documents (`iam:GetRolePolicy`).
const READABLE_PROPERTIES: &[&str] = &[
    "Tags",
    "Policies",
    "PolicyDocument",
    "AssumeRolePolicyDocument",
];

/// Errors for a `NoEcho` parameter the overlay would make readable after deploy: in an
/// output, or in a container's environment, command, labels or health check (DESIGN §2).
pub(super) fn check_plain_sight(
    sections: &Map<String, Value>,
    secret: &BTreeSet<String>,
    path: &Path,
    diags: &mut Diagnostics,
) {
    if secret.is_empty() {
        return;
    }
    let named = |value: &Value| -> Option<String> {
        let mut value = value.clone();
        let mut found = None;
        visit_references(&mut value, &mut |id: &mut String| {
            if found.is_none() && secret.contains(id.as_str()) {
                found = Some(id.clone());
            }
        });
        found
    };
    if let Some(Value::Object(outputs)) = sections.get("Outputs") {
        for (id, output) in outputs {
            if let Some(p) = named(output) {
                diags.error(
                    path.key("Outputs").key(id),
                    format!("refers to the `NoEcho` parameter `{p}`: its value would be shown with the stack's outputs; output something else"),
                );
            }
        }
    }
    let Some(Value::Object(resources)) = sections.get("Resources") else {
        return;
    };
    for (id, resource) in resources {
        for key in READABLE_PROPERTIES {
            let Some(value) = resource.get("Properties").and_then(|p| p.get(*key)) else {
                continue;
            };
            if let Some(p) = named(value) {
                diags.error(
                    path.key("Resources").key(id).key("Properties").key(key),
                    format!("refers to the `NoEcho` parameter `{p}`: its value would be readable by anyone who may describe the resource after deploy; keep it out of tags and policies"),
                );
            }
        }
        let Some(Value::Array(containers)) = resource
            .get("Properties")
            .and_then(|p| p.get("ContainerDefinitions"))
        else {
            continue;
        };
        for (i, container) in containers.iter().enumerate() {
            for key in PLAIN_SIGHT {
                let Some(value) = container.get(*key) else {
                    continue;
                };
                if let Some(p) = named(value) {
                    let at = path
                        .key("Resources")
                        .key(id)
                        .key("Properties")
                        .key("ContainerDefinitions")
                        .index(i)
                        .key(key);
                    diags.error(
                        at,
                        format!("refers to the `NoEcho` parameter `{p}`: its value would be readable in the task definition; give it to the container as a secret (`x-aws-secrets`, or a `Secrets` entry with a Secrets Manager secret)"),
                    );
                }
            }
        }
    }
}

/// Errors for markers the macro does not know or that share their mapping.
pub(super) fn check_markers(value: &Value, path: &Path, diags: &mut Diagnostics) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = path.key(key);
                if let Some(name) = key.strip_prefix(MARKER_PREFIX) {
                    if key != REPLACE {
                        diags.error(
                            &here,
                            format!("unknown marker `{MARKER_PREFIX}{name}`; the macro knows `{REPLACE}`"),
                        );
                    } else if map.len() != 1 {
                        diags.error(
                            &here,
                            format!("`{REPLACE}` stands alone: write `{{{REPLACE}: <the new value>}}` with no other key beside it"),
                        );
                    }
                }
                check_markers(v, &here, diags);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_markers(item, &path.index(i), diags);
            }
        }
        _ => {}
    }
}

/// Errors for references to resources the overlay removed.
pub(super) fn dangling(
    gen: &mut Generated,
    removed: &BTreeSet<String>,
    names: Names,
    path: &Path,
    diags: &mut Diagnostics,
) {
    let shown = |id: &str| -> String {
        match names {
            Names::Relative(prefix) => id.strip_prefix(prefix).unwrap_or(id).to_string(),
            Names::Full => id.to_string(),
        }
    };
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, resource) in gen.resources.iter_mut() {
        let mut hits = BTreeSet::new();
        for dep in &resource.depends_on {
            if removed.contains(dep) {
                hits.insert(dep.clone());
            }
        }
        let mut record = |r: &mut String| {
            if removed.contains(r.as_str()) {
                hits.insert(r.clone());
            }
        };
        for v in resource.properties.values_mut() {
            visit_references(v, &mut record);
        }
        for v in resource.attributes.values_mut() {
            visit_references(v, &mut record);
        }
        for hit in hits {
            found
                .entry(hit)
                .or_default()
                .insert(format!("`{}`", shown(id)));
        }
    }
    for (id, output) in gen.outputs.iter_mut() {
        let mut hits = BTreeSet::new();
        visit_references(output, &mut |r: &mut String| {
            if removed.contains(r.as_str()) {
                hits.insert(r.clone());
            }
        });
        for hit in hits {
            found
                .entry(hit)
                .or_default()
                .insert(format!("the output `{id}`"));
        }
    }
    for (removed_id, users) in found {
        let users: Vec<String> = users.into_iter().collect();
        let shown_id = shown(&removed_id);
        diags.error(
            path.key("Resources").key(&shown_id),
            format!("removes `{shown_id}`, which {} still refer to; change or remove them in the overlay too", users.join(", ")),
        );
    }
}
