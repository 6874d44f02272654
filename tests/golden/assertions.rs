//! The facts of a case's `assertions.yaml` (JSON pointers, resource types, tags) on its
//! output: compose-cli's own test assertions, restated on our prefixed IDs.

use serde_json::Value;
use std::fs;
use std::path::Path;

pub fn check_assertions(dir: &Path, output: &Value) -> Vec<String> {
    let path = dir.join("assertions.yaml");
    let Ok(text) = fs::read_to_string(&path) else {
        return Vec::new();
    };
    let list: Vec<Value> = serde_yaml_ng::from_str(&text).expect("assertions.yaml is a YAML list");
    assert!(!list.is_empty(), "{}: empty assertions", path.display());
    let mut failures = Vec::new();
    for a in list {
        if let Some(pointer) = a.get("pointer").and_then(Value::as_str) {
            let found = output.pointer(pointer);
            if let Some(expected) = a.get("equals") {
                let ok = match (found, expected) {
                    (Some(Value::Number(f)), Value::Number(e)) => f.as_f64() == e.as_f64(),
                    (Some(f), e) => f == e,
                    (None, _) => false,
                };
                if !ok {
                    failures.push(format!("{pointer}: expected {expected}, found {found:?}"));
                }
            }
            if let Some(exists) = a.get("exists").and_then(Value::as_bool) {
                if found.is_some() != exists {
                    failures.push(format!("{pointer}: expected exists={exists}"));
                }
            }
        } else if let Some(kind) = a.get("no_resource_of_type").and_then(Value::as_str) {
            let resources = output["Resources"].as_object().cloned().unwrap_or_default();
            for (id, r) in resources {
                if r["Type"] == kind {
                    failures.push(format!("resource {id} has type {kind}"));
                }
            }
        } else if let Some(tag) = a.get("every_tag") {
            let (key, value) = (&tag["key"], &tag["value"]);
            let mut seen = 0;
            let resources = output["Resources"].as_object().cloned().unwrap_or_default();
            for (id, r) in resources {
                for t in r["Properties"]["Tags"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                {
                    if &t["Key"] == key {
                        seen += 1;
                        if &t["Value"] != value {
                            failures.push(format!("{id}: tag {key} is {}", t["Value"]));
                        }
                    }
                }
            }
            if seen == 0 {
                failures.push(format!("no resource has tag {key}"));
            }
        } else {
            panic!("{}: unknown assertion {a}", path.display());
        }
    }
    failures
}
