//! YAML text → JSON value, with CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt
//! a.b`, ...) turned into their long form. Used by the CLI to read templates and by the
//! loader for Compose documents given as text. Anchors and aliases are expanded where they
//! are used, then merge keys (`<<`) are applied ([`apply_merge_keys`], which the loader also
//! applies to a Compose mapping that did not come through this parser).
//!
//! Time and memory are bounded: the parser stops at 128 levels of nesting and at 100 alias
//! jumps per YAML event, and a text with aliases is first walked without being built, so
//! that it may expand to at most [`MAX_VALUES`] values and [`MAX_TEXT_BYTES`] bytes of
//! scalars (the parser's own bound lets a flat anchor used by many aliases grow
//! quadratically: 100 KB of text could expand to 400 million values).

mod bounds;
mod error;
mod merge_keys;

use bounds::{check_expansion, check_flow_nesting};
pub use bounds::{MAX_TEXT_BYTES, MAX_TEXT_VALUES, MAX_VALUES};
use error::parser_error;
pub use error::{Error, MAX_DEPTH};
use merge_keys::MERGE;
pub use merge_keys::{apply_merge_keys, kind, MergeError, MAX_MERGE_DEPTH};
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
) -> Result<Value, Error> {
    check_flow_nesting(text)?;
    // An alias is written `*name`: without a `*`, the document is no larger than its text.
    if text.contains('*') {
        check_expansion(text)?;
    }
    let yaml: Yaml = serde_yaml_ng::from_str(text).map_err(parser_error)?;
    let mut value = convert(yaml, other_tag).map_err(Error::Invalid)?;
    apply_merge_keys(&mut value).map_err(|e| match e {
        MergeError::NotMappings(path, message) => Error::Merge(path, message),
        MergeError::TooDeep => Error::TooLarge(format!(
            "nested too deeply: more than {MAX_MERGE_DEPTH} levels"
        )),
    })?;
    Ok(value)
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
                if key == MERGE {
                    refuse_tagged_merge(&value)?;
                }
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

/// Refuses a tagged value under a merge key, as YAML does: once converted, `!Ref X` would
/// be merged as a mapping with the key `Ref`.
fn refuse_tagged_merge(merge: &Yaml) -> Result<(), String> {
    let tagged = match merge {
        Yaml::Tagged(tagged) => Some(tagged),
        Yaml::Sequence(items) => items.iter().find_map(|item| match item {
            Yaml::Tagged(tagged) => Some(tagged),
            _ => None,
        }),
        _ => None,
    };
    match tagged {
        Some(tagged) => Err(format!(
            "a merge key `<<` expects mappings, found a value tagged `{}`",
            tagged.tag
        )),
        None => Ok(()),
    }
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
    fn merge_keys_follow_the_merge_key_type() {
        // A merged mapping's own `<<` (a list: the earlier wins), explicit keys winning at
        // each level, a merge inside a list and deep in the tree, `<<` after its keys.
        let v = p("
a: &a {image: a, restart: always, user: a}
c: &c {image: c, environment: [C=1], user: c}
b: &b
  <<: [*a, *c]
  user: b
  volumes: [data:/data]
services:
  x:
    <<: *b
    restart: 'no'
  y:
    logging: {<<: {driver: awslogs}, options: {<<: [{a: 1}, {a: 2, b: 2}]}}
    ulimits: [{<<: *a}]
  z:
    image: z
    <<: *b
");
        assert_eq!(
            v["services"],
            json!({
                "x": {"restart": "no", "user": "b", "volumes": ["data:/data"], "image": "a", "environment": ["C=1"]},
                "y": {"logging": {"options": {"a": 1, "b": 2}, "driver": "awslogs"}, "ulimits": [{"image": "a", "restart": "always", "user": "a"}]},
                "z": {"image": "z", "user": "b", "volumes": ["data:/data"], "restart": "always", "environment": ["C=1"]}
            })
        );
        assert_eq!(v["b"].get("<<"), None);
    }

    #[test]
    fn merge_chains_are_followed_depth_first() {
        // x ← [s1 ← [t], s2]: x's keys, then s1's, t's, s2's.
        let mut v = json!({"x": {"k": "x", "<<": [
            {"k": "s1", "s1": 1, "<<": [{"k": "t", "s1": "t", "t": 1, "s2": "t"}]},
            {"k": "s2", "s2": 1, "t": "s2", "last": 1}
        ]}});
        apply_merge_keys(&mut v).unwrap();
        assert_eq!(
            v,
            json!({"x": {"k": "x", "s1": 1, "t": 1, "s2": "t", "last": 1}})
        );
        // A long chain of merges within merges: a loop, not recursion.
        let mut chain = json!({"end": true});
        for i in 0..10_000 {
            let mut map = Map::new();
            map.insert("<<".into(), chain);
            map.insert(format!("k{i}"), i.into());
            chain = Value::Object(map);
        }
        let mut v = Value::Object(Map::from_iter([("x".to_string(), chain)]));
        apply_merge_keys(&mut v).unwrap();
        assert_eq!(v["x"].as_object().unwrap().len(), 10_001);
        assert_eq!(
            (v["x"]["k0"].clone(), v["x"]["k9999"].clone()),
            (json!(0), json!(9999))
        );
    }

    #[test]
    fn merge_keys_hold_mappings() {
        let error = |text: &str| parse(text, &reject_tag).unwrap_err().to_string();
        assert_eq!(
            error("s: {web: {<<: nginx}}"),
            "s.web.<<: expected a mapping or a list of mappings to merge, found a string"
        );
        assert_eq!(
            error("a: &a {<<: [{x: 1}, [y]]}\nb: {<<: *a}"),
            "a.<<[1]: expected a mapping to merge, found a list"
        );
        assert_eq!(
            error("a: {<<: !Ref X}"),
            "a merge key `<<` expects mappings, found a value tagged `!Ref`"
        );
        assert_eq!(
            error("a: {<<: [{x: 1}, !Ref X]}"),
            "a merge key `<<` expects mappings, found a value tagged `!Ref`"
        );
        let mut deep = json!(1);
        for _ in 0..=MAX_MERGE_DEPTH {
            deep = json!([deep]);
        }
        assert_eq!(apply_merge_keys(&mut deep), Err(MergeError::TooDeep));
    }

    #[test]
    fn unknown_tags_are_rejected_by_default() {
        assert_eq!(
            parse("a: !Foo x", &reject_tag).unwrap_err(),
            Error::Invalid("unknown tag `!Foo`".into())
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
        assert_eq!(
            parse(&text, &reject_tag).unwrap_err(),
            Error::TooLarge(
                "too large once its YAML aliases are expanded: aliases are followed more than 100 times per node of the text".into()
            )
        );
    }

    #[test]
    fn quadratic_aliases_are_bounded() {
        // One flat anchor used by many aliases: within the parser's jump bound, yet
        // 1,200 × 1,200 values.
        let n = 1_200;
        let text = format!(
            "a: &a [{}]\nb: [{}]\n",
            vec!["x"; n].join(","),
            vec!["*a"; n].join(",")
        );
        assert_eq!(
            parse(&text, &reject_tag).unwrap_err(),
            Error::TooLarge(format!(
                "too large once its YAML aliases are expanded: more than {MAX_VALUES} values"
            ))
        );
        let text = format!(
            "a: &a {}\nb: [{}]\n",
            "x".repeat(1 << 20),
            vec!["*a"; 65].join(",")
        );
        assert_eq!(
            parse(&text, &reject_tag).unwrap_err(),
            Error::TooLarge(format!(
                "too large once its YAML aliases are expanded: more than {MAX_TEXT_BYTES} bytes of text"
            ))
        );
    }

    #[test]
    fn aliases_within_bounds_and_stars_in_text() {
        let v = p("a: &a {x: '*'}\nb: *a\nc: '*.example.com'\nd: !Sub '${A}*'");
        assert_eq!(
            v,
            json!({"a": {"x": "*"}, "b": {"x": "*"}, "c": "*.example.com", "d": {"Fn::Sub": "${A}*"}})
        );
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        // The parser's scanner is quadratic in flow depth: 40,000 levels took 20 s.
        for (open, close) in [("{a: ", "}"), ("[", "]"), ("{\"a\":", "}")] {
            let text = format!("x: {}1{}", open.repeat(40_000), close.repeat(40_000));
            let started = std::time::Instant::now();
            let e = parse(&text, &reject_tag).unwrap_err();
            assert!(
                matches!(&e, Error::TooLarge(m) if m.starts_with("nested too deeply: more than 128 levels at line 1 column ")),
                "{e}"
            );
            assert!(
                started.elapsed() < std::time::Duration::from_secs(2),
                "{:?}",
                started.elapsed()
            );
        }
        // 128 levels pass; brackets inside quotes, comments, plain scalars and block
        // scalars are not collections.
        let ok = format!("a: {}1{}\n", "[".repeat(127), "]".repeat(127));
        assert!(parse(&ok, &reject_tag).is_ok());
        let many = "{".repeat(200);
        let text = format!(
            "a: '{many}'\nb: \"{many}\"\nc: echo {many}\n# {many}\nd: |\n  {many}\n\n  {many}\ne: >-\n  {many}\nf: [x, '{many}', \"it's\", y]\n"
        );
        assert_eq!(
            parse(&text, &reject_tag).unwrap()["e"],
            json!(many),
            "the document reads as before"
        );
    }

    #[test]
    fn deep_nesting_is_reported() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(
            parse(&text, &reject_tag).unwrap_err(),
            Error::TooLarge("nested too deeply: more than 128 levels at line 1 column 129".into())
        );
    }

    #[test]
    fn too_many_values_are_refused_before_parsing() {
        // 1 MiB of empty lists: 350,000 values peaked at 208 MB in the parser.
        let text = format!("x: [{}]", "[],".repeat(350_000));
        let e = parse(&text, &reject_tag).unwrap_err();
        assert_eq!(
            e,
            Error::TooLarge(format!(
                "too large: more than {MAX_TEXT_VALUES} values by line 1 (a large Compose file has a few thousand)"
            ))
        );
        // Block style counts as well: one mapping value per line.
        let lines: String = (0..MAX_TEXT_VALUES + 1)
            .map(|i| format!("k{i}: v\n"))
            .collect();
        assert!(matches!(
            parse(&lines, &reject_tag),
            Err(Error::TooLarge(_))
        ));
        // A large real project passes: 166 services of 100 variables each.
        let mut doc = String::from("services:\n");
        for s in 0..166 {
            doc.push_str(&format!("  s{s}:\n    image: nginx\n    environment:\n"));
            for v in 0..100 {
                doc.push_str(&format!("      - V{v}=value {v}: with a colon\n"));
            }
        }
        assert!(parse(&doc, &reject_tag).is_ok());
    }
}
