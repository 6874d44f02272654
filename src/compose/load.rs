//! Locating and reading the Compose document, as `docker compose` loads it: YAML or JSON
//! text (or a mapping already in the template), merge keys, interpolation, `extends` within
//! the document, the `!reset` and `!override` tags, and profiles.

use super::interpolate::{interpolate, Variables};
use crate::cfn::yaml;
pub use crate::cfn::yaml::kind;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Marker keys standing for the `!reset` and `!override` tags until `extends` is resolved.
const RESET: &str = "!reset";
const OVERRIDE: &str = "!override";

/// A loaded Compose document: the tree of the enabled services, plus what profiles left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// The document after interpolation, `extends` and profiles.
    pub tree: Map<String, Value>,
    /// Services disabled by profiles, with their profiles.
    pub disabled: BTreeMap<String, Vec<String>>,
    /// What the local step read from disk for the project (`None`: not packaged).
    pub local: Option<super::local::Local>,
}

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

/// Loads the Compose document `compose` (a mapping, or text holding YAML or JSON).
/// `where_` names the property in diagnostics about the document as a whole. The document
/// is taken by value: a mapping becomes the tree without a copy.
pub fn load(
    compose: Value,
    where_: &str,
    variables: &Variables,
    profiles: &[String],
    diags: &mut Diagnostics,
) -> Option<Loaded> {
    let mut tree = match compose {
        Value::String(text) => match parse_text(&text) {
            Ok(tree) => tree,
            Err(yaml::Error::Invalid(e)) => {
                diags.error(
                    where_,
                    format!("the Compose document is not valid YAML: {e}"),
                );
                return None;
            }
            Err(yaml::Error::TooLarge(e)) => {
                diags.error(where_, format!("the Compose document is {e}"));
                return None;
            }
            Err(yaml::Error::Merge(path, e)) => {
                diags.error(path, e);
                return None;
            }
        },
        mut tree @ Value::Object(_) => {
            // A mapping that did not come through our YAML reader may still hold merge keys.
            match yaml::apply_merge_keys(&mut tree) {
                Ok(()) => tree,
                Err(yaml::MergeError::NotMappings(path, e)) => {
                    diags.error(path, e);
                    return None;
                }
                Err(yaml::MergeError::TooDeep) => {
                    diags.error(
                        where_,
                        format!(
                            "the Compose document is nested too deeply: more than {} levels",
                            yaml::MAX_MERGE_DEPTH
                        ),
                    );
                    return None;
                }
            }
        }
        other => {
            diags.error(
                where_,
                format!(
                    "expected the Compose document as a mapping or as a string holding YAML, found {}",
                    kind(&other)
                ),
            );
            return None;
        }
    };
    let Value::Object(_) = &tree else {
        diags.error(
            where_,
            format!(
                "expected the Compose document to be a mapping, found {}",
                kind(&tree)
            ),
        );
        return None;
    };
    if let Some(message) = compose_v1(&tree) {
        diags.error(where_, message);
        return None;
    }
    interpolate(&mut tree, variables, diags);
    let Value::Object(mut tree) = tree else {
        return None;
    };

    let mut disabled = BTreeMap::new();
    if let Some(services) = tree.get_mut("services") {
        match services {
            Value::Object(map) => {
                if !resolve_extends(map, diags) {
                    return None;
                }
                for (_, service) in map.iter_mut() {
                    strip_markers(service);
                }
                let active: BTreeSet<String> = profiles.iter().cloned().collect();
                map.retain(|name, service| {
                    let profiles = service_profiles(service);
                    let enabled = profiles.is_empty()
                        || active.contains("*")
                        || profiles.iter().any(|p| active.contains(p));
                    if !enabled {
                        disabled.insert(name.clone(), profiles);
                    }
                    enabled
                });
            }
            Value::Null => {}
            other => diags.error(
                "services",
                format!("expected a mapping of services, found {}", kind(other)),
            ),
        }
    }
    for (key, value) in tree.iter_mut() {
        if key != "services" {
            strip_markers(value);
        }
    }
    Some(Loaded {
        tree,
        disabled,
        local: None,
    })
}

/// The top-level keys of the Compose specification, besides `x-*` extensions.
const TOP_LEVEL_KEYS: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models",
];

/// The most service names a message lists.
const NAMES_LISTED: usize = 5;

/// Recognises the Compose file format v1, whose services are at the top level (there is no
/// `services:`), and says so once instead of one `unknown key` per service. A document is
/// taken for v1 when it has no `services`, every top-level key outside the specification
/// (and not an `x-` extension) holds a mapping, and at least one of these has an `image` or
/// a `build`, as every v1 service had.
fn compose_v1(tree: &Value) -> Option<String> {
    let Value::Object(tree) = tree else {
        return None;
    };
    if tree.contains_key("services") {
        return None;
    }
    let others: Vec<(&String, &Value)> = tree
        .iter()
        .filter(|(key, _)| !TOP_LEVEL_KEYS.contains(&key.as_str()) && !key.starts_with("x-"))
        .collect();
    let all_mappings = others.iter().all(|(_, v)| v.is_object());
    let a_service = others
        .iter()
        .any(|(_, v)| v.get("image").is_some() || v.get("build").is_some());
    if !all_mappings || !a_service {
        return None;
    }
    let mut names: Vec<String> = others
        .iter()
        .take(NAMES_LISTED)
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    if others.len() > NAMES_LISTED {
        names.push(format!("and {} more", others.len() - NAMES_LISTED));
    }
    Some(format!(
        "this looks like the Compose file format v1 (services at the top level: {}); put them under a top-level `services:` key",
        names.join(", ")
    ))
}

fn service_profiles(service: &Value) -> Vec<String> {
    match service.get("profiles") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|p| p.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// Removes `!reset` markers (the key goes away) and unwraps `!override` markers.
fn strip_markers(value: &mut Value) {
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

fn is_marker(value: &Value, marker: &str) -> bool {
    matches!(value, Value::Object(m) if m.len() == 1 && m.contains_key(marker))
}

/// Keys whose values are merged as mappings even when written as lists.
const MAPPING_KEYS: &[&str] = &[
    "environment",
    "labels",
    "annotations",
    "sysctls",
    "depends_on",
    "networks",
    "extra_hosts",
];

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

/// Resolves every service's `extends`; false when the result would be too large.
fn resolve_extends(services: &mut Map<String, Value>, diags: &mut Diagnostics) -> bool {
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
                if e.contains_key("file") {
                    diags.error(
                        path.key("file"),
                        "the macro cannot read other files; copy the base service into this document and extend it by name",
                    );
                    break None;
                }
                match e.get("service") {
                    Some(Value::String(s)) => s.clone(),
                    _ => {
                        diags.error(&path, "expected `service:` naming the service to extend");
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
                    _ => return None,
                }
            }
            Some(m)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(text: &str, profiles: &[&str]) -> (Option<Loaded>, Diagnostics) {
        let mut d = Diagnostics::new();
        let profiles: Vec<String> = profiles.iter().map(|s| s.to_string()).collect();
        let l = load(
            Value::String(text.into()),
            "Compose",
            &Variables::new(),
            &profiles,
            &mut d,
        );
        (l, d)
    }

    #[test]
    fn extends_merges_like_compose() {
        let (l, d) = run(
            "services:\n  base:\n    image: a\n    environment: [A=1, B=2]\n    ports: ['80:80']\n    command: x\n  web:\n    extends: base\n    environment: {B: 3}\n    ports: ['81:81']\n    command: !reset null\n",
            &[],
        );
        assert!(d.is_empty(), "{d:?}");
        let web = &l.unwrap().tree["services"]["web"];
        assert_eq!(web["environment"], json!({"A": "1", "B": 3}));
        assert_eq!(web["ports"], json!(["80:80", "81:81"]));
        assert_eq!(web.get("command"), None);
        assert_eq!(web.get("extends"), None);
    }

    #[test]
    fn override_replaces() {
        let (l, _) = run(
            "services:\n  base: {image: a, ports: ['80:80']}\n  web:\n    extends: {service: base}\n    ports: !override ['81:81']\n",
            &[],
        );
        assert_eq!(
            l.unwrap().tree["services"]["web"]["ports"],
            json!(["81:81"])
        );
    }

    #[test]
    fn extends_errors() {
        let (_, d) = run("services:\n  a: {extends: b}\n  b: {extends: a}\n  c: {extends: {service: z}}\n  e: {extends: {file: x.yml, service: a}}\n", &[]);
        let msgs: Vec<String> = d.errors().iter().map(|e| e.to_string()).collect();
        assert!(msgs.iter().any(|m| m.contains("cycle")), "{msgs:?}");
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("services.c.extends: service `z`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("services.e.extends.file:")),
            "{msgs:?}"
        );
    }

    #[test]
    fn profiles_filter_services() {
        let text = "services:\n  a: {image: a}\n  b: {image: b, profiles: [debug]}\n";
        let (l, _) = run(text, &[]);
        let l = l.unwrap();
        assert!(l.tree["services"].get("b").is_none());
        assert_eq!(l.disabled["b"], vec!["debug".to_string()]);
        let (l, _) = run(text, &["debug"]);
        assert!(l.unwrap().tree["services"].get("b").is_some());
    }

    #[test]
    fn merge_keys_in_mapping_form() {
        let mut d = Diagnostics::new();
        let doc = json!({"x-base": {"image": "a"}, "services": {"web": {"<<": {"image": "a", "user": "u"}, "user": "v"}}});
        let l = load(doc.clone(), "Compose", &Variables::new(), &[], &mut d).unwrap();
        assert_eq!(
            l.tree["services"]["web"],
            json!({"user": "v", "image": "a"})
        );
    }

    /// The errors as `path: message` lines.
    fn messages(d: &Diagnostics) -> Vec<String> {
        d.errors().iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn merge_keys_within_merged_mappings() {
        // Issue 11: an anchored mapping with its own list merge, itself merged; as text,
        // and as the mapping CloudFormation passes (aliases expanded, merge keys left).
        let text = "x-common: &common {restart: always, image: sentry}\nx-env: &env {environment: [A=1], image: other}\nx-backend: &backend\n  <<: [*common, *env]\n  volumes: [data:/data]\nservices:\n  web:\n    <<: *backend\n    command: run web\n    restart: unless-stopped\n";
        let expected = json!({"command": "run web", "restart": "unless-stopped", "volumes": ["data:/data"], "image": "sentry", "environment": ["A=1"]});
        let (l, d) = run(text, &[]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(l.unwrap().tree["services"]["web"], expected);
        let common = json!({"restart": "always", "image": "sentry"});
        let env = json!({"environment": ["A=1"], "image": "other"});
        let backend = json!({"<<": [common, env], "volumes": ["data:/data"]});
        let doc = json!({"x-backend": backend, "services": {"web": {"<<": backend, "command": "run web", "restart": "unless-stopped"}}});
        let mut d = Diagnostics::new();
        let l = load(doc, "Compose", &Variables::new(), &[], &mut d).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(l.tree["services"]["web"], expected);
        assert_eq!(l.tree["x-backend"].get("<<"), None);
    }

    #[test]
    fn merge_key_errors_name_the_merge_key() {
        let mut d = Diagnostics::new();
        let doc = json!({"services": {"web": {"<<": [{"image": "a"}, "b"]}}});
        assert_eq!(load(doc, "Compose", &Variables::new(), &[], &mut d), None);
        assert_eq!(
            messages(&d),
            ["services.web.<<[1]: expected a mapping to merge, found a string"]
        );
        let (_, d) = run("services: {web: {<<: 1}}", &[]);
        assert_eq!(
            messages(&d),
            ["services.web.<<: expected a mapping or a list of mappings to merge, found a number"]
        );
    }

    #[test]
    fn compose_v1_is_named_once() {
        let (l, d) = run(
            "web: {image: nginx, ports: ['80:80'], links: [db]}\ndb: {build: ./db}\nx-note: 1\n",
            &[],
        );
        assert_eq!(l, None);
        assert_eq!(
            messages(&d),
            ["Compose: this looks like the Compose file format v1 (services at the top level: `web`, `db`); put them under a top-level `services:` key"]
        );
        let many: String = (0..7).map(|i| format!("s{i}: {{image: a}}\n")).collect();
        let (_, d) = run(&many, &[]);
        assert_eq!(
            messages(&d),
            ["Compose: this looks like the Compose file format v1 (services at the top level: `s0`, `s1`, `s2`, `s3`, `s4`, and 2 more); put them under a top-level `services:` key"]
        );
        // Not v1: a `services` key, a top-level key that is no mapping, no image or build,
        // only specification keys.
        for text in [
            "services: {}\nweb: {image: nginx}\n",
            "web: {image: nginx}\nAWSTemplateFormatVersion: '2010-09-09'\n",
            "Resources: {App: {Type: ComposeToECS::Project, Properties: {}}}\n",
            "volumes: {data: {}}\nnetworks: {image: {}}\n",
            "x-web: {image: nginx}\n",
        ] {
            let (l, d) = run(text, &[]);
            assert!(l.is_some() && d.is_empty(), "{text}: {d:?}");
        }
    }

    #[test]
    fn top_level_keys_are_the_support_table_s() {
        for key in TOP_LEVEL_KEYS {
            assert!(crate::validate::support::entry(key).is_some(), "{key}");
        }
    }

    #[test]
    fn bad_documents() {
        let (l, d) = run("services: [", &[]);
        assert!(l.is_none());
        assert!(d.errors()[0]
            .message
            .starts_with("the Compose document is not valid YAML"));
        let (_, d) = run("- a", &[]);
        assert!(d.errors()[0].message.contains("found a list"));
    }
}
