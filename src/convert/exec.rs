//! ECS Exec (`x-aws-exec`, docs/operations.md): the service's `EnableExecuteCommand`, the
//! task role's Session Manager channel permissions, session logging to the project's log
//! group (on the cluster the project creates) and an output with the command to run.

use super::context::Context;
use crate::cfn::intrinsics::{get_att, sub_with};
use crate::compose::model::Service;
use serde_json::{json, Value};

/// True when some service of the project accepts ECS Exec sessions.
pub fn any(ctx: &Context) -> bool {
    ctx.project().services.values().any(|s| s.operations.exec)
}

/// The cluster's `Configuration`: sessions are logged to the project's log group.
pub fn cluster_configuration(ctx: &Context) -> Option<Value> {
    any(ctx).then(|| {
        json!({
            "ExecuteCommandConfiguration": {
                "Logging": "OVERRIDE",
                "LogConfiguration": {"CloudWatchLogGroupName": {"Ref": ctx.id("LogGroup")}},
            },
        })
    })
}

/// The task role's `Exec` policy: the four Session Manager channel actions (they take no
/// resource), and, when the project's cluster logs sessions, writing to its log group.
pub fn policy(ctx: &Context) -> Value {
    let mut statements = vec![json!({
        "Sid": "ExecSessionChannels",
        "Effect": "Allow",
        "Action": [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ],
        "Resource": "*",
    })];
    if ctx.placement.cluster.is_none() {
        statements.push(json!({
            "Sid": "FindExecLogGroup",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": "*",
        }));
        statements.push(json!({
            "Sid": "WriteExecSessionLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": get_att(&ctx.id("LogGroup"), "Arn"),
        }));
    }
    let mut document = json!({"Version": "2012-10-17"});
    document["Statement"] = Value::Array(statements);
    json!({"PolicyName": "Exec", "PolicyDocument": document})
}

/// `<P><Svc>ExecCommand`: the shell command that opens a session in a running task.
pub fn command_output(ctx: &mut Context, s: &Service) {
    if !s.operations.exec {
        return;
    }
    // `--cluster` takes a name or an ARN: the given cluster as it is.
    let mut variables = serde_json::Map::new();
    let cluster = match &ctx.placement.cluster {
        None => format!("${{{}}}", ctx.id("Cluster")),
        Some(existing) => {
            variables.insert("ClusterName".into(), existing.clone());
            "${ClusterName}".to_string()
        }
    };
    let service = format!("${{{}.Name}}", ctx.service_id(s, "Service"));
    let text = format!(
        "aws ecs execute-command --region ${{AWS::Region}} --cluster {cluster} --container {} --interactive --command /bin/sh --task $(aws ecs list-tasks --region ${{AWS::Region}} --cluster {cluster} --service-name {service} --query 'taskArns[0]' --output text)",
        s.name
    );
    ctx.out.output(
        ctx.service_id(s, "ExecCommand"),
        &format!(
            "Opens a shell in a running task of service {} (needs the Session Manager plugin)",
            s.name
        ),
        sub_with(&text, variables),
    );
}
