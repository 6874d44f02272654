//! A project folder one service writes (a data folder: an Amazon EFS volume) and another
//! mounts read-only or as configuration (its files written into the task). Docker gives
//! both the same folder, so the reader sees what the writer writes: sentry's `geoipupdate`
//! fills `./geoip`, which `web` and `relay` read. Here the reader mounts the writer's
//! volume (read-only if its mount is) instead of a copy of the local files, with a warning. Read after the
//! services, since which folders are written is said by all of them.

use super::model::{Mount, MountSource, Project};
use super::reader::Reader;
use crate::compose::source::binds::bind_of;
use crate::compose::source::files::project_path;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Makes each folder mount whose folder another service writes a mount of that service's
/// volume.
pub(super) fn read(r: &mut Reader, tree: &Map<String, Value>, project: &mut Project) {
    // The written folders: project path → (volume key, the first service writing it).
    let mut written: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, s) in &project.services {
        for m in &s.mounts {
            if let (Some(source), MountSource::Volume(key)) = (&m.bind, &m.source) {
                if let Some(folder) = project_path(source) {
                    written
                        .entry(folder)
                        .or_insert_with(|| (key.clone(), name.clone()));
                }
            }
        }
    }
    if written.is_empty() {
        return;
    }
    for (name, s) in project.services.iter_mut() {
        // The folder mounts of the service, by where they were declared.
        let mut folders: BTreeMap<String, (String, bool)> = BTreeMap::new();
        for f in s.files.iter().filter(|f| f.folder) {
            folders
                .entry(f.path.clone())
                .or_insert_with(|| (f.dir.clone(), f.read_only));
        }
        for (at, (dir, read_only)) in folders {
            let Some(source) = raw_source(tree, name, &at) else {
                continue;
            };
            let Some((key, writer)) = project_path(&source).and_then(|p| written.get(&p)) else {
                continue;
            };
            if writer == name {
                continue;
            }
            s.files.retain(|f| f.path != at);
            s.mounts.push(Mount {
                source: MountSource::Volume(key.clone()),
                target: dir.clone(),
                read_only,
                subpath: None,
                bind: Some(source.clone()),
                path: at.clone(),
            });
            let how = if read_only { ", mounted read-only" } else { "" };
            r.diags.warn(
                at.as_str(),
                format!("`{source}` is also the folder `{writer}` writes, so here too it is the named volume `{key}` (Amazon EFS){how}: the container sees what `{writer}` writes there, as with `docker compose`, and not the local folder's files"),
            );
        }
    }
}

/// The source, as written, of the bind mount declared at `services.<name>.volumes[<i>]`.
fn raw_source(tree: &Map<String, Value>, name: &str, at: &str) -> Option<String> {
    let index: usize = at
        .strip_prefix(&format!("services.{name}.volumes["))?
        .strip_suffix(']')?
        .parse()
        .ok()?;
    let item = tree
        .get("services")?
        .get(name)?
        .get("volumes")?
        .get(index)?;
    bind_of(item).map(|(source, _, _)| source)
}
