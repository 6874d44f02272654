//! Locating and reading the Compose document, as `docker compose` loads it: YAML or JSON
//! text (or a mapping already in the template), merge keys, interpolation, `extends` within
//! the document, the `!reset` and `!override` tags, and profiles.

use super::extends::{resolve_extends, Files};
use super::files::Local;
use super::interpolate::{interpolate, Variables};
use super::merge::Origins;
use super::tree::strip_markers;
pub use super::tree::{as_mapping, kind, parse_text, MAX_COMPOSE_BYTES};
use crate::cfn::yaml;
use crate::diagnostics::Diagnostics;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A loaded Compose document: the tree of the enabled services, plus what profiles left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// The document after interpolation, `extends` and profiles.
    pub tree: Map<String, Value>,
    /// Services disabled by profiles, with their profiles.
    pub disabled: BTreeMap<String, Vec<String>>,
    /// What the local step read from disk for the project (`None`: not packaged).
    pub local: Option<Local>,
    /// The `extends.file`s the document names (project paths), with where each is named
    /// (`services.web.extends.file`): the local step reads them.
    pub extends_files: Vec<(String, String)>,
    /// Which Compose file each value came from, when the project has several.
    pub origins: Origins,
    /// The strings interpolation filled from variables: diagnostics about them never
    /// quote what was substituted.
    pub taints: Vec<super::interpolate::Taint>,
}

/// Loads the Compose document `compose` (a mapping, or text holding YAML or JSON; or a
/// list of them, merged in order as `docker compose -f a -f b` merges its files).
/// `where_` names the property in diagnostics about the document as a whole. The document
/// is taken by value: a mapping becomes the tree without a copy. `local` holds the files
/// an `extends.file` names and the names of the Compose files (`None`: the project was
/// not packaged).
pub fn load(
    compose: Value,
    where_: &str,
    variables: &Variables,
    profiles: &[String],
    local: Option<&Local>,
    diags: &mut Diagnostics,
) -> Option<Loaded> {
    let (tree, origins) = match compose {
        Value::Array(docs) if docs.is_empty() => {
            diags.error(where_, "expected at least one Compose document in the list");
            return None;
        }
        Value::Array(mut docs) if docs.len() == 1 => {
            (document(docs.remove(0), where_, diags)?, Origins::default())
        }
        Value::Array(docs) => {
            let given = local.map(|l| l.compose_files.clone()).unwrap_or_default();
            let names: Vec<String> = if given.len() == docs.len() {
                given
            } else {
                (0..docs.len()).map(|i| format!("{where_}[{i}]")).collect()
            };
            let mut trees = Vec::new();
            for (doc, name) in docs.into_iter().zip(&names) {
                trees.extend(document(doc, name, diags));
            }
            if trees.len() != names.len() {
                return None;
            }
            let (tree, origins) = super::merge::merge(trees, names);
            (tree, origins)
        }
        other => (document(other, where_, diags)?, Origins::default()),
    };
    let mut tree = Value::Object(tree);
    let taints = interpolate(&mut tree, variables, diags);
    let Value::Object(mut tree) = tree else {
        return None;
    };

    let mut disabled = BTreeMap::new();
    let mut files = Files {
        local,
        variables,
        dir: String::new(),
        chain: Vec::new(),
        named: Vec::new(),
        cache: BTreeMap::new(),
    };
    if let Some(services) = tree.get_mut("services") {
        match services {
            Value::Object(map) => {
                if !resolve_extends(map, &mut files, diags) {
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
        extends_files: files.named,
        origins,
        taints,
    })
}

/// One Compose document, parsed: a mapping, or text holding YAML or JSON.
fn document(compose: Value, where_: &str, diags: &mut Diagnostics) -> Option<Map<String, Value>> {
    let tree = match compose {
        Value::String(text) if text.len() > MAX_COMPOSE_BYTES => {
            diags.error(
                where_,
                format!(
                    "the Compose document is {} KiB, over the {} KiB a template can hold (CloudFormation reads templates of at most 1 MB); split the project across stacks",
                    text.len().div_ceil(1024),
                    MAX_COMPOSE_BYTES / 1024
                ),
            );
            return None;
        }
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
                    "expected the Compose document as a mapping or as a string holding YAML (or a list of them, merged in order), found {}",
                    kind(&other)
                ),
            );
            return None;
        }
    };
    if !tree.is_object() {
        diags.error(
            where_,
            format!(
                "expected the Compose document to be a mapping, found {}",
                kind(&tree)
            ),
        );
        return None;
    }
    if let Some(message) = compose_v1(&tree) {
        diags.error(where_, message);
        return None;
    }
    match tree {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The top-level keys of the Compose specification, besides `x-*` extensions.
pub(crate) const TOP_LEVEL_KEYS: &[&str] = &[
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

#[cfg(test)]
mod tests {
    use super::super::files::NOT_PACKAGED;
    use super::*;
    use serde_json::json;

    #[test]
    fn list_items_holding_references() {
        let list = json!([
            "A=1",
            {"Fn::Sub": "PW=${DbPassword}"},
            {"Fn::Sub": "URL=postgres://u:${DbPassword}@db"},
            {"Fn::Sub": ["H=${Var1}", {"Var1": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}}]},
        ]);
        assert_eq!(
            as_mapping(&list),
            Some(
                json!({
                    "A": "1",
                    "PW": {"Ref": "DbPassword"},
                    "URL": {"Fn::Sub": "postgres://u:${DbPassword}@db"},
                    "H": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
                })
                .as_object()
                .unwrap()
                .clone()
            )
        );
        assert_eq!(as_mapping(&json!([{"Fn::Sub": "${X}=1"}])), None);
    }

    fn run(text: &str, profiles: &[&str]) -> (Option<Loaded>, Diagnostics) {
        let mut d = Diagnostics::new();
        let profiles: Vec<String> = profiles.iter().map(|s| s.to_string()).collect();
        let l = load(
            Value::String(text.into()),
            "Compose",
            &Variables::new(),
            &profiles,
            None,
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

    fn packaged(text: &str, files: &[(&str, &str)]) -> (Option<Loaded>, Vec<String>) {
        let mut d = Diagnostics::new();
        let mut local = Local::default();
        for (k, v) in files {
            local.files.insert(k.to_string(), v.to_string());
        }
        let mut vars = Variables::new();
        vars.insert(
            "TAG".into(),
            super::super::interpolate::Variable::Text("1.27".into()),
        );
        let l = load(
            Value::String(text.into()),
            "Compose",
            &vars,
            &[],
            Some(&local),
            &mut d,
        );
        let msgs = d
            .errors()
            .iter()
            .chain(d.warnings().iter())
            .map(|e| e.to_string())
            .collect();
        (l, msgs)
    }

    #[test]
    fn extends_from_another_file() {
        let (l, msgs) = packaged(
            "services:\n  web:\n    extends: {file: ./sub/base.yaml, service: web}\n    environment: {B: 2}\n",
            &[
                (
                    "sub/base.yaml",
                    "services:\n  web:\n    extends: {file: ../deeper/x.yaml, service: core}\n    build: ./app\n    env_file: [web.env, {path: ./opt.env, required: false}]\n    volumes: ['./data:/data', 'named:/n', {type: bind, source: ./conf, target: /c}]\n    environment: {A: 1}\n",
                ),
                ("deeper/x.yaml", "services:\n  core:\n    image: nginx:${TAG}\n    build: {dockerfile: D}\n"),
            ],
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        let l = l.unwrap();
        assert_eq!(
            l.tree["services"]["web"],
            json!({
                "image": "nginx:1.27",
                "build": "./sub/app",
                "env_file": ["./sub/web.env", {"path": "./sub/opt.env", "required": false}],
                "volumes": ["./sub/data:/data", "named:/n", {"type": "bind", "source": "./sub/conf", "target": "/c"}],
                "environment": {"A": 1, "B": 2}
            })
        );
        let named: Vec<&str> = l.extends_files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(named, ["sub/base.yaml", "deeper/x.yaml"]);
    }

    #[test]
    fn extends_file_errors() {
        let doc = "services:\n  a: {extends: {file: a.yaml, service: a}}\n  b: {extends: {file: missing.yaml, service: b}}\n  c: {extends: {file: bad.yaml, service: c}}\n  d: {extends: {file: ok.yaml, service: nope}}\n  e: {extends: {file: /abs.yaml, service: e}}\n";
        let (_, msgs) = packaged(
            doc,
            &[
                (
                    "a.yaml",
                    "services:\n  a: {extends: {file: b.yaml, service: a}}\n",
                ),
                (
                    "b.yaml",
                    "services:\n  a: {extends: {file: a.yaml, service: a}}\n",
                ),
                ("bad.yaml", "services: ["),
                ("ok.yaml", "services:\n  x: {image: a}\n"),
            ],
        );
        assert_eq!(msgs, [
            "services.a.extends.file: a.yaml: services.a.extends.file: b.yaml: services.a.extends.file: `extends` files form a cycle or a chain longer than 16: `a.yaml` → `b.yaml` → `a.yaml`",
            "services.b.extends.file: `missing.yaml` does not exist in the project folder",
            "services.c.extends.file: bad.yaml: not valid YAML: did not find expected node content at line 2 column 1, while parsing a flow node",
            "services.d.extends.file: ok.yaml: services: service `nope` to extend is not defined in this file",
            "services.e.extends.file: `/abs.yaml` is an absolute path on your computer; give the file's path relative to the Compose file's folder",
        ]);
        let (_, msgs) = run(doc, &[]);
        assert!(
            msgs.errors()
                .iter()
                .all(|e| e.message.ends_with(NOT_PACKAGED) || e.message.contains("absolute")),
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
        let l = load(doc.clone(), "Compose", &Variables::new(), &[], None, &mut d).unwrap();
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
        let l = load(doc, "Compose", &Variables::new(), &[], None, &mut d).unwrap();
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(l.tree["services"]["web"], expected);
        assert_eq!(l.tree["x-backend"].get("<<"), None);
    }

    #[test]
    fn merge_key_errors_name_the_merge_key() {
        let mut d = Diagnostics::new();
        let doc = json!({"services": {"web": {"<<": [{"image": "a"}, "b"]}}});
        assert_eq!(
            load(doc, "Compose", &Variables::new(), &[], None, &mut d),
            None
        );
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
