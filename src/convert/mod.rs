//! Validated Compose project → CloudFormation resources. The only module that speaks both
//! languages; one file per AWS area, all sharing one [`Context`].

mod alarms;
mod autoscaling;
mod capacity;
mod cluster;
mod context;
mod dashboard;
mod deployments;
mod discovery;
mod domains;
mod egress;
mod exec;
mod groups;
mod host;
mod iam;
mod jobs;
mod loadbalancer;
mod logs;
mod network;
mod pull;
mod run;
mod schedule;
mod secrets;
mod service;
mod task;
mod tls;
mod volumes;

pub use context::{Context, Placement};

/// The default helper image (`package --resolve-image-digests` looks it up).
pub use secrets::INIT_IMAGE;

use crate::cfn::logical_id::MAX_LEN;
use crate::cfn::template::Generated;
use crate::compose::model::{Project, Service};
use crate::diagnostics::Diagnostics;
use crate::validate::Valid;
use serde_json::{json, Value};

/// Converts a validated project. Warnings go to `diags`.
pub fn convert(
    valid: &Valid,
    prefix: &str,
    placement: &Placement,
    diags: &mut Diagnostics,
) -> Generated {
    let mut ctx = Context {
        valid,
        prefix,
        placement,
        out: Generated::default(),
        diags,
        vpc: Value::Null,
        subnets: Value::Null,
        network_ready: Vec::new(),
    };
    let internet_facing =
        placement.load_balancer.is_none() && !placement.internal && placement.sources.is_empty();
    crate::validate::exposure::check(valid.project(), internet_facing, ctx.diags);
    network::vpc(&mut ctx);
    egress::awsvpc_on_ec2(&mut ctx);
    network::security_groups(&mut ctx);
    cluster::cluster(&mut ctx);
    capacity::ec2_capacity(&mut ctx);
    capacity::association(&mut ctx);
    logs::log_group(&mut ctx);
    alarms::topic(&mut ctx);
    discovery::namespace(&mut ctx);
    loadbalancer::load_balancer(&mut ctx);
    domains::domains(&mut ctx);
    alarms::load_balancer_alarms(&mut ctx);
    volumes::file_systems(&mut ctx);
    secrets::secrets(&mut ctx);
    let services: Vec<&Service> = ctx.project().services.values().collect();
    for s in &services {
        if crate::compose::groups::is_member(s) {
            // A container of its root's task: no resources of its own.
            continue;
        }
        iam::execution_role(&mut ctx, s);
        iam::task_role(&mut ctx, s);
        task::task_definition(&mut ctx, s);
        if s.job.is_some() {
            // Run once to completion in each deployment: no ECS service, nothing that
            // watches or scales one.
            jobs::job(&mut ctx, s);
            continue;
        }
        if s.schedule.is_some() {
            // Run on an EventBridge Scheduler schedule: no ECS service either.
            schedule::schedule(&mut ctx, s);
            continue;
        }
        discovery::entry(&mut ctx, s);
        let listeners = loadbalancer::listeners(&mut ctx, s);
        service::service(&mut ctx, s, &listeners);
        autoscaling::autoscaling(
            &mut ctx,
            s,
            listeners.target_groups.first().map(String::as_str),
        );
        alarms::alarms(&mut ctx, s, &listeners.target_groups);
        exec::command_output(&mut ctx, s);
    }
    discovery::warnings(&mut ctx);
    run::outputs(&mut ctx);
    dashboard::dashboard(&mut ctx);
    check_id_lengths(&ctx.out, ctx.diags);
    for id in &ctx.out.clashes {
        let part = id.strip_prefix(prefix).unwrap_or(id);
        ctx.diags.error(
            "",
            format!("two different resources would get the logical ID `{id}`: the names of the project's services, networks and volumes meet in `{part}`; rename one of them"),
        );
    }
    ctx.out
}

/// Reports logical IDs over CloudFormation's limit: the project's logical ID, a service or
/// network name and a suffix together can pass it.
fn check_id_lengths(out: &Generated, diags: &mut Diagnostics) {
    let long: Vec<&String> = out
        .resources
        .keys()
        .chain(out.outputs.keys())
        .filter(|id| id.len() > MAX_LEN)
        .collect();
    if let Some(longest) = long.iter().max_by_key(|id| id.len()) {
        let start: String = longest.chars().take(40).collect();
        diags.error(
            "",
            format!(
                "{} generated logical IDs are longer than CloudFormation's limit of {MAX_LEN} characters, the longest `{start}…` with {}; shorten the project's logical ID or the service and network names",
                long.len(),
                longest.len()
            ),
        );
    }
}

/// Resolves where the project runs: the resource's properties win over the `x-aws-*`
/// extensions. `props` is the path of the resource's `Properties`.
pub fn placement(
    spec: &crate::embed::ProjectSpec,
    project: &Project,
    props: &crate::diagnostics::Path,
    diags: &mut Diagnostics,
) -> Placement {
    use crate::compose::model::Text;
    let from_ext = |t: &Option<Text>| t.as_ref().map(Text::to_json);
    let vpc = spec.vpc.clone().or_else(|| {
        from_ext(&project.vpc).map(|v| match v {
            // `arn:aws:ec2:region:account:vpc/vpc-123` → `vpc-123`.
            Value::String(s) if s.starts_with("arn:") => {
                Value::String(s.rsplit('/').next().unwrap_or(&s).to_string())
            }
            other => other,
        })
    });
    let subnets = spec.subnets.clone();
    match (&vpc, &subnets) {
        (Some(_), None) => diags.error(
            props.key("Subnets"),
            "is required when the VPC is given: list the subnets (two or more, in different availability zones) for the tasks and the load balancer",
        ),
        (None, Some(_)) => diags.error(
            props.key("Vpc"),
            "is required when `Subnets` is given: the VPC the subnets belong to",
        ),
        _ => {}
    }
    if let Some(Value::Array(items)) = &subnets {
        if items.is_empty() {
            diags.error(props.key("Subnets"), "expected at least one subnet");
        }
    }
    let assign_public_ip = public_ip(spec, project, subnets.is_some(), props, diags);
    let cluster = spec.cluster.clone().or_else(|| from_ext(&project.cluster));
    if cluster.is_some() {
        let ec2: Vec<&String> = project
            .services
            .iter()
            .filter(|(_, s)| crate::validate::compute::runs_on_ec2(project, s))
            .map(|(n, _)| n)
            .collect();
        let path = if spec.cluster.is_some() {
            props.key("Cluster")
        } else {
            crate::diagnostics::Path::new("x-aws-cluster")
        };
        if let Some(first) = ec2.first() {
            diags.error(
                &path,
                format!("service `{first}` runs on the project's EC2 capacity, which is attached to the cluster the project creates; drop the existing cluster, or run the service on Fargate"),
            );
        }
        let spot = project.services.values().any(|s| {
            s.compute
                .capacity
                .as_ref()
                .or(project.capacity.as_ref())
                .is_some_and(|c| {
                    c.iter()
                        .any(|sh| sh.provider == crate::compose::model::Provider::FargateSpot)
                })
        });
        if spot && ec2.is_empty() {
            diags.warn(
                &path,
                "services use `FARGATE_SPOT`: the existing cluster must have the `FARGATE_SPOT` capacity provider associated (`aws ecs put-cluster-capacity-providers`)",
            );
        }
    }
    let load_balancer = spec
        .load_balancer
        .clone()
        .or_else(|| from_ext(&project.loadbalancer));
    let uses_ports = project.services.values().any(|s| !s.ports.is_empty());
    if load_balancer.is_some() && spec.load_balancer_security_group.is_none() && uses_ports {
        let path = if spec.load_balancer.is_some() {
            props.key("LoadBalancer")
        } else {
            crate::diagnostics::Path::new("x-aws-loadbalancer")
        };
        diags.error(
            path,
            "tasks accept published ports from the load balancer only: give the existing load balancer's security group, as `LoadBalancer: {Arn: ..., SecurityGroup: sg-...}`",
        );
    }
    let lb = &spec.load_balancing;
    let ext = &project.load_balancing;
    let texts = |list: &[Text]| list.iter().map(Text::to_json).collect::<Vec<_>>();
    let mut listeners: std::collections::BTreeMap<u16, Value> = ext
        .listeners
        .iter()
        .map(|(port, arn)| (*port, arn.to_json()))
        .collect();
    listeners.extend(lb.listeners.clone());
    Placement {
        vpc,
        subnets,
        assign_public_ip,
        cluster,
        load_balancer,
        load_balancer_security_group: spec.load_balancer_security_group.clone(),
        certificates: if let Some(created) = domains::certificate_ref(&spec.logical_id, project) {
            vec![created]
        } else if lb.certificates.is_empty() {
            texts(&ext.certificates)
        } else {
            lb.certificates.clone()
        },
        internal: lb.internal.unwrap_or(ext.internal),
        sources: lb.sources.clone().unwrap_or_else(|| texts(&ext.sources)),
        listeners,
        private_subnets: private_subnets(spec, project, props, diags),
        alerting: alarms::alerting(spec, project, diags),
        hosted_zone: domains::zone(spec, project, props, diags),
    }
}

/// Private mode: the `PrivateSubnets` property wins over `x-aws-private_subnets`; for the
/// VPC the project creates only.
fn private_subnets(
    spec: &crate::embed::ProjectSpec,
    project: &Project,
    props: &crate::diagnostics::Path,
    diags: &mut Diagnostics,
) -> Option<crate::compose::model::Nat> {
    let (nat, path) = match &spec.private_subnets {
        Some(v) => match crate::compose::host::nat(v) {
            Some(nat) => (nat, props.key("PrivateSubnets")),
            None => {
                diags.error(
                    props.key("PrivateSubnets"),
                    crate::compose::host::NAT_EXPECTED,
                );
                return None;
            }
        },
        None => (
            project.private_subnets,
            crate::diagnostics::Path::new("x-aws-private_subnets"),
        ),
    };
    if nat.is_some() && (spec.vpc.is_some() || spec.subnets.is_some() || project.vpc.is_some()) {
        diags.error(
            path,
            "private subnets are created in the VPC the project creates; with your own `Vpc` and `Subnets`, give private subnets that reach the internet through a NAT gateway, and drop this setting",
        );
        return None;
    }
    nat
}

/// Fargate tasks' `AssignPublicIp` (see [`Placement::assign_public_ip`]). In the user's
/// subnets without the property, a warning says what the tasks then need.
fn public_ip(
    spec: &crate::embed::ProjectSpec,
    project: &Project,
    own_subnets: bool,
    props: &crate::diagnostics::Path,
    diags: &mut Diagnostics,
) -> Value {
    let fargate = project
        .services
        .values()
        .any(|s| !crate::validate::compute::runs_on_ec2(project, s));
    if let Some(v) = &spec.assign_public_ip {
        // In the VPC the project creates, without private subnets: no route out at all.
        let private = match &spec.private_subnets {
            Some(p) => crate::compose::host::nat(p).flatten().is_some(),
            None => project.private_subnets.is_some(),
        };
        let created = !own_subnets && spec.vpc.is_none() && project.vpc.is_none();
        if created && fargate && !private && pull::disabled(v) {
            pull::no_route_error(project, props.key("AssignPublicIp"), diags);
        }
        if own_subnets && fargate && pull::disabled(v) {
            pull::own_subnets_warning(project, true, props.key("AssignPublicIp"), diags);
        }
        return v.clone();
    }
    if !own_subnets {
        return json!("ENABLED");
    }
    if fargate {
        pull::own_subnets_warning(project, false, props.key("Subnets"), diags);
    }
    json!("DISABLED")
}

/// The load balancer settings of the project's `LoadBalancer` property that validation
/// needs (the extensions it reads itself).
pub fn given(spec: &crate::embed::ProjectSpec) -> crate::validate::loadbalancer::Given {
    crate::validate::loadbalancer::Given {
        certificate: !spec.load_balancing.certificates.is_empty(),
        listeners: spec.load_balancing.listeners.keys().copied().collect(),
        balancer: spec.load_balancer.is_some(),
    }
}
