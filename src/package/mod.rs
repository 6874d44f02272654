//! The local step: `compose-to-ecs package`, and the same step in memory before the
//! previews `convert` and `expand`. Besides the two binaries, the only code that touches
//! the disk and runs programs (docs/ARCHITECTURE.md, invariant 1).
//!
//! For each `ComposeToECS::Project` of a template not yet packaged: `ComposeFile` becomes
//! `Compose` (the file's text); the project folder is the Compose file's folder (the
//! template's for an embedded document); `.env` there, or the `--env-file`s, go to
//! `Package.Files` and `Package.EnvFiles`; then [`crate::references`] lists what the
//! document needs from disk, the step reads it into `Package` and asks again, until
//! nothing new is listed. Secret files become `NoEcho` template parameters whose values
//! leave only through [`Packaged::secrets`] (the parameters file, or a preview's parameter
//! values); builds become images tagged by their content and, when packaging, built and
//! pushed with `docker`.

pub mod build;
mod credentials;
pub mod docker;
pub mod files;
mod literals;
mod outputs;
mod params;
mod secret_files;

use crate::cfn::logical_id::normalize;
use crate::compose::load::MAX_COMPOSE_BYTES;
use crate::compose::local::{Build, Local, Reference, Stat};
use crate::diagnostics::{Diagnostics, Path as DiagPath};
use crate::embed::PROJECT_TYPE;
use build::Dockerfile;
use files::{Refusal, Root, BAKE, MAX_FILES_BYTES, MAX_FOLDER_FILES};
pub use outputs::write_parameters;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// How many times the step asks for references before it gives up (each round may add
/// files that refer to more: an `extends.file`, a `.env` that sets a path).
pub const MAX_ROUNDS: usize = 8;
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
    fn root(&self, dir: PathBuf) -> Root {
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

/// Checks `--image-repository`: a repository URI without a tag or digest.
pub fn check_repository(uri: &str) -> Result<(), String> {
    let name = uri.rsplit('/').next().unwrap_or(uri);
    let ok = !uri.is_empty()
        && !name.contains(':')
        && !uri.contains('@')
        && !uri.ends_with('/')
        && uri
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "./-_:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("--image-repository `{uri}`: expected a repository URI in lower case, without a tag, like `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop`"))
    }
}

/// The values of the template's parameters the step can know: `given` over the defaults.
/// A parameter with neither is left out (a path that needs it stays unresolved, and the
/// converter says so).
pub fn parameter_values(template: &Value, given: &[(String, String)]) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(Value::Object(params)) = template.get("Parameters") else {
        return out;
    };
    for (name, decl) in params {
        let kind = decl.get("Type").and_then(Value::as_str).unwrap_or("String");
        let text = match given.iter().rev().find(|(k, _)| k == name) {
            Some((_, v)) => v.clone(),
            None => match decl.get("Default") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            },
        };
        let value = if kind.starts_with("List<") || kind == "CommaDelimitedList" {
            Value::Array(
                text.split(',')
                    .map(|s| Value::String(s.trim().into()))
                    .collect(),
            )
        } else {
            Value::String(text)
        };
        out.insert(name.clone(), value);
    }
    out
}

/// One project being packaged.
struct Project {
    id: String,
    root: Root,
    local: Local,
    /// Whether anything was referenced or read: only then is `Package` written.
    touched: bool,
    /// Files known not to exist (or refused), so each is tried once.
    tried: BTreeSet<String>,
    /// Secrets: name → (parameter, where the document names it).
    secret_params: BTreeMap<String, (String, String)>,
    builds: BTreeMap<String, Build>,
    /// Services with a literal `image`: service → (image, `platform`, where).
    named: BTreeMap<String, (String, Option<String>, String)>,
    /// The helper image the document names (`None`: the default), when it names none
    /// through an intrinsic function.
    init_image: Option<Option<String>>,
    bytes: usize,
    /// Services' env files and `extends` files among the files read.
    service_env_files: BTreeSet<String>,
    extends_files: BTreeSet<String>,
    /// The `NoEcho` parameters made for credential variables, by name.
    env_params: BTreeMap<String, params::EnvParam>,
    /// The secrets' files by real path: (secret, project path).
    secret_files: BTreeMap<PathBuf, (String, String)>,
    /// Who refers to each key of `Files`: where, and how.
    file_refs: BTreeMap<String, Vec<(String, secret_files::Via)>>,
}

impl Project {
    fn new(id: &str, root: Root) -> Project {
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

/// Runs the local step on `template` (a whole template, in place). `template_dir` is the
/// folder `ComposeFile` and embedded documents are relative to; `values` the template's
/// parameter values (see [`parameter_values`]). Problems go to `diags`, each naming the
/// template path or the Compose path it comes from; none quotes a secret.
pub fn package(
    template: &mut Value,
    template_dir: &Path,
    values: &Map<String, Value>,
    opts: &Options,
    diags: &mut Diagnostics,
) -> Packaged {
    let mut packaged = Packaged::default();
    let Some(Value::Object(resources)) = template.get_mut("Resources") else {
        return packaged;
    };
    let mut projects = Vec::new();
    let total = resources
        .values()
        .filter(|r| r.get("Type").and_then(Value::as_str) == Some(PROJECT_TYPE))
        .count();
    for (id, resource) in resources.iter_mut() {
        if resource.get("Type").and_then(Value::as_str) != Some(PROJECT_TYPE) {
            continue;
        }
        let Some(Value::Object(props)) = resource.get_mut("Properties") else {
            continue; // `expand` reports it
        };
        if props.contains_key("Package") {
            continue; // packaged already
        }
        let path = DiagPath::new("Resources").key(id).key("Properties");
        let Some((dir, names)) = compose_file(props, template_dir, &path, opts, diags) else {
            continue;
        };
        let mut p = Project::new(id, opts.root(dir));
        if !names.is_empty() {
            p.touched = true;
            p.local.compose_files = names;
        }
        env_files(&mut p, opts, diags);
        projects.push(p);
    }
    if diags.has_errors() {
        return packaged;
    }
    let prefix = |p: &Project, at: &str| -> String {
        if total > 1 {
            format!("{}.{at}", p.id)
        } else {
            at.to_string()
        }
    };

    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut settled = false;
    let mut taints = Vec::new();
    for _ in 0..MAX_ROUNDS {
        write_packages(template, &projects);
        let request = crate::Request {
            fragment: template.clone(),
            template_parameter_values: values.clone(),
            params: Map::new(),
        };
        let roots: BTreeMap<String, Root> = projects
            .iter()
            .map(|p| (p.id.clone(), p.root.clone()))
            .collect();
        let (refs, found) =
            crate::references_and_taints(&request, &mut |id, path| match roots.get(id) {
                Some(root) => stat(root, path),
                None => Stat::Unknown,
            });
        taints = found;
        let mut new = false;
        for (id, r) in refs {
            let Some(p) = projects.iter_mut().find(|p| p.id == id) else {
                continue;
            };
            if !seen.insert((id.clone(), format!("{r:?}"))) {
                continue;
            }
            new = true;
            // A named image alone leaves the project as it was (no `Package`), unless
            // `--resolve-image-digests` pins it.
            p.touched |= !matches!(r, Reference::Image { .. } | Reference::InitImage { .. });
            match r {
                Reference::File { path, required, at } => {
                    if at.contains(".env_file") {
                        p.service_env_files.insert(path.clone());
                    } else if at.contains("extends") {
                        p.extends_files.insert(path.clone());
                    }
                    let at = prefix(p, &at);
                    read_file(p, &path, required, &at, diags)
                }
                Reference::Folder { path, at } => {
                    let at = prefix(p, &at);
                    read_folder(p, &path, &at, diags)
                }
                Reference::Secret { name, path, at } => {
                    let at = prefix(p, &at);
                    read_secret(p, &name, &path, &at, &mut packaged, diags)
                }
                Reference::Build(b) => {
                    p.builds.insert(b.service.clone(), b);
                }
                Reference::Image {
                    service,
                    image,
                    platform,
                    at,
                } => {
                    p.named.insert(service, (image, platform, at));
                }
                Reference::InitImage { image } => p.init_image = Some(image),
            }
        }
        if !new {
            settled = true;
            break;
        }
    }
    if !settled {
        for p in &projects {
            diags.error(
                DiagPath::new("Resources").key(&p.id),
                format!("the files this project refers to kept bringing new references after {MAX_ROUNDS} rounds (an `extends` chain or env files that name each other); shorten the chain"),
            );
        }
    }
    for p in &mut projects {
        secret_files::secret_files_stay_secret(p, diags);
    }
    if !diags.has_errors() {
        for p in &mut projects {
            credentials::protect(template, p, values, &mut packaged, total > 1, diags);
        }
    }
    secret_parameters(template, &mut projects, &packaged, opts, diags);
    for p in &mut projects {
        images(p, opts, &prefix, diags);
        resolve_images(p, opts, &prefix, diags);
    }
    write_packages(template, &projects);
    redact(diags, &taints, total > 1);
    packaged
}

/// Diagnostics about a path filled from variables quote it as written (`${CONF}`), never
/// what the variables substituted (an `.env` value may be a credential).
fn redact(
    diags: &mut Diagnostics,
    taints: &[(String, Vec<crate::compose::interpolate::Taint>)],
    prefixed: bool,
) {
    for d in diags.items_mut() {
        for (id, taints) in taints {
            let path = match prefixed {
                true => match d.path.strip_prefix(&format!("{id}.")) {
                    Some(rest) => rest.to_string(),
                    None => continue,
                },
                false => d.path.clone(),
            };
            if let Some((p, m)) = crate::compose::interpolate::redact(&path, &d.message, taints) {
                d.path = if prefixed { format!("{id}.{p}") } else { p };
                d.message = m;
            }
        }
    }
}

/// `ComposeFile` → `Compose`; the project folder, and the files' names when there are
/// several. `ComposeFile` is a path or a list of paths, relative to the template, merged in
/// order as `docker compose -f a -f b` merges them; the project folder is the first file's
/// folder. `-` is standard input ([`Options::stdin`]), whose folder is the template's.
fn compose_file(
    props: &mut Map<String, Value>,
    template_dir: &Path,
    path: &DiagPath,
    opts: &Options,
    diags: &mut Diagnostics,
) -> Option<(PathBuf, Vec<String>)> {
    let Some(file) = props.get("ComposeFile") else {
        return Some((template_dir.to_path_buf(), Vec::new()));
    };
    let at = path.key("ComposeFile");
    if props.contains_key("Compose") {
        diags.error(
            &at,
            "a project takes its document from `Compose` or from `ComposeFile`, not both",
        );
        return None;
    }
    let names: Vec<(String, DiagPath)> = match file {
        Value::String(name) => vec![(name.clone(), at.clone())],
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((v.as_str()?.to_string(), at.index(i))))
            .collect(),
        _ => {
            diags.error(
                &at,
                "expected the path of a Compose file, or a list of paths merged in order, relative to the template",
            );
            return None;
        }
    };
    let mut texts = Vec::new();
    let mut dir = None;
    for (name, at) in &names {
        let (text, folder) = if name == "-" {
            match &opts.stdin {
                Some(text) => (text.clone(), template_dir.to_path_buf()),
                None => {
                    diags.error(
                        at,
                        "`-` stands for standard input, which only `compose-to-ecs convert -f -` and `package -f -` read; name the file",
                    );
                    continue;
                }
            }
        } else {
            let full = template_dir.join(name);
            // The Compose file is named by the template: it lies in the template's
            // folder, unless allowed.
            match opts
                .root(template_dir.to_path_buf())
                .read(&full, MAX_COMPOSE_BYTES)
            {
                Ok(t) => (
                    t,
                    files::absolute(&full)
                        .parent()
                        .map_or_else(|| template_dir.to_path_buf(), Path::to_path_buf),
                ),
                Err(Refusal::Io(e)) => {
                    diags.error(
                        at,
                        format!(
                            "`{name}` {} (looked for `{}`)",
                            files::io_message(&e),
                            full.display()
                        ),
                    );
                    continue;
                }
                Err(Refusal::Binary) => {
                    diags.error(at, format!("`{name}` is not UTF-8 text"));
                    continue;
                }
                Err(Refusal::Outside(real)) => {
                    diags.error(at, format!("`{name}` is outside the template's folder (it is `{}`, symbolic links followed): the package step reads only the folder of the template it is given, so that a template cannot copy other files into its output; if it is meant, pass `--allow-outside {}`", real.display(), real.parent().unwrap_or(&real).display()));
                    continue;
                }
                Err(Refusal::TooLarge(_)) => {
                    diags.error(at, format!("`{name}` is larger than {MAX_COMPOSE_BYTES} bytes, more than a template can hold"));
                    continue;
                }
                Err(r) => {
                    diags.error(at, format!("`{name}` {}", r.message()));
                    continue;
                }
            }
        };
        dir.get_or_insert(folder);
        texts.push(Value::String(text));
    }
    if texts.len() != names.len() {
        return None;
    }
    let compose = if texts.len() == 1 {
        texts.remove(0)
    } else {
        Value::Array(texts)
    };
    // `Compose` takes the place of `ComposeFile`, so the packaged template reads alike.
    let old = std::mem::take(props);
    let mut compose = Some(compose);
    for (k, v) in old {
        if k == "ComposeFile" {
            props.insert("Compose".into(), compose.take().unwrap_or(Value::Null));
        } else {
            props.insert(k, v);
        }
    }
    let several = if names.len() > 1 {
        names
            .into_iter()
            .map(|(n, _)| if n == "-" { STDIN_NAME.to_string() } else { n })
            .collect()
    } else {
        Vec::new()
    };
    Some((dir.unwrap_or_else(|| template_dir.to_path_buf()), several))
}

/// `.env` in the project folder, or the `--env-file`s instead (as `docker compose`).
fn env_files(p: &mut Project, opts: &Options, diags: &mut Diagnostics) {
    if opts.env_files.is_empty() {
        let full = p.root.dir.join(".env");
        // Anything there is read, or refused: a `.env` that is a link to a device, a FIFO
        // or a missing file is an error, never skipped in silence.
        if full.symlink_metadata().is_ok() {
            p.touched = true;
            if insert(p, ".env", &full, &format!("Resources.{}", p.id), diags) {
                p.local.env_files.push(".env".into());
            }
        }
        return;
    }
    for given in &opts.env_files {
        let key = files::project_path_of(&p.root.dir, given);
        p.touched = true;
        let at = "--env-file".to_string();
        if !given.is_file() {
            diags.error(
                &at,
                format!("`{}` does not exist or is not a file", given.display()),
            );
            continue;
        }
        if insert(p, &key, given, &at, diags) && !p.local.env_files.contains(&key) {
            p.local.env_files.push(key);
        }
    }
}

/// Reads a text file into the project's `Files` under `key`; false when it was refused.
fn insert(p: &mut Project, key: &str, full: &Path, at: &str, diags: &mut Diagnostics) -> bool {
    secret_files::note_use(p, key, at);
    if p.local.files.contains_key(key) {
        return true;
    }
    match p.root.read(full, MAX_FILES_BYTES) {
        Ok(text) => {
            if p.bytes + text.len() > MAX_FILES_BYTES {
                diags.error(
                    at,
                    format!(
                        "`{key}` ({} bytes) takes the project's files past the {MAX_FILES_BYTES} bytes the package step writes into the template; {BAKE}",
                        text.len()
                    ),
                );
                return false;
            }
            p.bytes += text.len();
            p.local.files.insert(key.to_string(), text);
            true
        }
        Err(Refusal::TooLarge(_)) => {
            // A regular file (checked on its handle): its size is what it says.
            let len = std::fs::metadata(full).map_or(0, |m| m.len());
            diags.error(
                at,
                format!(
                    "`{key}` ({len} bytes) takes the project's files past the {MAX_FILES_BYTES} bytes the package step writes into the template; {BAKE}"
                ),
            );
            false
        }
        Err(r) => {
            diags.error(at, format!("`{key}` {}", r.message()));
            false
        }
    }
}

/// What a project path is on the real file system.
fn stat(root: &Root, path: &str) -> Stat {
    match root.resolve(path).map(std::fs::metadata) {
        Some(Ok(m)) if m.is_dir() => Stat::Folder,
        Some(Ok(_)) => Stat::File,
        Some(Err(_)) => Stat::Missing,
        None => Stat::Unknown,
    }
}

fn no_home(path: &str) -> String {
    format!("`{path}` is under the home folder, but `HOME` is not set")
}

fn read_file(p: &mut Project, path: &str, required: bool, at: &str, diags: &mut Diagnostics) {
    if p.local.files.contains_key(path) {
        secret_files::note_use(p, path, at);
        return;
    }
    let Some(full) = p.root.resolve(path) else {
        diags.error(at, no_home(path));
        return;
    };
    match std::fs::metadata(&full) {
        Err(_) if !required => {}
        Err(_) => diags.error(at, format!("`{path}` does not exist in the project folder")),
        Ok(m) if m.is_dir() => diags.error(at, format!("`{path}` is a folder; expected a file")),
        Ok(_) => {
            if p.tried.insert(path.to_string()) {
                insert(p, path, &full, at, diags);
            }
        }
    }
}

fn read_folder(p: &mut Project, path: &str, at: &str, diags: &mut Diagnostics) {
    let Some(full) = p.root.resolve(path) else {
        diags.error(at, no_home(path));
        return;
    };
    if !p.tried.insert(format!("{path}/")) {
        return;
    }
    if let Err(r) = p.root.inside(&full) {
        diags.error(at, format!("`{path}` {}", r.message()));
        return;
    }
    let entries = match files::walk(&full, MAX_FOLDER_FILES) {
        Ok(e) => e,
        Err(e) => {
            diags.error(at, format!("`{path}` {}", files::io_message(&e)));
            return;
        }
    };
    let count = entries
        .iter()
        .filter(|e| matches!(e, files::Entry::File(..)))
        .count();
    if count > MAX_FOLDER_FILES {
        diags.error(
            at,
            format!("`{path}` holds more than {MAX_FOLDER_FILES} files, the most the package step reads from a folder; {BAKE}"),
        );
        return;
    }
    for e in entries {
        let key = |rel: &str| {
            if path.is_empty() {
                rel.to_string()
            } else {
                format!("{path}/{rel}")
            }
        };
        match e {
            files::Entry::File(rel, file) => {
                insert(p, &key(&rel), &file, at, diags);
            }
            files::Entry::Other(rel) => diags.error(
                at,
                format!("`{}` is neither a file nor a folder (or lies too deep); the package step reads regular files only", key(&rel)),
            ),
            files::Entry::Loop(rel) => diags.error(
                at,
                format!("`{}` is a folder the walk already read (a symbolic link back into the folder: a loop); remove the link", key(&rel)),
            ),
            files::Entry::Budget => diags.error(
                at,
                format!("`{path}` holds more than {} entries (files, folders, links), the most the package step looks at in a folder; {BAKE}", files::MAX_WALK_ENTRIES),
            ),
        }
    }
}

fn read_secret(
    p: &mut Project,
    name: &str,
    path: &str,
    at: &str,
    packaged: &mut Packaged,
    diags: &mut Diagnostics,
) {
    if p.secret_params.contains_key(name) {
        return;
    }
    let Some(full) = p.root.resolve(path) else {
        diags.error(at, no_home(path));
        return;
    };
    let value = match p.root.read(&full, MAX_PARAMETER_BYTES) {
        Ok(v) => v,
        Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            diags.error(at, format!("`{path}` does not exist in the project folder"));
            return;
        }
        Err(Refusal::Binary) => {
            diags.error(at, format!("`{path}` is not UTF-8 text: a secret file becomes a template parameter, which holds text; store the secret in AWS Secrets Manager and name it with `x-aws-secrets` or `external: true` instead"));
            return;
        }
        Err(Refusal::TooLarge(_)) => {
            diags.error(at, format!("`{path}` is larger than the {MAX_PARAMETER_BYTES} bytes of a template parameter; store the secret in AWS Secrets Manager and name it with `x-aws-secrets` or `external: true` instead"));
            return;
        }
        Err(r) => {
            diags.error(at, format!("`{path}` {}", r.message()));
            return;
        }
    };
    if let Ok(real) = std::fs::canonicalize(&full) {
        p.secret_files
            .insert(real, (name.to_string(), path.to_string()));
    }
    let parameter = format!("{}{}SecretValue", p.id, normalize(name));
    p.secret_params
        .insert(name.to_string(), (parameter.clone(), at.to_string()));
    packaged.secrets.insert(parameter, SecretValue(value));
}

/// Declares the `NoEcho` parameters of the secrets read, and records them in `Package`.
fn secret_parameters(
    template: &mut Value,
    projects: &mut [Project],
    packaged: &Packaged,
    opts: &Options,
    diags: &mut Diagnostics,
) {
    let all: Vec<(String, String, String, String)> = projects
        .iter()
        .flat_map(|p| {
            p.secret_params
                .iter()
                .map(|(name, (param, at))| (p.id.clone(), name.clone(), param.clone(), at.clone()))
        })
        .collect();
    let env: Vec<(String, String, params::EnvParam)> = projects
        .iter()
        .flat_map(|p| {
            p.env_params
                .iter()
                .map(|(param, e)| (p.id.clone(), param.clone(), e.clone()))
        })
        .collect();
    if all.is_empty() && env.is_empty() {
        return;
    }
    if opts.mode == Mode::Package && !opts.parameters_out {
        if !all.is_empty() {
            let names: Vec<String> = all.iter().map(|(_, n, _, _)| format!("`{n}`")).collect();
            diags.error(
                &all[0].3,
                format!(
                    "the value of secret {} must go to a parameters file, never into the template: pass `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`",
                    names.join(", ")
                ),
            );
        } else {
            let mut names: Vec<String> = env
                .iter()
                .map(|(_, _, e)| format!("`{}`", e.variable))
                .collect();
            names.dedup();
            diags.error(
                &env[0].2.at,
                format!(
                    "{} {} like {}, whose {} must go to a parameters file, never into the template: pass `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`",
                    plural("variable", "variables", &names),
                    if names.len() == 1 { "looks" } else { "look" },
                    if names.len() == 1 { "a credential" } else { "credentials" },
                    if names.len() == 1 { "value" } else { "values" },
                ),
            );
        }
        return;
    }
    let Value::Object(root) = template else {
        return;
    };
    if !root.contains_key("Parameters") {
        // `Parameters` before `Resources`, where a reader looks for it.
        let old = std::mem::take(root);
        for (k, v) in old {
            if k == "Resources" {
                root.insert("Parameters".into(), json!({}));
            }
            root.insert(k, v);
        }
        root.entry("Parameters").or_insert_with(|| json!({}));
    }
    let Some(Value::Object(params)) = root.get_mut("Parameters") else {
        diags.error(
            "Parameters",
            "expected a mapping of parameter names to parameters",
        );
        return;
    };
    for (id, name, param, at) in &all {
        if params.contains_key(param) {
            diags.error(
                at,
                format!("the package step names the parameter of secret `{name}` `{param}`, and the template already declares a parameter of that name; rename that parameter"),
            );
            continue;
        }
        if !packaged.secrets.contains_key(param) {
            continue;
        }
        params.insert(
            param.clone(),
            json!({
                "Type": "String",
                "NoEcho": true,
                "Description": format!("The value of secret `{name}` of project {id}, from its file (written by compose-to-ecs package; pass it with --parameter-overrides)"),
            }),
        );
        if let Some(p) = projects.iter_mut().find(|p| &p.id == id) {
            p.local.secrets.insert(name.clone(), param.clone());
        }
    }
    for (id, param, e) in &env {
        // The step chose a name no parameter of the template has.
        params.insert(
            param.clone(),
            json!({
                "Type": "String",
                "NoEcho": true,
                "Description": format!("The value of variable `{}` of project {id}, a credential from {} (written by compose-to-ecs package; pass it with --parameter-overrides)", e.variable, if e.source.starts_with("the ") { e.source.clone() } else { format!("`{}`", e.source) }),
            }),
        );
    }
}

/// Images for the project's builds: tags from the content, built and pushed when
/// packaging.
fn images(
    p: &mut Project,
    opts: &Options,
    prefix: &dyn Fn(&Project, &str) -> String,
    diags: &mut Diagnostics,
) {
    if p.builds.is_empty() {
        return;
    }
    let services: Vec<String> = p.builds.keys().map(|s| format!("`{s}`")).collect();
    let first = prefix(
        p,
        &p.builds
            .values()
            .next()
            .map(|b| b.at.clone())
            .unwrap_or_default(),
    );
    let Some(repo) = &opts.image_repository else {
        diags.error(
            &first,
            format!(
                "{} {} `build` and no `image`: pass `--image-repository <ECR repository URI>` to build and push {} with docker, or set `image`",
                plural("service", "services", &services),
                if services.len() == 1 { "has" } else { "have" },
                if services.len() == 1 { "it" } else { "them" },
            ),
        );
        return;
    };
    let docker = match opts.mode {
        Mode::Preview => None,
        Mode::Package => match docker::find_docker() {
            Some(d) => Some(d),
            None => {
                diags.error(
                    &first,
                    format!(
                        "{} {} built with `docker`, which is not on PATH; install Docker, or build and push the images yourself and set `image`",
                        plural("service", "services", &services),
                        if services.len() == 1 { "needs an image" } else { "need images" },
                    ),
                );
                return;
            }
        },
    };
    // Identical builds (same inputs, so the same digest) run once, with every tag.
    // In the order of their first service, so docker runs in a predictable order.
    let mut groups: indexmap::IndexMap<String, build::Group> = indexmap::IndexMap::new();
    for b in p.builds.values() {
        let at = prefix(p, &b.at);
        let Some(platform) = build::target_platform(b, &|k| prefix(p, k), diags) else {
            continue;
        };
        let Some(context) = p.root.resolve(&b.context) else {
            diags.error(&at, no_home(&b.context));
            continue;
        };
        if !context.is_dir() {
            diags.error(
                &at,
                format!(
                    "the build context `{}` {}",
                    shown(&b.context),
                    if context.exists() {
                        "is not a folder"
                    } else {
                        "does not exist in the project folder"
                    }
                ),
            );
            continue;
        }
        let dockerfile = match (&b.dockerfile_inline, &b.dockerfile) {
            (Some(text), _) => Dockerfile::Inline(text.clone()),
            (None, Some(f)) => Dockerfile::File(files::absolute(&context.join(f))),
            (None, None) => Dockerfile::File(files::absolute(&context.join("Dockerfile"))),
        };
        if let Dockerfile::File(f) = &dockerfile {
            if !f.is_file() {
                diags.error(
                    &at,
                    format!(
                        "the Dockerfile `{}` does not exist in the build context",
                        files::project_path_of(&p.root.dir, f)
                    ),
                );
                continue;
            }
        }
        let context = files::absolute(&context);
        outputs::outputs_outside(&context, b, opts, &at, diags);
        let digest = match build::digest(&context, &dockerfile, b, platform) {
            Ok(d) => d,
            Err(e) => {
                diags.error(
                    &at,
                    format!(
                        "the build context `{}` {}",
                        shown(&b.context),
                        files::io_message(&e)
                    ),
                );
                continue;
            }
        };
        let tag = build::tag(repo, &b.service, &digest);
        p.local.images.insert(b.service.clone(), tag.clone());
        let key = format!("{digest}\0{}", context.display());
        let group = groups.entry(key).or_insert_with(|| build::Group {
            build: b.clone(),
            context: context.clone(),
            dockerfile: dockerfile.clone(),
            platform,
            tags: Vec::new(),
            services: Vec::new(),
        });
        group.tags.push(tag);
        group.services.push(b.service.clone());
    }
    let Some(docker) = docker else {
        return;
    };
    if diags.has_errors() {
        return;
    }
    for g in groups.values() {
        let at = prefix(p, &g.build.at);
        if let Some((image, config)) = docker::build_and_push(&docker, g, repo, &at, diags) {
            for service in &g.services {
                p.local.images.insert(service.clone(), image.clone());
                p.local
                    .image_configs
                    .insert(service.clone(), config.clone());
            }
        }
    }
}

/// `--resolve-image-digests`: each image named by tag becomes `name@sha256:...`, looked up
/// in its registry for the task's platform, whose configuration is recorded.
fn resolve_images(
    p: &mut Project,
    opts: &Options,
    prefix: &dyn Fn(&Project, &str) -> String,
    diags: &mut Diagnostics,
) {
    if !opts.resolve_image_digests || opts.mode != Mode::Package {
        return;
    }
    if p.named.is_empty() && p.init_image.is_none() {
        return;
    }
    let Some(docker) = docker::find_docker() else {
        diags.error(
            "--resolve-image-digests",
            "looks the images up with `docker buildx imagetools inspect`, and `docker` is not on PATH; install Docker (with buildx), or drop the flag",
        );
        return;
    };
    let named = std::mem::take(&mut p.named);
    for (service, (image, platform, at)) in &named {
        let at = prefix(p, at);
        if let Some((pinned, config)) =
            docker::resolve(&docker, image, platform.as_deref(), &at, diags)
        {
            p.touched = true;
            p.local.images.insert(service.clone(), pinned);
            p.local.image_configs.insert(service.clone(), config);
        }
    }
    p.named = named;
    // The helper image, for the tasks that have the helper (one lookup per project). A
    // multi-arch index: amd64 is checked here, each task pulls its own platform.
    if let Some(given) = p.init_image.clone() {
        let image = given.unwrap_or_else(|| crate::convert::INIT_IMAGE.to_string());
        let at = prefix(p, "x-aws-init_image");
        if let Some((pinned, _)) = docker::resolve(&docker, &image, None, &at, diags) {
            p.touched = true;
            p.local.init_image = Some(pinned);
        }
    }
}

fn plural(one: &str, many: &str, items: &[String]) -> String {
    format!(
        "{} {}",
        if items.len() == 1 { one } else { many },
        items.join(", ")
    )
}

fn shown(project_path: &str) -> &str {
    if project_path.is_empty() {
        "."
    } else {
        project_path
    }
}

/// Writes each touched project's `Package` property.
fn write_packages(template: &mut Value, projects: &[Project]) {
    for p in projects.iter().filter(|p| p.touched) {
        let Some(Value::Object(props)) = template
            .get_mut("Resources")
            .and_then(|r| r.get_mut(&p.id))
            .and_then(|r| r.get_mut("Properties"))
        else {
            continue;
        };
        let mut package = Map::new();
        let l = &p.local;
        if !l.files.is_empty() {
            package.insert("Files".into(), json!(l.files));
        }
        if !l.env_files.is_empty() {
            package.insert("EnvFiles".into(), json!(l.env_files));
        }
        if !l.secrets.is_empty() {
            package.insert("Secrets".into(), json!(l.secrets));
        }
        if !l.images.is_empty() {
            package.insert("Images".into(), json!(l.images));
        }
        if !l.compose_files.is_empty() {
            package.insert("ComposeFiles".into(), json!(l.compose_files));
        }
        if let Some(image) = &l.init_image {
            package.insert("InitImage".into(), json!(image));
        }
        if !l.image_configs.is_empty() {
            package.insert(
                "ImageConfig".into(),
                docker::image_configs_json(&l.image_configs),
            );
        }
        props.insert("Package".into(), Value::Object(package));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &Path) -> Project {
        let mut root = Root::new(dir.to_path_buf(), Some(dir.join("home")));
        root.allow.push(dir.join("home"));
        Project::new("Shop", root)
    }

    #[test]
    fn folders_are_read_whole_and_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in [
            ("grafana/b.yml", "b"),
            ("grafana/a/.hidden", "h"),
            ("grafana/a/z.yml", "z"),
            ("home/data/x", "x"),
        ] {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let mut p = project(dir.path());
        let mut diags = Diagnostics::new();
        read_folder(&mut p, "grafana", "services.g.volumes[0]", &mut diags);
        read_folder(&mut p, "~/data", "services.g.volumes[1]", &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let keys: Vec<&str> = p.local.files.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "grafana/a/.hidden",
                "grafana/a/z.yml",
                "grafana/b.yml",
                "~/data/x"
            ]
        );
    }

    #[test]
    fn folders_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let many = dir.path().join("many");
        std::fs::create_dir_all(&many).unwrap();
        for i in 0..=MAX_FOLDER_FILES {
            std::fs::write(many.join(format!("{i}.txt")), "x").unwrap();
        }
        std::fs::write(dir.path().join("logo.png"), [0x89, 0, 1]).unwrap();
        let mut p = project(dir.path());
        let mut diags = Diagnostics::new();
        read_folder(&mut p, "many", "services.a.volumes[0]", &mut diags);
        read_file(
            &mut p,
            "logo.png",
            true,
            "services.a.volumes[1]",
            &mut diags,
        );
        read_file(
            &mut p,
            "gone.txt",
            false,
            "services.a.env_file[0]",
            &mut diags,
        );
        let errors: Vec<String> = diags.errors().iter().map(|d| d.to_string()).collect();
        assert_eq!(errors, [
            "services.a.volumes[0]: `many` holds more than 256 files, the most the package step reads from a folder; bake it into the image instead (a `COPY` in a Dockerfile)",
            "services.a.volumes[1]: `logo.png` is not UTF-8 text: the package step carries text files only; bake it into the image instead (a `COPY` in a Dockerfile)",
        ]);
        assert!(p.local.files.is_empty());
    }

    #[test]
    fn secret_values_never_show_in_debug() {
        let v = SecretValue("hunter2".into());
        assert!(!format!("{v:?}").contains("hunter2"));
    }
}
