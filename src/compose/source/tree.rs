//! The raw tree: Compose text parsed into it (`!reset`/`!override` kept as marker keys),
//! its markers, and its lists read as mappings. The floor of the loader: every other
//! file of `source/` and `typed/` may use it; it uses none of them.

use crate::cfn::yaml;
pub use crate::cfn::yaml::kind;
use serde_json::{Map, Value};

/// Marker keys standing for the `!reset` and `!override` tags until `extends` is resolved.
pub(crate) const RESET: &str = "!reset";
pub(crate) const OVERRIDE: &str = "!override";
/// The longest Compose text read: a template holding it could not be larger (CloudFormation
/// takes templates of at most 1 MB from S3), and it bounds the parser's time and memory.
pub const MAX_COMPOSE_BYTES: usize = 1 << 20;

/// Parses Compose text (YAML or JSON) into a tree, keeping `!reset`/`!override` as markers.
pub fn parse_text(text: &str) -> Result<Value, yaml::Error> {
    yaml::parse(text, &|tag, value| {
        match tag {
        "!reset" => Ok(single(RESET, value)),
        "!override" => Ok(single(OVERRIDE, value)),
        other => Err(format!(
            "unknown tag `{other}`; Compose knows `!reset` and `!override`, CloudFormation its short forms such as `!Ref`"
        )),
    }
    })
}

fn single(key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.into(), value);
    Value::Object(m)
}

/// Removes `!reset` markers (the key goes away) and unwraps `!override` markers.
pub(crate) fn strip_markers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.len() == 1 && map.contains_key(OVERRIDE) {
                if let Some(inner) = map.remove(OVERRIDE) {
                    *value = inner;
                    strip_markers(value);
                }
                return;
            }
            map.retain(|_, v| !is_marker(v, RESET));
            for v in map.values_mut() {
                strip_markers(v);
            }
        }
        Value::Array(items) => {
            items.retain(|v| !is_marker(v, RESET));
            for v in items {
                strip_markers(v);
            }
        }
        _ => {}
    }
}

pub(crate) fn is_marker(value: &Value, marker: &str) -> bool {
    matches!(value, Value::Object(m) if m.len() == 1 && m.contains_key(marker))
}

/// Keys whose values are merged as mappings even when written as lists.
pub(crate) const MAPPING_KEYS: &[&str] = &[
    "environment",
    "labels",
    "annotations",
    "sysctls",
    "depends_on",
    "networks",
    "extra_hosts",
];

/// A list written `KEY=VALUE` / `name` as a mapping; a mapping as itself.
pub fn as_mapping(value: &Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(m) => Some(m.clone()),
        Value::Array(items) => {
            let mut m = Map::new();
            for item in items {
                match item {
                    Value::String(s) => match s.split_once('=') {
                        Some((k, v)) => {
                            m.insert(k.to_string(), Value::String(v.to_string()));
                        }
                        None => {
                            m.insert(s.clone(), Value::Null);
                        }
                    },
                    _ => {
                        let (k, v) = split_substituted(item)?;
                        m.insert(k, v);
                    }
                }
            }
            Some(m)
        }
        _ => None,
    }
}

/// A `KEY=VALUE` item that interpolation turned into an `Fn::Sub` (`- PW=${DbPassword}`
/// with a `NoEcho` parameter): the key, and the value as a reference of its own.
fn split_substituted(item: &Value) -> Option<(String, Value)> {
    let (template, variables) = match item.as_object()?.get("Fn::Sub")? {
        Value::String(t) => (t.as_str(), None),
        Value::Array(a) if a.len() == 2 => (a[0].as_str()?, a[1].as_object()),
        _ => return None,
    };
    let (key, value) = template.split_once('=')?;
    if key.contains("${") {
        return None;
    }
    let name = |v: &str| {
        v.strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .filter(|n| !n.contains(['$', '{', '}', '!']))
            .map(String::from)
    };
    let value = match (name(value), variables) {
        (Some(n), Some(vars)) if vars.contains_key(&n) => vars[&n].clone(),
        (Some(n), None) => crate::cfn::intrinsics::ref_(&n),
        _ => crate::cfn::intrinsics::sub_with(value, variables.cloned().unwrap_or_default()),
    };
    Some((key.to_string(), value))
}
