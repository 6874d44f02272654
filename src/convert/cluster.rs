//! The ECS cluster, unless the project names an existing one: Container Insights, and
//! ECS Exec sessions logged to the project's log group.

use super::context::Context;
use crate::cfn::intrinsics::{ref_, sub};
use crate::cfn::template::Resource;
use crate::compose::operations::Insights;
use serde_json::json;

/// Container Insights on the created cluster: `x-aws-container_insights`, by default
/// with enhanced observability.
fn insights(ctx: &Context) -> Insights {
    ctx.project()
        .operations
        .insights
        .unwrap_or(Insights::Enhanced)
}

/// `<P>Cluster`.
pub fn cluster(ctx: &mut Context) {
    let output = ctx.id("ClusterName");
    if ctx.placement.cluster.is_none() {
        let name = ctx.project().name.clone();
        let mut props = json!({
            "ClusterName": sub(&format!("${{AWS::StackName}}-{name}")),
            "ClusterSettings": [{"Name": "containerInsights", "Value": insights(ctx).as_str()}],
            "Tags": ctx.project_tags(),
        });
        if let Some(configuration) = super::exec::cluster_configuration(ctx) {
            props["Configuration"] = configuration;
        }
        let cluster = Resource::new("AWS::ECS::Cluster", props);
        let id = ctx.id("Cluster");
        ctx.out.add(id.clone(), cluster);
        ctx.out
            .output(output, "ECS cluster running the project", ref_(&id));
    } else {
        let value = ctx.cluster();
        ctx.out
            .output(output, "ECS cluster running the project", value);
    }
}
