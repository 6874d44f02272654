//! Volume rules across the project: mounts name declared volumes, one path per mount, the
//! EFS client security group fits the task's five, and who each access point writes as.

use super::image_users::{writer, Unknown, Writer};
use super::rules::{distinct_ids, MAX_SECURITY_GROUPS};
use crate::cfn::logical_id::normalize as id;
use crate::compose::model::{MountSource, Project, Service, Volume};
use crate::diagnostics::{Diagnostics, Path};
use std::collections::{BTreeMap, BTreeSet};

/// The identity and directory of the access point a service mounts a volume through.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Access {
    /// POSIX (uid, gid) every file operation uses (`PosixUser`); `None`: the container's
    /// own user.
    pub user: Option<(u32, u32)>,
    /// True when `user` comes from the service's `user:`, not from `driver_opts`.
    pub from_service: bool,
    /// Without `user`: the non-root (uid, gid) the container is known to run as
    /// ([`image_users::writer`]), which owns the directory the access point creates.
    pub owner: Option<(u32, u32)>,
    /// The mount's `subpath`, part of `root`.
    pub subpath: Option<String>,
    /// The directory of the file system the mount sees.
    pub root: String,
    /// Permissions of `root` when the access point creates it.
    pub permissions: String,
}

impl Access {
    /// Who owns the directory the access point creates.
    pub fn creation_owner(&self) -> (u32, u32) {
        self.user.or(self.owner).unwrap_or((0, 0))
    }

    /// True when the container may act as root on the file system (an entrypoint that
    /// starts as root and owns its data directory): it needs `ClientRootAccess`, without
    /// which EFS squashes root to 65534 for clients authorised by IAM.
    pub fn root_access(&self) -> bool {
        match self.user {
            Some((uid, _)) => uid == 0,
            None => self.owner.is_none(),
        }
    }
}

/// The access point `s` mounts `volume` through: `driver_opts` `uid`/`gid` (gid defaults
/// to uid) or else the service's numeric `user:` as its `PosixUser`; otherwise the
/// directory is created for the user the container runs as, when known (a user name of
/// a widely used image, the image's own `USER`); the root `root_directory`, else `/data`
/// for a created file system and `/` for an external one, then the mount's `subpath`.
pub fn access(volume: &Volume, s: &Service, subpath: Option<&str>) -> Access {
    let (user, from_service) = match volume.access.uid {
        Some(uid) => (Some((uid, volume.access.gid.unwrap_or(uid))), false),
        None => (s.numeric_user(), s.numeric_user().is_some()),
    };
    let owner = match (user, writer(s)) {
        (None, Writer::User(uid, gid)) => Some((uid, gid)),
        _ => None,
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
        owner,
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
/// and so gets its own EFS client security group (a group's root: when some container of
/// its task does; a member: never, its root's serves it).
pub fn needs_client_group(project: &Project, s: &Service) -> bool {
    crate::compose::groups::task_services(project, s)
        .into_iter()
        .flat_map(volumes_of)
        .any(|v| project.volumes.get(v).is_some_and(has_mount_targets))
}

/// The warning for a read-write mount whose writer may not be able to write: the volume's
/// directory is created owned by root, and the container's user is not known (or not
/// a uid). Nothing when the access point sets the user, the container runs as root or as
/// a known user (who owns the directory), the directory is writable by all, or it exists
/// already (the root of an external file system).
fn unwritable(key: &str, a: &Access, s: &Service) -> Option<String> {
    let others_write = a
        .permissions
        .chars()
        .last()
        .and_then(|c| c.to_digit(8))
        .is_some_and(|d| d & 2 != 0);
    if a.user.is_some() || a.owner.is_some() || a.root == "/" || others_write {
        return None;
    }
    let fix = "set `user: \"uid:gid\"` on the service (its numeric ids), or `driver_opts.uid` and `gid` on the volume";
    let created = format!(
        "the volume `{key}`'s directory is created owned by root (0:0, mode `{}`)",
        a.permissions
    );
    match writer(s) {
        Writer::Root | Writer::User(..) => None,
        Writer::Unknown(Unknown::Name(name)) => Some(format!(
            "the uid of the user `{name}` is not known for this image, and {created}, which that user cannot write to; {fix}"
        )),
        Writer::Unknown(Unknown::Expr) => Some(format!(
            "`user` is a template value, so its uid is not known here, and {created}, which a user other than root cannot write to; {fix}"
        )),
        Writer::Unknown(Unknown::Image) => Some(format!(
            "the user this image runs as is not known (no `user:`, and neither inspected by `compose-to-ecs package` nor listed in docs/volumes.md), and {created}: a container running as root writes there, one whose `USER` is not root cannot; if the image's user is not root, {fix}"
        )),
    }
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
    type Users<'a> = BTreeMap<Option<(u32, u32)>, String>;
    let mut users: BTreeMap<&str, Users> = BTreeMap::new();
    for (name, s) in &project.services {
        let path = Path::new("services").key(name);
        let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
        let mut names: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        let mut warned: BTreeSet<&str> = BTreeSet::new();
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
            if !m.read_only && warned.insert(key.as_str()) {
                if let Some(message) = unwritable(key, &a, s) {
                    diags.warn(&m.path, message);
                }
            }
            let identity = a.user.or(a.owner);
            let label = match identity {
                Some((uid, gid)) => format!("`{name}` as {uid}:{gid}"),
                None if writer(s) == Writer::Root => format!("`{name}` as root"),
                None => format!("`{name}` as its image's user"),
            };
            users
                .entry(key)
                .or_default()
                .entry(identity)
                .or_insert(label);
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
        let list: Vec<String> = by_user.into_values().collect();
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
