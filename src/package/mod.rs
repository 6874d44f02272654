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
mod images;
mod literals;
mod outputs;
mod params;
mod project;
mod read;
mod secret_files;
mod secret_parameters;

use crate::compose::local::{Reference, Stat};
use crate::diagnostics::{Diagnostics, Path as DiagPath};
use crate::embed::PROJECT_TYPE;
use files::Root;
use images::{images, resolve_images};
pub use outputs::write_parameters;
use project::Project;
pub use project::{Mode, Options, Packaged, SecretValue, MAX_PARAMETER_BYTES, STDIN_NAME};
use read::{compose_file, env_files, read_file, read_folder, stat};
use secret_parameters::{read_secret, secret_parameters};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// How many times the step asks for references before it gives up (each round may add
/// files that refer to more: an `extends.file`, a `.env` that sets a path).
pub const MAX_ROUNDS: usize = 8;

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
