//! Reading a template the way CloudFormation would before calling the macro (CLI and
//! tests): parse YAML or JSON, take `ComposeToECS` out of `Transform`, and fill parameter
//! values from `--param` and the parameters' defaults.

use super::yaml;
use serde_json::{Map, Value};

/// The macro's name in `Transform`.
pub const MACRO_NAME: &str = "ComposeToECS";

/// Parses a template: JSON when it starts with `{`, otherwise YAML with short-form tags.
pub fn parse_template(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        yaml::parse(text, &yaml::reject_tag).map_err(|e| e.to_string())
    }
}

/// Removes `ComposeToECS` from `Transform`, as CloudFormation does once it ran the macro.
pub fn drop_transform(fragment: &mut Map<String, Value>) {
    match fragment.get("Transform").cloned() {
        Some(Value::String(s)) if s == MACRO_NAME => {
            fragment.remove("Transform");
        }
        Some(Value::Array(items)) => {
            let rest: Vec<Value> = items.into_iter().filter(|t| t != MACRO_NAME).collect();
            if rest.is_empty() {
                fragment.remove("Transform");
            } else {
                fragment.insert("Transform".into(), Value::Array(rest));
            }
        }
        _ => {}
    }
}

/// Parameter values: `given` (`KEY=VALUE` pairs) over the declared defaults. List-typed
/// parameters become lists. A parameter with neither is an error, as is an undeclared key.
pub fn parameter_values(
    fragment: &Map<String, Value>,
    given: &[(String, String)],
) -> Result<Map<String, Value>, String> {
    let mut given: Map<String, Value> = given
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut values = Map::new();
    let declared = fragment
        .get("Parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, decl) in &declared {
        let kind = decl.get("Type").and_then(Value::as_str).unwrap_or("String");
        let value = match given.remove(name) {
            Some(v) => v,
            None => match decl.get("Default") {
                Some(Value::String(s)) => Value::String(s.clone()),
                Some(Value::Number(n)) => Value::String(n.to_string()),
                Some(Value::Array(items)) => Value::String(
                    items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                _ => {
                    return Err(format!(
                        "parameter `{name}` has no default: pass --param {name}=VALUE"
                    ))
                }
            },
        };
        let value = if kind.starts_with("List<") || kind == "CommaDelimitedList" {
            let text = value.as_str().unwrap_or_default();
            Value::Array(
                text.split(',')
                    .map(|s| Value::String(s.trim().to_string()))
                    .collect(),
            )
        } else {
            value
        };
        values.insert(name.clone(), value);
    }
    if let Some(k) = given.keys().next() {
        return Err(format!(
            "--param {k}: the template declares no parameter `{k}`"
        ));
    }
    Ok(values)
}

/// A macro request for a template, as CloudFormation builds it.
pub fn request(template: Value, given: &[(String, String)]) -> Result<crate::Request, String> {
    let Value::Object(mut fragment) = template else {
        return Err("the template is not a mapping".into());
    };
    drop_transform(&mut fragment);
    Ok(crate::Request {
        template_parameter_values: parameter_values(&fragment, given)?,
        fragment: Value::Object(fragment),
        params: Map::new(),
    })
}
