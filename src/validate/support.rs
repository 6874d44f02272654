//! Applies the support table to the raw Compose tree: every key present is looked up;
//! a rejected key is an error, a warned key a warning, an unknown key an error (as
//! `docker compose` rejects keys outside the specification). `x-*` extension fields are
//! the user's own and pass, except unknown `x-aws-*` names, which are warned about.

use super::support_table::{Entry, Fate, TABLE};
use crate::cfn::intrinsics::is_intrinsic;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Rejected keys that `normalize` reports item by item, with a message naming each item
/// (`bind mount `./html` ...`), instead of one message for the key.
pub const ITEMIZED: &[&str] = &["services.*.volumes[].bind", "services.*.volumes[].image"];

fn index() -> &'static BTreeMap<&'static str, &'static Entry> {
    static INDEX: OnceLock<BTreeMap<&'static str, &'static Entry>> = OnceLock::new();
    INDEX.get_or_init(|| TABLE.iter().map(|e| (e.path, e)).collect())
}

/// Looks up the entry for a path pattern.
pub fn entry(pattern: &str) -> Option<&'static Entry> {
    index().get(pattern).copied()
}

fn has_children(pattern: &mut String) -> bool {
    let len = pattern.len();
    pattern.push('.');
    let found = index()
        .range(pattern.as_str()..)
        .next()
        .is_some_and(|(k, _)| k.starts_with(pattern.as_str()));
    pattern.truncate(len);
    found
}

/// Checks every key of a Compose document against the table.
pub fn check(tree: &Map<String, Value>, diags: &mut Diagnostics) {
    walk_map(tree, &mut String::new(), &Path::root(), diags);
}

fn join(pattern: &str, key: &str) -> String {
    if pattern.is_empty() {
        key.to_string()
    } else {
        format!("{pattern}.{key}")
    }
}

/// Looks up `pattern.key` (then `pattern.*` for a non-extension key) with `pattern` as a
/// scratch buffer, restored on return: the walk visits every key of the document, so it
/// allocates only where it reports or descends.
fn lookup(pattern: &mut String, key: &str) -> Option<&'static Entry> {
    let len = pattern.len();
    if len > 0 {
        pattern.push('.');
    }
    pattern.push_str(key);
    let mut found = entry(pattern);
    if found.is_none() && !key.starts_with("x-") {
        pattern.truncate(len);
        if len > 0 {
            pattern.push('.');
        }
        pattern.push('*');
        found = entry(pattern);
    }
    pattern.truncate(len);
    found
}

fn walk_map(map: &Map<String, Value>, pattern: &mut String, path: &Path, diags: &mut Diagnostics) {
    for (key, value) in map {
        let Some(found) = lookup(pattern, key) else {
            if key.starts_with("x-aws-") {
                diags.warn(
                    path.key(key),
                    format!(
                        "unknown extension `{key}`: ignored{}",
                        suggestion(pattern, key)
                    ),
                );
            } else if !key.starts_with("x-") {
                diags.error(
                    path.key(key),
                    format!("unknown key `{key}`{}", suggestion(pattern, key)),
                );
            }
            continue;
        };
        match found.fate {
            Fate::Rejected if ITEMIZED.contains(&found.path) => {}
            Fate::Rejected if !is_default(value) => diags.error(path.key(key), found.note),
            Fate::Warned if !is_default(value) => diags.warn(path.key(key), found.note),
            Fate::Mapped => descend(value, found.path, path, key, diags),
            _ => {}
        }
    }
}

/// Walks into the value of `parent.key`, whose table pattern is `pattern`, when the table
/// has entries below it.
fn descend(value: &Value, pattern: &str, parent: &Path, key: &str, diags: &mut Diagnostics) {
    if !matches!(value, Value::Object(_) | Value::Array(_)) || is_intrinsic(value) {
        return;
    }
    let mut pattern = pattern.to_string();
    match value {
        Value::Object(map) if has_children(&mut pattern) => {
            walk_map(map, &mut pattern, &parent.key(key), diags)
        }
        Value::Array(items) => {
            pattern.push_str("[]");
            if has_children(&mut pattern) {
                let path = parent.key(key);
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(map) = item {
                        if !is_intrinsic(item) {
                            walk_map(map, &mut pattern, &path.index(i), diags);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// A value that requests nothing: Compose's default for every optional key.
fn is_default(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// `; did you mean `image`?` when a known key under `pattern` is close to `key`.
fn suggestion(pattern: &str, key: &str) -> String {
    let prefix = join(pattern, "");
    let best = index()
        .keys()
        .filter_map(|k| k.strip_prefix(prefix.as_str()))
        .filter(|rest| !rest.contains('.') && !rest.contains('[') && *rest != "*")
        .map(|candidate| (edit_distance(candidate, key), candidate))
        .filter(|(d, c)| *d <= 2 && *d < c.len())
        .min();
    match best {
        Some((_, candidate)) => format!("; did you mean `{candidate}`?"),
        None => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The support table as Markdown, one section per Compose area (the body of
/// `docs/compose-support.md` between its markers).
pub fn render_markdown() -> String {
    let mut out = String::new();
    let mut section = "";
    for e in TABLE {
        let top = if e.path.starts_with("x-") || !e.path.contains(['.', '[']) {
            "top level"
        } else {
            match e.path.split(['.', '[']).next().unwrap_or("") {
                s @ ("services" | "networks" | "volumes" | "secrets" | "configs") => s,
                _ => "top level",
            }
        };
        if top != section {
            section = top;
            out.push_str(&format!(
                "\n### {section}\n\n| key | fate | CloudFormation target | notes |\n|---|---|---|---|\n"
            ));
        }
        let fate = match e.fate {
            Fate::Mapped => "mapped",
            Fate::Warned => "warned",
            Fate::Rejected => "rejected",
        };
        let cell = |s: &str| s.replace('|', "\\|");
        let target = if e.target.is_empty() {
            String::new()
        } else {
            format!("`{}`", cell(e.target))
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            cell(e.path),
            fate,
            target,
            cell(e.note)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("image", "imgae"), 2);
        assert_eq!(edit_distance("ports", "port"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
