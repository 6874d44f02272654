//! `extends`, in Compose words: a service built on another service of the same document or
//! of another file (`extends.file`, from the project's `Package`), with Compose's merge
//! rules; bounded against `extends` bombs and chains of files. Called by `load`.

use super::files::{project_path, Local, NOT_PACKAGED};
use super::interpolate::{interpolate, Variables};
use super::tree::{
    as_mapping, is_marker, kind, parse_text, strip_markers, MAPPING_KEYS, OVERRIDE, RESET,
};
use crate::cfn::yaml;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Keys whose lists are concatenated by `extends` (duplicates dropped).
const APPENDED_KEYS: &[&str] = &[
    "cap_add",
    "cap_drop",
    "configs",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "env_file",
    "expose",
    "external_links",
    "group_add",
    "links",
    "ports",
    "secrets",
    "security_opt",
    "tmpfs",
    "volumes",
    "volumes_from",
];

/// The most values the services extending others may hold once `extends` is resolved. Each
/// copies its base, so without a bound 10,000 services extending one base with 10,000
/// variables would build 100 million values (an `extends` bomb).
pub const MAX_EXTENDED_VALUES: usize = 1_000_000;

/// How deep `extends.file` may chain (a file extending from a file ...).
const MAX_FILE_DEPTH: usize = 16;

/// What resolving an `extends.file` needs: the files the local step read, the variables
/// they are interpolated with, where the document being resolved sits.
pub(super) struct Files<'a> {
    pub(super) local: Option<&'a Local>,
    pub(super) variables: &'a Variables,
    /// The folder of the document being resolved, as a project path (`""`: the Compose
    /// file's own folder).
    pub(super) dir: String,
    /// The files being resolved, outermost first (a cycle guard).
    pub(super) chain: Vec<String>,
    /// Every `extends.file` named: project path, where.
    pub(super) named: Vec<(String, String)>,
    /// Bases already taken from a file: (file, service) → the base, or the messages
    /// (error?, text) its resolution gave (repeated for each service that extends it).
    pub(super) cache: BTreeMap<(String, String), Result<Value, Messages>>,
}

/// Diagnostics kept for repeating: (is an error, `path: message`).
type Messages = Vec<(bool, String)>;

/// Resolves every service's `extends`; false when the result would be too large.
pub(super) fn resolve_extends(
    services: &mut Map<String, Value>,
    files: &mut Files,
    diags: &mut Diagnostics,
) -> bool {
    // Only services that extend another need resolving (their bases are resolved on the
    // way); the others stay as they are, uncopied.
    let names: Vec<String> = services
        .iter()
        .filter(|(_, s)| s.get("extends").is_some())
        .map(|(name, _)| name.clone())
        .collect();
    let mut resolved: BTreeMap<String, Value> = BTreeMap::new();
    let mut failed = BTreeSet::new();
    let mut built = 0;
    for name in &names {
        resolve_one(
            name,
            services,
            &mut resolved,
            &mut failed,
            &mut built,
            files,
            diags,
        );
        if built > MAX_EXTENDED_VALUES {
            diags.error(
                "services",
                format!("the services are too large once `extends` is resolved: more than {MAX_EXTENDED_VALUES} values; extend smaller base services"),
            );
            return false;
        }
    }
    for (name, value) in resolved {
        services.insert(name, value);
    }
    true
}

/// Resolves the `extends` chain starting at `name`; adds the size of what it merges to
/// `built`. The chain is followed with a loop, not recursion: a chain of 10,000 services
/// must not overflow the thread's stack. A chain that fails (a cycle, a missing base) is
/// reported once: its services go to `failed` and are not walked again, so a cycle of
/// 10,000 services gives one message, not 10,000 messages of 10,000 names.
fn resolve_one(
    name: &str,
    services: &Map<String, Value>,
    resolved: &mut BTreeMap<String, Value>,
    failed: &mut BTreeSet<String>,
    built: &mut usize,
    files: &mut Files,
    diags: &mut Diagnostics,
) -> Option<Value> {
    // The services whose `extends` is pending, from `name` down, with their own keys.
    let mut chain: Vec<(String, Map<String, Value>)> = Vec::new();
    let mut on_chain: BTreeSet<String> = BTreeSet::new();
    let mut current = name.to_string();
    let bottom = loop {
        if let Some(done) = resolved.get(&current) {
            break Some(done.clone());
        }
        if failed.contains(&current) {
            break None;
        }
        let service = services.get(&current)?.clone();
        let path = Path::new("services").key(&current).key("extends");
        let Value::Object(mut map) = service else {
            break Some(service);
        };
        let Some(extends) = map.remove("extends") else {
            let value = Value::Object(map);
            resolved.insert(current.clone(), value.clone());
            break Some(value);
        };
        let base_name = match &extends {
            Value::String(s) => s.clone(),
            Value::Object(e) => {
                let service = match e.get("service") {
                    Some(Value::String(s)) => s.clone(),
                    _ => {
                        diags.error(&path, "expected `service:` naming the service to extend");
                        break None;
                    }
                };
                match e.get("file") {
                    None => service,
                    Some(Value::String(raw)) => {
                        let file_path = path.key("file");
                        match external_base(raw, &service, &file_path, files, diags) {
                            Some(base) => {
                                chain.push((current.clone(), map));
                                break Some(base);
                            }
                            None => break None,
                        }
                    }
                    Some(other) => {
                        diags.error(
                            path.key("file"),
                            format!("expected the path of a Compose file, found {}", kind(other)),
                        );
                        break None;
                    }
                }
            }
            other => {
                diags.error(
                    &path,
                    format!(
                        "expected a service name or a mapping with `service`, found {}",
                        kind(other)
                    ),
                );
                break None;
            }
        };
        if on_chain.contains(&current) || base_name == current {
            let mut cycle: Vec<&str> = chain.iter().map(|(s, _)| s.as_str()).collect();
            cycle.push(&current);
            diags.error(
                &path,
                format!(
                    "`extends` cycle: {}",
                    cycle
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(" → ")
                ),
            );
            break None;
        }
        if !services.contains_key(&base_name) {
            diags.error(
                &path,
                format!("service `{base_name}` to extend is not defined in this document"),
            );
            break None;
        }
        on_chain.insert(current.clone());
        chain.push((std::mem::replace(&mut current, base_name), map));
    };
    let Some(mut base) = bottom else {
        failed.extend(chain.into_iter().map(|(name, _)| name));
        failed.insert(current);
        return None;
    };
    for (name, map) in chain.into_iter().rev() {
        let base_map = match base {
            Value::Object(b) => b,
            _ => Map::new(),
        };
        base = Value::Object(merge_service(base_map, map));
        *built += size(&base);
        if *built > MAX_EXTENDED_VALUES {
            return None;
        }
        resolved.insert(name, base.clone());
    }
    Some(base)
}

/// The service `service` of the Compose file `raw` (relative to the document being
/// resolved), with its own `extends` resolved in that file, its paths rebased on the
/// project folder. `path` is the `extends.file` naming it; problems in that file are
/// reported there, prefixed with the file's name.
fn external_base(
    raw: &str,
    service: &str,
    path: &Path,
    files: &mut Files,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let file = match raw.starts_with('/') {
        true => None,
        false if files.dir.is_empty() => project_path(raw),
        false => project_path(&format!("{}/{raw}", files.dir)),
    };
    let Some(file) = file else {
        diags.error(
            path,
            format!("`{raw}` is an absolute path on your computer; give the file's path relative to the Compose file's folder"),
        );
        return None;
    };
    files.named.push((file.clone(), path.to_string()));
    let Some(local) = files.local else {
        diags.error(
            path,
            format!("`{raw}` is a file on your disk; {NOT_PACKAGED}"),
        );
        return None;
    };
    let Some(text) = local.files.get(&file) else {
        diags.error(
            path,
            format!("`{raw}` does not exist in the project folder"),
        );
        return None;
    };
    if files.chain.contains(&file) || files.chain.len() >= MAX_FILE_DEPTH {
        let mut chain: Vec<String> = files.chain.iter().map(|f| format!("`{f}`")).collect();
        chain.push(format!("`{file}`"));
        diags.error(
            path,
            format!(
                "`extends` files form a cycle or a chain longer than {MAX_FILE_DEPTH}: {}",
                chain.join(" → ")
            ),
        );
        return None;
    }
    let key = (file.clone(), service.to_string());
    if !files.cache.contains_key(&key) {
        let mut inner = Diagnostics::new();
        let dir = match file.rfind('/') {
            Some(i) => file[..i].to_string(),
            None => String::new(),
        };
        let saved = std::mem::replace(&mut files.dir, dir.clone());
        files.chain.push(file.clone());
        let base = base_in_file(text, service, &dir, files, &mut inner);
        files.chain.pop();
        files.dir = saved;
        let messages: Messages = inner
            .errors()
            .into_iter()
            .map(|d| (true, d.to_string()))
            .chain(inner.warnings().into_iter().map(|d| (false, d.to_string())))
            .collect();
        let entry = match base {
            Some(b) if !inner.has_errors() => Ok(b),
            _ => Err(messages.clone()),
        };
        if entry.is_ok() {
            for (_, w) in &messages {
                diags.warn(path, format!("{raw}: {w}"));
            }
        }
        files.cache.insert(key.clone(), entry);
    }
    match &files.cache[&key] {
        Ok(base) => Some(base.clone()),
        Err(messages) => {
            for (error, m) in messages {
                match error {
                    true => diags.error(path, format!("{raw}: {m}")),
                    false => diags.warn(path, format!("{raw}: {m}")),
                }
            }
            None
        }
    }
}

/// Loads Compose text `text` (a file in project folder `dir`) and resolves its service
/// `service`. Diagnostics use the paths of that file.
fn base_in_file(
    text: &str,
    service: &str,
    dir: &str,
    files: &mut Files,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let mut tree = match parse_text(text) {
        Ok(tree @ Value::Object(_)) => tree,
        Ok(other) => {
            diags.error(
                "",
                format!(
                    "expected a Compose document (a mapping), found {}",
                    kind(&other)
                ),
            );
            return None;
        }
        Err(yaml::Error::Invalid(e)) => {
            diags.error("", format!("not valid YAML: {e}"));
            return None;
        }
        Err(yaml::Error::TooLarge(e)) => {
            diags.error("", format!("the document is {e}"));
            return None;
        }
        Err(yaml::Error::Merge(path, e)) => {
            diags.error(path, e);
            return None;
        }
    };
    interpolate(&mut tree, files.variables, diags);
    let Some(Value::Object(services)) = tree.get_mut("services") else {
        diags.error(
            "services",
            format!("service `{service}` to extend is not defined: the file has no services"),
        );
        return None;
    };
    if !services.contains_key(service) {
        diags.error(
            "services",
            format!("service `{service}` to extend is not defined in this file"),
        );
        return None;
    }
    for s in services.values_mut() {
        rebase(s, dir);
    }
    let (mut resolved, mut failed, mut built) = (BTreeMap::new(), BTreeSet::new(), 0);
    let mut base = resolve_one(
        service,
        services,
        &mut resolved,
        &mut failed,
        &mut built,
        files,
        diags,
    )?;
    if built > MAX_EXTENDED_VALUES {
        diags.error(
            "services",
            format!("the services are too large once `extends` is resolved: more than {MAX_EXTENDED_VALUES} values"),
        );
        return None;
    }
    strip_markers(&mut base);
    Some(base)
}

/// Rebases the relative paths of a service from a file in project folder `dir` on the
/// project folder (`./app` in `web/compose.yaml` → `./web/app`), as `docker compose` does
/// for a service taken from another file: `build` (its context), `env_file`, and the
/// sources of bind mounts. `extends.file` stays relative to its own file.
fn rebase(service: &mut Value, dir: &str) {
    if dir.is_empty() {
        return;
    }
    let Value::Object(map) = service else { return };
    let re = |p: &str| -> Option<String> {
        if p.starts_with('/') || p.starts_with('~') || p.contains("://") {
            return None;
        }
        let joined = project_path(&format!("{dir}/{p}"))?;
        Some(match joined.as_str() {
            "" => ".".to_string(),
            j if j.starts_with("..") => j.to_string(),
            j => format!("./{j}"),
        })
    };
    let fix = |v: &mut Value| {
        if let Value::String(p) = v {
            if let Some(new) = re(p) {
                *p = new;
            }
        }
    };
    match map.get_mut("build") {
        Some(v @ Value::String(_)) => fix(v),
        Some(Value::Object(b)) => match b.get_mut("context") {
            Some(c) => fix(c),
            None => {
                b.insert("context".into(), Value::String(re(".").unwrap_or_default()));
            }
        },
        _ => {}
    }
    match map.get_mut("env_file") {
        Some(v @ Value::String(_)) => fix(v),
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::Object(m) => {
                        if let Some(p) = m.get_mut("path") {
                            fix(p);
                        }
                    }
                    other => fix(other),
                }
            }
        }
        _ => {}
    }
    if let Some(Value::Array(volumes)) = map.get_mut("volumes") {
        for v in volumes {
            match v {
                Value::String(spec) if spec.starts_with('.') => {
                    let (source, rest) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
                    if let Some(new) = re(source) {
                        let sep = if spec.contains(':') { ":" } else { "" };
                        *spec = format!("{new}{sep}{rest}");
                    }
                }
                Value::Object(m) if m.get("type").and_then(Value::as_str) == Some("bind") => {
                    if let Some(source) = m.get_mut("source") {
                        fix(source);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The number of values in `value`, itself included (counted with a loop, not recursion).
fn size(value: &Value) -> usize {
    let mut count = 0;
    let mut pending = vec![value];
    while let Some(v) = pending.pop() {
        count += 1;
        match v {
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.values()),
            _ => {}
        }
    }
    count
}

/// Merges `child` over `base` with Compose's `extends` rules.
fn merge_service(mut base: Map<String, Value>, child: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in child {
        if is_marker(&value, RESET) {
            base.remove(&key);
            continue;
        }
        if is_marker(&value, OVERRIDE) {
            base.insert(key, value);
            continue;
        }
        let merged = match base.remove(&key) {
            None => value,
            Some(old) => merge_value(&key, old, value),
        };
        base.insert(key, merged);
    }
    base
}

fn merge_value(key: &str, old: Value, new: Value) -> Value {
    if MAPPING_KEYS.contains(&key) {
        if let (Some(old), Some(new)) = (as_mapping(&old), as_mapping(&new)) {
            return Value::Object(merge_maps(old, new));
        }
    }
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => Value::Object(merge_maps(old, new)),
        (Value::Array(mut old), Value::Array(new)) if APPENDED_KEYS.contains(&key) => {
            for item in new {
                if !old.contains(&item) {
                    old.push(item);
                }
            }
            Value::Array(old)
        }
        (_, new) => new,
    }
}

fn merge_maps(mut old: Map<String, Value>, new: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in new {
        if is_marker(&v, RESET) {
            old.remove(&k);
            continue;
        }
        let merged = match old.remove(&k) {
            Some(Value::Object(o)) => match v {
                Value::Object(n) if !is_marker(&Value::Object(n.clone()), OVERRIDE) => {
                    Value::Object(merge_maps(o, n))
                }
                other => other,
            },
            _ => v,
        };
        old.insert(k, merged);
    }
    old
}
