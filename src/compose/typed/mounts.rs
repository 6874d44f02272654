//! A service's mounts, in Compose words: `volumes` (short and long syntax; a bind mount by
//! what `source::binds` classes it as), `tmpfs`, the task's ephemeral storage, read into
//! the model. It extends the `Reader` that `normalize` reads with; what each mount becomes
//! on ECS is decided here, what is valid across the project in `validate::volumes`.

use super::model::*;
use super::reader::Reader;
use crate::compose::source::binds::{self, Class, MAX_FILES_BYTES};
use crate::compose::source::files::{Stat, NOT_PACKAGED};
use crate::compose::source::values::{self};
use crate::diagnostics::Path;
use serde_json::Value;
use std::collections::BTreeMap;
use std::collections::BTreeSet;

/// What a bind mount kept in the model mounts.
enum BindTo {
    /// Nothing: a development mount of the service's own source, dropped (the image holds
    /// it).
    Dropped,
    /// A path on the host.
    Host(String),
    /// A named volume (a data folder), by key.
    Volume(String),
}

/// A size for people: `1.8 MiB`, `40 KiB`, `512 bytes`.
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else if bytes >= 1 << 10 {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    } else {
        format!("{bytes} bytes")
    }
}

/// Permissions of a bind-mounted file: a script stays executable.
fn file_mode(content: &str) -> u32 {
    if content.starts_with("#!") {
        0o755
    } else {
        0o644
    }
}

/// `driver_opts` keys, with the hyphenated spellings compose-cli's docs showed.
impl Reader<'_> {
    /// A service's `volumes`.
    /// `context` is the service's build context (a project path), when it has one.
    pub(super) fn mounts(
        &mut self,
        v: &Value,
        path: &Path,
        s: &mut Service,
        context: Option<&str>,
    ) {
        let Value::Array(items) = v else {
            self.expected(path, "a list of mounts", v);
            return;
        };
        // Targets of development mounts dropped because the image holds their source, and
        // the anonymous volumes met on the way (index in `s.mounts`, path, target): an
        // anonymous volume inside a dropped mount only kept the image's files visible
        // under it (`/app/node_modules` under `./app:/app`), so it goes with the mount.
        let mut dropped: Vec<String> = Vec::new();
        let mut anonymous: Vec<(usize, Path, String)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let (kind, source, target, read_only) = match item {
                Value::String(text) => {
                    let parts: Vec<&str> = text.split(':').collect();
                    match parts.as_slice() {
                        [target] => ("anonymous", String::new(), target.to_string(), false),
                        [source, target, rest @ ..] => {
                            let modes: Vec<&str> = rest.iter().flat_map(|m| m.split(',')).collect();
                            if rest.len() > 1 {
                                self.diags.error(
                                    &p,
                                    format!("expected `source:target[:mode]`, found `{text}`"),
                                );
                                continue;
                            }
                            if let Some(bad) = modes
                                .iter()
                                .find(|m| !matches!(**m, "ro" | "rw" | "z" | "Z" | "nocopy" | ""))
                            {
                                self.diags.error(
                                    &p,
                                    format!("unknown mount mode `{bad}`: expected `ro`, `rw` or `nocopy`"),
                                );
                                continue;
                            }
                            if source.is_empty() {
                                self.diags.error(
                                    &p,
                                    format!("the mount of `{target}` has an empty source: is a variable unset?"),
                                );
                                continue;
                            }
                            let bind = source.starts_with(['.', '/', '~', '$'])
                                || source.contains('/')
                                || source.contains('\\');
                            (
                                if bind { "bind" } else { "volume" },
                                source.to_string(),
                                target.to_string(),
                                modes.contains(&"ro"),
                            )
                        }
                        [] => ("anonymous", String::new(), String::new(), false),
                    }
                }
                Value::Object(m) => {
                    let kind = match m.get("type") {
                        None => "volume".to_string(),
                        Some(t) => match self.literal(t, &p.key("type")) {
                            Some(t) => t,
                            None => continue,
                        },
                    };
                    let source = match m.get("source") {
                        None | Some(Value::Null) => String::new(),
                        Some(v) => match self.literal(v, &p.key("source")) {
                            Some(t) => t,
                            None => continue,
                        },
                    };
                    let target = match m.get("target") {
                        None | Some(Value::Null) => String::new(),
                        Some(v) => match self.literal(v, &p.key("target")) {
                            Some(t) => t,
                            None => continue,
                        },
                    };
                    let read_only = match m.get("read_only") {
                        None => false,
                        Some(v) => self.boolean(v, &p.key("read_only")).unwrap_or(false),
                    };
                    let kind = if kind == "volume" && source.is_empty() {
                        "anonymous".to_string()
                    } else {
                        kind
                    };
                    match kind.as_str() {
                        "volume" => ("volume", source, target, read_only),
                        "anonymous" => ("anonymous", source, target, read_only),
                        "bind" => ("bind", source, target, read_only),
                        "tmpfs" => ("tmpfs", source, target, read_only),
                        other => {
                            self.diags.error(
                                p.key("type"),
                                format!("mount type `{other}` is not available on ECS: expected `volume` (Amazon EFS) or `tmpfs` (task-local scratch space)"),
                            );
                            continue;
                        }
                    }
                }
                other => {
                    self.expected(
                        &p,
                        "a mount like `data:/var/lib/data` or a mapping with `type`",
                        other,
                    );
                    continue;
                }
            };
            let mut bind = None;
            let source_kind = match kind {
                "bind" => match self.bind_mount(&source, &target, read_only, context, &p, s) {
                    Some(BindTo::Dropped) => {
                        dropped.push(target.clone());
                        continue;
                    }
                    Some(BindTo::Host(h)) => MountSource::Host(h),
                    Some(BindTo::Volume(key)) => {
                        bind = Some(source.clone());
                        MountSource::Volume(key)
                    }
                    None => continue,
                },
                "volume" => MountSource::Volume(source.clone()),
                _ => MountSource::Scratch,
            };
            if target.is_empty() {
                self.diags
                    .error(&p, "a mount needs `target`, the path in the container");
                continue;
            }
            if !target.starts_with('/') {
                let hint = if kind == "anonymous" {
                    format!(
                        " (to mount the volume `{target}`, write `{target}:/path/in/container`)"
                    )
                } else {
                    String::new()
                };
                self.diags.error(
                    &p,
                    format!("the container path `{target}` is not absolute{hint}"),
                );
                continue;
            }
            if kind == "tmpfs" {
                self.diags.warn(
                    &p,
                    format!("tmpfs `{target}` is task-local scratch space on disk, not in memory (Fargate has no tmpfs): its data is lost when the task stops"),
                );
            }
            let subpath = match item.get("volume").and_then(|v| v.get("subpath")) {
                None | Some(Value::Null) => None,
                Some(v) => {
                    let sp = p.key("volume").key("subpath");
                    let Some(text) = self.literal(v, &sp) else {
                        continue;
                    };
                    let text = text.trim_matches('/').to_string();
                    if kind != "volume" {
                        self.diags
                            .error(&sp, "applies to a named volume only: this mount has none");
                        continue;
                    }
                    let ok = !text.is_empty()
                        && !text
                            .split('/')
                            .any(|part| part.is_empty() || part == "." || part == "..");
                    if !ok {
                        self.diags.error(
                            &sp,
                            format!("expected a directory of the volume like `logs` or `site/uploads`, found `{text}`"),
                        );
                        continue;
                    }
                    Some(text)
                }
            };
            s.mounts.push(Mount {
                source: source_kind,
                target,
                read_only,
                subpath,
                bind,
                path: p.to_string(),
            });
            if kind == "anonymous" {
                anonymous.push((s.mounts.len() - 1, p, target_of_last(s)));
            }
        }
        for (index, p, target) in anonymous.into_iter().rev() {
            let under = dropped.iter().find(|d| {
                target == **d || target.starts_with(&format!("{}/", d.trim_end_matches('/')))
            });
            match under {
                Some(d) => {
                    s.mounts.remove(index);
                    self.diags.warn(
                        &p,
                        format!("dropped: anonymous volume `{target}` kept the image's files visible under the development mount of `{d}`, which is dropped; the container sees the image's `{target}`"),
                    );
                }
                _ => self.diags.warn(
                    &p,
                    format!("anonymous volume `{target}` is task-local scratch space, empty when the task starts unless the image declares it a `VOLUME` (Docker copies the image's files into a new volume; ECS only for a `VOLUME`): its data is lost when the task stops; mount a named volume (Amazon EFS) to keep it"),
                ),
            }
        }
    }

    /// A bind mount, by its class ([`binds::classify`]): a development mount dropped with a
    /// warning (`Dropped`), a host path or a named volume to mount, or `None` (the time
    /// zone dropped with a warning, files added to the service, or an error).
    fn bind_mount(
        &mut self,
        source: &str,
        target: &str,
        read_only: bool,
        context: Option<&str>,
        p: &Path,
        s: &mut Service,
    ) -> Option<BindTo> {
        let local = self.local;
        let class = binds::classify(source, target, read_only, context, &mut |path| {
            crate::compose::source::files::stat(local, path)
        });
        match class {
            Class::TimeZone => {
                self.diags.warn(
                    p,
                    format!("dropped: `{source}` gives the container the host's time zone: a Fargate task has no host, and instances of the ECS-optimized AMI run on UTC; set the `TZ` variable under `environment` (e.g. `TZ: Europe/Paris`)"),
                );
                None
            }
            Class::BuildContext { context } => {
                // A folder inside the context may be one the service writes data to
                // (vaultwarden's `./data:/data`), which the image does not hold when
                // `.dockerignore` leaves it out; the context itself is the code.
                let whole = crate::compose::source::files::project_path(source)
                    .is_none_or(|path| path == context);
                let data = match whole {
                    true => String::new(),
                    false => format!("; if the service writes data there, mount a named volume at `{target}` instead"),
                };
                let context = if context.is_empty() {
                    ".".into()
                } else {
                    context
                };
                self.diags.warn(
                    p,
                    format!("dropped: `{source}` is inside the service's build context `{context}`, so the image already holds it (a development mount for live reload has no meaning on ECS){data}"),
                );
                Some(BindTo::Dropped)
            }
            Class::Host(host) => Some(BindTo::Host(host)),
            Class::Data { volume, .. } => {
                self.diags.warn(
                    p,
                    format!("the folder `{source}` becomes the named volume `{volume}` (Amazon EFS), which starts empty: the local folder's files are not copied; to set its options, declare a named volume and mount it instead"),
                );
                Some(BindTo::Volume(volume))
            }
            Class::Refused(why) => {
                self.diags.error(p, why);
                None
            }
            Class::Files { path, stat } => {
                self.bound_files(source, target, read_only, &path, stat, p, s);
                None
            }
        }
    }

    /// The file, or the files of the folder, a bind mount puts into the container.
    #[allow(clippy::too_many_arguments)]
    fn bound_files(
        &mut self,
        source: &str,
        target: &str,
        read_only: bool,
        path: &str,
        stat: Stat,
        p: &Path,
        s: &mut Service,
    ) {
        let target = target.trim_end_matches('/');
        let folder = match stat {
            Stat::Folder => true,
            Stat::File => false,
            Stat::Missing | Stat::Unknown => !binds::looks_like_file(path),
        };
        // A secret's own file (the local step left it out of `Files`): delivered through
        // the secret, at the same place, never as text (docs/security.md).
        if let Some(local) = self.local {
            if let Some(key) = local.secret_files.get(path) {
                if target.starts_with('/') && self.check_target(target, p, "file") {
                    s.secrets.push(secret_mount(key, target, p));
                }
                return;
            }
            if folder {
                let mounts: Vec<FileMount> = local
                    .secrets_under(path)
                    .map(|(rel, key)| secret_mount(key, &format!("{target}/{rel}"), p))
                    .collect();
                s.secrets.extend(mounts);
            }
        }
        // With the content at hand, what it is comes first: a missing file or one too
        // large is the problem to fix, whatever its target.
        let files: Option<Vec<(String, &str)>> = match (self.local, stat) {
            (None, _) => None,
            (Some(local), Stat::File) => {
                Some(vec![(target.to_string(), local.files[path].as_str())])
            }
            (Some(local), Stat::Folder) => Some(
                local
                    .folder(path)
                    .map(|(rel, content)| (format!("{target}/{rel}"), content))
                    .collect(),
            ),
            (Some(_), Stat::Missing | Stat::Unknown) => {
                // The local step records files: an empty folder leaves none (sentry's
                // `./certificates` before the user adds any).
                let what = match folder {
                    true => ", or holds no file; put in it the files the container needs (a `.keep` file for an empty folder)",
                    false => "; create it",
                };
                self.diags.error(
                    p,
                    format!("`{source}` does not exist in the project folder{what}, or correct the path"),
                );
                return;
            }
        };
        if let Some(files) = &files {
            let before: usize = s.files.iter().map(|f| f.content.len()).sum();
            let total = before + files.iter().map(|(_, c)| c.len()).sum::<usize>();
            if total > MAX_FILES_BYTES {
                let whose = if before == 0 {
                    format!("`{source}` holds {}", size(total))
                } else {
                    format!(
                        "with `{source}`, the service's bind-mounted files reach {}",
                        size(total)
                    )
                };
                self.diags.error(
                    p,
                    format!("{whose}, more than the {} of file content a service can carry (its task definition, where the files travel, is limited to 64 KiB); bake the file into the image (`COPY` in its Dockerfile), or keep it in a named volume", size(MAX_FILES_BYTES)),
                );
                return;
            }
        }
        if !target.starts_with('/') {
            self.diags
                .error(p, format!("the container path `{target}` is not absolute"));
            return;
        }
        let ok = if folder {
            let clean = !target
                .split('/')
                .skip(1)
                .any(|x| x.is_empty() || x == "." || x == "..");
            if !clean || super::secrets::SYSTEM_DIRS.contains(&target) {
                self.diags.error(
                    p,
                    format!("the folder's files go into a volume that replaces `{}`, which the container cannot do without; mount the folder at a directory of its own, e.g. `/etc/app`", if target.is_empty() { "/" } else { target }),
                );
                false
            } else {
                true
            }
        } else {
            self.check_target(target, p, "file")
        };
        if !ok {
            return;
        }
        let Some(files) = files else {
            self.diags.error(
                p,
                format!("`{source}` is copied into the task, and {NOT_PACKAGED}"),
            );
            return;
        };
        for (file, content) in files {
            let dir = if folder {
                target.to_string()
            } else {
                super::secrets::parent(&file).to_string()
            };
            s.files.push(LocalFile {
                mode: file_mode(content),
                target: file,
                content: content.to_string(),
                dir,
                folder,
                read_only,
                path: p.to_string(),
            });
        }
    }

    /// The named volumes the services' data folders become (`./data` → `data`), added to
    /// the project's volumes. A declared volume of the same key, or two folders giving one
    /// key, are errors: a folder never silently shares a volume with something else.
    pub(super) fn implied_volumes(&mut self, project: &mut Project) {
        let declared: BTreeSet<String> = project.volumes.keys().cloned().collect();
        // key → (the folder's project path, its source as written)
        let mut by_key: BTreeMap<String, (String, &str)> = BTreeMap::new();
        for s in project.services.values() {
            for m in &s.mounts {
                let (Some(source), MountSource::Volume(key)) = (&m.bind, &m.source) else {
                    continue;
                };
                let folder =
                    crate::compose::source::files::project_path(source).unwrap_or_default();
                if declared.contains(key) {
                    self.diags.error(
                        &m.path,
                        format!("the folder `{source}` becomes the named volume `{key}`, and the top-level `volumes` declares another `{key}`; rename that volume, or mount it by name (`{key}:{}`) instead of the folder", m.target),
                    );
                    continue;
                }
                match by_key.get(key) {
                    Some((other_folder, other)) if *other_folder != folder => self.diags.error(
                        &m.path,
                        format!("the folders `{source}` and `{other}` both become the named volume `{key}`; rename one of them, or mount named volumes instead"),
                    ),
                    Some(_) => {}
                    None => {
                        by_key.insert(key.clone(), (folder, source));
                    }
                }
            }
        }
        for key in by_key.into_keys() {
            let volume = Volume {
                name: format!("{}_{key}", project.name),
                ..Volume::default()
            };
            project.volumes.insert(key, volume);
        }
    }

    /// A service's `tmpfs`: a path or a list of paths, each task-local scratch space.
    pub(super) fn tmpfs(&mut self, v: &Value, path: &Path, s: &mut Service) {
        let items: Vec<(Path, String)> = match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    self.literal(item, &path.index(i))
                        .map(|t| (path.index(i), t))
                })
                .collect(),
            Value::String(t) => vec![(path.clone(), t.clone())],
            other => {
                self.expected(path, "a path or a list of paths", other);
                return;
            }
        };
        for (p, text) in items {
            // `/run:rw,size=64m`: the options are Linux mount options, meaningless on disk.
            let target = text.split(':').next().unwrap_or_default().to_string();
            if !target.starts_with('/') {
                self.diags
                    .error(&p, format!("the container path `{target}` is not absolute"));
                continue;
            }
            self.diags.warn(
                &p,
                format!("tmpfs `{target}` is task-local scratch space on disk, not in memory (Fargate has no tmpfs): its data is lost when the task stops"),
            );
            s.mounts.push(Mount {
                source: MountSource::Scratch,
                target,
                read_only: false,
                subpath: None,
                bind: None,
                path: p.to_string(),
            });
        }
    }

    /// `x-aws-ephemeral_storage`: GiB, 21 to 200 (a number, or a size like `50GiB`).
    pub(super) fn ephemeral_storage(&mut self, v: &Value, path: &Path) -> Option<u32> {
        let text = self.literal(v, path)?;
        let gib = match text.trim().parse::<u64>() {
            Ok(n) => n,
            Err(_) => match values::bytes(&text) {
                Ok(b) if b % (1 << 30) == 0 => b >> 30,
                _ => {
                    self.diags.error(
                        path,
                        format!("expected a size in GiB like `50` or `50GiB`, found `{text}`"),
                    );
                    return None;
                }
            },
        };
        if (21..=200).contains(&gib) {
            Some(gib as u32)
        } else {
            self.diags.error(
                path,
                format!("a Fargate task has 21 to 200 GiB of ephemeral storage (20 without this setting), found `{gib}`"),
            );
            None
        }
    }
}

/// The container path of the mount just added.
fn target_of_last(s: &Service) -> String {
    s.mounts
        .last()
        .map_or_else(String::new, |m| m.target.clone())
}

/// A secret's file bind-mounted at `target` (at `p`): the secret, written there by the
/// helper container (root, `0444`), as `secrets: [{source, target}]` would.
fn secret_mount(key: &str, target: &str, p: &Path) -> FileMount {
    FileMount {
        source: key.to_string(),
        target: target.to_string(),
        uid: None,
        gid: None,
        mode: 0o444,
        path: p.to_string(),
    }
}
