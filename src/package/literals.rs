//! Literal credentials in a service's `environment` (`MYSQL_PASSWORD: wordpress`,
//! `- MYSQL_PASSWORD=wordpress`) become `"${<parameter>}"` in the packaged Compose text, the
//! value a `NoEcho` parameter. The text is rewritten line by line and the rewrite checked by
//! parsing the result: anything else that would change (anchors, flow style, escapes) and
//! the document stays as written, with a warning naming the key, never the value.

use super::params::{parse, EnvParam, Names};
use super::project::{Packaged, Project, SecretValue};
use crate::compose::credentials::{has_url_password, is_credential_name, literal};
use crate::diagnostics::Diagnostics;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A literal credential of a service's `environment`: its service, variable, value as
/// written, and value.
struct Literal {
    service: String,
    variable: String,
    list: bool,
    raw: String,
    value: String,
}

fn literals(tree: &Map<String, Value>) -> Vec<Literal> {
    let mut out = Vec::new();
    let Some(Value::Object(services)) = tree.get("services") else {
        return out;
    };
    for (name, service) in services {
        match service.get("environment") {
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    let raw = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => continue,
                    };
                    out.extend(literal_of(name, k, &raw, false));
                }
            }
            Some(Value::Array(items)) => {
                for item in items.iter().filter_map(Value::as_str) {
                    if let Some((k, raw)) = item.split_once('=') {
                        out.extend(literal_of(name, k, raw, true));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn literal_of(service: &str, variable: &str, raw: &str, list: bool) -> Option<Literal> {
    let value = literal(raw)?;
    let credential = is_credential_name(variable) || has_url_password(&value);
    (credential && !value.is_empty()).then(|| Literal {
        service: service.to_string(),
        variable: variable.to_string(),
        list,
        raw: raw.to_string(),
        value,
    })
}

/// The document with each literal's value replaced by `${PARAMETER}`.
fn replaced_tree(tree: &Map<String, Value>, found: &[(Literal, String)]) -> Map<String, Value> {
    let mut tree = tree.clone();
    for (l, param) in found {
        let Some(env) = tree
            .get_mut("services")
            .and_then(|s| s.get_mut(&l.service))
            .and_then(|s| s.get_mut("environment"))
        else {
            continue;
        };
        match env {
            Value::Object(m) => {
                m.insert(l.variable.clone(), Value::String(format!("${{{param}}}")));
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    if item.as_str() == Some(&format!("{}={}", l.variable, l.raw)) {
                        *item = Value::String(format!("{}=${{{param}}}", l.variable));
                    }
                }
            }
            _ => {}
        }
    }
    tree
}

/// A YAML scalar as written on one line (plain, `'...'` or `"..."`, with an optional
/// comment after a plain one): its value, or `None` when it is not that simple.
fn scalar(text: &str) -> Option<String> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    if let Some(inner) = t.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        if inner.contains('\\') {
            return None;
        }
        return Some(inner.to_string());
    }
    let plain = t.split_once(" #").map_or(t, |(v, _)| v).trim_end();
    Some(plain.to_string())
}

/// One line of a Compose file with a literal's value replaced, when the line is that
/// literal written simply.
fn rewrite_line(line: &str, l: &Literal, param: &str) -> Option<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let body = line.trim_start();
    if l.list {
        let item = body.strip_prefix('-')?;
        if !item.starts_with([' ', '\t']) {
            return None;
        }
        let item = item.trim_start();
        let dash = &body[..body.len() - item.len()];
        if scalar(item)? == format!("{}={}", l.variable, l.raw) {
            return Some(format!("{indent}{dash}\"{}=${{{param}}}\"", l.variable));
        }
        return None;
    }
    let (key, value) = body.split_once(':')?;
    let key_text = scalar(key)?;
    if key_text != l.variable || !value.starts_with([' ', '\t']) {
        return None;
    }
    if scalar(value)? == l.raw {
        return Some(format!("{indent}{key}: \"${{{param}}}\""));
    }
    None
}

/// Literal credentials in the services' `environment` become `${PARAMETER}`.
pub(super) fn protect(
    template: &mut Value,
    p: &mut Project,
    names: &mut Names,
    packaged: &mut Packaged,
    prefix: &dyn Fn(&str) -> String,
    diags: &mut Diagnostics,
) {
    let Some(compose) = template.pointer_mut(&format!("/Resources/{}/Properties/Compose", p.id))
    else {
        return;
    };
    let mut docs: Vec<&mut Value> = match compose {
        Value::Array(items) => items.iter_mut().collect(),
        other => vec![other],
    };
    let mut made: Vec<(String, EnvParam, String)> = Vec::new();
    let mut referenced: BTreeSet<String> = BTreeSet::new();
    for doc in docs.iter_mut() {
        let tree = match &**doc {
            Value::String(text) => parse(text),
            Value::Object(m) => Some(m.clone()),
            _ => None,
        };
        let Some(tree) = tree else { continue };
        let found: Vec<(Literal, String)> = literals(&tree)
            .into_iter()
            .map(|l| {
                let (param, new) = names.name(&l.variable, &l.value);
                if new {
                    made.push((
                        param.clone(),
                        EnvParam {
                            variable: l.variable.clone(),
                            source: "the Compose file".into(),
                            at: prefix(&format!(
                                "services.{}.environment.{}",
                                l.service, l.variable
                            )),
                        },
                        l.value.clone(),
                    ));
                }
                (l, param)
            })
            .collect();
        if found.is_empty() {
            continue;
        }
        let expected = replaced_tree(&tree, &found);
        let rewritten = match &**doc {
            Value::Object(_) => Some(Value::Object(expected)),
            Value::String(text) => {
                let mut out: Vec<String> = Vec::new();
                for line in text.split('\n') {
                    let new = found
                        .iter()
                        .find_map(|(l, param)| rewrite_line(line, l, param));
                    out.push(new.unwrap_or_else(|| line.to_string()));
                }
                let new_text = out.join("\n");
                (parse(&new_text) == Some(expected)).then_some(Value::String(new_text))
            }
            _ => None,
        };
        match rewritten {
            Some(v) => {
                **doc = v;
                referenced.extend(found.into_iter().map(|(_, param)| param));
            }
            None => {
                for (l, _) in &found {
                    diags.warn(
                        prefix(&format!("services.{}.environment.{}", l.service, l.variable)),
                        "looks like a credential, and its value stays in the template in plain text: the package step could not rewrite this part of the Compose file (anchors, flow style or escapes); write `${VARIABLE}` here and set the variable in `.env`, whose credentials become `NoEcho` parameters",
                    );
                }
            }
        }
    }
    // Only the parameters a rewritten document refers to.
    for (param, e, value) in made {
        if referenced.contains(&param) {
            packaged.secrets.insert(param.clone(), SecretValue(value));
            p.env_params.insert(param, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_rewritten_only_when_simple() {
        let l = |list: bool, raw: &str| Literal {
            service: "db".into(),
            variable: "PW".into(),
            list,
            raw: raw.into(),
            value: raw.into(),
        };
        assert_eq!(
            rewrite_line("      - PW=x # c", &l(true, "x"), "P").as_deref(),
            Some("      - \"PW=${P}\"")
        );
        assert_eq!(
            rewrite_line("  - 'PW=x'", &l(true, "x"), "P").as_deref(),
            Some("  - \"PW=${P}\"")
        );
        assert_eq!(
            rewrite_line("    PW: \"x\"", &l(false, "x"), "P").as_deref(),
            Some("    PW: \"${P}\"")
        );
        assert_eq!(rewrite_line("    PW: y", &l(false, "x"), "P"), None);
        assert_eq!(rewrite_line("    PWX: x", &l(false, "x"), "P"), None);
        assert_eq!(rewrite_line("    - PW=x", &l(false, "x"), "P"), None);
    }
}
