//! What the local step found on disk, as the macro is given it: [`Local`] (the project's
//! `Package` property), what a project path is ([`Stat`]), project paths, and an image's
//! own configuration as `docker image inspect` reports it ([`ImageConfig`]). The floor of
//! `local.rs`, `binds.rs`, `extends.rs` and `load.rs`: it uses none of them.

use super::values::Protocol;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The end of every diagnostic about a local file the macro was not given.
pub const NOT_PACKAGED: &str =
    "the macro cannot read your files: run `compose-to-ecs package` on the template first, and deploy the template it writes";

/// What the local step found on disk for one project (the project's `Package` property).
/// Paths are project paths ([`project_path`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Local {
    /// Text files the document needs (env files, config files, bind-mounted files and the
    /// files of bind-mounted folders, `extends` files), by project path. A folder is the
    /// set of files under `<folder>/`.
    pub files: BTreeMap<String, String>,
    /// The project's env files (`.env`, or the `--env-file`s), keys of `files`, in the
    /// order given: a later file wins.
    pub env_files: Vec<String>,
    /// Secrets whose `file` the local step turned into a `NoEcho` template parameter:
    /// secret name → parameter name.
    pub secrets: BTreeMap<String, String>,
    /// Images the local step built and pushed for services with `build` and no `image`:
    /// service name → image.
    pub images: BTreeMap<String, String>,
    /// The Compose files the document was merged from, in order, when there were several
    /// (`ComposeFile` as a list): diagnostics name the file a key came from.
    pub compose_files: Vec<String>,
    /// The files of the secrets in `secrets` (project path → secret): never in `files`,
    /// their content is the secret's. Not part of `Package`: the normalizer fills it from
    /// the document ([`Local::with_secret_files`]), so that a bind mount of such a file,
    /// or of a folder holding one, is delivered through the secret.
    pub secret_files: BTreeMap<String, String>,
    /// What the local step learnt of a service's image by inspecting it (the image it
    /// built, or one named by tag with `--resolve-image-digests`): service name → config.
    pub image_configs: BTreeMap<String, ImageConfig>,
    /// The helper image by digest (`--resolve-image-digests`): `x-aws-init_image`, or the
    /// default one, looked up.
    pub init_image: Option<String>,
}

/// What a project path is on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    /// A regular file.
    File,
    /// A folder.
    Folder,
    /// Nothing there.
    Missing,
    /// Not known: the project was not packaged (the macro on its own).
    Unknown,
}

impl Local {
    /// What `path` is, as far as the local step recorded it: a file it read, a folder some
    /// of whose files it read, or nothing.
    pub fn stat(&self, path: &str) -> Stat {
        if self.files.contains_key(path) || self.secret_files.contains_key(path) {
            return Stat::File;
        }
        let prefix = format!("{path}/");
        let under = |m: &BTreeMap<String, String>| {
            m.range(prefix.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix))
        };
        if under(&self.files) || under(&self.secret_files) {
            Stat::Folder
        } else {
            Stat::Missing
        }
    }

    /// This record with [`Local::secret_files`] filled from the document's top-level
    /// `secrets` (`tree`): each packaged secret's `file`, as a project path.
    pub fn with_secret_files(&self, tree: &Map<String, Value>) -> Local {
        let mut out = self.clone();
        if let Some(Value::Object(secrets)) = tree.get("secrets") {
            for (key, item) in secrets {
                if !self.secrets.contains_key(key) {
                    continue;
                }
                if let Some(path) = item
                    .get("file")
                    .and_then(Value::as_str)
                    .and_then(project_path)
                {
                    out.secret_files.insert(path, key.clone());
                }
            }
        }
        out
    }

    /// The secrets whose files lie under folder `path`, by their path relative to it.
    pub fn secrets_under<'a>(&'a self, path: &str) -> impl Iterator<Item = (&'a str, &'a str)> {
        let prefix = format!("{path}/");
        let len = prefix.len();
        self.secret_files
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(move |(k, v)| (&k[len..], v.as_str()))
    }

    /// The files under folder `path`, by their path relative to it.
    pub fn folder<'a>(&'a self, path: &str) -> impl Iterator<Item = (&'a str, &'a str)> {
        let prefix = format!("{path}/");
        let len = prefix.len();
        self.files
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(move |(k, v)| (&k[len..], v.as_str()))
    }
}

/// What a path of the document is on disk: from the local step's record, or
/// [`Stat::Unknown`] when the project was not packaged.
pub fn stat(local: Option<&Local>, path: &str) -> Stat {
    local.map_or(Stat::Unknown, |l| l.stat(path))
}

/// A path of the document as the local step keys it: relative to the project folder,
/// `/`-separated, without `.` segments and with `..` resolved where it can be
/// (`./proxy/../nginx.conf` → `nginx.conf`, `.` → ``, `../shared/a` stays). A path under
/// the user's home keeps its `~/` (`~/minecraft_data`). `None` for an absolute path: a
/// path on the host, not in the project.
pub fn project_path(raw: &str) -> Option<String> {
    if raw.starts_with('/') {
        return None;
    }
    let (home, rest) = match raw.strip_prefix("~/") {
        Some(rest) => (true, rest),
        None if raw == "~" => (true, ""),
        None => (false, raw),
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    Some(match (home, joined.is_empty()) {
        (true, true) => "~".to_string(),
        (true, false) => format!("~/{joined}"),
        (false, _) => joined,
    })
}

/// Whether project path `path` is `folder` or inside it (`""` is the project folder).
pub fn is_within(path: &str, folder: &str) -> bool {
    folder.is_empty() && !path.starts_with("..") && !path.starts_with('~')
        || path == folder
        || path.starts_with(&format!("{folder}/"))
}
/// An image's own configuration, as `docker image inspect` reports it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ImageConfig {
    /// `Config.ExposedPorts`.
    pub exposed: BTreeSet<(u16, Protocol)>,
    /// `Config.User`, when set (`postgres`, `1000`, `1000:1000`).
    pub user: Option<String>,
    /// `Architecture` (`amd64`, `arm64`).
    pub architecture: Option<String>,
}
