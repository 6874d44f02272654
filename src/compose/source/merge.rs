//! Several Compose files as one project, as `docker compose -f compose.yaml -f
//! compose.prod.yaml` reads them: later files win, following the Compose specification's
//! merge rules. Mappings merge key by key; sequences are appended, except `command`,
//! `entrypoint` and `healthcheck.test`, which the later file replaces; `ports`, `volumes`,
//! `secrets`, `configs` and `devices` keep one entry per unique key (a port by address,
//! port and protocol, the others by their path in the container), a later entry taking
//! the place of an earlier one with the same key; `environment`, `labels` and the other
//! mapping-like keys merge as mappings whether written as lists or mappings; `!reset`
//! removes what an earlier file set and `!override` replaces it whole.
//!
//! The merge remembers which file placed each value ([`Origins`]), so a diagnostic about
//! `services.web.ports[1]` can name the file the port came from.

use super::tree::{as_mapping, is_marker, MAPPING_KEYS, OVERRIDE, RESET};
use crate::diagnostics::Path;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which file each merged value came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origins {
    /// The files' names, in merge order (empty for a single document).
    pub names: Vec<String>,
    /// Path of a value placed by a file other than the first → that file's index.
    placed: BTreeMap<String, usize>,
}

impl Origins {
    /// The name of the file the value at `path` came from: the file that last placed
    /// `path` or the nearest value holding it. `None` unless there are several files.
    pub fn file_of(&self, path: &str) -> Option<&str> {
        if self.names.len() < 2 {
            return None;
        }
        let mut end = path.len();
        loop {
            if let Some(i) = self.placed.get(&path[..end]) {
                return self.names.get(*i).map(String::as_str);
            }
            match path[..end].rfind(['.', '[']) {
                Some(cut) => end = cut,
                None => return self.names.first().map(String::as_str),
            }
        }
    }
}

/// Merges `docs` (each a Compose document after parsing, with its `!reset`/`!override`
/// markers) in order, later winning. Markers inside a service's keys are kept for
/// `extends`, which runs after the merge; `names` are the files' names, for [`Origins`].
pub fn merge(docs: Vec<Map<String, Value>>, names: Vec<String>) -> (Map<String, Value>, Origins) {
    let mut origins = Origins {
        names,
        placed: BTreeMap::new(),
    };
    let mut docs = docs.into_iter();
    let mut tree = docs.next().unwrap_or_default();
    for (i, doc) in docs.enumerate() {
        let mut m = Merger {
            file: i + 1,
            origins: &mut origins,
        };
        m.map(&mut tree, doc, &Path::root(), &mut Vec::new());
    }
    (tree, origins)
}

struct Merger<'a> {
    file: usize,
    origins: &'a mut Origins,
}

/// How the values at a path merge.
enum Rule {
    /// The later value replaces the earlier one.
    Replace,
    /// Lists (`KEY=VALUE`) and mappings merge as mappings.
    MappingLike,
    /// Lists keep one item per key; a later item takes the place of an earlier one.
    Unique(fn(&Value) -> Option<String>),
    /// Mappings merge, lists append (without repeating an item), scalars are replaced.
    Default,
}

fn rule(at: &[String]) -> Rule {
    let at: Vec<&str> = at.iter().map(String::as_str).collect();
    match at.as_slice() {
        ["services", _, "command" | "entrypoint"] => Rule::Replace,
        ["services", _, "healthcheck", "test"] => Rule::Replace,
        ["services", _, "ports"] => Rule::Unique(port_key),
        ["services", _, "volumes"] => Rule::Unique(volume_key),
        ["services", _, "devices"] => Rule::Unique(volume_key),
        ["services", _, "secrets"] => Rule::Unique(secret_key),
        ["services", _, "configs"] => Rule::Unique(config_key),
        ["services", _, "extra_hosts"] => Rule::Default,
        ["services", _, key] if MAPPING_KEYS.contains(key) => Rule::MappingLike,
        ["services", _, "build", "args" | "labels" | "additional_contexts"] => Rule::MappingLike,
        ["services", _, "deploy", "labels"] => Rule::MappingLike,
        ["networks" | "volumes" | "secrets" | "configs", _, "labels"] => Rule::MappingLike,
        _ => Rule::Default,
    }
}

/// Whether markers at `at` are kept for `extends` (a service's keys and below).
fn keeps_markers(at: &[String]) -> bool {
    at.len() >= 3 && at[0] == "services"
}

impl Merger<'_> {
    fn place(&mut self, path: &Path) {
        self.origins
            .placed
            .insert(path.as_str().to_string(), self.file);
    }

    /// Merges mapping `new` into `old`; `at` is the path as keys, `path` as text.
    fn map(
        &mut self,
        old: &mut Map<String, Value>,
        new: Map<String, Value>,
        path: &Path,
        at: &mut Vec<String>,
    ) {
        for (k, v) in new {
            let p = path.key(&k);
            at.push(k.clone());
            self.entry(old, k, v, &p, at);
            at.pop();
        }
    }

    fn entry(
        &mut self,
        old: &mut Map<String, Value>,
        k: String,
        v: Value,
        path: &Path,
        at: &[String],
    ) {
        if is_marker(&v, RESET) {
            self.place(path);
            old.remove(&k);
            if keeps_markers(at) {
                old.insert(k, v);
            }
            return;
        }
        if is_marker(&v, OVERRIDE) {
            self.place(path);
            let v = if keeps_markers(at) {
                v
            } else {
                unwrap_override(v)
            };
            old.insert(k, v);
            return;
        }
        let merged = match old.remove(&k) {
            None => self.placed(path, v),
            Some(earlier) if is_marker(&earlier, RESET) => self.placed(path, v),
            Some(Value::Object(mut m)) if is_marker(&Value::Object(m.clone()), OVERRIDE) => {
                let inner = m.remove(OVERRIDE).unwrap_or(Value::Null);
                let mut wrapped = Map::new();
                wrapped.insert(OVERRIDE.into(), self.value(inner, v, path, at));
                Value::Object(wrapped)
            }
            Some(earlier) => self.value(earlier, v, path, at),
        };
        old.insert(k, merged);
    }

    /// `new`, recorded as placed at `path` by this file.
    fn placed(&mut self, path: &Path, new: Value) -> Value {
        self.place(path);
        new
    }

    fn value(&mut self, old: Value, new: Value, path: &Path, at: &[String]) -> Value {
        match rule(at) {
            Rule::Replace => self.placed(path, new),
            Rule::MappingLike => match (as_mapping(&old), as_mapping(&new)) {
                (Some(mut o), Some(n)) => {
                    self.map(&mut o, n, path, &mut at.to_vec());
                    Value::Object(o)
                }
                _ => self.placed(path, new),
            },
            Rule::Unique(key) => match (old, new) {
                (Value::Array(mut items), Value::Array(more)) => {
                    // Keys and items indexed once: two files of 10,000 ports each must not
                    // compare 100 million pairs.
                    let mut keys: HashMap<String, usize> = HashMap::new();
                    let mut seen: HashSet<String> = HashSet::new();
                    for (i, item) in items.iter().enumerate() {
                        if let Some(k) = key(item) {
                            keys.entry(k).or_insert(i);
                        }
                        seen.insert(item.to_string());
                    }
                    for item in more {
                        let k = key(&item);
                        let same = k.as_ref().and_then(|k| keys.get(k).copied());
                        let text = item.to_string();
                        match same {
                            Some(i) => {
                                self.place(&path.index(i));
                                items[i] = match (std::mem::take(&mut items[i]), item) {
                                    (Value::Object(mut o), Value::Object(n)) => {
                                        for (k, v) in n {
                                            o.insert(k, v);
                                        }
                                        Value::Object(o)
                                    }
                                    (_, item) => item,
                                };
                            }
                            None if seen.contains(&text) => {}
                            None => {
                                if let Some(k) = k {
                                    keys.insert(k, items.len());
                                }
                                seen.insert(text);
                                self.place(&path.index(items.len()));
                                items.push(item);
                            }
                        }
                    }
                    Value::Array(items)
                }
                (_, new) => self.placed(path, new),
            },
            Rule::Default => match (old, new) {
                (Value::Object(mut o), Value::Object(n)) => {
                    self.map(&mut o, n, path, &mut at.to_vec());
                    Value::Object(o)
                }
                (Value::Array(mut items), Value::Array(more)) => {
                    let mut seen: HashSet<String> = items.iter().map(Value::to_string).collect();
                    for item in more {
                        if seen.insert(item.to_string()) {
                            self.place(&path.index(items.len()));
                            items.push(item);
                        }
                    }
                    Value::Array(items)
                }
                // `build: ./app` then `build: {dockerfile: ...}`: one build.
                (Value::String(context), Value::Object(n)) if at.len() == 3 && at[2] == "build" => {
                    let mut o = Map::new();
                    o.insert("context".into(), Value::String(context));
                    self.map(&mut o, n, path, &mut at.to_vec());
                    Value::Object(o)
                }
                (Value::Object(mut o), Value::String(context))
                    if at.len() == 3 && at[2] == "build" =>
                {
                    self.place(&path.key("context"));
                    o.insert("context".into(), Value::String(context));
                    Value::Object(o)
                }
                (_, new) => self.placed(path, new),
            },
        }
    }
}

fn unwrap_override(v: Value) -> Value {
    match v {
        Value::Object(mut m) => m.remove(OVERRIDE).unwrap_or(Value::Null),
        other => other,
    }
}

/// A published port's key: host address, published port, container port, protocol.
fn port_key(item: &Value) -> Option<String> {
    match item {
        Value::Number(n) => Some(format!("||{n}|tcp")),
        Value::String(s) => {
            let (spec, protocol) = s.split_once('/').unwrap_or((s, "tcp"));
            let (rest, target) = spec.rsplit_once(':').unwrap_or(("", spec));
            let (ip, published) = rest.rsplit_once(':').unwrap_or(("", rest));
            Some(format!("{ip}|{published}|{target}|{protocol}"))
        }
        Value::Object(m) => {
            let text = |k: &str| match m.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            let protocol = match text("protocol") {
                p if p.is_empty() => "tcp".to_string(),
                p => p,
            };
            Some(format!(
                "{}|{}|{}|{protocol}",
                text("host_ip"),
                text("published"),
                text("target")
            ))
        }
        _ => None,
    }
}

/// A mount's key: its path in the container (`volumes`, `devices`).
fn volume_key(item: &Value) -> Option<String> {
    match item {
        Value::String(s) => {
            let parts: Vec<&str> = s.split(':').collect();
            Some(parts.get(1).unwrap_or(&parts[0]).to_string())
        }
        Value::Object(m) => m.get("target").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

fn mount_key(item: &Value, folder: &str) -> Option<String> {
    let (source, target) = match item {
        Value::String(s) => (s.as_str(), None),
        Value::Object(m) => (
            m.get("source").and_then(Value::as_str)?,
            m.get("target").and_then(Value::as_str),
        ),
        _ => return None,
    };
    Some(match target {
        Some(t) if t.starts_with('/') => t.to_string(),
        Some(t) => format!("{folder}/{t}"),
        None => format!("{folder}/{source}"),
    })
}

/// A secret's key: the file it becomes (`/run/secrets/<name>` unless `target` says).
fn secret_key(item: &Value) -> Option<String> {
    mount_key(item, "/run/secrets")
}

/// A config's key: the file it becomes (`/<name>` unless `target` says).
fn config_key(item: &Value) -> Option<String> {
    mount_key(item, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::source::tree::parse_text;
    use serde_json::json;

    fn merged(texts: &[&str]) -> (Value, Origins) {
        let docs = texts
            .iter()
            .map(|t| match parse_text(t).unwrap() {
                Value::Object(m) => m,
                _ => unreachable!(),
            })
            .collect();
        let names = (0..texts.len()).map(|i| format!("f{i}.yaml")).collect();
        let (tree, origins) = merge(docs, names);
        (Value::Object(tree), origins)
    }

    #[test]
    fn later_files_win_and_lists_merge_as_the_specification_says() {
        let (tree, origins) = merged(&[
            "services:\n  web:\n    image: a\n    command: [x, y]\n    ports: ['80:80', '9000:9000']\n    environment: [A=1, B=2]\n    volumes: ['data:/data', './c:/etc/c']\n    dns: [1.1.1.1]\n    secrets: [s]\n",
            "services:\n  web:\n    image: b\n    command: [z]\n    ports: ['80:80', '8443:443']\n    environment: {B: 3, C: 4}\n    volumes: ['other:/data']\n    dns: [8.8.8.8]\n    secrets: [{source: s, mode: 0400}]\n  worker:\n    image: w\n",
        ]);
        let web = &tree["services"]["web"];
        assert_eq!(web["image"], "b");
        assert_eq!(web["command"], json!(["z"]));
        assert_eq!(web["ports"], json!(["80:80", "9000:9000", "8443:443"]));
        assert_eq!(web["environment"], json!({"A": "1", "B": 3, "C": 4}));
        assert_eq!(web["volumes"], json!(["other:/data", "./c:/etc/c"]));
        assert_eq!(web["dns"], json!(["1.1.1.1", "8.8.8.8"]));
        assert_eq!(web["secrets"], json!([{"source": "s", "mode": "0400"}]));
        assert_eq!(origins.file_of("services.web.ports[2]"), Some("f1.yaml"));
        assert_eq!(origins.file_of("services.web.ports[1]"), Some("f0.yaml"));
        assert_eq!(origins.file_of("services.web.image"), Some("f1.yaml"));
        assert_eq!(origins.file_of("services.web.working_dir"), Some("f0.yaml"));
        assert_eq!(origins.file_of("services.worker.image"), Some("f1.yaml"));
        assert_eq!(origins.file_of("networks"), Some("f0.yaml"));
    }

    #[test]
    fn reset_and_override_apply_across_files() {
        let (tree, _) = merged(&[
            "services:\n  web:\n    image: a\n    ports: ['80:80']\n    environment: {FOO: bar}\n  gone:\n    image: g\n",
            "services:\n  web:\n    ports: !reset []\n    environment: !override {X: y}\n  gone: !reset null\n",
            "services:\n  web:\n    environment: {Z: z}\n",
        ]);
        let web = &tree["services"]["web"];
        // Kept as markers for `extends`; load strips them after.
        assert_eq!(web["ports"], json!({"!reset": []}));
        assert_eq!(
            web["environment"],
            json!({"!override": {"X": "y", "Z": "z"}})
        );
        assert_eq!(tree["services"].get("gone"), None);
    }

    #[test]
    fn one_file_names_no_file() {
        let (_, origins) = merged(&["services: {}\n"]);
        assert_eq!(origins.file_of("services"), None);
    }

    #[test]
    fn large_lists_merge_in_linear_time() {
        let ports = |from: usize| -> Vec<Value> {
            (from..from + 20_000)
                .map(|p| Value::String(format!("{p}:{p}")))
                .collect()
        };
        let doc = |from| {
            let mut m = Map::new();
            m.insert(
                "services".into(),
                json!({"web": {"ports": ports(from), "dns": ports(from)}}),
            );
            m
        };
        let started = std::time::Instant::now();
        let (tree, _) = merge(vec![doc(0), doc(10_000)], vec!["a".into(), "b".into()]);
        assert_eq!(
            tree["services"]["web"]["ports"].as_array().unwrap().len(),
            30_000
        );
        assert_eq!(
            tree["services"]["web"]["dns"].as_array().unwrap().len(),
            30_000
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn build_string_and_mapping_merge() {
        let (tree, _) = merged(&[
            "services:\n  web:\n    build: ./app\n",
            "services:\n  web:\n    build: {dockerfile: Dockerfile.prod}\n",
        ]);
        assert_eq!(
            tree["services"]["web"]["build"],
            json!({"context": "./app", "dockerfile": "Dockerfile.prod"})
        );
    }
}
