//! Reading a processed template: the references, substitutions and policy statements in a
//! value, and Fargate's task sizes.

use serde_json::Value;

/// Every `Fn::Sub` template in `value`.
pub fn subs_in(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                match map.get("Fn::Sub") {
                    Some(Value::String(t)) => out.push(t.clone()),
                    Some(Value::Array(a)) => {
                        out.extend(a.first().and_then(Value::as_str).map(String::from))
                    }
                    _ => {}
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// True when a task definition's properties ask for Fargate.
pub fn is_fargate(p: &Value) -> bool {
    p["RequiresCompatibilities"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c == "FARGATE"))
}

/// The logical IDs named by `Ref` anywhere in `value`.
pub fn refs_in(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(id)) = map.get("Ref") {
                    out.push(id.clone());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

pub fn depends_on(resource: &Value) -> Vec<String> {
    match &resource["DependsOn"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every IAM policy statement under a resource's properties.
pub fn statements(value: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::Array(statements)) = map.get("Statement") {
                    out.extend(statements);
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

pub fn number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

pub fn fargate_accepts(cpu: u64, memory: u64) -> bool {
    let gib = |n: u64| n * 1024;
    match cpu {
        256 => [512, 1024, 2048].contains(&memory),
        512 => (1..=4).map(gib).any(|m| m == memory),
        1024 => (2..=8).map(gib).any(|m| m == memory),
        2048 => (4..=16).map(gib).any(|m| m == memory),
        4096 => (8..=30).map(gib).any(|m| m == memory),
        8192 => (16..=60).step_by(4).map(gib).any(|m| m == memory),
        16384 => (32..=120).step_by(8).map(gib).any(|m| m == memory),
        _ => false,
    }
}
