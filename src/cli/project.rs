//! The Compose project named on the command line (`convert`, `package -f`, the AWS
//! commands): which files, which project name, the template that wraps them, and the
//! diagnostics' paths turned back into the user's files and flags.

use crate::cli::args::{ComposeArgs, LocalArgs};
use compose_to_ecs::cfn::logical_id::normalize;
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::package;
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Compose's default file names, in the order `docker compose` looks for them.
const COMPOSE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
/// The override file names looked for beside a found Compose file.
const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// A Compose project given on the command line (`convert`, `package -f`), wrapped into a
/// template with one `ComposeToECS::Project`.
pub struct Project {
    /// The logical ID of the project resource.
    pub id: String,
    /// The Compose files, as given (relative to the current folder), `-` for standard input.
    pub files: Vec<String>,
    /// `ProjectName`, when decided here.
    pub name: Option<String>,
    pub profiles: Vec<String>,
    /// Standard input's text, when a file is `-`.
    pub stdin: Option<String>,
    /// `--param` values: the project's `Variables`.
    pub variables: Vec<(String, String)>,
}

impl Project {
    pub fn from_args(
        positional: Option<String>,
        args: &ComposeArgs,
        local: &LocalArgs,
    ) -> Result<Project, String> {
        let files = choose_files(positional, &args.files)?;
        let mut stdin = None;
        let mut texts = Vec::new();
        for f in &files {
            if f == "-" {
                if stdin.is_some() {
                    return Err("`-f -` (standard input) is given twice".into());
                }
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| format!("cannot read standard input: {e}"))?;
                stdin = Some(text.clone());
                texts.push(text);
            } else {
                texts.push(read(Path::new(f))?);
            }
        }
        let dir = match files[0].as_str() {
            "-" => Path::new("."),
            f => folder(Path::new(f)),
        };
        let given = args
            .project_name
            .clone()
            .map(|n| ("--project-name", n))
            .or_else(|| env_text("COMPOSE_PROJECT_NAME").map(|n| ("COMPOSE_PROJECT_NAME", n)));
        let (id_name, name) = match given {
            Some((from, name)) => {
                if !compose_to_ecs::embed::valid_project_name(&name) {
                    return Err(format!("{from} `{name}`: a project name has lower-case letters, digits, `-` and `_`, and starts with a letter or digit (as with `docker compose -p`)"));
                }
                (name.clone(), Some(name))
            }
            None => match dotenv_project_name(dir, &local.env_files) {
                // The converter reads it from `.env` too (a variable), after `ProjectName`.
                Some(name) => (name, None),
                None => {
                    let name = document_name(&texts).unwrap_or_else(|| folder_name(dir));
                    (name.clone(), Some(name))
                }
            },
        };
        let id = match normalize(&id_name) {
            id if id.is_empty() => "Project".to_string(),
            id => id,
        };
        let mut profiles = args.profiles.clone();
        if profiles.is_empty() {
            if let Some(p) = env_text("COMPOSE_PROFILES") {
                profiles = p
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
        }
        Ok(Project {
            id,
            files,
            name,
            profiles,
            stdin,
            variables: Vec::new(),
        })
    }

    /// The template with one project, its `ComposeFile` the files (for the package step).
    pub fn wrapper(&self) -> Value {
        let files = if self.files.len() == 1 {
            json!(self.files[0])
        } else {
            json!(self.files)
        };
        let mut props = json!({ "ComposeFile": files });
        if let Some(name) = &self.name {
            props["ProjectName"] = json!(name);
        }
        if !self.profiles.is_empty() {
            props["Profiles"] = json!(self.profiles);
        }
        if !self.variables.is_empty() {
            let vars: serde_json::Map<String, Value> = self
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            props["Variables"] = Value::Object(vars);
        }
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Transform": "ComposeToECS",
            "Resources": {&self.id: {"Type": "ComposeToECS::Project", "Properties": props}},
        })
    }

    /// How the user named file `i`.
    fn file_name(&self, i: usize) -> &str {
        match self.files.get(i).map(String::as_str) {
            Some("-") => package::STDIN_NAME,
            Some(f) => f,
            None => "",
        }
    }

    /// The diagnostics with the paths of the wrapper template (which the user never
    /// wrote) turned into what the user gave: a file, a flag, or none.
    pub fn compose_paths(&self, diags: &Diagnostics) -> Diagnostics {
        let mut out = Diagnostics::new();
        for d in diags.errors().into_iter().chain(diags.warnings()) {
            let mut d = d.clone();
            d.path = self.compose_path(&d.path);
            // The wrapper template's properties are not the user's: say how the CLI
            // sets a variable.
            d.message = d.message.replace(
                "set it in the `Variables` property or as a template parameter",
                "set it in `.env`, in a file given with `--env-file`, or with `--param NAME=VALUE`",
            );
            out.push(d);
        }
        out
    }

    fn compose_path(&self, path: &str) -> String {
        let props = format!("Resources.{}.Properties", self.id);
        let Some(rest) = path.strip_prefix(&props) else {
            return match path.strip_prefix("Resources") {
                Some(_) => String::new(),
                None => path.to_string(),
            };
        };
        // `Compose[1]: services...` (several documents, unnamed) or `Compose: ...`.
        for key in [".ComposeFile", ".Compose"] {
            if let Some(after) = rest.strip_prefix(key) {
                let (i, after) = match after.strip_prefix('[') {
                    Some(a) => match a.split_once(']') {
                        Some((n, tail)) => (n.parse().unwrap_or(0), tail),
                        None => (0, a),
                    },
                    None => (0, after),
                };
                return format!("{}{after}", self.file_name(i));
            }
        }
        match rest {
            ".ProjectName" => "--project-name".into(),
            r if r.starts_with(".Profiles") => "--profile".into(),
            r if r.starts_with(".Variables") => "--param".into(),
            _ => String::new(),
        }
    }
}

/// The Compose files: the arguments, else `COMPOSE_FILE`, else the default names in this
/// folder or the nearest parent, with an override file beside.
fn choose_files(positional: Option<String>, given: &[String]) -> Result<Vec<String>, String> {
    let files: Vec<String> = positional
        .into_iter()
        .chain(given.iter().cloned())
        .collect();
    if !files.is_empty() {
        return Ok(files);
    }
    if let Some(list) = env_text("COMPOSE_FILE") {
        let sep = env_text("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|| ":".into());
        let files: Vec<String> = list
            .split(sep.as_str())
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect();
        if !files.is_empty() {
            return Ok(files);
        }
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let mut dir = cwd.clone();
    let mut up = PathBuf::new();
    loop {
        let found: Vec<&str> = COMPOSE_NAMES
            .into_iter()
            .filter(|n| dir.join(n).is_file())
            .collect();
        if let Some(first) = found.first() {
            if found.len() > 1 {
                eprintln!(
                    "warning: found {}; using `{first}` (name the file with `-f` to choose)",
                    found
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                );
            }
            let mut files = vec![up.join(first).display().to_string()];
            if let Some(o) = OVERRIDE_NAMES.into_iter().find(|n| dir.join(n).is_file()) {
                files.push(up.join(o).display().to_string());
            }
            return Ok(files);
        }
        if !dir.pop() {
            return Err(format!(
                "no Compose file: looked for `compose.yaml`, `compose.yml`, `docker-compose.yaml` and `docker-compose.yml` in `{}` and its parents; name one with `-f FILE` (or `-f -` for standard input)",
                cwd.display()
            ));
        }
        up.push("..");
    }
}

/// A non-empty environment variable.
fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `COMPOSE_PROJECT_NAME` from the env files (`--env-file`, else the project folder's `.env`).
pub fn dotenv_project_name(dir: &Path, env_files: &[PathBuf]) -> Option<String> {
    let files: Vec<PathBuf> = if env_files.is_empty() {
        vec![dir.join(".env")]
    } else {
        env_files.to_vec()
    };
    let mut found = None;
    for f in files {
        let Ok(text) = package::files::read_text(&f, package::files::MAX_FILES_BYTES) else {
            continue;
        };
        let parsed = compose_to_ecs::compose::dotenv::parse(
            ".env",
            &text,
            compose_to_ecs::compose::dotenv::Format::Dotenv,
            &Default::default(),
            &mut Default::default(),
        );
        if let Some(v) = parsed.ok().and_then(|p| {
            p.variables
                .get("COMPOSE_PROJECT_NAME")
                .and_then(|v| v.as_text().map(String::from))
        }) {
            found = Some(v);
        }
    }
    found.filter(|n| !n.is_empty())
}

/// The last literal, valid `name:` of the Compose documents (a later file wins).
fn document_name(texts: &[String]) -> Option<String> {
    texts.iter().rev().find_map(|text| {
        let tree = compose_to_ecs::compose::load::parse_text(text).ok()?;
        let name = tree.get("name")?.as_str()?;
        compose_to_ecs::embed::valid_project_name(name).then(|| name.to_string())
    })
}

/// The project name `docker compose` derives from a folder: lower case, other characters
/// dropped.
fn folder_name(dir: &Path) -> String {
    let stem = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let name: String = stem
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let name = name.trim_start_matches(['-', '_']).to_string();
    if name.is_empty() {
        "project".into()
    } else {
        name
    }
}

/// The folder a file is in (`.` for a bare file name).
pub fn folder(file: &Path) -> &Path {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
