//! A secret's file never enters `Package.Files` (issue 21): which files are used how, and
//! what happens to a secret's file used as something else.

use super::project::{Project, Via};
use crate::diagnostics::Diagnostics;

/// Records that `at` uses file `key` (how, from where `at` is).
pub(super) fn note_use(p: &mut Project, key: &str, at: &str) {
    let via = if at.contains(".volumes[") {
        Via::Bind
    } else if at.contains("configs.") {
        Via::Config
    } else if at.contains("env_file") || at == "--env-file" || at.starts_with("Resources.") {
        Via::EnvFile
    } else {
        Via::Other
    };
    let refs = p.file_refs.entry(key.to_string()).or_default();
    if !refs.iter().any(|(a, _)| a == at) {
        refs.push((at.to_string(), via));
    }
}

/// A secret's file (compared by real path) never enters `Files`: a bind mount of it (or
/// of a folder holding it) at the secret's own project path is delivered through the
/// secret by the converter, at the same place in the container; any other use (a config, an
/// env file, an `extends` file, the file under another name through a symbolic link) is
/// refused.
pub(super) fn secret_files_stay_secret(p: &mut Project, diags: &mut Diagnostics) {
    if p.secret_files.is_empty() {
        return;
    }
    for (key, refs) in p.file_refs.clone() {
        let Some(real) = p
            .root
            .resolve(&key)
            .and_then(|f| std::fs::canonicalize(f).ok())
        else {
            continue;
        };
        let Some((name, own)) = p.secret_files.get(&real).cloned() else {
            continue;
        };
        if p.local.files.remove(&key).is_some() {
            p.local.env_files.retain(|f| f != &key);
        }
        for (at, via) in refs {
            let why = match via {
                Via::Bind if key == own => continue,
                Via::Bind => format!("`{key}` is the file of secret `{name}` (`{own}`) under another name; a secret's file reaches a container only through the secret: mount `{own}` itself (it is then delivered through the secret), or list `{name}` under the service's `secrets:`"),
                Via::Config => format!("`{key}` is the file of secret `{name}`, and a config's content is written into the template in plain text; list `{name}` under the service's `secrets:` (with `target:` for its path) instead"),
                Via::EnvFile => format!("`{key}` is the file of secret `{name}`, and an env file's values would be written into the template; keep that file for the secret alone"),
                Via::Other => format!("`{key}` is the file of secret `{name}`; keep that file for the secret alone"),
            };
            diags.error(at, why);
        }
    }
}
