//! What a container takes from its host, and the NAT gateways of `x-aws-private_subnets`.

/// NAT gateways of a created VPC with private subnets (`x-aws-private_subnets`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nat {
    /// One NAT gateway, shared by both availability zones.
    Single,
    /// One NAT gateway per availability zone.
    PerAz,
}

/// A host device (`devices`).
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// The path on the host.
    pub source: String,
    /// The path in the container.
    pub target: String,
    /// `r`, `w`, `m` as ECS spells them: `read`, `write`, `mknod` (empty: all three).
    pub permissions: Vec<&'static str>,
}

/// A `security_opt` item ECS can pass to Docker.
#[derive(Clone, Debug, PartialEq)]
pub enum SecurityOpt {
    /// `no-new-privileges`.
    NoNewPrivileges,
    /// `apparmor:<profile>`.
    AppArmor(String),
    /// `label:<value>` (SELinux).
    Label(String),
}

/// A namespace shared with the host or kept private (`ipc`, `pid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Namespace {
    /// `host`.
    Host,
    /// `ipc: shareable`: shared by the task's containers.
    Task,
    /// `ipc: private`.
    Private,
}

/// What a service asks of its host (EC2 capacity only, checked by `validate::host`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostAccess {
    /// `privileged: true`.
    pub privileged: bool,
    /// `devices`, with the path of each.
    pub devices: Vec<(Device, String)>,
    /// `security_opt`.
    pub security_opt: Vec<SecurityOpt>,
    /// `ipc`.
    pub ipc: Option<Namespace>,
    /// `pid: host`.
    pub pid_host: bool,
    /// `shm_size`, MiB.
    pub shm_size: Option<u64>,
    /// `extra_hosts`: (host name, address), in declaration order.
    pub extra_hosts: Vec<(String, String)>,
    /// Where each capability of `cap_add` was first listed (its index).
    pub cap_add_index: std::collections::BTreeMap<String, usize>,
}

impl HostAccess {
    /// The keys in use, each with why Fargate cannot give it (for diagnostics).
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        let mut keys = Vec::new();
        if self.privileged {
            keys.push(("privileged", "Fargate runs no privileged containers"));
        }
        if !self.devices.is_empty() {
            keys.push(("devices", "Fargate has no host devices to map"));
        }
        if !self.security_opt.is_empty() {
            keys.push(("security_opt", "Fargate takes no Docker security options"));
        }
        if self.ipc.is_some() {
            keys.push(("ipc", "a Fargate task cannot set its IPC namespace"));
        }
        if self.pid_host {
            keys.push(("pid", "Fargate does not share the host's process namespace"));
        }
        keys
    }
}
