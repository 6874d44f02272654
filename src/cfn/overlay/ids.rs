//! Logical IDs in an overlay: how it spells them ([`Names`]), the project's IDs relative
//! to its prefix, the references (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`) rewritten to
//! the generated IDs, and the message for an ID the project does not generate.

use crate::cfn::template::Generated;
use crate::diagnostics::edit_distance;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How an overlay spells logical IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names<'a> {
    /// Relative to the project: the generated ID without the project's prefix (the given
    /// `&str`), as compose-cli named resources. References to generated resources inside
    /// the overlay (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`) are spelled the same way
    /// and rewritten; anything the overlay adds keeps the name it is given.
    Relative(&'a str),
    /// The template's full logical IDs.
    Full,
}

/// The message for a logical ID the project does not generate.
pub(super) fn unknown(
    gen: &Generated,
    key: &str,
    names: Names,
    aliases: &BTreeMap<String, String>,
) -> String {
    let candidates: Vec<&str> = match names {
        Names::Relative(_) => aliases
            .iter()
            .filter(|(alias, id)| id.ends_with(alias.as_str()))
            .map(|(alias, _)| alias.as_str())
            .collect(),
        Names::Full => gen.resources.keys().map(String::as_str).collect(),
    };
    if let Names::Full = names {
        if let Some(full) = candidates
            .iter()
            .find(|c| c.ends_with(key) && c.len() > key.len())
        {
            return format!("`{key}` is not a logical ID this project generates; in `Overrides`, resources go by the template's logical IDs: `{full}`");
        }
    }
    let mut ranked: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| {
            (
                edit_distance(&c.to_ascii_lowercase(), &key.to_ascii_lowercase()),
                *c,
            )
        })
        .collect();
    ranked.sort();
    let nearest: Vec<String> = ranked
        .iter()
        .take(3)
        .map(|(_, c)| format!("`{c}`"))
        .collect();
    let nearest = if nearest.is_empty() {
        "the project generates no resources".to_string()
    } else {
        format!("the nearest are {}", nearest.join(", "))
    };
    format!("`{key}` is not a logical ID this project generates ({nearest}); to add a resource, give it a `Type`")
}

/// Generated resource IDs relative to the project (`WebService` for `ShopWebService`), and
/// compose-cli's IDs for a port written without a protocol (`Web8080TargetGroup` for
/// `WebTCP8080TargetGroup`), to the generated IDs.
pub(super) fn relative_ids(gen: &Generated, prefix: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for id in gen.resources.keys() {
        if let Some(short) = id.strip_prefix(prefix).filter(|s| !s.is_empty()) {
            out.insert(short.to_string(), id.clone());
        }
    }
    let mut legacy = Vec::new();
    for (short, id) in &out {
        for suffix in ["TargetGroup", "Listener"] {
            let Some(head) = short.strip_suffix(suffix) else {
                continue;
            };
            let Some(at) = head.rfind("TCP") else {
                continue;
            };
            let port = &head[at + 3..];
            if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && at > 0 {
                legacy.push((format!("{}{port}{suffix}", &head[..at]), id.clone()));
            }
        }
    }
    for (alias, id) in legacy {
        out.entry(alias).or_insert(id);
    }
    out
}

/// Rewrites references in an overlay written with relative IDs: `Ref`, `Fn::GetAtt`,
/// `Fn::Sub` and a resource's `DependsOn` naming a generated resource.
pub(super) fn rename_references(overlay: &mut Value, aliases: &BTreeMap<String, String>) {
    let rename = &mut |id: &mut String| {
        if let Some(full) = aliases.get(id.as_str()) {
            *id = full.clone();
        }
    };
    if let Some(Value::Object(resources)) = overlay.get_mut("Resources") {
        for resource in resources.values_mut() {
            match resource.get_mut("DependsOn") {
                Some(Value::String(id)) => rename(id),
                Some(Value::Array(items)) => {
                    for item in items {
                        if let Value::String(id) = item {
                            rename(id);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    visit_references(overlay, rename);
}

/// Calls `f` on every logical ID a value refers to through `Ref`, `Fn::GetAtt` or
/// `Fn::Sub` (`${Id}`, `${Id.Attribute}`), letting it rewrite the ID.
pub fn visit_references(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::Array(items) => {
            for item in items {
                visit_references(item, f);
            }
        }
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(id)) = map.get_mut("Ref") {
                    f(id);
                    return;
                }
                match map.get_mut("Fn::GetAtt") {
                    Some(Value::Array(args)) => {
                        if let Some(Value::String(id)) = args.first_mut() {
                            f(id);
                        }
                        for arg in args.iter_mut().skip(1) {
                            visit_references(arg, f);
                        }
                        return;
                    }
                    Some(Value::String(dotted)) => {
                        let (id, rest) = match dotted.split_once('.') {
                            Some((id, rest)) => (id.to_string(), format!(".{rest}")),
                            None => (dotted.clone(), String::new()),
                        };
                        let mut id = id;
                        f(&mut id);
                        *dotted = format!("{id}{rest}");
                        return;
                    }
                    _ => {}
                }
                match map.get_mut("Fn::Sub") {
                    Some(Value::String(text)) => {
                        *text = rename_in_sub(text, &BTreeSet::new(), f);
                        return;
                    }
                    Some(Value::Array(args)) => {
                        let locals: BTreeSet<String> = args
                            .get(1)
                            .and_then(Value::as_object)
                            .map(|m| m.keys().cloned().collect())
                            .unwrap_or_default();
                        if let Some(Value::String(text)) = args.first_mut() {
                            *text = rename_in_sub(text, &locals, f);
                        }
                        for arg in args.iter_mut().skip(1) {
                            visit_references(arg, f);
                        }
                        return;
                    }
                    _ => {}
                }
            }
            for v in map.values_mut() {
                visit_references(v, f);
            }
        }
        _ => {}
    }
}

/// `${Id}` and `${Id.Attribute}` in an `Fn::Sub` template, except `${!literal}` and the
/// names `locals` defines.
pub(super) fn rename_in_sub(
    text: &str,
    locals: &BTreeSet<String>,
    f: &mut dyn FnMut(&mut String),
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else {
            break;
        };
        let inner = &rest[..end];
        if inner.starts_with('!') {
            out.push_str(inner);
        } else {
            let (head, tail) = match inner.split_once('.') {
                Some((h, t)) => (h, format!(".{t}")),
                None => (inner, String::new()),
            };
            if locals.contains(head) {
                out.push_str(inner);
            } else {
                let mut id = head.to_string();
                f(&mut id);
                out.push_str(&id);
                out.push_str(&tail);
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
