//! Files on the user's disk, in Compose words.
//!
//! The macro never reads a file. The local step (`compose-to-ecs package`, and the
//! previews `convert` and `expand`, which resolve exactly as `package` does) reads what a
//! project's document refers to, relative to the Compose file's folder, and hands it over
//! as a [`Local`]: the `Package` property of the packaged project. Everything that can be
//! decided without a file's content (a bind mount that is a data folder, a development
//! source mount, `/etc/localtime`) is decided here from the document alone, so the macro
//! decides it the same way; what needs content and has none gets one error that says to
//! run `compose-to-ecs package` first ([`NOT_PACKAGED`]).
//!
//! The local step and the converter share one walk, [`references`]: the local step calls
//! it with the real file system behind [`Stat`], reads what it lists and calls it again
//! until nothing new is listed (an `extends.file` brings its own references); the
//! converter looks the same paths up in the [`Local`] it was given.

pub use super::files::{is_within, project_path, stat, ImageConfig, Local, Stat, NOT_PACKAGED};
use super::load::Loaded;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Something on disk a project's document refers to, for the local step to read.
/// `at` is where the document refers to it (`services.web.env_file[0]`), for its
/// diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub enum Reference {
    /// A text file whose content the document needs (an env file, a config's `file`, a
    /// bind-mounted file, an `extends.file`). `required: false` when Compose lets it be
    /// missing (`env_file` with `required: false`).
    File {
        path: String,
        required: bool,
        at: String,
    },
    /// A folder whose files a bind mount needs (a configuration folder).
    Folder { path: String, at: String },
    /// A secret's `file`: its value must become a `NoEcho` template parameter, never text
    /// in a template.
    Secret {
        name: String,
        path: String,
        at: String,
    },
    /// A service with `build` and no `image`: an image to build and push.
    Build(Build),
    /// A service's `image`, when it is a literal name (`--resolve-image-digests` looks its
    /// digest up). `platform` is the service's `platform`, as written.
    Image {
        service: String,
        image: String,
        platform: Option<String>,
        at: String,
    },
    /// The helper image the project names (`x-aws-init_image` as a literal), `None` for
    /// the default one: `--resolve-image-digests` looks it up too.
    InitImage { image: Option<String> },
}

/// What `docker build` needs for one service. Paths are project paths.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Build {
    pub service: String,
    pub context: String,
    /// `dockerfile`, relative to the context (Compose's rule); `None` for `Dockerfile`.
    pub dockerfile: Option<String>,
    pub dockerfile_inline: Option<String>,
    pub target: Option<String>,
    /// `args`, sorted by name.
    pub args: BTreeMap<String, String>,
    /// The service's `platform`: the task's platform, which the image is built for.
    pub platform: Option<String>,
    /// `build.platforms`, when given: the task's platform must be one of them.
    pub platforms: Vec<String>,
    pub at: String,
}

/// Everything on disk a loaded document refers to. `stat` tells what a project path is
/// (the local step asks the file system; a packaged project's [`Local`] answers for the
/// converter). Paths in the result are project paths, in document order; the
/// `extends.file`s come first (they were read while loading).
pub fn references(loaded: &Loaded, stat: &mut dyn FnMut(&str) -> Stat) -> Vec<Reference> {
    let tree = &loaded.tree;
    let mut out = Vec::new();
    for (path, at) in &loaded.extends_files {
        let r = Reference::File {
            path: path.clone(),
            required: true,
            at: at.clone(),
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    for (kind, section) in [("secrets", "secrets"), ("configs", "configs")] {
        let Some(Value::Object(items)) = tree.get(section) else {
            continue;
        };
        for (name, item) in items {
            let Some(file) = item.get("file").and_then(Value::as_str) else {
                continue;
            };
            let Some(path) = project_path(file) else {
                continue;
            };
            let at = format!("{section}.{name}.file");
            out.push(if kind == "secrets" {
                Reference::Secret {
                    name: name.clone(),
                    path,
                    at,
                }
            } else {
                Reference::File {
                    path,
                    required: true,
                    at,
                }
            });
        }
    }
    match tree.get("x-aws-init_image") {
        None => out.push(Reference::InitImage { image: None }),
        Some(Value::String(image)) if !image.trim().is_empty() => out.push(Reference::InitImage {
            image: Some(image.clone()),
        }),
        Some(_) => {}
    }
    let Some(Value::Object(services)) = tree.get("services") else {
        return out;
    };
    for (name, service) in services {
        let Value::Object(service) = service else {
            continue;
        };
        let at = format!("services.{name}");
        match service.get("env_file") {
            Some(Value::String(f)) => push_file(&mut out, f, true, format!("{at}.env_file")),
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{at}.env_file[{i}]");
                    match item {
                        Value::String(f) => push_file(&mut out, f, true, at),
                        Value::Object(m) => {
                            let Some(f) = m.get("path").and_then(Value::as_str) else {
                                continue;
                            };
                            let required = !matches!(m.get("required"), Some(Value::Bool(false)))
                                && m.get("required").and_then(Value::as_str) != Some("false");
                            push_file(&mut out, f, required, format!("{at}.path"));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        bind_references(&mut out, service, &at, stat);
        match service.get("image") {
            None => {
                if let Some(build) = build(name, service.get("build"), service, &at) {
                    out.push(Reference::Build(build));
                }
            }
            Some(Value::String(image)) if !image.trim().is_empty() => out.push(Reference::Image {
                service: name.clone(),
                image: image.clone(),
                platform: service
                    .get("platform")
                    .and_then(Value::as_str)
                    .map(String::from),
                at: format!("{at}.image"),
            }),
            Some(_) => {}
        }
    }
    out
}

/// The files and folders a service's bind mounts put into its container
/// ([`super::binds::classify`]): the content the local step must read.
fn bind_references(
    out: &mut Vec<Reference>,
    service: &Map<String, Value>,
    at: &str,
    stat: &mut dyn FnMut(&str) -> Stat,
) {
    let Some(Value::Array(items)) = service.get("volumes") else {
        return;
    };
    let context = super::binds::build_context(service);
    for (i, item) in items.iter().enumerate() {
        let Some((source, target, read_only)) = super::binds::bind_of(item) else {
            continue;
        };
        let class = super::binds::classify(&source, &target, read_only, context.as_deref(), stat);
        if let super::binds::Class::Files { path, stat } = class {
            let at = format!("{at}.volumes[{i}]");
            out.push(match stat {
                Stat::Folder => Reference::Folder { path, at },
                _ => Reference::File {
                    path,
                    required: true,
                    at,
                },
            });
        }
    }
}

fn push_file(out: &mut Vec<Reference>, raw: &str, required: bool, at: String) {
    if let Some(path) = project_path(raw) {
        out.push(Reference::File { path, required, at });
    }
}

/// A service's `build` (short or long syntax), read as far as the local step needs it.
fn build(service: &str, v: Option<&Value>, map: &Map<String, Value>, at: &str) -> Option<Build> {
    let at = format!("{at}.build");
    let platform = map
        .get("platform")
        .and_then(Value::as_str)
        .map(String::from);
    match v? {
        Value::String(context) => Some(Build {
            service: service.to_string(),
            context: project_path(context)?,
            platform,
            at,
            ..Build::default()
        }),
        Value::Object(b) => {
            let text = |k: &str| b.get(k).and_then(Value::as_str).map(String::from);
            let args = match b.get("args") {
                Some(Value::Object(m)) => m
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
                    .collect(),
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(|s| s.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                _ => BTreeMap::new(),
            };
            let platforms = match b.get("platforms") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
                _ => Vec::new(),
            };
            Some(Build {
                service: service.to_string(),
                context: project_path(&text("context").unwrap_or_else(|| ".".into()))?,
                dockerfile: text("dockerfile"),
                dockerfile_inline: text("dockerfile_inline"),
                target: text("target"),
                args,
                platform,
                platforms,
                at,
            })
        }
        _ => None,
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths() {
        assert_eq!(
            project_path("./proxy/nginx.conf").as_deref(),
            Some("proxy/nginx.conf")
        );
        assert_eq!(project_path(".").as_deref(), Some(""));
        assert_eq!(project_path("./a/../b/").as_deref(), Some("b"));
        assert_eq!(project_path("../shared/x").as_deref(), Some("../shared/x"));
        assert_eq!(
            project_path("~/minecraft_data").as_deref(),
            Some("~/minecraft_data")
        );
        assert_eq!(project_path("/var/run/docker.sock"), None);
    }

    #[test]
    fn bind_mounts_that_need_content_are_listed() {
        let tree: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "services": {"web": {
                "image": "nginx",
                "build": {"context": "app"},
                "volumes": [
                    "./proxy/nginx.conf:/etc/nginx/conf.d/default.conf:ro",
                    "./grafana:/etc/grafana/provisioning",
                    "./data:/var/lib/data",
                    "./app/src:/code/src",
                    "/etc/localtime:/etc/localtime:ro",
                    {"type": "bind", "source": "./init.sh", "target": "/docker-entrypoint.d/init.sh"},
                    "db:/var/lib/db"
                ]
            }}
        }))
        .unwrap();
        let mut asked = Vec::new();
        let loaded = Loaded {
            tree,
            ..Loaded::default()
        };
        let refs = references(&loaded, &mut |p| {
            asked.push(p.to_string());
            match p {
                "grafana" | "data" => Stat::Folder,
                _ => Stat::File,
            }
        });
        let file = |p: &str, i: usize| Reference::File {
            path: p.into(),
            required: true,
            at: format!("services.web.volumes[{i}]"),
        };
        assert_eq!(
            refs,
            vec![
                Reference::InitImage { image: None },
                file("proxy/nginx.conf", 0),
                Reference::Folder {
                    path: "grafana".into(),
                    at: "services.web.volumes[1]".into()
                },
                file("init.sh", 5),
                Reference::Image {
                    service: "web".into(),
                    image: "nginx".into(),
                    platform: None,
                    at: "services.web.image".into(),
                },
            ]
        );
        assert_eq!(asked, ["proxy/nginx.conf", "grafana", "data", "init.sh"]);
    }

    #[test]
    fn stat_reads_the_record() {
        let mut local = Local::default();
        local
            .files
            .insert("grafana/datasource.yml".into(), "a".into());
        local.files.insert("nginx.conf".into(), "b".into());
        local.files.insert("grafana2".into(), "c".into());
        assert_eq!(local.stat("nginx.conf"), Stat::File);
        assert_eq!(local.stat("grafana"), Stat::Folder);
        assert_eq!(local.stat("graf"), Stat::Missing);
        assert_eq!(
            local.folder("grafana").collect::<Vec<_>>(),
            vec![("datasource.yml", "a")]
        );
        assert!(is_within("backend/src", "backend"));
        assert!(is_within("app.py", ""));
        assert!(!is_within("backend2/src", "backend"));
    }
}
