//! Volume rules across the project: mounts name declared volumes, one path per mount, the
//! EFS client security group fits the task's five, and who each access point writes as.

use super::rules::{distinct_ids, MAX_SECURITY_GROUPS};
use crate::cfn::logical_id::normalize as id;
use crate::compose::model::{MountSource, Project, Service, Volume};
use crate::diagnostics::{Diagnostics, Path};
use std::collections::{BTreeMap, BTreeSet};

/// The identity and directory of the access point a service mounts a volume through.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Access {
    /// POSIX (uid, gid) every file operation uses; `None`: the container's own user.
    pub user: Option<(u32, u32)>,
    /// True when `user` comes from the service's `user:`, not from `driver_opts`.
    pub from_service: bool,
    /// The mount's `subpath`, part of `root`.
    pub subpath: Option<String>,
    /// The directory of the file system the mount sees.
    pub root: String,
    /// Permissions of `root` when the access point creates it.
    pub permissions: String,
}

/// The access point `s` mounts `volume` through: `driver_opts` `uid`/`gid` (gid defaults
/// to uid), else the service's numeric `user:`, else none; the root `root_directory`, else
/// `/data` for a created file system and `/` for an external one, then the mount's
/// `subpath` below it.
pub fn access(volume: &Volume, s: &Service, subpath: Option<&str>) -> Access {
    let (user, from_service) = match volume.access.uid {
        Some(uid) => (Some((uid, volume.access.gid.unwrap_or(uid))), false),
        None => (s.numeric_user(), s.numeric_user().is_some()),
    };
    let root = volume.access.root_directory.clone().unwrap_or_else(|| {
        if volume.external.is_some() {
            "/".into()
        } else {
            "/data".into()
        }
    });
    let root = match subpath {
        Some(sub) => format!("{}/{sub}", root.trim_end_matches('/')),
        None => root,
    };
    Access {
        user,
        from_service,
        subpath: subpath.map(str::to_string),
        root,
        permissions: volume
            .access
            .permissions
            .clone()
            .unwrap_or_else(|| "0755".into()),
    }
}

/// The longest root directory of an access point.
pub const MAX_ROOT: usize = 100;

/// The name of the task definition volume for a mount of the top-level volume `key`:
/// `Dbdata`, or `DbdataSubLogs` for `subpath: logs`.
pub fn task_volume_name(key: &str, subpath: Option<&str>) -> String {
    match subpath {
        Some(sub) => format!("{}Sub{}", id(key), id(sub)),
        None => id(key),
    }
}

/// True when the volume's file system gets mount targets (and so its NFS security group)
/// from this project.
pub fn has_mount_targets(volume: &Volume) -> bool {
    volume.external.is_none() || volume.mount_targets
}

/// The top-level volumes `s` mounts, by key.
pub fn volumes_of(s: &Service) -> BTreeSet<&str> {
    s.mounts
        .iter()
        .filter_map(|m| match &m.source {
            MountSource::Volume(v) => Some(v.as_str()),
            MountSource::Scratch | MountSource::Host(_) => None,
        })
        .collect()
}

/// True when `s` reaches a file system through the NFS security group of this project,
/// and so gets its own EFS client security group.
pub fn needs_client_group(project: &Project, s: &Service) -> bool {
    volumes_of(s)
        .into_iter()
        .any(|v| project.volumes.get(v).is_some_and(has_mount_targets))
}

/// Checks the volume rules.
pub fn check(project: &Project, diags: &mut Diagnostics) {
    distinct_ids(
        project.volumes.keys(),
        &Path::new("volumes"),
        "volume",
        diags,
    );
    // volume → identity → the first service using it
    type Users<'a> = BTreeMap<Option<(u32, u32)>, &'a str>;
    let mut users: BTreeMap<&str, Users> = BTreeMap::new();
    for (name, s) in &project.services {
        let path = Path::new("services").key(name);
        let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
        let mut names: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        for m in &s.mounts {
            if let Some(other) = targets.insert(&m.target, &m.path) {
                diags.error(
                    &m.path,
                    format!(
                        "`{}` is already mounted by `{other}`; mount one volume per path",
                        m.target
                    ),
                );
            }
            if let MountSource::Host(host) = &m.source {
                if !super::compute::runs_on_ec2(project, s) {
                    let daemon = if host.ends_with("docker.sock") {
                        "; on EC2 the container reaches the instance's Docker daemon, and so controls the instance"
                    } else {
                        ""
                    };
                    diags.error(
                        &m.path,
                        format!("`{host}` is a path on the host, and a Fargate task has no host to mount from: run the service on EC2 capacity (`deploy.x-aws-capacity: ec2`, or `x-aws-capacity: ec2` for the project), or drop the mount{daemon}"),
                    );
                }
                continue;
            }
            let MountSource::Volume(key) = &m.source else {
                continue;
            };
            let Some(volume) = project.volumes.get(key) else {
                diags.error(
                    &m.path,
                    format!("volume `{key}` is not declared under the top-level `volumes`"),
                );
                continue;
            };
            let a = access(volume, s, m.subpath.as_deref());
            if a.root.len() > MAX_ROOT {
                diags.error(
                    &m.path,
                    format!("the directory `{}` of the volume is longer than the {MAX_ROOT} characters an access point allows; shorten `root_directory` or `subpath`", a.root),
                );
            }
            let task_volume = task_volume_name(key, m.subpath.as_deref());
            if let Some((other_key, other_sub)) = names.get(&task_volume) {
                if (other_key.as_str(), other_sub.as_deref())
                    != (key.as_str(), m.subpath.as_deref())
                {
                    diags.error(
                        &m.path,
                        format!("this mount and another of the service both give the task volume name `{task_volume}`; rename the volume or the subpath"),
                    );
                }
            } else {
                names.insert(task_volume, (key.clone(), m.subpath.clone()));
            }
            let user = s.user.as_ref().and_then(|u| u.as_lit()).unwrap_or("…");
            let root = matches!(user.split(':').next(), Some("root" | "0"));
            if a.user.is_none() && s.user.is_some() && !root {
                diags.warn(
                    &m.path,
                    format!("`user: {user}` is not a numeric uid, so the volume `{key}` is reached as root and its directory belongs to root; set `driver_opts.uid` and `gid` on the volume to write as that user"),
                );
            }
            users.entry(key).or_default().entry(a.user).or_insert(name);
        }
        // Secret and config files are mounted as their directories: a volume at the same
        // path would be a second mount point there, which ECS refuses.
        let files = s.secrets.iter().chain(&s.configs);
        let files = files
            .map(|f| {
                (
                    crate::compose::secrets::parent(&f.target),
                    &f.target,
                    &f.path,
                )
            })
            .chain(s.files.iter().map(|f| (f.dir.as_str(), &f.target, &f.path)));
        let mut written: BTreeMap<&str, &str> = BTreeMap::new();
        for (dir, target, at) in files {
            if let Some(other) = targets.get(dir) {
                diags.error(
                    at,
                    format!("the file's directory `{dir}` is where `{other}` mounts a volume, and ECS mounts one volume per path; set the file's `target` elsewhere, or move the volume"),
                );
            }
            // Secrets and configs against each other: `compose::secrets` checks those.
            let bound = |p: &str| s.files.iter().any(|f| f.path == p);
            match written.insert(target, at) {
                Some(other) if other != at && (bound(at) || bound(other)) => diags.error(
                    at,
                    format!("`{target}` is also written by `{other}`; give each file its own path"),
                ),
                _ => {}
            }
        }
        if needs_client_group(project, s) && s.networks.len() + 1 > MAX_SECURITY_GROUPS {
            diags.error(
                path.key("networks"),
                format!(
                    "a task that mounts a volume can join at most {} networks: its fifth security group is the one its file systems accept, found {}",
                    MAX_SECURITY_GROUPS - 1,
                    s.networks.len()
                ),
            );
        }
    }
    for (key, by_user) in users {
        let volume = &project.volumes[key];
        if by_user.len() < 2 || volume.access.permissions.is_some() {
            continue;
        }
        let list: Vec<String> = by_user
            .iter()
            .map(|(u, svc)| match u {
                Some((uid, gid)) => format!("`{svc}` as {uid}:{gid}"),
                None => format!("`{svc}` as root"),
            })
            .collect();
        diags.warn(
            Path::new("volumes").key(key),
            format!(
                "services write to this volume as different users ({}): its directory is created with permissions `0755` for the first of them; set `driver_opts.permissions` (e.g. `0775` with a shared gid), or one `uid` and `gid` for the volume",
                list.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::{AccessOptions, Text};

    fn service(user: Option<&str>) -> Service {
        Service {
            user: user.map(|u| Text::Lit(u.into())),
            ..Service::default()
        }
    }

    #[test]
    fn driver_opts_win_over_the_services_user() {
        let volume = Volume {
            access: AccessOptions {
                uid: Some(70),
                ..AccessOptions::default()
            },
            ..Volume::default()
        };
        let a = access(&volume, &service(Some("1000:1000")), None);
        assert_eq!(a.user, Some((70, 70)));
        assert!(!a.from_service);
        assert_eq!(a.root, "/data");
        assert_eq!(a.permissions, "0755");
    }

    #[test]
    fn a_numeric_user_is_the_default() {
        let volume = Volume::default();
        let a = access(&volume, &service(Some("1001:1000")), None);
        assert_eq!((a.user, a.from_service), (Some((1001, 1000)), true));
        assert_eq!(
            access(&volume, &service(Some("999")), None).user,
            Some((999, 999))
        );
        assert_eq!(access(&volume, &service(Some("postgres")), None).user, None);
        assert_eq!(access(&volume, &service(None), None).user, None);
    }

    #[test]
    fn an_external_volume_is_mounted_at_its_root() {
        let volume = Volume {
            external: Some(Text::Lit("fs-0123abcd".into())),
            ..Volume::default()
        };
        assert_eq!(access(&volume, &service(None), None).root, "/");
        assert_eq!(
            access(&volume, &service(None), Some("logs/app")).root,
            "/logs/app"
        );
        assert_eq!(
            access(&Volume::default(), &service(None), Some("logs")).root,
            "/data/logs"
        );
        assert_eq!(
            task_volume_name("db-data", Some("logs/app")),
            "DbdataSubLogsapp"
        );
        assert!(!has_mount_targets(&volume));
    }
}
