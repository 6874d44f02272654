//! The support table: the decided fate of every key the Compose specification defines,
//! plus the `x-aws-*` extensions. `validate::support` walks a Compose document with it,
//! and `docs/compose-support.md` is rendered from it (a test keeps the two equal).
//!
//! Paths are written from the Compose root: `*` stands for a name the user chooses (a
//! service, a network, an environment variable...), `[]` for the items of a list. A key
//! whose value may be a string or a mapping (`ports`, `build`, `depends_on.*`, ...) lists
//! the keys of its mapping form under it.
//!
//! Fates are applied by presence: a key set to its Compose default (`false`, `0`, an empty
//! list or mapping, `null`) requests nothing and gets no diagnostic.

/// What happens to a Compose key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fate {
    /// Converted to CloudFormation (`target` says where).
    Mapped,
    /// Ignored with a warning (`note` is the warning text).
    Warned,
    /// Rejected with an error (`note` is the error text).
    Rejected,
}

/// One row of the support table.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Path pattern from the Compose root, e.g. `services.*.ports[].host_ip`.
    pub path: &'static str,
    /// What happens to the key.
    pub fate: Fate,
    /// CloudFormation target (`AWS::ECS::TaskDefinition ContainerDefinitions[].User`), or "".
    pub target: &'static str,
    /// For `Warned`/`Rejected`: the message shown to the user, in the house style (lower
    /// case, no trailing period, keys in backticks, the fix when there is one). For
    /// `Mapped`: a short note for the docs (may be empty).
    pub note: &'static str,
}

const fn mapped(path: &'static str, target: &'static str, note: &'static str) -> Entry {
    Entry {
        path,
        fate: Fate::Mapped,
        target,
        note,
    }
}

const fn warned(path: &'static str, note: &'static str) -> Entry {
    Entry {
        path,
        fate: Fate::Warned,
        target: "",
        note,
    }
}

const fn rejected(path: &'static str, note: &'static str) -> Entry {
    Entry {
        path,
        fate: Fate::Rejected,
        target: "",
        note,
    }
}

/// A property of the service's container definition.
macro_rules! container {
    ($property:literal) => {
        concat!(
            "AWS::ECS::TaskDefinition ContainerDefinitions[].",
            $property
        )
    };
}

// Messages shared by a key and its sub-keys.
const INCLUDE: &str =
    "the macro cannot read other files; copy the included services into this document";
const MODELS: &str =
    "language models are not supported; run the model server as a service with an `image`";
const DEVELOP: &str = "ignored: watch mode is a development feature of `docker compose`";
const ROLLBACK: &str = "ignored: the deployment circuit breaker rolls back a failed deployment";
const RESTART_POLICY: &str = "ignored: ECS restarts failed tasks itself";
const GPU: &str = "write the GPU request as `deploy.resources.reservations.devices: [{capabilities: [gpu], count: N}]`, which runs the service on EC2 GPU capacity";
const PLACEMENT: &str = "ignored: ECS places tasks itself";
const BUILD_KEY: &str = "ignored: `compose-to-ecs package` builds with `context`, `dockerfile`, `dockerfile_inline`, `target`, `args` and the service's `platform`";
const BUILD_USED: &str = "read by `compose-to-ecs package` to build the image";
const BLKIO: &str = "ignored: Fargate has no block IO controls";
const CPU_SIZE: &str = "ignored: size the task with `deploy.resources.limits.cpus` instead";
const CPU_RT: &str = "ignored: Fargate has no real-time scheduling";
const CREDENTIAL_SPEC: &str =
    "credential specs (gMSA) need Windows containers on EC2, which are not supported";
const DEVICES: &str = "a host device, on EC2 capacity only (docs/compute.md)";
const PROVIDER: &str = "provider services are delegated to a `docker compose` plugin, which ECS does not have; create the resource in the surrounding CloudFormation template instead";
const STATIC_IP: &str = "tasks in `awsvpc` mode get their addresses from the subnet, so a fixed address cannot be set; reach the service by its name";
const NO_MAC: &str = "ignored: Fargate assigns the network interface's MAC address";
const NO_SWAP: &str = "ignored: Fargate tasks have no swap";
const NO_PIDS_LIMIT: &str = "ignored: ECS has no limit on the number of processes";
const POST_START: &str =
    "lifecycle hooks are not available on ECS; run the command from the container's entrypoint";
const PRE_STOP: &str =
    "lifecycle hooks are not available on ECS; handle `SIGTERM` in the container instead";
const PULL: &str = "ignored: ECS pulls the image each time a task starts";
const IMAGE_MOUNT: &str =
    "image mounts are not available on ECS; copy the files into the service's own image";
const IPAM: &str = "ignored: tasks get their addresses from the VPC's subnets";
const FILES: &str = "a file the helper container `<Service>_Secrets_InitContainer` writes into a task-local volume before the container starts, mounted read-only at the file's directory";

/// Every key with its fate, in document order (top level, then each section).
#[rustfmt::skip]
pub static TABLE: &[Entry] = &[
    // Top level.
    warned("version", "obsolete: ignored, as `docker compose` ignores it"),
    mapped("name", "AWS::ECS::Cluster ClusterName", "project name: cluster name, task family prefix, Cloud Map namespace"),
    rejected("include", INCLUDE),
    mapped("services", "", "the project's services"),
    rejected("models", MODELS),
    mapped("networks", "AWS::EC2::SecurityGroup", "one security group per network; its members reach each other"),
    mapped("volumes", "AWS::EFS::FileSystem", "one Amazon EFS file system per volume a service mounts"),
    mapped("secrets", "AWS::SecretsManager::Secret", "existing secrets and parameters, or new secrets (see docs/secrets.md)"),
    mapped("configs", "", "file contents the services' helper containers write (see docs/secrets.md)"),
    mapped("x-aws-cluster", "AWS::ECS::Service Cluster", "an existing cluster (name or ARN) instead of a new one"),
    mapped("x-aws-vpc", "AWS::EC2::SecurityGroup VpcId", "an existing VPC instead of a new one"),
    mapped("x-aws-loadbalancer", "AWS::ElasticLoadBalancingV2::Listener LoadBalancerArn", "an existing load balancer instead of a new one"),
    mapped("x-aws-certificate", "AWS::ElasticLoadBalancingV2::Listener Certificates", "an ACM certificate ARN, or a list (the first is the default, the others are served by SNI): port 443 and `x-aws-protocol: https` become HTTPS listeners (docs/load-balancing.md)"),
    mapped("x-aws-loadbalancer_scheme", "AWS::ElasticLoadBalancingV2::LoadBalancer Scheme", "`internet-facing` (default) or `internal`: reachable from the VPC only"),
    mapped("x-aws-loadbalancer_sources", "AWS::EC2::SecurityGroup SecurityGroupIngress", "CIDR blocks and prefix lists allowed to reach the listener ports (default: anywhere; internal: the VPC)"),
    mapped("x-aws-listeners", "AWS::ElasticLoadBalancingV2::ListenerRule ListenerArn", "existing listeners of `x-aws-loadbalancer`, by published port: the services' routing rules are added to them"),
    mapped("x-aws-http_redirect", "AWS::ElasticLoadBalancingV2::Listener DefaultActions", "`false` keeps port 80 serving HTTP when port 443 is HTTPS (default: 80 redirects to HTTPS)"),
    mapped("x-aws-logs_retention", "AWS::Logs::LogGroup RetentionInDays", ""),
    mapped("x-aws-init_image", container!("Image"), "the image of the helper container that writes secret and config files (default: a multi-arch `python` image from ECR Public, pinned by tag; see docs/security.md); it needs `python3`; tasks without a NAT gateway need it in your ECR (a pull-through cache), named here"),
    mapped("x-aws-kms_key", "AWS::SecretsManager::Secret KmsKeyId", "the customer managed key (ARN or id) encrypting the secrets the project creates for environment variables and configs holding a `NoEcho` parameter (default: Secrets Manager's AWS managed key); execution roles may `kms:Decrypt` with exactly that key"),
    mapped("x-aws-capacity", "AWS::ECS::Service CapacityProviderStrategy", "every service's default: `fargate`, `fargate_spot`, `ec2`, or a list of `{provider, weight, base}` (docs/compute.md)"),
    mapped("x-aws-cloudformation", "the generated resources, by logical ID", "an overlay, as compose-cli's: a partial template merged onto the project's resources by compose-cli's logical IDs (`WebService`); lists merge by identity (docs/migrating-from-docker-ecs.md)"),
    mapped("x-aws-private_subnets", "AWS::EC2::NatGateway", "`true`: the VPC the project creates gets two private subnets behind one NAT gateway (`nat_per_az`: one per availability zone) for the tasks and instances, none of which gets a public address; the load balancer stays in the public subnets (docs/compute.md)"),
    mapped("x-aws-alarms", "AWS::CloudWatch::Alarm", "alarms to e-mail: an e-mail address, an SNS topic ARN, or a mapping; the `Alarms` property wins over it (docs/operations.md)"),
    mapped("x-aws-alarms.email", "AWS::SNS::Subscription Endpoint", "one address or a list, subscribed to the project's alarm topic (each confirms by e-mail)"),
    mapped("x-aws-alarms.topic", "AWS::CloudWatch::Alarm AlarmActions", "an existing SNS topic ARN alarms notify instead of a topic of the project's own"),
    mapped("x-aws-alarms.rollback", "AWS::ECS::Service DeploymentConfiguration.Alarms", "`true`: a deployment rolls back when the service's alarms fire (default `false`)"),
    mapped("x-aws-alarms.periods", "AWS::CloudWatch::Alarm EvaluationPeriods", "minutes a condition lasts before an alarm fires, default 5"),
    mapped("x-aws-alarms.load_balancer_5xx", "AWS::CloudWatch::Alarm Threshold", "the load balancer's own 5XX responses a minute, default 10; `false`: no such alarm"),
    mapped("x-aws-dashboard", "AWS::CloudWatch::Dashboard", "`true` or `false` (default: a dashboard when alarms are on)"),
    mapped("x-aws-exec", "AWS::ECS::Service EnableExecuteCommand", "`true`: every service accepts ECS Exec sessions (`aws ecs execute-command`), logged to the project's log group"),
    mapped("x-aws-container_insights", "AWS::ECS::Cluster ClusterSettings", "`enhanced` (default), `enabled` or `disabled`: Container Insights on the cluster the project creates"),
    rejected("include[]", INCLUDE),
    rejected("include[].path", INCLUDE),
    rejected("include[].env_file", INCLUDE),
    rejected("include[].project_directory", INCLUDE),
    rejected("models.*", MODELS),
    rejected("models.*.name", MODELS),
    rejected("models.*.model", MODELS),
    rejected("models.*.context_size", MODELS),
    rejected("models.*.runtime_flags", MODELS),
    // Services.
    mapped("services.*", "AWS::ECS::Service", "one ECS service and one task definition (Fargate, `awsvpc`) per service"),
    warned("services.*.develop", DEVELOP),
    warned("services.*.develop.watch", DEVELOP),
    warned("services.*.develop.watch[]", DEVELOP),
    warned("services.*.develop.watch[].ignore", DEVELOP),
    warned("services.*.develop.watch[].include", DEVELOP),
    warned("services.*.develop.watch[].path", DEVELOP),
    warned("services.*.develop.watch[].action", DEVELOP),
    warned("services.*.develop.watch[].target", DEVELOP),
    warned("services.*.develop.watch[].exec", DEVELOP),
    warned("services.*.develop.watch[].exec.command", DEVELOP),
    warned("services.*.develop.watch[].exec.user", DEVELOP),
    warned("services.*.develop.watch[].exec.privileged", DEVELOP),
    warned("services.*.develop.watch[].exec.working_dir", DEVELOP),
    warned("services.*.develop.watch[].exec.environment", DEVELOP),
    mapped("services.*.deploy", "AWS::ECS::Service", ""),
    mapped("services.*.deploy.mode", "AWS::ECS::Service SchedulingStrategy", "`replicated` (the default); `global` on EC2 capacity: `DAEMON`, one task on each instance, no desired count (an error on Fargate)"),
    warned("services.*.deploy.endpoint_mode", "ignored: services reach each other through Cloud Map DNS and the load balancer"),
    mapped("services.*.deploy.replicas", "AWS::ECS::Service DesiredCount", "none with `x-aws-autoscaling`"),
    warned("services.*.deploy.labels", "ignored: ECS services have no labels; use `labels` for container labels"),
    warned("services.*.deploy.rollback_config", ROLLBACK),
    warned("services.*.deploy.rollback_config.parallelism", ROLLBACK),
    warned("services.*.deploy.rollback_config.delay", ROLLBACK),
    warned("services.*.deploy.rollback_config.failure_action", ROLLBACK),
    warned("services.*.deploy.rollback_config.monitor", ROLLBACK),
    warned("services.*.deploy.rollback_config.max_failure_ratio", ROLLBACK),
    warned("services.*.deploy.rollback_config.order", ROLLBACK),
    mapped("services.*.deploy.update_config", "AWS::ECS::Service DeploymentConfiguration", ""),
    mapped("services.*.deploy.update_config.parallelism", "AWS::ECS::Service DeploymentConfiguration", "with `replicas`, gives MinimumHealthyPercent and MaximumPercent"),
    warned("services.*.deploy.update_config.delay", "ignored: ECS has no pause between batches; it replaces tasks as soon as the new ones are healthy"),
    mapped("services.*.deploy.update_config.failure_action", "AWS::ECS::Service DeploymentConfiguration.DeploymentCircuitBreaker", "`rollback` (default), `pause` or `continue`"),
    warned("services.*.deploy.update_config.monitor", "ignored: the deployment circuit breaker watches the new tasks itself"),
    warned("services.*.deploy.update_config.max_failure_ratio", "ignored: the deployment circuit breaker decides when a deployment failed"),
    mapped("services.*.deploy.update_config.order", "AWS::ECS::Service DeploymentConfiguration", "`stop-first` stops old tasks before starting new ones, the default for a service that writes a named volume"),
    mapped("services.*.deploy.update_config.x-aws-min_percent", "AWS::ECS::Service DeploymentConfiguration.MinimumHealthyPercent", "wins over `parallelism`"),
    mapped("services.*.deploy.update_config.x-aws-max_percent", "AWS::ECS::Service DeploymentConfiguration.MaximumPercent", "wins over `parallelism`"),
    mapped("services.*.deploy.resources", "AWS::ECS::TaskDefinition Cpu", "on Fargate, the smallest Fargate size that fits; on EC2, the size asked for (docs/compute.md)"),
    mapped("services.*.deploy.resources.limits", "AWS::ECS::TaskDefinition Cpu", ""),
    mapped("services.*.deploy.resources.limits.cpus", "AWS::ECS::TaskDefinition Cpu", "rounded up to a Fargate size on Fargate; CPU units on EC2"),
    mapped("services.*.deploy.resources.limits.memory", "AWS::ECS::TaskDefinition Memory", "rounded up to a Fargate size on Fargate; MiB on EC2"),
    warned("services.*.deploy.resources.limits.pids", NO_PIDS_LIMIT),
    mapped("services.*.deploy.resources.reservations", "", ""),
    mapped("services.*.deploy.resources.reservations.cpus", "AWS::ECS::TaskDefinition Cpu", "sizes the task when no limit is set, and sizes the EC2 instances"),
    mapped("services.*.deploy.resources.reservations.memory", container!("MemoryReservation"), "also sizes the task when no limit is set"),
    mapped("services.*.deploy.resources.reservations.generic_resources", container!("ResourceRequirements"), "`discrete_resource_spec: {kind: gpu, value: N}` reserves N GPUs: the service runs on EC2 GPU capacity (docs/compute.md)"),
    mapped("services.*.deploy.resources.reservations.generic_resources[]", container!("ResourceRequirements"), ""),
    mapped("services.*.deploy.resources.reservations.generic_resources[].discrete_resource_spec", container!("ResourceRequirements"), ""),
    mapped("services.*.deploy.resources.reservations.generic_resources[].discrete_resource_spec.kind", container!("ResourceRequirements"), "`gpu` (or `gpus`) only"),
    mapped("services.*.deploy.resources.reservations.generic_resources[].discrete_resource_spec.value", container!("ResourceRequirements[].Value"), "GPUs per task"),
    mapped("services.*.deploy.resources.reservations.devices", container!("ResourceRequirements"), "a device with `capabilities: [gpu]` reserves GPUs: the service runs on EC2 GPU capacity (docs/compute.md)"),
    mapped("services.*.deploy.resources.reservations.devices[]", container!("ResourceRequirements"), ""),
    mapped("services.*.deploy.resources.reservations.devices[].capabilities", container!("ResourceRequirements"), "must include `gpu`"),
    mapped("services.*.deploy.resources.reservations.devices[].count", container!("ResourceRequirements[].Value"), "a number, or `all`: every GPU of the chosen instance type"),
    mapped("services.*.deploy.resources.reservations.devices[].device_ids", container!("ResourceRequirements[].Value"), "ECS cannot pin GPUs by id: reserves as many GPUs as ids, with a warning"),
    mapped("services.*.deploy.resources.reservations.devices[].driver", "", "`nvidia` only"),
    warned("services.*.deploy.resources.reservations.devices[].options", "ignored: ECS passes no driver options to GPUs"),
    warned("services.*.deploy.restart_policy", RESTART_POLICY),
    warned("services.*.deploy.restart_policy.condition", RESTART_POLICY),
    warned("services.*.deploy.restart_policy.delay", RESTART_POLICY),
    warned("services.*.deploy.restart_policy.max_attempts", RESTART_POLICY),
    warned("services.*.deploy.restart_policy.window", RESTART_POLICY),
    mapped("services.*.deploy.placement", "", "constraints choose the EC2 instances; the rest is ignored"),
    mapped("services.*.deploy.placement.constraints", "AWS::EC2::LaunchTemplate LaunchTemplateData", "`node.machine == <type>` sets InstanceType, `node.ami == <id>` sets ImageId (EC2 services); other constraints are ignored with a warning"),
    warned("services.*.deploy.placement.preferences", PLACEMENT),
    warned("services.*.deploy.placement.preferences[]", PLACEMENT),
    warned("services.*.deploy.placement.preferences[].spread", PLACEMENT),
    warned("services.*.deploy.placement.max_replicas_per_node", PLACEMENT),
    mapped("services.*.deploy.x-aws-healthcheck_grace_period", "AWS::ECS::Service HealthCheckGracePeriodSeconds", "how long a new task may fail the load balancer's health checks (default: 60s, or the `healthcheck`'s `start_period` when longer)"),
    mapped("services.*.deploy.x-aws-autoscaling", "AWS::ApplicationAutoScaling::ScalableTarget", "target tracking on one metric (docs/compute.md)"),
    mapped("services.*.deploy.x-aws-autoscaling.min", "AWS::ApplicationAutoScaling::ScalableTarget MinCapacity", "default 0"),
    mapped("services.*.deploy.x-aws-autoscaling.max", "AWS::ApplicationAutoScaling::ScalableTarget MaxCapacity", "required"),
    mapped("services.*.deploy.x-aws-autoscaling.cpu", "AWS::ApplicationAutoScaling::ScalingPolicy TargetTrackingScalingPolicyConfiguration", "average CPU utilisation target, percent"),
    mapped("services.*.deploy.x-aws-autoscaling.memory", "AWS::ApplicationAutoScaling::ScalingPolicy TargetTrackingScalingPolicyConfiguration", "average memory utilisation target, percent"),
    mapped("services.*.deploy.x-aws-autoscaling.requests", "AWS::ApplicationAutoScaling::ScalingPolicy TargetTrackingScalingPolicyConfiguration", "Application Load Balancer requests per task"),
    mapped("services.*.deploy.x-aws-autoscaling.scale_in_cooldown", "AWS::ApplicationAutoScaling::ScalingPolicy TargetTrackingScalingPolicyConfiguration.ScaleInCooldown", "seconds, default 60"),
    mapped("services.*.deploy.x-aws-autoscaling.scale_out_cooldown", "AWS::ApplicationAutoScaling::ScalingPolicy TargetTrackingScalingPolicyConfiguration.ScaleOutCooldown", "seconds, default 60"),
    mapped("services.*.deploy.x-aws-alarms", "AWS::CloudWatch::Alarm", "the service's alarm thresholds, or `false` for none (docs/operations.md)"),
    mapped("services.*.deploy.x-aws-alarms.cpu", "AWS::CloudWatch::Alarm Threshold", "average CPU utilisation, percent, default 80; `false`: no such alarm"),
    mapped("services.*.deploy.x-aws-alarms.memory", "AWS::CloudWatch::Alarm Threshold", "average memory utilisation, percent, default 80; `false`: no such alarm"),
    mapped("services.*.deploy.x-aws-alarms.running_tasks", "AWS::CloudWatch::Alarm Threshold", "tasks missing (desired minus running) tolerated, default 0; `false`: no such alarm"),
    mapped("services.*.deploy.x-aws-alarms.target_5xx", "AWS::CloudWatch::Alarm Threshold", "5XX responses a minute from the service's tasks, default 10 (Application Load Balancer)"),
    mapped("services.*.deploy.x-aws-alarms.unhealthy_targets", "AWS::CloudWatch::Alarm Threshold", "tasks failing the load balancer's health check tolerated, default 0"),
    mapped("services.*.deploy.x-aws-alarms.response_time", "AWS::CloudWatch::Alarm Threshold", "95th percentile response time, default `2s` (Application Load Balancer)"),
    mapped("services.*.deploy.x-aws-alarms.periods", "AWS::CloudWatch::Alarm EvaluationPeriods", "minutes, wins over `x-aws-alarms.periods`"),
    mapped("services.*.deploy.x-aws-alarms.rollback", "AWS::ECS::Service DeploymentConfiguration.Alarms", "wins over `x-aws-alarms.rollback`"),
    mapped("services.*.deploy.x-aws-schedule", "AWS::Scheduler::Schedule", "runs the service's task on an EventBridge Scheduler schedule instead of as an ECS service: an expression, or a mapping (docs/operations.md, Scheduled jobs)"),
    mapped("services.*.deploy.x-aws-schedule.expression", "AWS::Scheduler::Schedule ScheduleExpression", "`cron(min hour day month weekday year)`, `rate(5 minutes)` or `at(yyyy-mm-ddThh:mm:ss)`"),
    mapped("services.*.deploy.x-aws-schedule.timezone", "AWS::Scheduler::Schedule ScheduleExpressionTimezone", "an IANA time zone (default UTC)"),
    mapped("services.*.deploy.x-aws-schedule.flexible_window", "AWS::Scheduler::Schedule FlexibleTimeWindow", "how late a run may start, `1m` to `24h` (default: on time)"),
    mapped("services.*.deploy.x-aws-schedule.retries", "AWS::Scheduler::Schedule Target.RetryPolicy", "retries of a run Scheduler could not start, 0 to 185 (default 0); what still fails goes to a dead-letter queue"),
    mapped("services.*.deploy.x-aws-capacity", "AWS::ECS::Service CapacityProviderStrategy", "`fargate`, `fargate_spot`, `ec2`, or a list of `{provider, weight, base}`; wins over the top-level `x-aws-capacity`"),
    warned("services.*.annotations", "ignored: ECS containers have no annotations; use `labels`"),
    warned("services.*.attach", "ignored: logs always go to CloudWatch Logs"),
    mapped("services.*.build", container!("Image"), "without `image`: the image `compose-to-ecs package --image-repository <ECR repository URI>` builds and pushes (see docs/local-files.md); with `image`, ignored with a warning"),
    mapped("services.*.build.context", "", BUILD_USED),
    mapped("services.*.build.dockerfile", "", BUILD_USED),
    mapped("services.*.build.dockerfile_inline", "", BUILD_USED),
    warned("services.*.build.entitlements", BUILD_KEY),
    mapped("services.*.build.args", "", BUILD_USED),
    warned("services.*.build.ssh", BUILD_KEY),
    warned("services.*.build.labels", BUILD_KEY),
    warned("services.*.build.cache_from", BUILD_KEY),
    warned("services.*.build.cache_to", BUILD_KEY),
    warned("services.*.build.no_cache", BUILD_KEY),
    warned("services.*.build.additional_contexts", BUILD_KEY),
    warned("services.*.build.network", BUILD_KEY),
    warned("services.*.build.provenance", BUILD_KEY),
    warned("services.*.build.sbom", BUILD_KEY),
    warned("services.*.build.pull", BUILD_KEY),
    mapped("services.*.build.target", "", BUILD_USED),
    warned("services.*.build.shm_size", BUILD_KEY),
    warned("services.*.build.extra_hosts", BUILD_KEY),
    warned("services.*.build.isolation", BUILD_KEY),
    warned("services.*.build.privileged", BUILD_KEY),
    warned("services.*.build.secrets", BUILD_KEY),
    warned("services.*.build.secrets[]", BUILD_KEY),
    warned("services.*.build.secrets[].source", BUILD_KEY),
    warned("services.*.build.secrets[].target", BUILD_KEY),
    warned("services.*.build.secrets[].uid", BUILD_KEY),
    warned("services.*.build.secrets[].gid", BUILD_KEY),
    warned("services.*.build.secrets[].mode", BUILD_KEY),
    warned("services.*.build.tags", BUILD_KEY),
    warned("services.*.build.ulimits", BUILD_KEY),
    warned("services.*.build.ulimits.*", BUILD_KEY),
    warned("services.*.build.ulimits.*.hard", BUILD_KEY),
    warned("services.*.build.ulimits.*.soft", BUILD_KEY),
    mapped("services.*.build.platforms", "", "read by `compose-to-ecs package`: the task's platform (`platform`, default `linux/amd64`) must be one of them; the image is built for that one"),
    warned("services.*.blkio_config", BLKIO),
    warned("services.*.blkio_config.device_read_bps", BLKIO),
    warned("services.*.blkio_config.device_read_bps[]", BLKIO),
    warned("services.*.blkio_config.device_read_bps[].path", BLKIO),
    warned("services.*.blkio_config.device_read_bps[].rate", BLKIO),
    warned("services.*.blkio_config.device_read_iops", BLKIO),
    warned("services.*.blkio_config.device_read_iops[]", BLKIO),
    warned("services.*.blkio_config.device_read_iops[].path", BLKIO),
    warned("services.*.blkio_config.device_read_iops[].rate", BLKIO),
    warned("services.*.blkio_config.device_write_bps", BLKIO),
    warned("services.*.blkio_config.device_write_bps[]", BLKIO),
    warned("services.*.blkio_config.device_write_bps[].path", BLKIO),
    warned("services.*.blkio_config.device_write_bps[].rate", BLKIO),
    warned("services.*.blkio_config.device_write_iops", BLKIO),
    warned("services.*.blkio_config.device_write_iops[]", BLKIO),
    warned("services.*.blkio_config.device_write_iops[].path", BLKIO),
    warned("services.*.blkio_config.device_write_iops[].rate", BLKIO),
    warned("services.*.blkio_config.weight", BLKIO),
    warned("services.*.blkio_config.weight_device", BLKIO),
    warned("services.*.blkio_config.weight_device[]", BLKIO),
    warned("services.*.blkio_config.weight_device[].path", BLKIO),
    warned("services.*.blkio_config.weight_device[].weight", BLKIO),
    mapped("services.*.cap_add", container!("LinuxParameters.Capabilities.Add"), "on Fargate only `SYS_PTRACE`; on EC2 capacity any capability ECS knows, or `ALL`"),
    mapped("services.*.cap_drop", container!("LinuxParameters.Capabilities.Drop"), ""),
    warned("services.*.cgroup", "ignored: Fargate gives each task its own cgroup namespace"),
    warned("services.*.cgroup_parent", "ignored: Fargate manages the task's cgroups"),
    mapped("services.*.command", container!("Command"), "a `NoEcho` parameter in it is an error (it would be readable in the task definition): pass it through `environment`"),
    mapped("services.*.configs", container!("MountPoints"), FILES),
    mapped("services.*.configs[]", container!("MountPoints"), "short syntax: the name of a top-level config, at `target` (default `/<config name>`)"),
    mapped("services.*.configs[].source", "", "the top-level config"),
    mapped("services.*.configs[].target", container!("MountPoints[].ContainerPath"), "the file's path, at `target` (default `/<config name>`); its directory becomes a volume holding only the service's secret and config files"),
    mapped("services.*.configs[].uid", "", "numeric owner of the file (default 0)"),
    mapped("services.*.configs[].gid", "", "numeric group of the file (default 0)"),
    mapped("services.*.configs[].mode", "", "file mode in octal, like `0440` (default `0444`)"),
    mapped("services.*.container_name", "AWS::ECS::Service ServiceConnectConfiguration.Services[].ClientAliases", "other services reach the service by this name too (a Service Connect alias on each of its ports); ECS names the container after the service"),
    warned("services.*.cpu_count", CPU_SIZE),
    warned("services.*.cpu_percent", CPU_SIZE),
    warned("services.*.cpu_shares", CPU_SIZE),
    warned("services.*.cpu_quota", CPU_SIZE),
    warned("services.*.cpu_period", CPU_SIZE),
    warned("services.*.cpu_rt_period", CPU_RT),
    warned("services.*.cpu_rt_runtime", CPU_RT),
    mapped("services.*.cpus", "AWS::ECS::TaskDefinition Cpu", "as `deploy.resources.limits.cpus`"),
    warned("services.*.cpuset", "ignored: Fargate does not pin tasks to CPUs"),
    rejected("services.*.credential_spec", CREDENTIAL_SPEC),
    rejected("services.*.credential_spec.config", CREDENTIAL_SPEC),
    rejected("services.*.credential_spec.file", CREDENTIAL_SPEC),
    rejected("services.*.credential_spec.registry", CREDENTIAL_SPEC),
    mapped("services.*.depends_on", "AWS::ECS::Service DependsOn", "the dependency's ECS service is created first"),
    mapped("services.*.depends_on.*", "AWS::ECS::Service DependsOn", ""),
    mapped("services.*.depends_on.*.restart", "", "nothing to do: each service runs in its own tasks"),
    mapped("services.*.depends_on.*.required", "", "an optional dependency is still created first"),
    mapped("services.*.depends_on.*.condition", "AWS::ECS::Service DependsOn", "`service_completed_successfully`: the dependency runs as a job, which completes before the service is created or updated; a failed job fails the deployment. Between containers of one task (`network_mode: service:`, `volumes_from`): the container's `DependsOn`, `START`, `HEALTHY` or `SUCCESS`"),
    rejected("services.*.device_cgroup_rules", "device cgroup rules are not available on ECS; list the devices the container needs under `devices` (EC2 capacity)"),
    mapped("services.*.devices", container!("LinuxParameters.Devices"), DEVICES),
    mapped("services.*.devices[]", container!("LinuxParameters.Devices[]"), "`/dev/x[:/dev/y[:rwm]]`, or the long syntax"),
    mapped("services.*.devices[].source", container!("LinuxParameters.Devices[].HostPath"), ""),
    mapped("services.*.devices[].target", container!("LinuxParameters.Devices[].ContainerPath"), ""),
    mapped("services.*.devices[].permissions", container!("LinuxParameters.Devices[].Permissions"), "`r`, `w`, `m`: `read`, `write`, `mknod`"),
    rejected("services.*.dns", "tasks in `awsvpc` mode use the VPC resolver; set DNS servers in the VPC's DHCP options instead"),
    rejected("services.*.dns_opt", "tasks in `awsvpc` mode use the VPC resolver, whose options cannot be set"),
    rejected("services.*.dns_search", "tasks in `awsvpc` mode use the VPC resolver; set search domains in the VPC's DHCP options instead"),
    warned("services.*.domainname", "ignored: tasks in `awsvpc` mode take their domain name from the VPC"),
    mapped("services.*.entrypoint", container!("EntryPoint"), ""),
    mapped("services.*.env_file", container!("Environment"), "the variables of the env files `compose-to-ecs package` read (Compose's syntax; a later file wins, `environment` wins over all); a credential-like name gets a warning (see docs/local-files.md)"),
    mapped("services.*.env_file[]", container!("Environment"), "a path, or `{path, required, format}`"),
    mapped("services.*.env_file[].path", "", "relative to the Compose file's folder"),
    mapped("services.*.env_file[].format", "", "`raw`: `KEY=VALUE` lines taken literally, without quotes or interpolation"),
    mapped("services.*.env_file[].required", "", "`false`: a missing file is skipped"),
    rejected("services.*.label_file", "the macro cannot read files; inline the labels under `labels`"),
    mapped("services.*.environment", container!("Environment"), "a variable whose value holds a `NoEcho` parameter (whole or in a string) goes to the container's `Secrets`, from a secret the project creates (`<P><Svc><Var>EnvironmentSecret`)"),
    mapped("services.*.expose", container!("PortMappings"), "reachable by the services on the same networks"),
    mapped("services.*.extends", "", "resolved when the document is loaded"),
    mapped("services.*.extends.service", "", ""),
    mapped("services.*.extends.file", "", "the base service from another Compose file that `compose-to-ecs package` read; its relative paths are rebased on the project folder"),
    rejected("services.*.provider", PROVIDER),
    rejected("services.*.provider.type", PROVIDER),
    rejected("services.*.provider.options", PROVIDER),
    rejected("services.*.external_links", "links to containers outside the project are not available on ECS; reach them by a DNS name instead"),
    mapped("services.*.extra_hosts", container!("ExtraHosts"), "EC2 capacity in `bridge` (its default) or `host` mode; an error in `awsvpc` mode, so on Fargate"),
    rejected("services.*.gpus", GPU),
    rejected("services.*.gpus[]", GPU),
    rejected("services.*.gpus[].capabilities", GPU),
    rejected("services.*.gpus[].count", GPU),
    rejected("services.*.gpus[].device_ids", GPU),
    rejected("services.*.gpus[].driver", GPU),
    rejected("services.*.gpus[].options", GPU),
    rejected("services.*.group_add", "supplementary groups are not available on ECS; add the user to the groups in the image"),
    mapped("services.*.healthcheck", container!("HealthCheck"), ""),
    mapped("services.*.healthcheck.disable", container!("HealthCheck"), "removes the health check"),
    mapped("services.*.healthcheck.interval", container!("HealthCheck.Interval"), "5 to 300 seconds"),
    mapped("services.*.healthcheck.retries", container!("HealthCheck.Retries"), "1 to 10"),
    mapped("services.*.healthcheck.test", container!("HealthCheck.Command"), "a string becomes `CMD-SHELL`"),
    mapped("services.*.healthcheck.timeout", container!("HealthCheck.Timeout"), ""),
    mapped("services.*.healthcheck.start_period", container!("HealthCheck.StartPeriod"), "0 to 300 seconds"),
    warned("services.*.healthcheck.start_interval", "ignored: ECS has no separate interval for the start period"),
    mapped("services.*.hostname", "AWS::ECS::Service ServiceConnectConfiguration.Services[].ClientAliases", "where another service names it, a Service Connect alias on each of the service's ports; the container's own host name is the task's"),
    mapped("services.*.image", container!("Image"), "as written, or `repo@sha256:...` when `compose-to-ecs package --resolve-image-digests` looked the tag up (docs/local-files.md)"),
    mapped("services.*.init", container!("LinuxParameters.InitProcessEnabled"), ""),
    mapped("services.*.ipc", "AWS::ECS::TaskDefinition IpcMode", "EC2 capacity only: `host`, `shareable` (`task`), `private` (`none`); `service:X` runs the service in X's task with `IpcMode: task`"),
    warned("services.*.isolation", "ignored: Fargate chooses the isolation technology"),
    mapped("services.*.labels", container!("DockerLabels"), ""),
    mapped("services.*.links", "AWS::ECS::Service DependsOn", "the linked service is created first; an alias (`db:database`) is a Service Connect alias of the linked service on each of its ports"),
    mapped("services.*.logging", container!("LogConfiguration"), ""),
    mapped("services.*.logging.driver", container!("LogConfiguration.LogDriver"), "always `awslogs`: another driver is ignored with a warning"),
    mapped("services.*.logging.options", container!("LogConfiguration.Options"), "`awslogs-*` options apply; other options are ignored with a warning"),
    warned("services.*.mac_address", NO_MAC),
    mapped("services.*.mem_limit", "AWS::ECS::TaskDefinition Memory", "as `deploy.resources.limits.memory`"),
    mapped("services.*.mem_reservation", container!("MemoryReservation"), ""),
    warned("services.*.mem_swappiness", NO_SWAP),
    warned("services.*.memswap_limit", NO_SWAP),
    mapped("services.*.network_mode", "AWS::ECS::TaskDefinition NetworkMode", "`awsvpc` on Fargate (its only mode); on EC2 capacity `bridge` (the default), `host` or `awsvpc`; `service:X` makes the service a container of X's task (`awsvpc` only)"),
    rejected("services.*.models", MODELS),
    rejected("services.*.models.*", MODELS),
    rejected("services.*.models.*.endpoint_var", MODELS),
    rejected("services.*.models.*.model_var", MODELS),
    mapped("services.*.networks", "AWS::ECS::Service NetworkConfiguration.AwsvpcConfiguration.SecurityGroups", "the security group of each network"),
    mapped("services.*.networks.*", "AWS::ECS::Service NetworkConfiguration.AwsvpcConfiguration.SecurityGroups", ""),
    mapped("services.*.networks.*.aliases", "AWS::ECS::Service ServiceConnectConfiguration.Services[].ClientAliases", "a Service Connect alias on each of the service's ports, for every service of the project"),
    warned("services.*.networks.*.interface_name", "ignored: a task has one network interface for all its networks"),
    rejected("services.*.networks.*.ipv4_address", STATIC_IP),
    rejected("services.*.networks.*.ipv6_address", STATIC_IP),
    rejected("services.*.networks.*.link_local_ips", "link-local addresses are not available to tasks in `awsvpc` mode"),
    warned("services.*.networks.*.mac_address", NO_MAC),
    warned("services.*.networks.*.driver_opts", "ignored: a network is a security group, which has no driver options"),
    warned("services.*.networks.*.priority", "ignored: a task has one network interface for all its networks"),
    warned("services.*.networks.*.gw_priority", "ignored: a task's traffic leaves through its subnet's route table"),
    warned("services.*.oom_kill_disable", "ignored: Fargate always stops a container that runs out of memory"),
    warned("services.*.oom_score_adj", "ignored: Fargate does not expose OOM scores"),
    mapped("services.*.pid", "AWS::ECS::TaskDefinition PidMode", "`host`, on EC2 capacity only; `service:X` runs the service in X's task with `PidMode: task`"),
    warned("services.*.pids_limit", NO_PIDS_LIMIT),
    mapped("services.*.platform", "AWS::ECS::TaskDefinition RuntimePlatform", "every task pins its platform (default `linux/amd64`); `compose-to-ecs package` builds with `docker build --platform` and refuses an image of another architecture"),
    mapped("services.*.ports", container!("PortMappings"), "published ports are served by a load balancer"),
    mapped("services.*.ports[]", container!("PortMappings[]"), ""),
    mapped("services.*.ports[].name", container!("PortMappings[].Name"), ""),
    warned("services.*.ports[].mode", "ignored: published ports are always served by the load balancer"),
    mapped("services.*.ports[].host_ip", "", "a loopback address (`127.0.0.1`, `::1`) keeps the port off the load balancer: only the project's services reach it; any other address is ignored with a warning, as the load balancer listens on all addresses"),
    mapped("services.*.ports[].target", container!("PortMappings[].ContainerPort"), ""),
    mapped("services.*.ports[].published", "AWS::ElasticLoadBalancingV2::Listener Port", "the listener's port; it forwards to `target` (ranges map one to one)"),
    mapped("services.*.ports[].protocol", container!("PortMappings[].Protocol"), "`tcp` or `udp`"),
    mapped("services.*.ports[].app_protocol", container!("PortMappings[].AppProtocol"), "`http`, `http2` or `grpc`; any other value is ignored with a warning"),
    mapped("services.*.ports[].x-aws-protocol", "AWS::ElasticLoadBalancingV2::Listener Protocol", "`http` or `https` (with `x-aws-certificate`) count the port as HTTP when choosing the load balancer type; `tcp`, `udp` do not"),
    mapped("services.*.ports[].x-aws-routing", "AWS::ElasticLoadBalancingV2::ListenerRule", "services sharing a port: the requests this one gets (docs/load-balancing.md)"),
    mapped("services.*.ports[].x-aws-routing.hosts", "AWS::ElasticLoadBalancingV2::ListenerRule Conditions[].HostHeaderConfig", "host names, `*` and `?` wildcards"),
    mapped("services.*.ports[].x-aws-routing.paths", "AWS::ElasticLoadBalancingV2::ListenerRule Conditions[].PathPatternConfig", "path patterns like `/api/*`"),
    mapped("services.*.ports[].x-aws-routing.priority", "AWS::ElasticLoadBalancingV2::ListenerRule Priority", "1 to 50000, lowest first (default: most specific rule first)"),
    mapped("services.*.ports[].x-aws-healthcheck", "AWS::ElasticLoadBalancingV2::TargetGroup", "the load balancer's health check of the service on this port (the container's `healthcheck` stays the container's)"),
    mapped("services.*.ports[].x-aws-healthcheck.path", "AWS::ElasticLoadBalancingV2::TargetGroup HealthCheckPath", "default `/` on HTTP ports; on TCP ports, a path checks over HTTP"),
    mapped("services.*.ports[].x-aws-healthcheck.matcher", "AWS::ElasticLoadBalancingV2::TargetGroup Matcher", "healthy HTTP codes, default `200-399`"),
    mapped("services.*.ports[].x-aws-healthcheck.port", "AWS::ElasticLoadBalancingV2::TargetGroup HealthCheckPort", "the container port checked (default: `target`)"),
    mapped("services.*.ports[].x-aws-healthcheck.interval", "AWS::ElasticLoadBalancingV2::TargetGroup HealthCheckIntervalSeconds", "default `10s`"),
    mapped("services.*.ports[].x-aws-healthcheck.timeout", "AWS::ElasticLoadBalancingV2::TargetGroup HealthCheckTimeoutSeconds", "default `5s`"),
    mapped("services.*.ports[].x-aws-healthcheck.healthy_threshold", "AWS::ElasticLoadBalancingV2::TargetGroup HealthyThresholdCount", "default 2"),
    mapped("services.*.ports[].x-aws-healthcheck.unhealthy_threshold", "AWS::ElasticLoadBalancingV2::TargetGroup UnhealthyThresholdCount", "default 3"),
    rejected("services.*.post_start", POST_START),
    rejected("services.*.post_start[]", POST_START),
    rejected("services.*.post_start[].command", POST_START),
    rejected("services.*.post_start[].user", POST_START),
    rejected("services.*.post_start[].privileged", POST_START),
    rejected("services.*.post_start[].working_dir", POST_START),
    rejected("services.*.post_start[].environment", POST_START),
    rejected("services.*.pre_stop", PRE_STOP),
    rejected("services.*.pre_stop[]", PRE_STOP),
    rejected("services.*.pre_stop[].command", PRE_STOP),
    rejected("services.*.pre_stop[].user", PRE_STOP),
    rejected("services.*.pre_stop[].privileged", PRE_STOP),
    rejected("services.*.pre_stop[].working_dir", PRE_STOP),
    rejected("services.*.pre_stop[].environment", PRE_STOP),
    mapped("services.*.privileged", container!("Privileged"), "EC2 capacity only"),
    mapped("services.*.profiles", "", "services outside the active `Profiles` are left out"),
    warned("services.*.pull_policy", PULL),
    warned("services.*.pull_refresh_after", PULL),
    mapped("services.*.read_only", container!("ReadonlyRootFilesystem"), ""),
    mapped("services.*.restart", "Custom::ComposeToECSJob", "`no` and `on-failure[:N]`: the service runs once to completion during each deployment, before its dependents, as a job retried N times (default 3; docs/operations.md, Jobs); a service with ports stays an ECS service; `always` and `unless-stopped`: an ECS service, which ECS restarts"),
    warned("services.*.runtime", "ignored: Fargate chooses the container runtime"),
    mapped("services.*.scale", "AWS::ECS::Service DesiredCount", "as `deploy.replicas`"),
    mapped("services.*.security_opt", container!("DockerSecurityOptions"), "EC2 capacity only: `no-new-privileges`, `apparmor:<profile>`, `label:<value>` (the container agent is told it may apply them); `seccomp` is an error"),
    mapped("services.*.shm_size", container!("LinuxParameters.SharedMemorySize"), "MiB, on EC2 capacity; ignored with a warning on Fargate (64 MiB)"),
    mapped("services.*.secrets", container!("MountPoints"), FILES),
    mapped("services.*.secrets[]", container!("MountPoints"), "short syntax: the name of a top-level secret, under `/run/secrets/<target>` (or an absolute `target`)"),
    mapped("services.*.secrets[].source", "", "the top-level secret"),
    mapped("services.*.secrets[].target", container!("MountPoints[].ContainerPath"), "the file's path, under `/run/secrets/<target>` (or an absolute `target`); its directory becomes a volume holding only the service's secret and config files"),
    mapped("services.*.secrets[].uid", "", "numeric owner of the file (default 0)"),
    mapped("services.*.secrets[].gid", "", "numeric group of the file (default 0)"),
    mapped("services.*.secrets[].mode", "", "file mode in octal, like `0440` (default `0444`)"),
    mapped("services.*.sysctls", container!("SystemControls"), "namespaced parameters only (`net.*` not in `host` mode)"),
    mapped("services.*.stdin_open", container!("Interactive"), ""),
    mapped("services.*.stop_grace_period", container!("StopTimeout"), "at most 120 s on Fargate, 3600 s on EC2 capacity; also the target groups' deregistration delay (default 10 s)"),
    warned("services.*.stop_signal", "ignored: ECS stops a container with the image's stop signal (`SIGTERM` unless the image sets `STOPSIGNAL`)"),
    warned("services.*.storage_opt", "ignored: Fargate manages container storage"),
    mapped("services.*.tmpfs", "AWS::ECS::TaskDefinition Volumes", "task-local scratch space on disk, with a warning: Fargate has no tmpfs"),
    mapped("services.*.tty", container!("PseudoTerminal"), ""),
    mapped("services.*.ulimits", container!("Ulimits"), ""),
    mapped("services.*.ulimits.*", container!("Ulimits[].Name"), ""),
    mapped("services.*.ulimits.*.hard", container!("Ulimits[].HardLimit"), ""),
    mapped("services.*.ulimits.*.soft", container!("Ulimits[].SoftLimit"), ""),
    rejected("services.*.use_api_socket", "the Docker API socket is not available on ECS"),
    mapped("services.*.user", container!("User"), "and the owner of the directories of its named volumes (docs/volumes.md)"),
    rejected("services.*.uts", "a container cannot share the host's UTS namespace on ECS; drop `uts` (with `network_mode: host` on EC2 capacity the container has the host's name)"),
    rejected("services.*.userns_mode", "a container's user namespace cannot be set on ECS; drop `userns_mode`"),
    mapped("services.*.volumes", container!("MountPoints"), "checked mount by mount: a named volume is an Amazon EFS file system (see docs/volumes.md); an anonymous volume is task-local scratch space (with a warning); a bind mount by what it is (see docs/local-files.md): `/etc/localtime` and sources in the build context dropped with a warning, files written into the task, data folders on EFS, host paths on EC2"),
    mapped("services.*.volumes[]", container!("MountPoints"), "`volume:target[:ro]`, `/path` (anonymous), or the long syntax"),
    mapped("services.*.volumes[].type", "AWS::ECS::TaskDefinition Volumes", "`volume`: EFS (or scratch space without `source`); `tmpfs`: scratch space; `bind`: by what the source is (docs/local-files.md); the others: an error"),
    mapped("services.*.volumes[].source", "AWS::ECS::TaskDefinition Volumes[].EFSVolumeConfiguration", "a top-level volume; for `bind`, a host path (`Host.SourcePath`, EC2 only) or a project path"),
    mapped("services.*.volumes[].target", container!("MountPoints[].ContainerPath"), ""),
    mapped("services.*.volumes[].read_only", container!("MountPoints[].ReadOnly"), "also drops `elasticfilesystem:ClientWrite` from the task role when every mount of the volume is read-only"),
    warned("services.*.volumes[].consistency", "ignored: consistency applies to Docker Desktop's file sharing, not to EFS"),
    mapped("services.*.volumes[].bind", "", "the options of a bind mount"),
    warned("services.*.volumes[].bind.propagation", "ignored: ECS mounts a host path with Docker's default propagation"),
    mapped("services.*.volumes[].bind.create_host_path", "", "always the behaviour for a host path on EC2: Docker creates a missing one"),
    warned("services.*.volumes[].bind.recursive", "ignored: ECS mounts a host path with Docker's defaults"),
    warned("services.*.volumes[].bind.selinux", "ignored: ECS does not relabel mounts"),
    mapped("services.*.volumes[].volume", "", ""),
    warned("services.*.volumes[].volume.labels", "ignored: the file system and its access points carry the volume's labels, not the mount's"),
    mapped("services.*.volumes[].volume.nocopy", "", "always the behaviour: an EFS volume starts empty, the image's files at the target are never copied in"),
    mapped("services.*.volumes[].volume.subpath", "AWS::EFS::AccessPoint RootDirectory.Path", "an access point rooted at that directory of the volume"),
    mapped("services.*.volumes[].tmpfs", "", "the mount is task-local scratch space on disk"),
    warned("services.*.volumes[].tmpfs.size", "ignored: scratch space shares the task's ephemeral storage, sized with `x-aws-ephemeral_storage`"),
    warned("services.*.volumes[].tmpfs.mode", "ignored: scratch space is created by ECS with its own permissions"),
    rejected("services.*.volumes[].image", IMAGE_MOUNT),
    rejected("services.*.volumes[].image.subpath", IMAGE_MOUNT),
    mapped("services.*.volumes_from", "AWS::ECS::TaskDefinition ContainerDefinitions.VolumesFrom", "`X` or `X:ro`: the service becomes a container of X's task; `container:` is refused"),
    mapped("services.*.working_dir", container!("WorkingDirectory"), ""),
    mapped("services.*.x-aws-exec", "AWS::ECS::Service EnableExecuteCommand", "`true` or `false`, wins over the top-level `x-aws-exec`: the task role gets the Session Manager channel permissions"),
    mapped("services.*.x-aws-role", "AWS::IAM::Role Policies", "an inline policy on the task role"),
    mapped("services.*.x-aws-policies", "AWS::IAM::Role ManagedPolicyArns", "managed policies on the task role"),
    mapped("services.*.x-aws-ephemeral_storage", "AWS::ECS::TaskDefinition EphemeralStorage.SizeInGiB", "21 to 200 GiB of task storage (Fargate's default is 20)"),
    mapped("services.*.x-aws-pull_credentials", container!("RepositoryCredentials"), "ARN or name of a Secrets Manager secret holding `username` and `password`; the execution role may read exactly that secret"),
    mapped("services.*.x-aws-secrets", container!("Secrets"), "environment variables read by ECS when the task starts: `VAR: <Secrets Manager ARN>` (with `:<json key>::` for one key), `VAR: <parameter name or ARN>`, or `VAR: <top-level secret>`; the execution role may read exactly those"),
    // Networks.
    mapped("networks.*", "AWS::EC2::SecurityGroup", ""),
    mapped("networks.*.name", "AWS::EC2::SecurityGroup Tags", "the `com.docker.compose.network` tag, or the security group id when `external`"),
    warned("networks.*.driver", "ignored: a network is a security group whose members reach each other"),
    warned("networks.*.driver_opts", "ignored: a network is a security group, which has no driver options"),
    warned("networks.*.ipam", IPAM),
    warned("networks.*.ipam.driver", IPAM),
    warned("networks.*.ipam.config", IPAM),
    warned("networks.*.ipam.config[]", IPAM),
    warned("networks.*.ipam.config[].subnet", IPAM),
    warned("networks.*.ipam.config[].ip_range", IPAM),
    warned("networks.*.ipam.config[].gateway", IPAM),
    warned("networks.*.ipam.config[].aux_addresses", IPAM),
    warned("networks.*.ipam.options", IPAM),
    mapped("networks.*.external", "", "an existing security group, whose id is `name`"),
    mapped("networks.*.external.name", "", "deprecated: the security group id; write `name` instead"),
    warned("networks.*.internal", "ignored: security groups isolate networks from each other, but egress to the internet is not restricted"),
    warned("networks.*.enable_ipv4", "ignored: tasks get IPv4 addresses from the VPC's subnets"),
    warned("networks.*.enable_ipv6", "ignored: tasks get IPv6 addresses only from subnets that have an IPv6 range"),
    warned("networks.*.attachable", "ignored: only the project's services join its security groups"),
    mapped("networks.*.labels", "AWS::EC2::SecurityGroup Tags", ""),
    mapped("networks.*.x-aws-securitygroup", "", "deprecated alias for `external: true` with `name: <security group id>`"),
    // Volumes.
    mapped("volumes.*", "AWS::EFS::FileSystem", "an encrypted file system, retained on stack deletion, when a service mounts the volume (see docs/volumes.md)"),
    mapped("volumes.*.name", "AWS::EFS::FileSystem FileSystemTags", "the `Name` tag; for an external volume, the file system id or ARN"),
    mapped("volumes.*.driver", "", "every volume is an Amazon EFS file system: `local` (Compose's default) is accepted silently, another driver is ignored with a warning"),
    mapped("volumes.*.driver_opts", "AWS::EFS::FileSystem", "`performance_mode`, `throughput_mode`, `provisioned_throughput`, `lifecycle_policy`, `backup_policy`, `kms_key_id` (file system); `uid`, `gid`, `permissions`, `root_directory` (access point); `-` or `_`"),
    mapped("volumes.*.external", "AWS::ECS::TaskDefinition Volumes[].EFSVolumeConfiguration.FilesystemId", "an existing file system, named by `name`; its mount targets must exist unless `x-aws-mount_targets`"),
    mapped("volumes.*.external.name", "AWS::ECS::TaskDefinition Volumes[].EFSVolumeConfiguration.FilesystemId", "deprecated form of `name`"),
    mapped("volumes.*.labels", "AWS::EFS::FileSystem FileSystemTags", ""),
    mapped("volumes.*.x-aws-mount_targets", "AWS::EFS::MountTarget", "`true`: create the mount targets of an external file system"),
    // Secrets.
    mapped("secrets.*", "", "an existing Secrets Manager secret or Systems Manager parameter, or a new secret; see docs/secrets.md"),
    mapped("secrets.*.name", "AWS::SecretsManager::Secret Name", "with `external: true`: the existing secret's ARN (compose-cli's form) or name, or the parameter's name or ARN; for a new secret, its name (default: one CloudFormation chooses)"),
    mapped("secrets.*.environment", "AWS::SecretsManager::Secret SecretString", "a new secret holding the template parameter (declare it `NoEcho`) or intrinsic the variable names: a `Ref`, never the value"),
    mapped("secrets.*.file", "AWS::SecretsManager::Secret SecretString", "with `compose-to-ecs package`: the file's value becomes a `NoEcho` template parameter, used as `environment: <PARAMETER>` is; never text in a template (see docs/local-files.md)"),
    mapped("secrets.*.external", "", "`true`: an existing Secrets Manager secret (`name`: ARN or name), or Systems Manager parameter (an `arn:...:ssm:...` name, or `x-aws-parameter: true`)"),
    mapped("secrets.*.external.name", "", "deprecated form of `name`"),
    warned("secrets.*.labels", "ignored: the secret's tags are the project's"),
    warned("secrets.*.driver", "ignored: secrets live in Secrets Manager or Parameter Store"),
    warned("secrets.*.driver_opts", "ignored: secrets live in Secrets Manager or Parameter Store"),
    rejected("secrets.*.template_driver", "secret templates are not supported: the value is written as it is stored"),
    mapped("secrets.*.x-aws-keys", "", "a JSON secret written as one file per key under `/run/secrets/<target>/` (a key, a list of keys, or `*` for all)"),
    mapped("secrets.*.x-aws-generate", "AWS::SecretsManager::Secret GenerateSecretString", "a new secret with a random value: `true`, or `{length, exclude_characters, exclude_punctuation, exclude_numbers, exclude_uppercase, exclude_lowercase, include_space, require_each_included_type, template, key}`"),
    mapped("secrets.*.x-aws-kms_key", "AWS::SecretsManager::Secret KmsKeyId", "the customer managed key (ARN or id) encrypting the secret; execution roles of the services using it may `kms:Decrypt` with exactly that key"),
    mapped("secrets.*.x-aws-parameter", "", "`true`: the external `name` is a Systems Manager parameter, not a Secrets Manager secret"),
    // Configs.
    mapped("configs.*", "", "a file's content, delivered by the helper container; see docs/secrets.md"),
    mapped("configs.*.name", "", "with `external: true`: the Systems Manager parameter's name or ARN"),
    mapped("configs.*.content", container!("Environment"), "the content (interpolated), passed to the helper container that writes the file: visible in the task definition, so not for secrets; content holding a `NoEcho` parameter goes through a secret the project creates (`<P><Key>ConfigSecret`)"),
    mapped("configs.*.environment", container!("Environment"), "the content from a variable, like `content`"),
    mapped("configs.*.file", container!("Environment"), "with `compose-to-ecs package`: the file's text, as `content` (at most 32 KiB; see docs/local-files.md)"),
    mapped("configs.*.external", container!("Secrets"), "`true`: a Systems Manager parameter (`name`: its name or ARN), read by ECS when the task starts"),
    mapped("configs.*.external.name", "", "deprecated form of `name`"),
    warned("configs.*.labels", "ignored: a config is delivered as a file, with no AWS resource to label"),
    rejected("configs.*.template_driver", "config templates are not supported: the content is written as it is"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The path one level up: `a.b` → `a`, `a[]` → `a`, `a` → none.
    fn parent(path: &str) -> Option<&str> {
        if let Some(list) = path.strip_suffix("[]") {
            return Some(list);
        }
        path.rfind('.').map(|i| &path[..i])
    }

    #[test]
    fn parent_strips_one_segment() {
        assert_eq!(
            parent("services.*.ports[].host_ip"),
            Some("services.*.ports[]")
        );
        assert_eq!(parent("services.*.ports[]"), Some("services.*.ports"));
        assert_eq!(parent("services.*"), Some("services"));
        assert_eq!(parent("x-aws-vpc"), None);
    }

    #[test]
    fn paths_are_unique() {
        let mut seen = BTreeSet::new();
        let duplicates: Vec<&str> = TABLE
            .iter()
            .map(|e| e.path)
            .filter(|p| !seen.insert(*p))
            .collect();
        assert!(duplicates.is_empty(), "duplicate paths: {duplicates:?}");
    }

    #[test]
    fn every_parent_is_an_entry() {
        let paths: BTreeSet<&str> = TABLE.iter().map(|e| e.path).collect();
        let orphans: Vec<&str> = TABLE
            .iter()
            .map(|e| e.path)
            .filter(|p| parent(p).is_some_and(|up| !paths.contains(up)))
            .collect();
        assert!(
            orphans.is_empty(),
            "paths whose parent has no entry: {orphans:?}"
        );
    }

    #[test]
    fn messages_follow_the_house_style() {
        let bad: Vec<(&str, &str)> = TABLE
            .iter()
            .filter(|e| e.fate != Fate::Mapped)
            .filter(|e| {
                let first = e.note.chars().next();
                !first.is_some_and(|c| c.is_ascii_lowercase())
                    || e.note.ends_with('.')
                    || e.note.ends_with(' ')
            })
            .map(|e| (e.path, e.note))
            .collect();
        assert!(
            bad.is_empty(),
            "messages must start lower case and not end with a period: {bad:?}"
        );
    }

    #[test]
    fn warned_and_rejected_keys_name_no_target() {
        let bad: Vec<&str> = TABLE
            .iter()
            .filter(|e| e.fate != Fate::Mapped && !e.target.is_empty())
            .map(|e| e.path)
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
    }

    #[test]
    fn paths_use_the_notation() {
        let bad: Vec<&str> = TABLE
            .iter()
            .map(|e| e.path)
            .filter(|p| {
                p.is_empty()
                    || p.split('.').any(|segment| {
                        let name = segment.strip_suffix("[]").unwrap_or(segment);
                        name.is_empty()
                            || name.contains('[')
                            || !(name == "*"
                                || name.chars().all(|c| {
                                    c.is_ascii_lowercase()
                                        || c.is_ascii_digit()
                                        || c == '_'
                                        || c == '-'
                                }))
                    })
            })
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
    }
}
