//! Volumes (EFS file systems) and what a service mounts.

use super::text::Text;
use std::collections::BTreeMap;

/// A top-level volume: an EFS file system, created or existing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Volume {
    /// The volume's name (`name:` or `<project>_<key>`).
    pub name: String,
    /// For an external volume: the existing file system's id (an ARN is reduced to it).
    pub external: Option<Text>,
    /// `x-aws-mount_targets`: create mount targets for an external file system.
    pub mount_targets: bool,
    /// File system settings from `driver_opts`.
    pub fs: FsOptions,
    /// Access point settings from `driver_opts`.
    pub access: AccessOptions,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
}

/// `driver_opts` that configure the file system.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FsOptions {
    /// `performance_mode`: `generalPurpose` or `maxIO`.
    pub performance_mode: Option<String>,
    /// `throughput_mode`: `bursting`, `provisioned` or `elastic`.
    pub throughput_mode: Option<String>,
    /// `provisioned_throughput`, MiB/s.
    pub provisioned_throughput: Option<f64>,
    /// `lifecycle_policy`: `AFTER_30_DAYS`, ...
    pub lifecycle_policy: Option<String>,
    /// `backup_policy`: `ENABLED` or `DISABLED`.
    pub backup_policy: Option<String>,
    /// `kms_key_id`.
    pub kms_key_id: Option<String>,
}

/// `driver_opts` that configure the access points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccessOptions {
    /// `uid`.
    pub uid: Option<u32>,
    /// `gid`.
    pub gid: Option<u32>,
    /// `permissions` (octal text, e.g. `0755`).
    pub permissions: Option<String>,
    /// `root_directory`.
    pub root_directory: Option<String>,
}

/// What a service mounts.
#[derive(Clone, Debug, PartialEq)]
pub enum MountSource {
    /// A top-level volume, by key.
    Volume(String),
    /// Task-local scratch space (an anonymous volume, or tmpfs).
    Scratch,
    /// A path on the host (a bind mount of an absolute path): EC2 only.
    Host(String),
}

/// A mount of a service's container.
#[derive(Clone, Debug, PartialEq)]
pub struct Mount {
    /// What is mounted.
    pub source: MountSource,
    /// Path in the container.
    pub target: String,
    /// `read_only`.
    pub read_only: bool,
    /// `volume.subpath`: a directory of the volume, relative to its root.
    pub subpath: Option<String>,
    /// For a project folder bind-mounted as a named volume: the bind mount's source.
    pub bind: Option<String>,
    /// Where the mount was declared (`services.web.volumes[0]`).
    pub path: String,
}

/// A file a bind mount puts into the container, with its content (from the project's
/// `Package`): written into the task like a config.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalFile {
    /// The absolute path of the file in the container.
    pub target: String,
    /// The file's content.
    pub content: String,
    /// Permission bits: `0755` for a script (`#!`), `0644` otherwise.
    pub mode: u32,
    /// The directory the mount stands for: the file's directory, or the target of a
    /// bind-mounted folder.
    pub dir: String,
    /// True when the file comes from a bind-mounted folder (which replaces its target, as
    /// with Docker), false for a single file (which must not hide its directory).
    pub folder: bool,
    /// True when the bind mount is read-only.
    pub read_only: bool,
    /// Where the mount was declared (`services.web.volumes[0]`).
    pub path: String,
}
