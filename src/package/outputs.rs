//! What `package` writes besides the template: the parameters file (never through a link,
//! owner-only from its creation), and the rule that no output lies in a build context.

use super::project::{shown, Options, SecretValue};
use super::{build, files};
use crate::compose::local::Build;
use crate::diagnostics::Diagnostics;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes the secret values to `path` as `aws cloudformation deploy --parameter-overrides
/// file://PATH` reads them (the CloudFormation format, `[{"ParameterKey": ...,
/// "ParameterValue": ...}]`), readable by its owner only. Never through a symbolic link
/// or into a file someone else opened: the values go into a new file created exclusively
/// (`O_CREAT|O_EXCL`, mode 0600 from its creation) in the target's folder, written and
/// synced through that one handle, then renamed over `path` (a link at `path` is
/// replaced, never followed).
pub fn write_parameters(
    path: &Path,
    secrets: &BTreeMap<String, SecretValue>,
) -> std::io::Result<()> {
    let list: Vec<Value> = secrets
        .iter()
        .map(|(k, v)| json!({"ParameterKey": k, "ParameterValue": v.0}))
        .collect();
    let mut text = serde_json::to_string_pretty(&list).map_err(std::io::Error::other)?;
    text.push('\n');
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut attempt = 0u32;
    let (temp, mut file) = loop {
        let temp = folder.join(format!(
            ".{}.{}.{attempt}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&temp) {
            Ok(f) => break (temp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let written = (|| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The umask may only have narrowed it; never wider than 0600.
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Refuses an output of `package` (`-o`, `--parameters-out`) inside build context
/// `context` unless the context's `.dockerignore` leaves it out: `docker build` would send
/// it, and a `COPY . .` would put the secret values (or the packaged files) into the image
/// pushed to the registry; its content would also change the image's digest on every run.
/// Compared by real path (symbolic links resolved).
pub(super) fn outputs_outside(
    context: &Path,
    b: &Build,
    opts: &Options,
    at: &str,
    diags: &mut Diagnostics,
) {
    let Ok(real_context) = std::fs::canonicalize(context) else {
        return;
    };
    for (flag, out) in &opts.outputs {
        let real = real_path_of(out);
        let Ok(rel) = real.strip_prefix(&real_context) else {
            continue;
        };
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let ignored = build::Ignore::read(context).is_ok_and(|i| i.excludes(&rel));
        if !ignored {
            diags.error(
                at,
                format!(
                    "`{flag} {}` lies inside the build context `{}` of service `{}`, which `docker build` sends whole: a `COPY` would put it into the pushed image; write it outside the context, or add `{rel}` to the context's `.dockerignore`",
                    out.display(),
                    shown(&b.context),
                    b.service
                ),
            );
        }
    }
}

/// A path with its folder's symbolic links resolved (the file itself may not exist yet;
/// a link at the file's own name is replaced, never followed, when it is written).
fn real_path_of(path: &Path) -> PathBuf {
    let abs = files::absolute(path);
    match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map(|p| p.join(name))
            .unwrap_or(abs.clone()),
        _ => abs,
    }
}
