//! What a service asks of the compute that runs it: capacity, GPUs, autoscaling, network mode.

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
