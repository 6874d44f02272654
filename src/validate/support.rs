//! Applies the support table to the raw Compose tree: every key present is looked up;
//! a rejected key is an error, a warned key a warning, an unknown key an error (as
//! `docker compose` rejects keys outside the specification). `x-*` extension fields are
//! the user's own and pass, except unknown `x-aws-*` names, which are warned about.

use super::support_table::{Entry, Fate, TABLE};
use crate::cfn::intrinsics::is_intrinsic;
use crate::diagnostics::{edit_distance, Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// Rejected keys that `normalize` reports item by item, with a message naming each item,
/// instead of one message for the key.
pub const ITEMIZED: &[&str] = &["services.*.volumes[].image"];

/// The table by pattern, and the patterns that have entries below them.
struct Index {
    entries: HashMap<&'static str, &'static Entry>,
    parents: HashSet<&'static str>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let entries = TABLE.iter().map(|e| (e.path, e)).collect();
        // `a.b[].c` has the parents `a.b[]` and `a` (`has_children` is asked about a
        // mapping's pattern, and about a list's pattern with `[]`).
        let mut parents = HashSet::new();
        for e in TABLE {
            for (i, c) in e.path.char_indices() {
                if c == '.' {
                    parents.insert(&e.path[..i]);
                }
            }
        }
        Index { entries, parents }
    })
}

/// Looks up the entry for a path pattern.
pub fn entry(pattern: &str) -> Option<&'static Entry> {
    index().entries.get(pattern).copied()
}

/// True when the table has entries below `pattern`.
fn has_children(pattern: &str) -> bool {
    index().parents.contains(pattern)
}

/// Checks every key of a Compose document against the table.
pub fn check(tree: &Map<String, Value>, diags: &mut Diagnostics) {
    walk_map(tree, &mut String::new(), &Path::root, diags);
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

/// Walks one mapping whose table pattern is `pattern` (a scratch buffer, restored on
/// return). `path` builds the mapping's path on demand: only a key that is reported needs
/// it, so a valid document is walked without allocating paths.
fn walk_map(
    map: &Map<String, Value>,
    pattern: &mut String,
    path: &dyn Fn() -> Path,
    diags: &mut Diagnostics,
) {
    for (key, value) in map {
        let Some(found) = lookup(pattern, key) else {
            if key.starts_with("x-aws-") {
                let message = match elsewhere(key) {
                    Some(parent) => {
                        format!("`{key}` is not read here: ignored; it belongs under `{parent}`")
                    }
                    None => format!(
                        "unknown extension `{key}`: ignored{}",
                        suggestion(pattern, key)
                    ),
                };
                diags.warn(path().key(key), message);
            } else if !key.starts_with("x-") {
                diags.error(
                    path().key(key),
                    format!("unknown key `{key}`{}", suggestion(pattern, key)),
                );
            }
            continue;
        };
        match found.fate {
            Fate::Rejected if ITEMIZED.contains(&found.path) => {}
            Fate::Rejected if !is_default(value) => diags.error(path().key(key), found.note),
            Fate::Warned if !is_default(value) => diags.warn(path().key(key), found.note),
            Fate::Mapped => descend(value, found.path, pattern, &|| path().key(key), diags),
            _ => {}
        }
    }
}

/// Walks into a value whose table pattern is `found` (`pattern` is the scratch buffer of
/// the walk, restored on return), when the table has entries below it.
fn descend(
    value: &Value,
    found: &str,
    pattern: &mut String,
    path: &dyn Fn() -> Path,
    diags: &mut Diagnostics,
) {
    if !matches!(value, Value::Object(_) | Value::Array(_)) || is_intrinsic(value) {
        return;
    }
    // `found` is the caller's pattern extended by one key (or `*`): write it into the
    // buffer, and cut it back to the caller's pattern on return.
    let saved = pattern.len();
    debug_assert!(found.starts_with(pattern.as_str()));
    pattern.clear();
    pattern.push_str(found);
    match value {
        Value::Object(map) if has_children(pattern) => walk_map(map, pattern, path, diags),
        Value::Array(items) => {
            pattern.push_str("[]");
            if has_children(pattern) {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(map) = item {
                        if !is_intrinsic(item) {
                            walk_map(map, pattern, &|| path().index(i), diags);
                        }
                    }
                }
            }
        }
        _ => {}
    }
    pattern.truncate(saved);
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

/// Where an extension written in the wrong place belongs: the first pattern of the table
/// ending in `key` (`x-aws-min_percent` → `services.*.deploy.update_config`).
fn elsewhere(key: &str) -> Option<&'static str> {
    TABLE.iter().find_map(|e| {
        let parent = e.path.strip_suffix(key)?.strip_suffix('.')?;
        Some(parent).filter(|p| !p.is_empty())
    })
}

/// `; did you mean `image`?` when a known key under `pattern` is close to `key`.
fn suggestion(pattern: &str, key: &str) -> String {
    let prefix = join(pattern, "");
    let best = TABLE
        .iter()
        .filter_map(|e| e.path.strip_prefix(prefix.as_str()))
        .filter(|rest| !rest.contains('.') && !rest.contains('[') && *rest != "*")
        .map(|candidate| (edit_distance(candidate, key), candidate))
        .filter(|(d, c)| *d <= 2 && *d < c.len())
        .min();
    match best {
        Some((_, candidate)) => format!("; did you mean `{candidate}`?"),
        None => String::new(),
    }
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

/// The rejected keys as a Markdown list, each rejected subtree once (its root, with the
/// reason and the fix): the "Not supported" list of `docs/compose-support.md`.
pub fn render_rejected() -> String {
    let mut out = String::new();
    for e in TABLE.iter().filter(|e| e.fate == Fate::Rejected) {
        let mut parent = e.path;
        let under_rejected = loop {
            match parent.rfind(['.', '[']) {
                Some(cut) => parent = &parent[..cut],
                None => break false,
            }
            if let Some(p) = entry(parent) {
                break p.fate == Fate::Rejected;
            }
        };
        if !under_rejected {
            out.push_str(&format!("- `{}`: {}\n", e.path, e.note));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_loader_s_top_level_keys_are_the_support_table_s() {
        for key in crate::compose::load::TOP_LEVEL_KEYS {
            assert!(super::entry(key).is_some(), "{key}");
        }
    }
}
