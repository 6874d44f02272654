//! The project's CloudWatch Logs group.

use super::context::Context;
use crate::cfn::intrinsics::{ref_, sub};
use crate::cfn::template::Resource;
use serde_json::json;

/// Days logs are kept when `x-aws-logs_retention` is not set.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// `<P>LogGroup`.
pub fn log_group(ctx: &mut Context) {
    let project = ctx.project();
    let retention = project.logs_retention.unwrap_or(DEFAULT_RETENTION_DAYS);
    let name = project.name.clone();
    let group = Resource::new(
        "AWS::Logs::LogGroup",
        json!({
            "LogGroupName": sub(&format!("/compose-to-ecs/${{AWS::StackName}}/{name}")),
            "RetentionInDays": retention,
            "Tags": ctx.project_tags(),
        }),
    );
    let id = ctx.id("LogGroup");
    ctx.out.add(id.clone(), group);
    ctx.out.output(
        ctx.id("LogGroupName"),
        "CloudWatch Logs group of the project's containers",
        ref_(&id),
    );
}
