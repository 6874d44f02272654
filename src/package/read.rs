//! The project's files read from disk: `ComposeFile` into `Compose`, `.env` and the env
//! files, and each file and folder the document refers to, into `Package.Files`.

use super::files::{Refusal, Root, BAKE, MAX_FILES_BYTES, MAX_FOLDER_FILES};
use super::project::{no_home, Options, Project, STDIN_NAME};
use super::{files, secret_files};
use crate::compose::load::MAX_COMPOSE_BYTES;
use crate::compose::local::Stat;
use crate::diagnostics::{Diagnostics, Path as DiagPath};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// `ComposeFile` → `Compose`; the project folder, and the files' names when there are
/// several. `ComposeFile` is a path or a list of paths, relative to the template, merged in
/// order as `docker compose -f a -f b` merges them; the project folder is the first file's
/// folder. `-` is standard input ([`Options::stdin`]), whose folder is the template's.
pub(super) fn compose_file(
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
pub(super) fn env_files(p: &mut Project, opts: &Options, diags: &mut Diagnostics) {
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
pub(super) fn stat(root: &Root, path: &str) -> Stat {
    match root.resolve(path).map(std::fs::metadata) {
        Some(Ok(m)) if m.is_dir() => Stat::Folder,
        Some(Ok(_)) => Stat::File,
        Some(Err(_)) => Stat::Missing,
        None => Stat::Unknown,
    }
}

pub(super) fn read_file(
    p: &mut Project,
    path: &str,
    required: bool,
    at: &str,
    diags: &mut Diagnostics,
) {
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

pub(super) fn read_folder(p: &mut Project, path: &str, at: &str, diags: &mut Diagnostics) {
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
}
