//! Run-once services (docs/operations.md "Jobs"): `<P><Svc>Job`, a custom resource of type
//! `Custom::ComposeToECSJob` served by the provider function the macro's SAM application
//! ships (`ComposeToECS-Jobs`, src/jobs/). CloudFormation calls it when the job is created
//! and whenever a property changes (a new task definition is a new `Ref`); it runs the task
//! to completion, and a failure fails the deployment. Services waiting for the job get
//! `DependsOn` on it; it waits for what it depends on.

use super::capacity::{association_id, strategy};
use super::context::Context;
use super::network::{private_subnets, security_group};
use super::volumes;
use crate::cfn::intrinsics::ref_;
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::{NetworkMode, Service};
use crate::validate::volumes::needs_client_group;
use serde_json::{json, Map, Value};

/// The provider function's fixed name (template.yaml).
pub const PROVIDER_FUNCTION: &str = "ComposeToECS-Jobs";

/// The resource type.
pub const JOB_TYPE: &str = "Custom::ComposeToECSJob";

/// Seconds CloudFormation waits for the provider's answer: its maximum, one hour.
pub const SERVICE_TIMEOUT_SECONDS: u32 = 3600;

/// The logical ID a dependent waits for: `<P><Svc>Job` for a job, `<P><Svc>Schedule` for a
/// scheduled service, else `<P><Svc>Service`.
pub fn dependency_id(ctx: &Context, name: &str) -> String {
    // A container of another service's task: that service's (`compose::groups`).
    let project = ctx.project();
    let name = project.services.get(name).map_or(name, |s| {
        crate::compose::groups::root_of(project, s).name.as_str()
    });
    let kind = match ctx.project().services.get(name) {
        Some(s) if s.job.is_some() => "Job",
        Some(s) if s.schedule.is_some() => "Schedule",
        _ => "Service",
    };
    format!("{}{}{kind}", ctx.prefix, normalize(name))
}

/// How a task of the service is run (`RunTask`'s parameters, in CloudFormation's
/// property names): the cluster, `LaunchType` or `CapacityProviderStrategy`,
/// `PlatformVersion`, and the `awsvpc` network configuration the ECS service would have.
pub fn run_parameters(ctx: &Context, s: &Service) -> Map<String, Value> {
    let plan = ctx.valid.service_plan(&s.name).cloned();
    let ec2 = plan.as_ref().is_some_and(|p| p.ec2);
    let mode = plan
        .as_ref()
        .map_or(NetworkMode::Awsvpc, |p| p.network_mode);
    let mut props = Map::new();
    props.insert("Cluster".into(), ctx.cluster());
    match plan.as_ref().and_then(|p| p.strategy.as_deref()) {
        Some(shares) => {
            props.insert("CapacityProviderStrategy".into(), strategy(ctx, shares));
        }
        None => {
            props.insert("LaunchType".into(), json!("FARGATE"));
        }
    }
    if !ec2 {
        props.insert("PlatformVersion".into(), json!("LATEST"));
    }
    if mode == NetworkMode::Awsvpc {
        let mut groups: Vec<Value> = s.networks.iter().map(|n| security_group(ctx, n)).collect();
        if needs_client_group(ctx.project(), s) && !volumes::on_instance_network(ctx, s) {
            groups.push(ref_(&volumes::client_group_id(ctx, s)));
        }
        // As the ECS service's (convert::service): no public address on EC2 or behind NAT.
        let public_ip = if ec2 || private_subnets(ctx).is_some() {
            json!("DISABLED")
        } else {
            ctx.placement.assign_public_ip.clone()
        };
        props.insert(
            "NetworkConfiguration".into(),
            json!({
                "AwsvpcConfiguration": {
                    "AssignPublicIp": public_ip,
                    "SecurityGroups": groups,
                    "Subnets": volumes::service_subnets(ctx, s),
                },
            }),
        );
    }
    props
}

/// `<P><Svc>Job`.
pub fn job(ctx: &mut Context, s: &Service) {
    let Some(spec) = s.job.clone() else { return };
    let mut props = Map::new();
    props.insert(
        "ServiceToken".into(),
        json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{PROVIDER_FUNCTION}")}),
    );
    props.insert("ServiceTimeout".into(), json!(SERVICE_TIMEOUT_SECONDS));
    let run = run_parameters(ctx, s);
    let has_strategy = run.contains_key("CapacityProviderStrategy");
    props.extend(run);
    props.insert(
        "TaskDefinition".into(),
        ref_(&ctx.service_id(s, "TaskDefinition")),
    );
    // The container whose exit code is the job's; its log stream is named
    // `<prefix>/<container>/<task id>` (the awslogs driver's rule).
    props.insert("Container".into(), json!(s.name));
    let option = |key: &str| s.log_options.get(key).map(|t| t.to_json());
    props.insert(
        "LogGroup".into(),
        option("awslogs-group").unwrap_or_else(|| ref_(&ctx.id("LogGroup"))),
    );
    props.insert(
        "LogStreamPrefix".into(),
        option("awslogs-stream-prefix").unwrap_or_else(|| json!(ctx.project().name)),
    );
    props.insert("Retries".into(), json!(spec.retries));
    let mut resource = Resource::new(JOB_TYPE, Value::Object(props))
        .depends_on_all(ctx.network_ready.iter().cloned())
        .depends_on_all(volumes::mount_targets_of(ctx, s));
    if has_strategy {
        if let Some(association) = association_id(ctx) {
            resource = resource.depends_on(association);
        }
    }
    for dep in s.depends_on.keys() {
        resource = resource.depends_on(dependency_id(ctx, dep));
    }
    // A task run on its own is outside Service Connect: the short names of the other
    // services are not in its `/etc/hosts`; their Cloud Map names are.
    let namespace = super::discovery::namespace_name(ctx);
    if let Some(first) = s.depends_on.keys().find(|d| {
        ctx.project()
            .services
            .get(*d)
            .is_some_and(|d| d.job.is_none())
    }) {
        ctx.diags.warn(
            crate::diagnostics::Path::new("services")
                .key(&s.name)
                .key("depends_on")
                .key(first),
            format!("the job runs as a task of its own, outside ECS Service Connect: it reaches `{first}` as `{first}.{namespace}` (Cloud Map DNS), not by its bare name"),
        );
    }
    let id = ctx.service_id(s, "Job");
    ctx.out.add(id, resource);
}
