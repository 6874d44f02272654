//! The types of containers that share a task (`network_mode`, `ipc`, `pid`: `service:X`,
//! `volumes_from`), read by `typed::groups`.

/// What a link shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `network_mode: service:X`.
    Network,
    /// `ipc: service:X`.
    Ipc,
    /// `pid: service:X`.
    Pid,
    /// `volumes_from: [X]` (`X:ro` read-only).
    VolumesFrom {
        /// `:ro`.
        read_only: bool,
    },
}

impl Kind {
    /// The Compose key that wrote the link.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Network => "network_mode",
            Kind::Ipc => "ipc",
            Kind::Pid => "pid",
            Kind::VolumesFrom { .. } => "volumes_from",
        }
    }

    /// True for the links that share a namespace (network, IPC, PID).
    pub fn namespace(self) -> bool {
        !matches!(self, Kind::VolumesFrom { .. })
    }
}

/// One link from a service to the service it attaches to.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The service attached to.
    pub target: String,
    /// What is shared.
    pub kind: Kind,
    /// Where it was written (`services.vpn_client.network_mode`).
    pub path: String,
}

/// A service's place in a group of containers sharing a task.
#[derive(Clone, Debug, PartialEq)]
pub enum Grouping {
    /// The service whose task definition and ECS service the group uses.
    Root {
        /// The other services of the group, by name (their containers' order).
        members: Vec<String>,
        /// Some member shares the IPC namespace: the task's `IpcMode: task`.
        ipc: bool,
        /// Some member shares the process namespace: the task's `PidMode: task`.
        pid: bool,
    },
    /// A container of the root's task, without an ECS service of its own.
    Member {
        /// The root service.
        root: String,
        /// True for `restart: always`/`unless-stopped`: ECS restarts the container in place
        /// (its restart policy), and the task stops when it cannot. Otherwise (`no`,
        /// Compose's default, `on-failure`, or awaited with `service_completed_successfully`)
        /// the container is not essential and not restarted: its exit leaves the task
        /// running, as Compose leaves the other containers.
        essential: bool,
    },
}
