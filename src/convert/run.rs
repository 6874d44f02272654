//! `docker compose run` on ECS (docs/operations.md, "One-off tasks"): per service, the
//! output `<P><Svc>RunTaskCommand`, the `aws ecs run-task` line that runs one task of the
//! service with another command, where its ECS service (or job) runs its tasks: the same
//! cluster, task definition, launch type or capacity strategy, subnets, security groups and
//! public address. A template holds at most 200 outputs: past a budget, no such output, and
//! a warning points to the documented line.

use super::Context;
use crate::cfn::intrinsics::sub_with;
use crate::compose::model::Service;
use serde_json::{json, Map, Value};

/// CloudFormation's limit on a template's outputs.
const MAX_OUTPUTS: usize = 200;

/// Outputs left for the rest of the template (the user's own, other projects').
const KEPT_FOR_THE_TEMPLATE: usize = 100;

/// `<P><Svc>RunTaskCommand` for every service, or a warning when they would not fit.
pub fn outputs(ctx: &mut Context) {
    let count = ctx.project().services.len();
    let budget = MAX_OUTPUTS.saturating_sub(KEPT_FOR_THE_TEMPLATE + ctx.out.outputs.len());
    if count > budget {
        ctx.diags.warn(
            "services",
            format!("{count} services are too many for one `aws ecs run-task` output each (CloudFormation allows 200 outputs a template): none is written; docs/operations.md, One-off tasks, gives the command to fill in"),
        );
        return;
    }
    let services: Vec<&Service> = ctx.project().services.values().collect();
    for s in services {
        output(ctx, s);
    }
}

/// The `run-task` line of one service.
fn output(ctx: &mut Context, s: &Service) {
    let params = super::jobs::run_parameters(ctx, s);
    let mut variables = Map::new();
    let mut var = |name: &str, v: Value| -> String {
        variables.insert(name.to_string(), v);
        format!("${{{name}}}")
    };
    let cluster = match params.get("Cluster") {
        Some(Value::Object(r)) if r.get("Ref") == Some(&json!(ctx.id("Cluster"))) => {
            format!("${{{}}}", ctx.id("Cluster"))
        }
        Some(other) => var("ClusterName", other.clone()),
        None => String::new(),
    };
    let mut text = format!(
        "aws ecs run-task --region ${{AWS::Region}} --cluster {cluster} --task-definition ${{{}}} --count 1",
        ctx.service_id(s, "TaskDefinition")
    );
    if let Some(Value::String(lt)) = params.get("LaunchType") {
        text.push_str(&format!(" --launch-type {lt}"));
    }
    if let Some(Value::Array(shares)) = params.get("CapacityProviderStrategy") {
        text.push_str(" --capacity-provider-strategy");
        for (i, share) in shares.iter().enumerate() {
            let provider = match share.get("CapacityProvider") {
                Some(Value::String(p)) => p.clone(),
                Some(other) => var(&format!("CapacityProvider{}", i + 1), other.clone()),
                None => continue,
            };
            let number = |k: &str| share.get(k).and_then(Value::as_u64).unwrap_or(0);
            text.push_str(&format!(
                " capacityProvider={provider},weight={},base={}",
                number("Weight"),
                number("Base")
            ));
        }
    }
    if let Some(Value::String(v)) = params.get("PlatformVersion") {
        text.push_str(&format!(" --platform-version {v}"));
    }
    if let Some(vpc) = params
        .get("NetworkConfiguration")
        .and_then(|n| n.get("AwsvpcConfiguration"))
    {
        let join = |v: &Value| json!({"Fn::Join": [",", v]});
        let subnets = var("Subnets", join(&vpc["Subnets"]));
        let groups = var("SecurityGroups", join(&vpc["SecurityGroups"]));
        let public = match &vpc["AssignPublicIp"] {
            Value::String(p) => p.clone(),
            other => var("AssignPublicIp", other.clone()),
        };
        text.push_str(&format!(
            " --network-configuration 'awsvpcConfiguration={{subnets=[{subnets}],securityGroups=[{groups}],assignPublicIp={public}}}'"
        ));
    }
    text.push_str(&format!(
        " --overrides '{{\"containerOverrides\":[{{\"name\":\"{}\",\"command\":[\"sh\",\"-c\",\"echo replace this command\"]}}]}}'",
        s.name
    ));
    ctx.out.output(
        ctx.service_id(s, "RunTaskCommand"),
        &format!(
            "`docker compose run {}`: runs one task of the service; replace the command in --overrides",
            s.name
        ),
        sub_with(&text, variables),
    );
}
