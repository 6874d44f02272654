//! `docker compose run` on ECS (docs/operations.md, "One-off tasks"): per service, the
//! output `<P><Svc>RunTaskCommand`, the `aws ecs run-task` line that runs one task of the
//! service with another command, where its ECS service (or job) runs its tasks: the same
//! cluster, task definition, launch type or capacity strategy, subnets, security groups and
//! public address. A template holds at most 200 outputs: past a budget, no such output, and
//! a warning points to the documented line.

use super::context::Context;
use crate::cfn::intrinsics::ref_;
use crate::compose::model::Service;
use serde_json::{json, Value};

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
    // A member of a group runs in its root's task: the root's line runs them all.
    let services: Vec<&Service> = ctx
        .project()
        .services
        .values()
        .filter(|s| !crate::compose::groups::is_member(s))
        .collect();
    for s in services {
        output(ctx, s);
    }
}

/// Pieces of a `Fn::Join` with `""`: text, and values; adjacent texts merged.
#[derive(Default)]
struct Line(Vec<Value>);

impl Line {
    fn text(&mut self, s: &str) -> &mut Self {
        match self.0.last_mut() {
            Some(Value::String(last)) => last.push_str(s),
            _ => self.0.push(json!(s)),
        }
        self
    }

    fn value(&mut self, v: &Value) -> &mut Self {
        match v {
            Value::String(s) => self.text(s),
            other => {
                self.0.push(other.clone());
                self
            }
        }
    }
}

/// The `run-task` line of one service: an `Fn::Join` (an `Fn::Sub` with a variable map
/// would do as well, but the offline emulator's static check does not resolve such
/// variables in outputs).
fn output(ctx: &mut Context, s: &Service) {
    let params = super::jobs::run_parameters(ctx, s);
    let mut line = Line::default();
    line.text("aws ecs run-task --region ")
        .value(&json!({"Ref": "AWS::Region"}))
        .text(" --cluster ");
    if let Some(cluster) = params.get("Cluster") {
        line.value(cluster);
    }
    line.text(" --task-definition ")
        .value(&ref_(&ctx.service_id(s, "TaskDefinition")))
        .text(" --count 1");
    if let Some(Value::String(lt)) = params.get("LaunchType") {
        line.text(&format!(" --launch-type {lt}"));
    }
    if let Some(Value::Array(shares)) = params.get("CapacityProviderStrategy") {
        line.text(" --capacity-provider-strategy");
        for share in shares {
            let Some(provider) = share.get("CapacityProvider") else {
                continue;
            };
            let number = |k: &str| share.get(k).and_then(Value::as_u64).unwrap_or(0);
            line.text(" capacityProvider=")
                .value(provider)
                .text(&format!(
                    ",weight={},base={}",
                    number("Weight"),
                    number("Base")
                ));
        }
    }
    if let Some(Value::String(v)) = params.get("PlatformVersion") {
        line.text(&format!(" --platform-version {v}"));
    }
    if let Some(vpc) = params
        .get("NetworkConfiguration")
        .and_then(|n| n.get("AwsvpcConfiguration"))
    {
        let join = |v: &Value| json!({"Fn::Join": [",", v]});
        line.text(" --network-configuration 'awsvpcConfiguration={subnets=[")
            .value(&join(&vpc["Subnets"]))
            .text("],securityGroups=[")
            .value(&join(&vpc["SecurityGroups"]))
            .text("],assignPublicIp=")
            .value(&vpc["AssignPublicIp"])
            .text("}'");
    }
    line.text(&format!(
        " --overrides '{{\"containerOverrides\":[{{\"name\":\"{}\",\"command\":[\"sh\",\"-c\",\"echo replace this command\"]}}]}}'",
        s.name
    ));
    ctx.out.output(
        ctx.service_id(s, "RunTaskCommand"),
        &format!(
            "`docker compose run {}`: runs one task of the service; replace the command in --overrides",
            s.name
        ),
        json!({"Fn::Join": ["", line.0]}),
    );
}
