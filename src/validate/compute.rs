//! Where each service runs, decided once for the converter: Fargate (on demand, Spot or a
//! mix, by capacity provider strategy) or the project's EC2 capacity (GPUs, `x-aws-capacity:
//! ec2`), in `bridge` mode on EC2 unless `network_mode` says otherwise. One EC2 capacity per project, shared by every EC2
//! service and sized for the largest request; its instance type comes from a
//! `node.machine` constraint or from [`instances`](super::instances).

use super::instances::{self, Need};
use crate::compose::model::{
    Arch, Autoscaling, GpuCount, NetworkMode, Project, Provider, ScaleMetric, Service, Share,
};
use crate::diagnostics::{Diagnostics, Path};
use std::collections::BTreeMap;

/// Memory an EC2 task gets when Compose sets none, in MiB.
pub const EC2_DEFAULT_MEMORY: u32 = 512;

/// Public SSM parameters with the current ECS-optimised Amazon Linux 2023 AMIs.
pub const AMI_GPU: &str =
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id";
/// x86_64, no GPU.
pub const AMI_X86_64: &str =
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";
/// arm64.
pub const AMI_ARM64: &str =
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id";

/// Where one service runs.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePlan {
    /// True on the project's EC2 capacity.
    pub ec2: bool,
    /// The capacity provider strategy; `None` for plain `LaunchType: FARGATE`.
    pub strategy: Option<Vec<Share>>,
    /// GPUs per task (with `all` resolved).
    pub gpus: Option<u32>,
    /// EC2 only: task CPU units, when set.
    pub cpu_units: Option<u32>,
    /// EC2 only: task memory, MiB.
    pub memory: u32,
    /// The network mode.
    pub network_mode: NetworkMode,
}

/// Where the AMI comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Ami {
    /// A `node.ami` constraint.
    Id(String),
    /// A public SSM parameter.
    Ssm(&'static str),
}

/// The project's EC2 capacity.
#[derive(Clone, Debug, PartialEq)]
pub struct Ec2Plan {
    /// Instance type.
    pub instance_type: String,
    /// AMI.
    pub ami: Ami,
    /// True when the instances carry GPUs.
    pub gpu: bool,
    /// Most instances the Auto Scaling group may run: one per task at most.
    pub max_size: u32,
    /// True when some service uses `bridge` or `host` networking.
    pub host_networking: bool,
    /// True when some service runs one task per instance (`deploy.mode: global`): the
    /// group keeps one instance running, as ECS starts instances for pending tasks only.
    pub daemons: bool,
}

/// The plan for the whole project.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Per service.
    pub services: BTreeMap<String, ServicePlan>,
    /// The EC2 capacity, when some service needs it.
    pub ec2: Option<Ec2Plan>,
}

impl Plan {
    /// True when some service uses `FARGATE_SPOT`.
    pub fn uses_spot(&self) -> bool {
        self.services.values().any(|p| {
            p.strategy
                .iter()
                .flatten()
                .any(|s| s.provider == Provider::FargateSpot)
        })
    }

    /// True when some service has a capacity provider strategy.
    pub fn uses_strategies(&self) -> bool {
        self.services.values().any(|p| p.strategy.is_some())
    }
}

/// True when `s` runs on EC2: GPUs, `x-aws-capacity: ec2` (its own or the project's), or
/// `bridge`/`host` networking (the latter is an error unless EC2 is chosen: see [`plan`]).
pub fn runs_on_ec2(project: &Project, s: &Service) -> bool {
    let capacity = s.compute.capacity.as_ref().or(project.capacity.as_ref());
    s.compute.gpus.is_some()
        || capacity.is_some_and(|c| c.iter().any(|sh| sh.provider == Provider::Ec2))
}

/// Decides where every service runs; errors go to `diags`.
pub fn plan(project: &Project, diags: &mut Diagnostics) -> Plan {
    let mut plan = Plan::default();
    let services = Path::new("services");
    let mut need = Need::default();
    let mut machine: Option<(String, String)> = None;
    let mut ami: Option<(String, String)> = None;
    let mut arch: Option<(Arch, String)> = None;
    let mut any_gpu = false;
    let mut all_gpus: Vec<String> = Vec::new();
    let mut max_size: u32 = 0;
    // The service whose request last raised the need: where a "nothing fits" points.
    let mut largest = String::from("services");
    for (name, s) in &project.services {
        let path = services.key(name);
        let ec2 = runs_on_ec2(project, s);
        let own = s.compute.capacity.is_some();
        let capacity = s.compute.capacity.as_ref().or(project.capacity.as_ref());
        let capacity_path = if own {
            path.key("deploy").key("x-aws-capacity").to_string()
        } else {
            "x-aws-capacity".to_string()
        };
        if s.compute.gpus.is_some()
            && capacity.is_some_and(|c| c.iter().any(|sh| sh.provider != Provider::Ec2))
        {
            diags.error(
                &s.compute.gpus_path,
                format!("GPUs need EC2 capacity, and `{capacity_path}` places the service on Fargate; drop `x-aws-capacity` for this service or set it to `ec2`"),
            );
        }
        let explicit = s.compute.network_mode;
        if !ec2 && explicit.is_some_and(|m| m != NetworkMode::Awsvpc) {
            let mode = match explicit {
                Some(NetworkMode::Bridge) => "bridge",
                _ => "host",
            };
            diags.error(
                path.key("network_mode"),
                format!("`{mode}` networking needs EC2 instances, and the service runs on Fargate (`awsvpc` only); add `deploy.x-aws-capacity: ec2`, or drop `network_mode`"),
            );
        }
        if !ec2 && (s.compute.machine.is_some() || s.compute.ami.is_some()) {
            diags.warn(
                path.key("deploy").key("placement").key("constraints"),
                "ignored: `node.machine` and `node.ami` choose EC2 instances, and the service runs on Fargate; add `deploy.x-aws-capacity: ec2` to run it on EC2",
            );
        }
        let service_arch = s.platform.unwrap_or(Arch::X86_64);
        image_architecture(s, service_arch, &path, diags);
        if !ec2 {
            let spot =
                capacity.is_some_and(|c| c.iter().any(|sh| sh.provider == Provider::FargateSpot));
            if spot && service_arch == Arch::Arm64 {
                diags.error(
                    path.key("platform"),
                    format!("Fargate Spot runs x86_64 tasks only, and `{capacity_path}` asks for Spot; use `linux/amd64` or on-demand `fargate`"),
                );
            }
            let strategy = capacity
                .filter(|c| !(c.len() == 1 && c[0].provider == Provider::Fargate && c[0].base == 0))
                .cloned();
            plan.services.insert(
                name.clone(),
                ServicePlan {
                    ec2: false,
                    strategy,
                    gpus: None,
                    cpu_units: None,
                    memory: 0,
                    network_mode: NetworkMode::Awsvpc,
                },
            );
            continue;
        }
        // EC2.
        match &arch {
            Some((a, other)) if *a != service_arch => diags.error(
                path.key("platform"),
                format!("the project's EC2 instances have one architecture, and service `{other}` runs on the other; give every EC2 service the same `platform`"),
            ),
            Some(_) => {}
            None => arch = Some((service_arch, name.clone())),
        }
        if let Some(m) = &s.compute.machine {
            match &machine {
                Some((other, by)) if other != m => diags.error(
                    path.key("deploy").key("placement").key("constraints"),
                    format!("the project's EC2 capacity has one instance type, and service `{by}` asks for `{other}`, this one for `{m}`; use the same `node.machine`"),
                ),
                Some(_) => {}
                None => machine = Some((m.clone(), name.clone())),
            }
        }
        if let Some(a) = &s.compute.ami {
            match &ami {
                Some((other, by)) if other != a => diags.error(
                    path.key("deploy").key("placement").key("constraints"),
                    format!("the project's EC2 capacity has one AMI, and service `{by}` asks for `{other}`, this one for `{a}`; use the same `node.ami`"),
                ),
                Some(_) => {}
                None => ami = Some((a.clone(), name.clone())),
            }
        }
        let gpus = match s.compute.gpus {
            Some(GpuCount::Count(n)) => {
                any_gpu = true;
                Some(n)
            }
            Some(GpuCount::All) => {
                any_gpu = true;
                all_gpus.push(name.clone());
                None
            }
            None => None,
        };
        let cpu_units = s.cpus.map(|m| (m * 1024).div_ceil(1000) as u32);
        let memory = s.memory.map_or(EC2_DEFAULT_MEMORY, |m| m as u32);
        if let Some(r) = s.memory_reservation.filter(|&r| r > u64::from(memory)) {
            diags.error(
                path.key("deploy").key("resources").key("reservations").key("memory"),
                format!("the reservation of {r} MiB is above the task's {memory} MiB; raise the limit or lower the reservation"),
            );
        }
        let mut this = Need {
            millicpus: s.compute.reserved_cpus.or(s.cpus).unwrap_or(0),
            memory_mib: s
                .compute
                .reserved_memory
                .or(s.memory)
                .unwrap_or(u64::from(memory)),
            gpus: 0,
        };
        if s.compute.gpus.is_some() {
            // `all` sizes as one GPU: any GPU type has at least one.
            this.gpus = gpus.unwrap_or(1);
        }
        if this.gpus > need.gpus
            || this.millicpus > need.millicpus
            || this.memory_mib > need.memory_mib
        {
            largest = path.key("deploy").key("resources").to_string();
        }
        need.gpus = need.gpus.max(this.gpus);
        need.millicpus = need.millicpus.max(this.millicpus);
        need.memory_mib = need.memory_mib.max(this.memory_mib);
        let tasks = s
            .autoscaling
            .as_ref()
            .map_or(s.replicas, |a| a.max.max(s.replicas));
        // A member of a task group runs inside its root's tasks: no instance of its own.
        if !crate::compose::groups::is_member(s) {
            max_size = max_size.saturating_add(tasks.max(1));
        }
        plan.services.insert(
            name.clone(),
            ServicePlan {
                ec2: true,
                // ECS refuses a capacity provider strategy on a `DAEMON` service: it runs
                // with `LaunchType: EC2` on every instance of the cluster.
                strategy: (!s.compute.global).then(|| {
                    vec![Share {
                        provider: Provider::Ec2,
                        weight: 1,
                        base: 0,
                    }]
                }),
                gpus,
                cpu_units,
                memory,
                // ECS's default on EC2: the tasks use the instances' network, which
                // reaches the internet (an `awsvpc` task on EC2 has no public address).
                network_mode: explicit.unwrap_or(NetworkMode::Bridge),
            },
        );
    }
    for (name, s) in &project.services {
        autoscaling(project, s, &services.key(name), diags);
    }
    let Some((arch, arch_by)) = arch else {
        return plan;
    };
    if any_gpu && arch == Arch::Arm64 {
        diags.error(
            services.key(&arch_by).key("platform"),
            "the GPU instances (g4dn, g5, g6) are x86_64: GPU services cannot use `platform: linux/arm64`",
        );
        return plan;
    }
    let constraint_path = machine.as_ref().map_or_else(
        || largest.clone(),
        |(_, by)| {
            services
                .key(by)
                .key("deploy")
                .key("placement")
                .key("constraints")
                .to_string()
        },
    );
    let chosen = match &machine {
        Some((m, _)) => m.clone(),
        None => match instances::smallest(need, arch) {
            Some(t) => t.name.to_string(),
            None => {
                let mut what = Vec::new();
                if need.gpus > 0 {
                    what.push(format!("{} GPUs", need.gpus));
                }
                if need.millicpus > 0 {
                    what.push(format!("{} vCPU", need.millicpus as f64 / 1000.0));
                }
                what.push(format!("more than {} MiB of memory", need.memory_mib));
                diags.error(
                    &largest,
                    format!(
                        "no {} instance type of the table in docs/compute.md has {}; lower the request, or name a type with the placement constraint `node.machine == <type>`",
                        if arch == Arch::Arm64 { "arm64" } else { "x86_64" },
                        match what.split_last() {
                            Some((last, [])) => last.clone(),
                            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                            None => String::new(),
                        }
                    ),
                );
                return plan;
            }
        },
    };
    let known = instances::find(&chosen);
    if let Some(t) = known {
        if t.arch != arch {
            diags.error(
                &constraint_path,
                format!(
                    "instance type `{chosen}` is {}, and the EC2 services run `{}` (their `platform`, default `linux/amd64`); choose another `node.machine`, or set `platform: {}` on the EC2 services",
                    if t.arch == Arch::Arm64 { "arm64" } else { "x86_64" },
                    if arch == Arch::Arm64 { "linux/arm64" } else { "linux/amd64" },
                    if t.arch == Arch::Arm64 { "linux/arm64" } else { "linux/amd64" },
                ),
            );
        }
        if any_gpu && t.gpus < need.gpus {
            diags.error(
                &constraint_path,
                format!("instance type `{chosen}` has {} GPU(s), and a service reserves {}; choose a larger `node.machine`", t.gpus, need.gpus),
            );
        }
        if any_gpu && t.gpus == 0 {
            diags.error(
                &constraint_path,
                format!("instance type `{chosen}` has no GPU; choose a GPU type (g4dn, g5, g6) with `node.machine`"),
            );
        }
    }
    for name in &all_gpus {
        let s = &project.services[name];
        match known {
            Some(t) if t.gpus > 0 => {
                if let Some(p) = plan.services.get_mut(name) {
                    p.gpus = Some(t.gpus);
                }
            }
            _ => diags.error(
                &s.compute.gpus_path,
                format!("`count: all` reserves every GPU of the instance, and the GPU count of `{chosen}` is unknown; give a number with `count`"),
            ),
        }
    }
    let ami = match ami {
        Some((id, _)) => Ami::Id(id),
        None if any_gpu => Ami::Ssm(AMI_GPU),
        None if arch == Arch::Arm64 => Ami::Ssm(AMI_ARM64),
        None => Ami::Ssm(AMI_X86_64),
    };
    let host_networking = plan
        .services
        .values()
        .any(|p| p.ec2 && p.network_mode != NetworkMode::Awsvpc);
    plan.ec2 = Some(Ec2Plan {
        instance_type: chosen,
        ami,
        gpu: any_gpu,
        max_size: max_size.clamp(1, 100),
        host_networking,
        daemons: project
            .services
            .values()
            .any(|s| s.compute.global && runs_on_ec2(project, s)),
    });
    plan
}

/// The number of tasks an autoscaled service starts with: CloudFormation's 1 (no
/// `DesiredCount`), brought within `min`..`max` when the scalable target registers.
pub fn initial_count(a: &Autoscaling) -> u32 {
    1u32.clamp(a.min.min(a.max), a.max.max(a.min))
}

/// The image `compose-to-ecs package` inspected (`Package.ImageConfig`) must be for the
/// task's architecture: else the container fails with `exec format error`.
fn image_architecture(s: &Service, arch: Arch, path: &Path, diags: &mut Diagnostics) {
    let Some(found) = s
        .image_config
        .as_ref()
        .and_then(|c| c.architecture.as_deref())
    else {
        return;
    };
    let (want, platform) = match arch {
        Arch::X86_64 => ("amd64", "linux/amd64"),
        Arch::Arm64 => ("arm64", "linux/arm64"),
    };
    if found != want {
        diags.error(
            path.key("image"),
            format!("the image is for `{found}` (as `compose-to-ecs package` inspected it), and the task runs `{platform}`; set `platform: linux/{found}`, or build the image for `{platform}` and package again"),
        );
    }
}

/// `deploy.x-aws-autoscaling` against the rest of the service.
fn autoscaling(project: &Project, s: &Service, path: &Path, diags: &mut Diagnostics) {
    let Some(a) = &s.autoscaling else { return };
    if s.replicas_set && (s.replicas < a.min || s.replicas > a.max) {
        diags.error(
            path.key("deploy").key("replicas"),
            format!(
                "`{}` replicas are outside the autoscaling range {} to {}; start within it or drop `replicas`",
                s.replicas, a.min, a.max
            ),
        );
    } else if s.replicas_set && s.replicas != initial_count(a) && !s.compute.global {
        // No `DesiredCount` under autoscaling (`convert::autoscaling::desired_count`).
        diags.warn(
            path.key("deploy").key("replicas"),
            format!(
                "not applied with `x-aws-autoscaling`: CloudFormation creates the service with 1 task, brought within `min`..`max` ({} here), and then autoscaling sets the count (no stack update resets it); to start with {} tasks, set `min: {}`",
                initial_count(a),
                s.replicas,
                s.replicas
            ),
        );
    }
    if let ScaleMetric::Requests(_) = a.metric {
        let http = !s.ports.is_empty()
            && project
                .services
                .values()
                .flat_map(|s| &s.ports)
                // A bare 443 is HTTPS when a certificate is given (maybe by a property):
                // `validate::loadbalancer` checks the load balancer's kind once it is known.
                .all(|p| p.web(true).is_some());
        if !http {
            diags.error(
                format!("{}.requests", a.path),
                "scaling on requests needs an Application Load Balancer in front of the service: publish an HTTP port (every published port of the project HTTP), or scale on `cpu` or `memory`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::Compute;

    fn gpu_service(name: &str, compute: Compute) -> Service {
        Service {
            name: name.into(),
            replicas: 1,
            compute,
            ..Service::default()
        }
    }

    /// compose-cli's `TestUserDefinedAMI`: the constraints' AMI and instance type are
    /// taken as given, even a type outside the table.
    #[test]
    fn compose_cli_user_defined_ami() {
        let mut project = Project::default();
        let compute = Compute {
            gpus: Some(GpuCount::Count(1)),
            machine: Some("t0.femto".into()),
            ami: Some("ami123456789".into()),
            reserved_memory: Some(8192),
            ..Compute::default()
        };
        project
            .services
            .insert("test".into(), gpu_service("test", compute));
        let mut diags = Diagnostics::new();
        let plan = plan(&project, &mut diags);
        assert!(!diags.has_errors());
        let ec2 = plan.ec2.expect("EC2 capacity");
        assert_eq!(ec2.instance_type, "t0.femto");
        assert_eq!(ec2.ami, Ami::Id("ami123456789".into()));
        assert_eq!(plan.services["test"].gpus, Some(1));
    }

    #[test]
    fn gpu_services_share_capacity_sized_for_the_largest() {
        let mut project = Project::default();
        for (name, gpus, memory) in [("a", 1, 40 * 1024), ("b", 2, 0)] {
            let compute = Compute {
                gpus: Some(GpuCount::Count(gpus)),
                reserved_memory: Some(memory),
                ..Compute::default()
            };
            project
                .services
                .insert(name.into(), gpu_service(name, compute));
        }
        let mut diags = Diagnostics::new();
        let plan = plan(&project, &mut diags);
        let ec2 = plan.ec2.expect("EC2 capacity");
        assert_eq!(ec2.instance_type, "g4dn.12xlarge");
        assert_eq!(ec2.ami, Ami::Ssm(AMI_GPU));
    }
}
