//! The support table against the Compose specification's JSON schema
//! (`tests/data/compose-spec.json`, see `tests/data/README.md`): every key the schema
//! defines has a decided fate, and every row of the table names a key the schema defines
//! (or an `x-aws-*` extension).
//!
//! The walk follows `$ref`, `oneOf`/`anyOf`/`allOf` branches, `items` (`[]`),
//! `properties`, and `patternProperties` other than `^x-` and object
//! `additionalProperties` (`*`). A path is collected for each property, and for each
//! `*`/`[]` that leads to one: a free-form map (`environment`, `labels`, `driver_opts`...)
//! is one key, with no children.

use compose_to_ecs::validate::support_table::TABLE;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn schema() -> Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose-spec.json");
    let text = std::fs::read_to_string(&file).expect("tests/data/compose-spec.json is readable");
    serde_json::from_str(&text).expect("tests/data/compose-spec.json is JSON")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Collects the property paths under `node`, which sits at `path`.
fn walk(root: &Value, node: &Value, path: &str, depth: usize, out: &mut BTreeSet<String>) {
    assert!(
        depth < 32,
        "the schema nests too deep at `{path}` (a `$ref` cycle?)"
    );
    let Value::Object(node) = node else { return };
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external `$ref` {reference}"));
        let target = root
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling `$ref` {reference}"));
        walk(root, target, path, depth + 1, out);
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        for branch in node
            .get(combinator)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(root, branch, path, depth + 1, out);
        }
    }
    if let Some(items) = node.get("items") {
        walk(root, items, &format!("{path}[]"), depth + 1, out);
    }
    if let Some(Value::Object(properties)) = node.get("properties") {
        for (key, schema) in properties {
            let child = join(path, key);
            out.insert(child.clone());
            walk(root, schema, &child, depth + 1, out);
        }
    }
    if let Some(Value::Object(patterns)) = node.get("patternProperties") {
        for (pattern, schema) in patterns {
            if pattern != "^x-" {
                walk(root, schema, &join(path, "*"), depth + 1, out);
            }
        }
    }
    if let Some(additional @ Value::Object(_)) = node.get("additionalProperties") {
        walk(root, additional, &join(path, "*"), depth + 1, out);
    }
}

/// Every path the schema defines, with the `*` and `[]` steps that lead to them.
fn schema_paths() -> BTreeSet<String> {
    let root = schema();
    let mut properties = BTreeSet::new();
    walk(&root, &root, "", 0, &mut properties);
    let mut all = BTreeSet::new();
    for path in properties {
        let mut current = path.as_str();
        loop {
            all.insert(current.to_string());
            current = if let Some(list) = current.strip_suffix("[]") {
                list
            } else if let Some(i) = current.rfind('.') {
                &current[..i]
            } else {
                break;
            };
        }
    }
    all
}

#[test]
fn the_walk_sees_the_whole_schema() {
    // Guards the walker itself: a few paths from each construct it must follow.
    let paths = schema_paths();
    for expected in [
        "version",
        "include[].path",
        "models.*.runtime_flags",
        "services.*.ports[].host_ip",
        "services.*.deploy.resources.limits.cpus",
        "services.*.deploy.resources.reservations.devices[].capabilities",
        "services.*.ulimits.*.soft",
        "services.*.networks.*.aliases",
        "services.*.depends_on.*.condition",
        "services.*.build.context",
        "services.*.volumes[].bind.propagation",
        "services.*.develop.watch[].exec.command",
        "services.*.environment",
        "networks.*.ipam.config[].subnet",
        "secrets.*.external.name",
        "configs.*.file",
    ] {
        assert!(paths.contains(expected), "the walk missed `{expected}`");
    }
    for free_form in [
        "services.*.environment.*",
        "services.*.logging.options.*",
        "services.*.extra_hosts.*",
        "networks.*.driver_opts.*",
        "services.*.cap_add[]",
    ] {
        assert!(
            !paths.contains(free_form),
            "`{free_form}` is user data, not a key"
        );
    }
}

#[test]
fn every_schema_key_has_a_fate() {
    let table: BTreeSet<&str> = TABLE.iter().map(|e| e.path).collect();
    let missing: Vec<String> = schema_paths()
        .into_iter()
        .filter(|p| !table.contains(p.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} keys of the Compose schema have no row in the support table:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn every_row_is_a_schema_key_or_an_extension() {
    let paths = schema_paths();
    let unknown: Vec<&str> = TABLE
        .iter()
        .map(|e| e.path)
        .filter(|p| !p.contains("x-aws-") && !paths.contains(*p))
        .collect();
    assert!(
        unknown.is_empty(),
        "{} rows of the support table name no key of the Compose schema:\n{}",
        unknown.len(),
        unknown.join("\n")
    );
}
