//! YAML text → JSON value, with CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt
//! a.b`, ...) turned into their long form. Used by the CLI to read templates and by the
//! loader for Compose documents given as text. Merge keys (`<<`) are applied; anchors and
//! aliases are expanded by the parser, which bounds repeated expansion (YAML bombs).

use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as Yaml;

/// Short-form tags whose long form is `Fn::<Name>` with the tagged value as argument.
const FN_TAGS: &[&str] = &[
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "ForEach",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
];

/// Parses YAML (or JSON) text. `other_tag` decides what a tag CloudFormation does not know
/// becomes; it returns an error message to reject it.
pub fn parse(
    text: &str,
    other_tag: &dyn Fn(&str, Value) -> Result<Value, String>,
) -> Result<Value, String> {
    let mut yaml: Yaml = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    yaml.apply_merge().map_err(|e| e.to_string())?;
    convert(yaml, other_tag)
}

/// Rejects every tag that is not CloudFormation's, as CloudFormation does.
pub fn reject_tag(tag: &str, _value: Value) -> Result<Value, String> {
    Err(format!("unknown tag `{tag}`"))
}

fn convert(
    yaml: Yaml,
    other_tag: &dyn Fn(&str, Value) -> Result<Value, String>,
) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(|v| convert(v, other_tag))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(mapping) => {
            let mut map = Map::with_capacity(mapping.len());
            for (key, value) in mapping {
                let key = key_text(key)?;
                let value = convert(value, other_tag)?;
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let value = convert(tagged.value, other_tag)?;
            let name = tag.trim_start_matches('!');
            if name == "Ref" || name == "Condition" {
                single(name, value)
            } else if name == "GetAtt" {
                let value = match value {
                    Value::String(s) => match s.split_once('.') {
                        Some((id, attr)) => Value::Array(vec![id.into(), attr.into()]),
                        None => {
                            return Err(format!("`!GetAtt {s}`: expected `Resource.Attribute`"))
                        }
                    },
                    other => other,
                };
                single("Fn::GetAtt", value)
            } else if FN_TAGS.contains(&name) {
                single(&format!("Fn::{name}"), value)
            } else {
                other_tag(&tag, value)?
            }
        }
    })
}

fn single(key: &str, value: Value) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(key.to_string(), value);
    Value::Object(map)
}

fn number(n: &serde_yaml_ng::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        Number::from_f64(f).map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

fn key_text(key: Yaml) -> Result<String, String> {
    match key {
        Yaml::String(s) => Ok(s),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Null => Ok("null".into()),
        Yaml::Sequence(_) | Yaml::Mapping(_) | Yaml::Tagged(_) => {
            Err("mapping keys must be plain scalars, found a list, mapping or tagged key".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str) -> Value {
        parse(text, &reject_tag).unwrap()
    }

    #[test]
    fn short_forms_become_long_forms() {
        let v = p("a: !Ref X\nb: !GetAtt R.Arn\nc: !Sub 'x-${AWS::Region}'\nd: !GetAtt [R, Arn]\ne: !If [C, 1, 2]\nf: !GetAZs ''\ng: !Condition C");
        assert_eq!(
            v,
            json!({"a": {"Ref": "X"}, "b": {"Fn::GetAtt": ["R", "Arn"]}, "c": {"Fn::Sub": "x-${AWS::Region}"},
                   "d": {"Fn::GetAtt": ["R", "Arn"]}, "e": {"Fn::If": ["C", 1, 2]}, "f": {"Fn::GetAZs": ""},
                   "g": {"Condition": "C"}})
        );
    }

    #[test]
    fn yaml_1_2_scalars() {
        let v = p("ports: [80:80, 22:22]\nyes_: yes\noctal: 0o17\nbig: 1e3");
        assert_eq!(v["ports"], json!(["80:80", "22:22"]));
        assert_eq!(v["yes_"], json!("yes"));
        assert_eq!(v["octal"], json!(15));
    }

    #[test]
    fn merge_keys_and_anchors() {
        let v = p("base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3");
        assert_eq!(v["svc"], json!({"y": 3, "x": 1}));
    }

    #[test]
    fn unknown_tags_are_rejected_by_default() {
        assert_eq!(
            parse("a: !Foo x", &reject_tag).unwrap_err(),
            "unknown tag `!Foo`"
        );
    }

    #[test]
    fn bombs_are_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(parse(&text, &reject_tag).is_err());
    }
}
