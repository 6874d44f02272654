//! The `Package` property: what `compose-to-ecs package` read from disk (files, env files,
//! secrets, images and their configuration), checked, and the variables its env files set.

use crate::compose::dotenv;
use crate::compose::interpolate::Variables;
use crate::compose::local::Local;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::Value;

/// Adds the variables of the project's env files (`Package.EnvFiles`, or `.env` when it
/// is one of the `Files` and `EnvFiles` names none) to `variables`, below every other
/// source: `docker compose` ranks the shell's variables over `.env`, and `Variables`,
/// template parameters and transform parameters stand for the shell here. A later env
/// file wins over an earlier one; a value may use the variables of the sources above and
/// of the files before it.
pub(super) fn env_file_variables(
    local: &Local,
    variables: &mut Variables,
    package: &Path,
    diags: &mut Diagnostics,
) {
    let files: Vec<(&str, Path)> = if local.env_files.is_empty() {
        match local.files.contains_key(".env") {
            true => vec![(".env", package.key("Files"))],
            false => Vec::new(),
        }
    } else {
        local
            .env_files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.as_str(), package.key("EnvFiles").index(i)))
            .collect()
    };
    let mut found = Variables::new();
    let mut budget = crate::compose::interpolate::Budget::default();
    if files.len() > MAX_ENV_FILES {
        diags.error(
            package.key("EnvFiles"),
            format!(
                "lists {} env files; a project reads at most {MAX_ENV_FILES}",
                files.len()
            ),
        );
        return;
    }
    for (file, path) in files {
        let Some(text) = local.files.get(file) else {
            continue;
        };
        let mut scope = found.clone();
        scope.extend(variables.iter().map(|(k, v)| (k.clone(), v.clone())));
        match dotenv::parse(file, text, dotenv::Format::Dotenv, &scope, &mut budget) {
            Ok(parsed) => {
                for w in parsed.warnings {
                    diags.warn(&path, w);
                }
                found.extend(parsed.variables);
            }
            Err(e) => diags.error(&path, e),
        }
    }
    for (k, v) in found {
        variables.entry(k).or_insert(v);
    }
}

/// The most env files `Package.EnvFiles` may list (the package step writes one per
/// `--env-file`): each is read with every variable before it in scope.
pub const MAX_ENV_FILES: usize = 64;

/// Reads the `Package` property `compose-to-ecs package` writes:
/// `{Files: {path: text}, EnvFiles: [path], Secrets: {secret: parameter}, Images: {service: image},
/// ComposeFiles: [path], ImageConfig: {service: {ExposedPorts: ["80/tcp"], User, Architecture}}}`.
pub(super) fn read_package(v: &Value, path: &Path, diags: &mut Diagnostics) -> Option<Local> {
    const KEYS: &[&str] = &[
        "Files",
        "EnvFiles",
        "Secrets",
        "Images",
        "ComposeFiles",
        "ImageConfig",
        "InitImage",
    ];
    let Value::Object(map) = v else {
        diags.error(
            path,
            "expected the mapping `compose-to-ecs package` writes (`Files`, `EnvFiles`, `Secrets`, `Images`)",
        );
        return None;
    };
    let mut local = Local::default();
    let before = diags.errors().len();
    let strings =
        |key: &str, diags: &mut Diagnostics| -> std::collections::BTreeMap<String, String> {
            let mut out = std::collections::BTreeMap::new();
            match map.get(key) {
                None => {}
                Some(Value::Object(m)) => {
                    for (k, v) in m {
                        match v {
                            Value::String(s) => {
                                out.insert(k.clone(), s.clone());
                            }
                            _ => diags.error(path.key(key).key(k), "expected a string"),
                        }
                    }
                }
                Some(_) => diags.error(path.key(key), "expected a mapping of names to strings"),
            }
            out
        };
    local.files = strings("Files", diags);
    for key in local.files.keys() {
        if let Err(why) = check_file_key(key) {
            diags.error(
                path.key("Files").key(key),
                format!("{why}; a key of `Files` is a path relative to the project folder as `compose-to-ecs package` writes it (`nginx/default.conf`, `../shared/app.env`, `~/data/x`)"),
            );
        }
    }
    local.secrets = strings("Secrets", diags);
    local.images = strings("Images", diags);
    match map.get("EnvFiles") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(f) if local.files.contains_key(f) => local.env_files.push(f.to_string()),
                    Some(f) => diags.error(
                        path.key("EnvFiles").index(i),
                        format!("`{f}` is not one of the `Files`"),
                    ),
                    None => diags.error(path.key("EnvFiles").index(i), "expected a path"),
                }
            }
        }
        Some(_) => diags.error(path.key("EnvFiles"), "expected a list of paths"),
    }
    match map.get("ComposeFiles") {
        None => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            local.compose_files = items
                .iter()
                .filter_map(|i| i.as_str().map(String::from))
                .collect();
        }
        Some(_) => diags.error(
            path.key("ComposeFiles"),
            "expected the list of Compose file names `compose-to-ecs package` writes",
        ),
    }
    match map.get("InitImage") {
        None => {}
        Some(Value::String(image)) if image.contains("@sha256:") => {
            local.init_image = Some(image.clone())
        }
        Some(_) => diags.error(
            path.key("InitImage"),
            "expected the helper image by digest (`<name>@sha256:<digest>`), as `compose-to-ecs package --resolve-image-digests` writes it",
        ),
    }
    if let Some(v) = map.get("ImageConfig") {
        local.image_configs = image_configs(v, &path.key("ImageConfig"), diags);
    }
    for key in map.keys() {
        if !KEYS.contains(&key.as_str()) {
            diags.error(
                path.key(key),
                format!("unknown key `{key}`; `Package` is written by `compose-to-ecs package` and holds `Files`, `EnvFiles`, `Secrets`, `Images`, `ComposeFiles`, `ImageConfig` and `InitImage`"),
            );
        }
    }
    (diags.errors().len() == before).then_some(local)
}

/// Checks a key of `Package.Files`: a project path as the package step writes it
/// (`compose::local::project_path`), never one a forged event could use to name a place
/// outside a mounted folder once the helper container joins it to a target. `~` may only
/// lead, `..` segments only follow it or start the path (a file beside the project
/// folder, `../shared/app.env`); no empty, `.` or later `..` segment, no leading `/`, no
/// backslash, no NUL or other control character. The message never quotes the key
/// beyond the path that names it.
pub fn check_file_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("an empty path");
    }
    if key.starts_with('/') {
        return Err("an absolute path");
    }
    if key.contains('\\') {
        return Err("a path with a backslash");
    }
    if key.chars().any(char::is_control) {
        return Err("a path with a control character");
    }
    let mut segments = key.split('/').peekable();
    if segments.peek() == Some(&"~") {
        segments.next();
    }
    let mut leading = true;
    let mut any = false;
    for segment in segments {
        match segment {
            "" => return Err("a path with an empty segment"),
            "." => return Err("a path with a `.` segment"),
            "~" => return Err("a path with `~` after its start"),
            ".." if leading => {}
            ".." => return Err("a path with a `..` segment after a folder name"),
            _ => {
                leading = false;
                any = true;
            }
        }
    }
    if !any {
        return Err("a path that names no file");
    }
    Ok(())
}

/// `Package.ImageConfig`: what `package` learnt by inspecting each service's image,
/// `{service: {ExposedPorts: ["80/tcp", "53/udp"], User: "postgres", Architecture: "amd64"}}`
/// (each key optional).
fn image_configs(
    v: &Value,
    path: &Path,
    diags: &mut Diagnostics,
) -> std::collections::BTreeMap<String, crate::compose::model::ImageConfig> {
    let mut out = std::collections::BTreeMap::new();
    let Value::Object(services) = v else {
        diags.error(
            path,
            "expected a mapping of service names to image configurations",
        );
        return out;
    };
    for (service, config) in services {
        let at = path.key(service);
        let Value::Object(config) = config else {
            diags.error(
                &at,
                "expected a mapping with `ExposedPorts`, `User` and `Architecture`",
            );
            continue;
        };
        let mut c = crate::compose::model::ImageConfig::default();
        for (key, value) in config {
            let at = at.key(key);
            match (key.as_str(), value) {
                ("ExposedPorts", Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        match item.as_str().and_then(exposed_port) {
                            Some(p) => {
                                c.exposed.insert(p);
                            }
                            None => diags.error(
                                at.index(i),
                                "expected a port as `docker image inspect` writes it, like `80/tcp` or `53/udp`",
                            ),
                        }
                    }
                }
                ("User", Value::String(u)) => c.user = Some(u.clone()).filter(|u| !u.is_empty()),
                ("Architecture", Value::String(a)) if ["amd64", "arm64"].contains(&a.as_str()) => {
                    c.architecture = Some(a.clone())
                }
                ("Architecture", _) => diags.error(
                    &at,
                    "expected `amd64` or `arm64` (the architectures ECS runs)",
                ),
                ("ExposedPorts", _) => diags.error(&at, "expected a list of ports like `80/tcp`"),
                ("User", _) => diags.error(&at, "expected a string"),
                _ => diags.error(
                    &at,
                    format!("unknown key `{key}`; an image configuration holds `ExposedPorts`, `User` and `Architecture`"),
                ),
            }
        }
        out.insert(service.clone(), c);
    }
    out
}

/// `80/tcp` → (80, TCP); a bare `80` is TCP (Docker's default).
pub fn exposed_port(text: &str) -> Option<(u16, crate::compose::values::Protocol)> {
    let (port, proto) = text.split_once('/').unwrap_or((text, "tcp"));
    let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
    let proto = crate::compose::values::Protocol::parse(proto).ok()?;
    Some((port, proto))
}
