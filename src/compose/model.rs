//! The typed Compose model after normalisation: one shape per field, defaults applied.
//! Built by `normalize` from the raw tree; only the keys the converter maps are here (the
//! others were warned about or rejected by `validate::support`).

use crate::compose::values::Protocol;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A string value: literal text, or an intrinsic function to emit as is.
#[derive(Clone, Debug, PartialEq)]
pub enum Text {
    /// Literal text.
    Lit(String),
    /// An intrinsic function (`Ref`, `Fn::Sub`, ...), from the template or interpolation.
    Expr(Value),
}

impl Text {
    /// The value to emit in the template.
    pub fn to_json(&self) -> Value {
        match self {
            Text::Lit(s) => Value::String(s.clone()),
            Text::Expr(e) => e.clone(),
        }
    }

    /// The literal text, when it is one.
    pub fn as_lit(&self) -> Option<&str> {
        match self {
            Text::Lit(s) => Some(s),
            Text::Expr(_) => None,
        }
    }
}

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
    pub operations: super::operations::Operations,
}

/// NAT gateways of a created VPC with private subnets (`x-aws-private_subnets`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nat {
    /// One NAT gateway, shared by both availability zones.
    Single,
    /// One NAT gateway per availability zone.
    PerAz,
}

/// The top-level load balancer extensions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadBalancing {
    /// `x-aws-certificate`: ACM certificate ARNs (the first is the listeners' default).
    pub certificates: Vec<Text>,
    /// `x-aws-loadbalancer_scheme: internal`.
    pub internal: bool,
    /// `x-aws-loadbalancer_sources`: CIDR blocks and prefix lists allowed to connect.
    pub sources: Vec<Text>,
    /// `x-aws-listeners`: existing listeners by the published port they serve.
    pub listeners: BTreeMap<u16, Text>,
    /// `x-aws-http_redirect: false` keeps port 80 serving HTTP next to HTTPS.
    pub no_http_redirect: bool,
}

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

/// A top-level secret.
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    /// Where the value lives.
    pub source: SecretSource,
    /// `x-aws-keys`: the JSON keys to write as one file each (`*` = all); `None` writes the
    /// whole value as one file.
    pub keys: Option<Vec<String>>,
    /// `x-aws-kms_key`: the customer managed key that encrypts the value.
    pub kms_key: Option<Text>,
    /// `name` of a secret the project creates (CloudFormation names it otherwise).
    pub name: Option<Text>,
}

impl Secret {
    /// True when the project creates the secret (it is not an existing one).
    pub fn is_created(&self) -> bool {
        matches!(
            self.source,
            SecretSource::Value(_) | SecretSource::Generate(_)
        )
    }
}

/// Where a secret's value lives.
#[derive(Clone, Debug, PartialEq)]
pub enum SecretSource {
    /// An existing Secrets Manager secret: its ARN (literal or intrinsic) or its name.
    SecretsManager(Text),
    /// An existing Systems Manager parameter (a SecureString, typically): ARN or name.
    Parameter(Text),
    /// A new secret holding this value (`environment:`): always a reference, never text.
    Value(Value),
    /// A new secret with a random value (`x-aws-generate`).
    Generate(Generate),
}

/// `x-aws-generate`: how to generate a random secret value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generate {
    /// `length`.
    pub length: Option<u64>,
    /// `exclude_characters`.
    pub exclude_characters: Option<String>,
    /// `exclude_punctuation`, `exclude_numbers`, `exclude_uppercase`, `exclude_lowercase`,
    /// `include_space`, `require_each_included_type`, when set.
    pub flags: BTreeMap<&'static str, bool>,
    /// `template` (a JSON object as text) and `key`: the value is the template with a
    /// random string added under `key`.
    pub template: Option<(String, String)>,
}

/// A top-level config.
#[derive(Clone, Debug, PartialEq)]
pub enum Config {
    /// The file's content (`content:`, or `environment:`): not a secret.
    Content(Text),
    /// An existing Systems Manager parameter (`external: true`): ARN or name.
    Parameter(Text),
    /// Content holding a `NoEcho` parameter: delivered from a secret the project creates.
    Hidden(Text),
}

/// A secret or config a service mounts as a file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileMount {
    /// The top-level secret or config key.
    pub source: String,
    /// The absolute path of the file (of the directory, for a secret split by `x-aws-keys`).
    pub target: String,
    /// Owner user id.
    pub uid: Option<u32>,
    /// Owner group id.
    pub gid: Option<u32>,
    /// Permission bits.
    pub mode: u32,
    /// Where it was declared (`services.web.secrets[0]`).
    pub path: String,
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

/// A published port.
#[derive(Clone, Debug, PartialEq)]
pub struct Port {
    /// Container port.
    pub target: u16,
    /// Port on the load balancer.
    pub published: u16,
    /// Transport protocol.
    pub protocol: Protocol,
    /// `x-aws-protocol` (lower case).
    pub x_protocol: Option<String>,
    /// `app_protocol` (lower case).
    pub app_protocol: Option<String>,
    /// Where the port was declared (`services.web.ports[0]`).
    pub path: String,
    /// `x-aws-routing`: which requests reach this service on a shared listener.
    pub routing: Option<Routing>,
    /// `x-aws-healthcheck`: how the load balancer checks the service on this port.
    pub check: TargetCheck,
}

/// `x-aws-routing` of a port: request conditions (all must match; any value of each).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Routing {
    /// `hosts`: host names (`api.example.com`, `*.example.com`).
    pub hosts: Vec<String>,
    /// `paths`: path patterns (`/api/*`).
    pub paths: Vec<String>,
    /// `priority`: the rule's place among the listener's rules (lowest first).
    pub priority: Option<u32>,
}

/// `x-aws-healthcheck` of a port: the load balancer's health check (each field optional).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetCheck {
    /// `path`: an HTTP path checks over HTTP, on a Network Load Balancer too.
    pub path: Option<String>,
    /// `matcher`: HTTP codes counted as healthy (`200`, `200-399`, `200,302`).
    pub matcher: Option<String>,
    /// `port`: the container port checked (default: the traffic port).
    pub port: Option<u16>,
    /// `interval`, seconds.
    pub interval: Option<u64>,
    /// `timeout`, seconds.
    pub timeout: Option<u64>,
    /// `healthy_threshold`: consecutive successes that make a target healthy.
    pub healthy_threshold: Option<u64>,
    /// `unhealthy_threshold`: consecutive failures that make it unhealthy.
    pub unhealthy_threshold: Option<u64>,
}

impl Port {
    /// What the load balancer speaks to clients on this port, when it is a web port
    /// (`None`: plain TCP or UDP). compose-cli's rule, extended: `x-aws-protocol` decides;
    /// without it, a TCP port published on 443 is HTTPS when the project has a
    /// certificate, and a TCP port published on or forwarding to 80 is HTTP. (Port 443
    /// without a certificate is TLS passthrough: see docs/load-balancing.md.)
    pub fn web(&self, certificate: bool) -> Option<Web> {
        match self.x_protocol.as_deref() {
            Some("http") => Some(Web::Http),
            Some("https") => Some(Web::Https),
            Some(_) => None,
            None if self.protocol != Protocol::Tcp => None,
            None if self.published == 443 && certificate => Some(Web::Https),
            None if self.published == 80 || self.target == 80 => Some(Web::Http),
            None => None,
        }
    }
}

impl Port {
    /// The container ports and protocols the load balancer reaches on a task: the traffic
    /// port, and the health-check port over TCP when it differs or the port is UDP (UDP
    /// targets are checked over TCP).
    pub fn reached(&self) -> BTreeSet<(u16, Protocol)> {
        let mut out = BTreeSet::from([(self.target, self.protocol)]);
        if self.protocol == Protocol::Udp || self.check.port.is_some() {
            out.insert((self.check.port.unwrap_or(self.target), Protocol::Tcp));
        }
        out
    }
}

/// A web port's protocol towards clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Web {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS, terminated by the load balancer.
    Https,
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
    pub host: super::host::HostAccess,
    /// ECS Exec and alarm thresholds (docs/operations.md).
    pub operations: super::operations::ServiceOperations,
    /// Run once to completion in each deployment, not as an ECS service
    /// (`restart: "no"`/`on-failure`, or awaited with `service_completed_successfully`).
    pub job: Option<super::jobs::Job>,
    /// `deploy.x-aws-schedule`: run on an EventBridge Scheduler schedule, not as an ECS
    /// service.
    pub schedule: Option<super::schedule::Schedule>,
    /// `network_mode`/`ipc`/`pid: service:X` and `volumes_from`: the services whose
    /// namespaces or volumes this one shares (`compose::groups`).
    pub shares: Vec<super::groups::Link>,
    /// The group of containers sharing a task this service belongs to, if any.
    pub group: Option<super::groups::Grouping>,
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

/// An image's own configuration, as `docker image inspect` reports it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ImageConfig {
    /// `Config.ExposedPorts`.
    pub exposed: BTreeSet<(u16, Protocol)>,
    /// `Config.User`, when set (`postgres`, `1000`, `1000:1000`).
    pub user: Option<String>,
    /// `Architecture` (`amd64`, `arm64`).
    pub architecture: Option<String>,
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

/// The metric a service scales on (`deploy.x-aws-autoscaling`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScaleMetric {
    /// `cpu`: average CPU utilisation, percent.
    Cpu(f64),
    /// `memory`: average memory utilisation, percent.
    Memory(f64),
    /// `requests`: load balancer requests per task (Application Load Balancer only).
    Requests(f64),
}

/// `deploy.x-aws-autoscaling`.
#[derive(Clone, Debug, PartialEq)]
pub struct Autoscaling {
    /// `min`: fewest tasks (0 allowed).
    pub min: u32,
    /// `max`: most tasks.
    pub max: u32,
    /// The target tracked.
    pub metric: ScaleMetric,
    /// `scale_in_cooldown`, seconds.
    pub scale_in_cooldown: Option<u64>,
    /// `scale_out_cooldown`, seconds.
    pub scale_out_cooldown: Option<u64>,
    /// Where it was written (`services.web.deploy.x-aws-autoscaling`).
    pub path: String,
}

/// How many GPUs a service reserves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpuCount {
    /// A number of GPUs.
    Count(u32),
    /// `count: all`: every GPU of the instance.
    All,
}

/// Where a service's tasks run: a capacity provider and its share (`x-aws-capacity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    /// Fargate, on demand.
    Fargate,
    /// Fargate Spot.
    FargateSpot,
    /// The project's EC2 capacity.
    Ec2,
}

/// One item of a capacity provider strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// The provider.
    pub provider: Provider,
    /// `weight`: relative share of the tasks beyond `base`.
    pub weight: u32,
    /// `base`: tasks placed on this provider first.
    pub base: u32,
}

/// The network mode a service asks for (`network_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkMode {
    /// `awsvpc` (Fargate's only mode): one network interface per task.
    Awsvpc,
    /// `bridge` (the default on EC2): Docker's bridge on the instance, dynamic host ports.
    Bridge,
    /// `host`: the instance's network, container port = host port.
    Host,
}

/// What a service asks of the compute that runs it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Compute {
    /// GPUs reserved (`devices` with `capabilities: [gpu]`, or `generic_resources`).
    pub gpus: Option<GpuCount>,
    /// Where the GPU request was written.
    pub gpus_path: String,
    /// `node.machine == <type>` from `deploy.placement.constraints`.
    pub machine: Option<String>,
    /// `node.ami == <id>` from `deploy.placement.constraints`.
    pub ami: Option<String>,
    /// `deploy.x-aws-capacity`, when set.
    pub capacity: Option<Vec<Share>>,
    /// `network_mode`, when set (the default depends on where the service runs).
    pub network_mode: Option<NetworkMode>,
    /// CPU reservation in thousandths of a vCPU (sizes the EC2 instance).
    pub reserved_cpus: Option<u64>,
    /// Memory reservation in MiB (sizes the EC2 instance).
    pub reserved_memory: Option<u64>,
    /// `deploy.mode: global`: one task on each EC2 instance.
    pub global: bool,
}
