//! YAML text → JSON value, with CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt
//! a.b`, ...) turned into their long form. Used by the CLI to read templates and by the
//! loader for Compose documents given as text. Merge keys (`<<`) are applied; anchors and
//! aliases are expanded where they are used.
//!
//! Time and memory are bounded: the parser stops at 128 levels of nesting and at 100 alias
//! jumps per YAML event, and a text with aliases is first walked without being built, so
//! that it may expand to at most [`MAX_VALUES`] values and [`MAX_TEXT_BYTES`] bytes of
//! scalars (the parser's own bound lets a flat anchor used by many aliases grow
//! quadratically: 100 KB of text could expand to 400 million values).

use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess};
use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as Yaml;
use std::cell::Cell;
use std::fmt;

/// The most values (scalars, lists, mappings) a text with aliases may expand to.
pub const MAX_VALUES: usize = 1_000_000;
/// The most bytes of scalars a text with aliases may expand to.
pub const MAX_TEXT_BYTES: usize = 64 << 20;
/// The deepest nesting the parser accepts (`serde_yaml_ng`'s recursion limit).
pub const MAX_DEPTH: usize = 128;

/// Why a YAML text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Not valid YAML, or something the reader rejects (a tag, a mapping as a key).
    Invalid(String),
    /// Valid, but over a bound on nesting or alias expansion; the message reads after
    /// "the document is".
    TooLarge(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(m) | Error::TooLarge(m) => f.write_str(m),
        }
    }
}

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
    // An alias is written `*name`: without a `*`, the document is no larger than its text.
    if text.contains('*') {
        check_expansion(text)?;
    }
    let mut yaml: Yaml = serde_yaml_ng::from_str(text).map_err(parser_error)?;
    yaml.apply_merge()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    convert(yaml, other_tag).map_err(Error::Invalid)
}

/// The parser's errors; its two bounds are reported as such.
fn parser_error(e: serde_yaml_ng::Error) -> Error {
    let message = e.to_string();
    if message.starts_with("recursion limit exceeded") {
        let at = e
            .location()
            .map(|l| format!(" at line {} column {}", l.line(), l.column()))
            .unwrap_or_default();
        Error::TooLarge(format!(
            "nested too deeply: more than {MAX_DEPTH} levels{at}"
        ))
    } else if message.starts_with("repetition limit exceeded") {
        Error::TooLarge(
            "too large once its YAML aliases are expanded: aliases are followed more than 100 times per node of the text"
                .into(),
        )
    } else {
        Error::Invalid(message)
    }
}

/// Walks the document without building it and fails once it expands past the bounds.
/// Other errors are left to the real parse, which reports them identically.
fn check_expansion(text: &str) -> Result<(), Error> {
    let budget = Budget {
        values: Cell::new(0),
        bytes: Cell::new(0),
    };
    let result = Count(&budget).deserialize(serde_yaml_ng::Deserializer::from_str(text));
    if budget.values.get() > MAX_VALUES {
        return Err(Error::TooLarge(format!(
            "too large once its YAML aliases are expanded: more than {MAX_VALUES} values"
        )));
    }
    if budget.bytes.get() > MAX_TEXT_BYTES {
        return Err(Error::TooLarge(format!(
            "too large once its YAML aliases are expanded: more than {MAX_TEXT_BYTES} bytes of text"
        )));
    }
    match result {
        Err(e) => match parser_error(e) {
            too_large @ Error::TooLarge(_) => Err(too_large),
            Error::Invalid(_) => Ok(()),
        },
        Ok(()) => Ok(()),
    }
}

/// What the walk has seen so far.
struct Budget {
    values: Cell<usize>,
    bytes: Cell<usize>,
}

/// Counts one value and everything in it, stopping once over a bound.
#[derive(Clone, Copy)]
struct Count<'a>(&'a Budget);

impl Count<'_> {
    fn charge<E: de::Error>(self, bytes: usize) -> Result<(), E> {
        let values = self.0.values.get() + 1;
        let bytes = self.0.bytes.get().saturating_add(bytes);
        self.0.values.set(values);
        self.0.bytes.set(bytes);
        if values > MAX_VALUES || bytes > MAX_TEXT_BYTES {
            Err(E::custom("expansion bound exceeded"))
        } else {
            Ok(())
        }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Count<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.charge(v.len())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.charge(0)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.charge(0)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.charge(0)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value: the tag, then the value.
        let (_tag, value) = data.variant::<String>()?;
        value.newtype_variant_seed(self)
    }
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
    fn deep_nesting_is_reported() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(
            parse(&text, &reject_tag).unwrap_err(),
            Error::TooLarge("nested too deeply: more than 128 levels at line 1 column 129".into())
        );
    }
}
