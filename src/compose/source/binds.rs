//! Bind mounts by what they are, in Compose words. One pure function, [`classify`], decides
//! what a bind mount of a service becomes, from the document and what the local step
//! recorded ([`Stat`]): the normalizer uses it to build the model, and
//! [`references`](super::local::references) to list the files the local step must read, so
//! the macro on an unpackaged template decides exactly as a packaged one wherever no file
//! content is needed.
//!
//! The classes, in order:
//! 1. an absolute host path: `/etc/localtime` and `/etc/timezone` are dropped (the `TZ`
//!    variable sets the zone); any other is a path on an EC2 instance;
//! 2. a source inside the service's own build context: dropped (the image holds the code),
//!    unless mounted under `/etc/` (configuration, class 3);
//! 3. a file, a read-only file or folder, or a folder mounted under `/etc/`: files written
//!    into the task;
//! 4. any other project or home folder: a named volume (Amazon EFS), which starts empty;
//! 5. anything else: refused, with the reason.

use super::files::{is_within, project_path, Stat};
use serde_json::{Map, Value};

/// Host paths that only tell the container the host's time zone.
pub const TIME_ZONE_FILES: &[&str] = &["/etc/localtime", "/etc/timezone"];

/// The most bytes of bind-mounted file content one service may carry: the content travels
/// in the task definition, which ECS caps at 64 KiB, inside a template CloudFormation caps
/// at 1 MB.
pub const MAX_FILES_BYTES: usize = 32 * 1024;

/// What a bind mount becomes.
#[derive(Clone, Debug, PartialEq)]
pub enum Class {
    /// `/etc/localtime`, `/etc/timezone`: dropped.
    TimeZone,
    /// A path on the host (`Host.SourcePath` on EC2; refused on Fargate).
    Host(String),
    /// Inside the service's build context (`context`, a project path): dropped.
    BuildContext { context: String },
    /// Content written into the task: the file, or the files of the folder, at project
    /// path `path`, which is `stat`.
    Files { path: String, stat: Stat },
    /// A data folder at project path `path`: the named volume `volume` (Amazon EFS).
    Data { path: String, volume: String },
    /// Not mappable: why.
    Refused(String),
}

/// True when a short-syntax source names a path (a bind mount), not a volume.
pub fn is_bind_source(source: &str) -> bool {
    source.starts_with(['.', '/', '~', '$']) || source.contains('/') || source.contains('\\')
}

/// The source, target and read-only flag of a raw mount item (short or long syntax) that
/// is a bind mount; `None` for anything else, or a bind mount with a non-text part.
pub fn bind_of(item: &Value) -> Option<(String, String, bool)> {
    match item {
        Value::String(text) => {
            let parts: Vec<&str> = text.split(':').collect();
            match parts.as_slice() {
                [source, target, rest @ ..] if rest.len() <= 1 && is_bind_source(source) => {
                    let ro = rest.iter().flat_map(|m| m.split(',')).any(|m| m == "ro");
                    Some((source.to_string(), target.to_string(), ro))
                }
                _ => None,
            }
        }
        Value::Object(m) => {
            if m.get("type").and_then(Value::as_str) != Some("bind") {
                return None;
            }
            let text = |k: &str| m.get(k).and_then(Value::as_str).map(String::from);
            let ro = matches!(m.get("read_only"), Some(Value::Bool(true)))
                || m.get("read_only").and_then(Value::as_str) == Some("true");
            Some((text("source")?, text("target").unwrap_or_default(), ro))
        }
        _ => None,
    }
}

/// The build context of a raw service (`build: ctx` or `build.context`, default `.`), as a
/// project path; `None` without `build`, or for a context that is not a project path (a
/// URL, an absolute path).
pub fn build_context(service: &Map<String, Value>) -> Option<String> {
    let raw = match service.get("build")? {
        Value::String(c) => c.as_str(),
        Value::Object(b) => b.get("context").and_then(Value::as_str).unwrap_or("."),
        _ => return None,
    };
    if raw.contains("://") || raw.starts_with("git@") {
        return None;
    }
    project_path(raw)
}

/// True when the last part of `path` looks like a file name: a name with an extension
/// (`nginx.conf`, `init-data.sh`), not a folder such as `conf.d`.
pub fn looks_like_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && !stem.ends_with('.')
                && (1..=8).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext != "d"
        }
        None => false,
    }
}

/// The key of the named volume a data folder becomes: its project path with `/` as `_`,
/// `..` as `parent` and the home folder's `~` left out (`./data` → `data`,
/// `~/minecraft_data` → `minecraft_data`, `./volumes/db/data` → `volumes_db_data`).
pub fn volume_key(path: &str) -> String {
    path.split('/')
        .filter(|p| *p != "~" && !p.is_empty())
        .map(|p| if p == ".." { "parent" } else { p })
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches(['.', '_', '-'])
        .to_string()
}

/// What the bind mount of `source` at `target` becomes for a service whose build context is
/// `context`. `stat` answers what a project path is; it is asked only when the answer
/// matters (never for a host path or a source in the build context).
pub fn classify(
    source: &str,
    target: &str,
    read_only: bool,
    context: Option<&str>,
    stat: &mut dyn FnMut(&str) -> Stat,
) -> Class {
    if source.contains('\\') {
        return Class::Refused(format!(
            "`{source}` is a Windows path; write the path with `/`, relative to the Compose file's folder"
        ));
    }
    let Some(path) = project_path(source) else {
        let host = match source.trim_end_matches('/') {
            "" => "/",
            p => p,
        };
        if TIME_ZONE_FILES.contains(&host) {
            return Class::TimeZone;
        }
        return Class::Host(host.to_string());
    };
    let config_target = target.starts_with("/etc/");
    if let Some(context) = context {
        // A mount at a configuration path (`/etc/...`) is not the live-reload mount of the
        // code: the image holds the context's files where its Dockerfile copies them, which
        // is not there (sentry's `./sentry:/etc/sentry` with `context: ./sentry`, whose
        // Dockerfile copies the folder to `/usr/src/sentry`); it is written into the task.
        if is_within(&path, context)
            && !path.starts_with('~')
            && (!config_target || path.is_empty())
        {
            return Class::BuildContext {
                context: context.to_string(),
            };
        }
    }
    if path.is_empty() || path == "~" || path.split('/').all(|p| p == "..") {
        let what = if path.starts_with('~') {
            "your whole home folder"
        } else {
            "a whole folder above the project's files"
        };
        let what = if path.is_empty() {
            "the whole project folder"
        } else {
            what
        };
        return Class::Refused(format!(
            "`{source}` mounts {what}, which a task cannot see; copy what the container needs into its image (`build`), or mount a named volume (Amazon EFS) for data"
        ));
    }
    let st = stat(&path);
    let file = match st {
        Stat::File => true,
        Stat::Folder => false,
        Stat::Missing | Stat::Unknown => looks_like_file(&path),
    };
    if read_only || file || config_target {
        return Class::Files { path, stat: st };
    }
    let volume = volume_key(&path);
    Class::Data { path, volume }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn class(source: &str, target: &str, ro: bool, ctx: Option<&str>, st: Stat) -> Class {
        classify(source, target, ro, ctx, &mut |_| st)
    }

    #[test]
    fn host_paths() {
        let u = Stat::Unknown;
        assert_eq!(
            class("/etc/localtime", "/etc/localtime", true, None, u),
            Class::TimeZone
        );
        assert_eq!(
            class("/etc/timezone/", "/etc/timezone", false, None, u),
            Class::TimeZone
        );
        assert_eq!(
            class(
                "/var/run/docker.sock",
                "/var/run/docker.sock",
                false,
                None,
                u
            ),
            Class::Host("/var/run/docker.sock".into())
        );
        assert_eq!(
            class("/", "/rootfs", true, None, u),
            Class::Host("/".into())
        );
    }

    #[test]
    fn sources_in_the_build_context_are_dropped() {
        let u = Stat::Unknown;
        let dropped = |ctx: &str| Class::BuildContext {
            context: ctx.into(),
        };
        assert_eq!(
            class("./backend/src", "/code/src", false, Some("backend"), u),
            dropped("backend")
        );
        assert_eq!(class(".", "/code", false, Some(""), u), dropped(""));
        assert_eq!(
            class("./frontend/src", "/code/src", true, Some("frontend"), u),
            dropped("frontend")
        );
        assert_ne!(
            class("./backend2", "/code", false, Some("backend"), u),
            dropped("backend")
        );
        // Configuration from the context is written into the task: the image need not hold
        // it there (sentry's Dockerfile copies `./sentry` to `/usr/src/sentry`).
        assert_eq!(
            class("./sentry", "/etc/sentry", false, Some("sentry"), u),
            Class::Files {
                path: "sentry".into(),
                stat: u
            }
        );
        assert_eq!(
            class(
                "./clickhouse/config.xml",
                "/etc/ch/config.d/s.xml",
                true,
                Some("clickhouse"),
                u
            ),
            Class::Files {
                path: "clickhouse/config.xml".into(),
                stat: u
            }
        );
        assert_ne!(class("~/x", "/code", false, Some(""), u), dropped(""));
    }

    #[test]
    fn files_and_folders() {
        let files = |p: &str, st| Class::Files {
            path: p.into(),
            stat: st,
        };
        let u = Stat::Unknown;
        assert_eq!(
            class("./nginx.conf", "/etc/nginx/nginx.conf", false, None, u),
            files("nginx.conf", u)
        );
        assert_eq!(
            class(
                "./init-data.sh",
                "/docker-entrypoint-initdb.d/init-data.sh",
                false,
                None,
                u
            ),
            files("init-data.sh", u)
        );
        assert_eq!(
            class("./html", "/usr/share/nginx/html", true, None, u),
            files("html", u)
        );
        assert_eq!(
            class("./grafana", "/etc/grafana/provisioning", false, None, u),
            files("grafana", u)
        );
        assert_eq!(
            class("./Caddyfile", "/srv/Caddyfile", false, None, Stat::File),
            files("Caddyfile", Stat::File)
        );
        let data = |p: &str, v: &str| Class::Data {
            path: p.into(),
            volume: v.into(),
        };
        assert_eq!(
            class("./data", "/var/lib/postgresql/data", false, None, u),
            data("data", "data")
        );
        assert_eq!(
            class("~/minecraft_data", "/data", false, None, u),
            data("~/minecraft_data", "minecraft_data")
        );
        assert_eq!(
            class("./conf.d", "/srv/conf.d", false, None, Stat::Missing),
            data("conf.d", "conf.d")
        );
        assert_eq!(
            class("./site.com", "/srv", false, None, Stat::Folder),
            data("site.com", "site.com")
        );
        assert!(matches!(
            class(".", "/app", false, None, u),
            Class::Refused(_)
        ));
        assert!(matches!(
            class("~", "/home", false, None, u),
            Class::Refused(_)
        ));
        assert!(matches!(
            class(".\\data", "/data", false, None, u),
            Class::Refused(_)
        ));
    }

    #[test]
    fn volume_keys() {
        assert_eq!(volume_key("data"), "data");
        assert_eq!(volume_key("~/minecraft_data"), "minecraft_data");
        assert_eq!(volume_key("volumes/db/data"), "volumes_db_data");
        assert_eq!(volume_key("../shared"), "parent_shared");
        assert_eq!(volume_key(".cache/x y"), "cache_x_y");
    }

    #[test]
    fn reads_raw_mounts() {
        assert_eq!(
            bind_of(&json!("./a:/b:ro,z")),
            Some(("./a".into(), "/b".into(), true))
        );
        assert_eq!(bind_of(&json!("data:/b")), None);
        assert_eq!(
            bind_of(
                &json!({"type": "bind", "source": "./p/n.conf", "target": "/etc/n.conf", "read_only": true})
            ),
            Some(("./p/n.conf".into(), "/etc/n.conf".into(), true))
        );
        let service = json!({"build": {"dockerfile": "x"}});
        assert_eq!(
            build_context(service.as_object().unwrap()).as_deref(),
            Some("")
        );
        let service = json!({"build": "./backend"});
        assert_eq!(
            build_context(service.as_object().unwrap()).as_deref(),
            Some("backend")
        );
        assert!(looks_like_file("proxy/nginx.conf"));
        assert!(!looks_like_file("conf.d"));
        assert!(!looks_like_file(".env.d"));
        assert!(!looks_like_file("data"));
    }
}
