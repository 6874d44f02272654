//! What the local step's files share: its options ([`Options`], [`Mode`]), what it
//! produces ([`Packaged`], [`SecretValue`]), the project being packaged ([`Project`]), and
//! how its messages name paths.

use super::files::Root;
use super::params;
use crate::compose::local::{Build, Local};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

/// The longest value of a CloudFormation parameter, in bytes.
pub const MAX_PARAMETER_BYTES: usize = 4096;

/// How diagnostics name standard input (`-f -`) among several Compose files.
pub const STDIN_NAME: &str = "standard input";

/// What the step does with builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `package`: build and push images; secret values must have a parameters file.
    Package,
    /// `convert`/`expand`: compute image tags, never run `docker`; secret values become
    /// the preview's parameter values.
    Preview,
}

/// The step's settings (the CLI's flags).
#[derive(Clone, Debug)]
pub struct Options {
    /// Package or preview.
    pub mode: Mode,
    /// `--env-file` (repeatable): replace the project folder's `.env`, a later one wins.
    pub env_files: Vec<PathBuf>,
    /// `--image-repository`: the ECR repository URI images are pushed to.
    pub image_repository: Option<String>,
    /// Whether a parameters file will receive the secret values (`--parameters-out`).
    pub parameters_out: bool,
    /// `--resolve-image-digests`: images named by tag are written by digest.
    pub resolve_image_digests: bool,
    /// `$HOME`, for `~/` paths.
    pub home: Option<PathBuf>,
    /// Standard input's text, for a `ComposeFile` of `-` (`-f -`).
    pub stdin: Option<String>,
    /// Paths outside the project folder that may be read (`--allow-outside`, and the
    /// files named on the command line: `-f`, `--env-file`).
    pub allow_outside: Vec<PathBuf>,
    /// List every file read on standard error (`--verbose`).
    pub verbose: bool,
    /// The files `package` writes (`-o`, `--parameters-out`), by the flag that names them:
    /// none may lie inside a build context that sends it to `docker build` (a `COPY . .`
    /// would put it into the pushed image).
    pub outputs: Vec<(String, PathBuf)>,
}

impl Options {
    /// The root of a project in folder `dir`.
    pub(super) fn root(&self, dir: PathBuf) -> Root {
        let mut allow = self.allow_outside.clone();
        allow.extend(self.env_files.iter().cloned());
        Root {
            dir,
            home: self.home.clone(),
            allow,
            verbose: self.verbose,
        }
    }
}

/// A secret value read from a file. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(pub String);

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// What the step produced besides the rewritten template.
#[derive(Clone, Debug, Default)]
pub struct Packaged {
    /// The values of the `NoEcho` parameters the step added, by parameter name.
    pub secrets: BTreeMap<String, SecretValue>,
}

/// How a file of `Package.Files` is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Via {
    /// A bind-mounted file or a file of a bind-mounted folder.
    Bind,
    /// A config's `file`.
    Config,
    /// An env file (`.env`, `--env-file`, a service's `env_file`).
    EnvFile,
    /// An `extends.file`.
    Other,
}

/// One project being packaged.
pub(super) struct Project {
    pub(super) id: String,
    pub(super) root: Root,
    pub(super) local: Local,
    /// Whether anything was referenced or read: only then is `Package` written.
    pub(super) touched: bool,
    /// Files known not to exist (or refused), so each is tried once.
    pub(super) tried: BTreeSet<String>,
    /// Secrets: name → (parameter, where the document names it).
    pub(super) secret_params: BTreeMap<String, (String, String)>,
    pub(super) builds: BTreeMap<String, Build>,
    /// Services with a literal `image`: service → (image, `platform`, where).
    pub(super) named: BTreeMap<String, (String, Option<String>, String)>,
    /// The helper image the document names (`None`: the default), when it names none
    /// through an intrinsic function.
    pub(super) init_image: Option<Option<String>>,
    pub(super) bytes: usize,
    /// Services' env files and `extends` files among the files read.
    pub(super) service_env_files: BTreeSet<String>,
    pub(super) extends_files: BTreeSet<String>,
    /// The `NoEcho` parameters made for credential variables, by name.
    pub(super) env_params: BTreeMap<String, params::EnvParam>,
    /// The secrets' files by real path: (secret, project path).
    pub(super) secret_files: BTreeMap<PathBuf, (String, String)>,
    /// Who refers to each key of `Files`: where, and how.
    pub(super) file_refs: BTreeMap<String, Vec<(String, Via)>>,
}

impl Project {
    pub(super) fn new(id: &str, root: Root) -> Project {
        Project {
            id: id.to_string(),
            root,
            local: Local::default(),
            touched: false,
            tried: BTreeSet::new(),
            secret_params: BTreeMap::new(),
            builds: BTreeMap::new(),
            named: BTreeMap::new(),
            init_image: None,
            bytes: 0,
            service_env_files: BTreeSet::new(),
            extends_files: BTreeSet::new(),
            env_params: BTreeMap::new(),
            secret_files: BTreeMap::new(),
            file_refs: BTreeMap::new(),
        }
    }
}

pub(super) fn no_home(path: &str) -> String {
    format!("`{path}` is under the home folder, but `HOME` is not set")
}

pub(super) fn plural(one: &str, many: &str, items: &[String]) -> String {
    format!(
        "{} {}",
        if items.len() == 1 { one } else { many },
        items.join(", ")
    )
}

pub(super) fn shown(project_path: &str) -> &str {
    if project_path.is_empty() {
        "."
    } else {
        project_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn secret_values_never_show_in_debug() {
        let v = SecretValue("hunter2".into());
        assert!(!format!("{v:?}").contains("hunter2"));
    }
}
