//! The ECS cluster, unless the project names an existing one.

use super::Context;
use crate::cfn::intrinsics::{ref_, sub};
use crate::cfn::template::Resource;
use serde_json::json;

/// `<P>Cluster`.
pub fn cluster(ctx: &mut Context) {
    let output = ctx.id("ClusterName");
    if ctx.placement.cluster.is_none() {
        let name = ctx.project().name.clone();
        let cluster = Resource::new(
            "AWS::ECS::Cluster",
            json!({
                "ClusterName": sub(&format!("${{AWS::StackName}}-{name}")),
                "Tags": ctx.project_tags(),
            }),
        );
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
