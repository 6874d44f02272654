//! The typed Compose model after normalisation: one shape per field, defaults applied.
//! Built by `normalize` from the raw tree; only the keys the converter maps are here (the
//! others were warned about or rejected by `validate::support`).

//! The types of each area are in a file of their own, all re-exported here:
//! `compose::model::X` names every type of the model.

pub mod compute;
pub mod deployments;
pub mod domains;
pub mod groups;
pub mod host;
pub mod jobs;
pub mod operations;
pub mod ports;
pub mod secrets;
pub mod storage;
pub mod text;

pub use crate::compose::source::files::ImageConfig;
use crate::compose::source::values::Protocol;
pub use compute::*;
pub use deployments::*;
pub use domains::*;
pub use groups::*;
pub use host::*;
pub use jobs::*;
pub use operations::*;
pub use ports::*;
pub use secrets::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
pub use storage::*;
pub use text::*;

/// A Compose project, normalised.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    /// Project name (`name:`, the `ProjectName` property, or the resource's logical ID).
    pub name: String,
    /// Enabled services by name.
    pub services: BTreeMap<String, Service>,
    /// Networks by key (`default` included when a service uses it).
    pub networks: BTreeMap<String, Network>,
    /// `x-aws-cluster`.
    pub cluster: Option<Text>,
    /// `x-aws-vpc`.
    pub vpc: Option<Text>,
    /// `x-aws-loadbalancer`.
    pub loadbalancer: Option<Text>,
    /// `x-aws-logs_retention`, in days.
    pub logs_retention: Option<u32>,
    /// Top-level volumes by key.
    pub volumes: BTreeMap<String, Volume>,
    /// Top-level `secrets` by key.
    pub secrets: BTreeMap<String, Secret>,
    /// Top-level `configs` by key.
    pub configs: BTreeMap<String, Config>,
    /// `x-aws-init_image`: the image of the helper container that writes secret and config
    /// files (`None`: the pinned default).
    pub init_image: Option<Text>,
    /// `x-aws-kms_key`: the key of the secrets the project creates for `NoEcho` values in
    /// environment variables and configs (`None`: Secrets Manager's AWS managed key).
    pub kms_key: Option<Text>,
    /// `x-aws-capacity`: the project's default capacity provider strategy.
    pub capacity: Option<Vec<Share>>,
    /// The project's load balancer settings (`x-aws-certificate`, ...).
    pub load_balancing: LoadBalancing,
    /// `x-aws-cloudformation`: a partial template merged onto what the project generates
    /// (opaque here; `cfn::overlay` reads it).
    pub overlay: Option<Value>,
    /// `x-aws-private_subnets`: tasks and instances in private subnets behind NAT.
    pub private_subnets: Option<Nat>,
    /// Alarms, dashboard, Container Insights (docs/operations.md).
    pub operations: Operations,
    /// `x-aws-domain` and `x-aws-hosted_zone` (docs/load-balancing.md, "Domains").
    pub domains: Domains,
}

/// A top-level network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Network {
    /// The network's name (`name:` or `<project>_<key>`).
    pub name: String,
    /// For an external network: the existing security group it stands for.
    pub external: Option<Text>,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
}

/// How a dependency must have started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Condition {
    /// `service_started`.
    Started,
    /// `service_healthy`.
    Healthy,
    /// `service_completed_successfully`.
    CompletedSuccessfully,
}

/// A container health check.
#[derive(Clone, Debug, PartialEq)]
pub struct Healthcheck {
    /// `["CMD", ...]` or `["CMD-SHELL", "..."]`.
    pub command: Vec<Text>,
    /// Seconds.
    pub interval: u64,
    /// Seconds.
    pub timeout: u64,
    /// Count.
    pub retries: u64,
    /// Seconds, when set.
    pub start_period: Option<u64>,
}

/// CPU architecture from `platform`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// `linux/amd64`.
    X86_64,
    /// `linux/arm64`.
    Arm64,
}

/// What happens when a deployment fails (`update_config.failure_action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailureAction {
    /// Roll back (the default).
    #[default]
    Rollback,
    /// Stop the deployment, keep what runs.
    Pause,
    /// Keep going.
    Continue,
}

/// Rolling update settings.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Update {
    /// `parallelism`.
    pub parallelism: Option<u32>,
    /// `order: stop-first`.
    pub stop_first: bool,
    /// `order: start-first`, written (the default for a service without a read-write
    /// volume; a service with one is stopped first unless this says otherwise).
    pub start_first: bool,
    /// `failure_action`.
    pub failure_action: FailureAction,
    /// `x-aws-min_percent`.
    pub min_percent: Option<u32>,
    /// `x-aws-max_percent`.
    pub max_percent: Option<u32>,
}

/// A service, normalised.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Service {
    /// Service name.
    pub name: String,
    /// `image`.
    pub image: Option<Text>,
    /// `command`, split into arguments.
    pub command: Option<Vec<Text>>,
    /// `entrypoint`, split into arguments.
    pub entrypoint: Option<Vec<Text>>,
    /// `environment`, sorted by name, but for the variables in `noecho_environment`.
    pub environment: BTreeMap<String, Text>,
    /// The `environment` variables whose value holds a `NoEcho` parameter: delivered from
    /// a secret the project creates, never as text in the task definition.
    pub noecho_environment: BTreeMap<String, Text>,
    /// `labels`.
    pub labels: BTreeMap<String, Text>,
    /// `user`.
    pub user: Option<Text>,
    /// `working_dir`.
    pub working_dir: Option<Text>,
    /// `init`.
    pub init: bool,
    /// `cap_add`, upper case without `CAP_`.
    pub cap_add: BTreeSet<String>,
    /// `cap_drop`.
    pub cap_drop: BTreeSet<String>,
    /// `ulimits`: name → (soft, hard).
    pub ulimits: BTreeMap<String, (i64, i64)>,
    /// `healthcheck`, unless disabled.
    pub healthcheck: Option<Healthcheck>,
    /// `logging.options` starting with `awslogs-`.
    pub log_options: BTreeMap<String, Text>,
    /// `stop_grace_period`, seconds.
    pub stop_grace_period: Option<u64>,
    /// `deploy.x-aws-healthcheck_grace_period`, seconds.
    pub healthcheck_grace_period: Option<u64>,
    /// `read_only`.
    pub read_only: bool,
    /// `tty`.
    pub tty: bool,
    /// `stdin_open`.
    pub stdin_open: bool,
    /// `platform`.
    pub platform: Option<Arch>,
    /// Published ports (one per port after range expansion).
    pub ports: Vec<Port>,
    /// Ports reachable inside the networks only (`expose`, and ports bound to loopback).
    pub expose: BTreeSet<(u16, Protocol)>,
    /// `depends_on` and `links`: service → condition.
    pub depends_on: BTreeMap<String, Condition>,
    /// The names other services reach this one by besides its service name (network
    /// `aliases`, `container_name`, `hostname`), and the aliases its `links` give others.
    pub names: Names,
    /// Networks the service joins.
    pub networks: BTreeSet<String>,
    /// `deploy.replicas` / `scale`.
    pub replicas: u32,
    /// CPU limit in thousandths of a vCPU.
    pub cpus: Option<u64>,
    /// Memory limit in MiB.
    pub memory: Option<u64>,
    /// Memory reservation in MiB.
    pub memory_reservation: Option<u64>,
    /// `deploy.update_config`.
    pub update: Update,
    /// `sysctls`.
    pub sysctls: BTreeMap<String, Text>,
    /// `x-aws-role`: an IAM policy document.
    pub role: Option<Value>,
    /// `x-aws-policies`: managed policy ARNs.
    pub policies: Vec<Text>,
    /// `volumes` and `tmpfs`, in declaration order.
    pub mounts: Vec<Mount>,
    /// `x-aws-ephemeral_storage`, GiB.
    pub ephemeral_storage: Option<u32>,
    /// `secrets`: files under `/run/secrets`.
    pub secrets: Vec<FileMount>,
    /// `configs`: files at their target.
    pub configs: Vec<FileMount>,
    /// Files of bind mounts, written into the task like configs.
    pub files: Vec<LocalFile>,
    /// `x-aws-secrets`: environment variables read from Secrets Manager or Parameter Store.
    pub env_secrets: BTreeMap<String, Text>,
    /// `x-aws-pull_credentials`: the Secrets Manager secret holding registry credentials.
    pub pull_credentials: Option<Text>,
    /// True when `deploy.replicas` or `scale` was written.
    pub replicas_set: bool,
    /// `deploy.x-aws-autoscaling`.
    pub autoscaling: Option<Autoscaling>,
    /// GPUs, placement constraints, capacity and network mode.
    pub compute: Compute,
    /// What the service asks of its host (`privileged`, `devices`, ...): EC2 only.
    pub host: HostAccess,
    /// ECS Exec and alarm thresholds (docs/operations.md).
    pub operations: ServiceOperations,
    /// Run once to completion in each deployment, not as an ECS service
    /// (`restart: "no"`/`on-failure`, or awaited with `service_completed_successfully`).
    pub job: Option<Job>,
    /// `deploy.x-aws-schedule`: run on an EventBridge Scheduler schedule, not as an ECS
    /// service.
    pub schedule: Option<Schedule>,
    /// `deploy.update_config.x-aws-strategy` other than `rolling`: a blue/green-family
    /// deployment (docs/deployments.md); `None`: rolling.
    pub deployment: Option<Deployment>,
    /// `network_mode`/`ipc`/`pid: service:X` and `volumes_from`: the services whose
    /// namespaces or volumes this one shares (`compose::groups`).
    pub shares: Vec<Link>,
    /// The group of containers sharing a task this service belongs to, if any.
    pub group: Option<Grouping>,
    /// What `compose-to-ecs package` learnt of the service's image by inspecting it
    /// (`Package.ImageConfig`): none in a template written by hand.
    pub image_config: Option<ImageConfig>,
}

/// The names a service gives itself and others, besides service names (lower case).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Names {
    /// `networks.*.aliases`, every network's.
    pub aliases: BTreeSet<String>,
    /// `container_name`.
    pub container_name: Option<String>,
    /// `hostname`.
    pub hostname: Option<String>,
    /// `links` written `service:alias`: alias → the linked service.
    pub links: BTreeMap<String, String>,
}

impl Service {
    /// True when the service mounts a named volume (Amazon EFS) read-write: two of its
    /// tasks at once would write the same files.
    pub fn writes_volume(&self) -> bool {
        self.mounts
            .iter()
            .any(|m| matches!(m.source, MountSource::Volume(_)) && !m.read_only)
    }

    /// The numeric (uid, gid) of `user:` (`1000` or `1000:1000`; gid defaults to uid).
    pub fn numeric_user(&self) -> Option<(u32, u32)> {
        let user = self.user.as_ref()?.as_lit()?;
        let (u, g) = match user.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (user, None),
        };
        let uid: u32 = u.trim().parse().ok()?;
        let gid = match g {
            Some(g) => g.trim().parse().ok()?,
            None => uid,
        };
        Some((uid, gid))
    }
}
