//! `compose-to-ecs ps`: the project's services, their tasks and health, and the endpoints.

use super::{block_on, error_text, Clients, StackArgs};
use crate::cli::args::{ComposeArgs, LocalArgs};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    compose: ComposeArgs,
    #[command(flatten)]
    local: LocalArgs,
    #[command(flatten)]
    stack: StackArgs,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let stack = super::existing_stack_name(&args.stack, &args.compose, &args.local)?;
    block_on(async {
        let clients = Clients::load().await?;
        ps(&clients, &stack).await
    })?
}

/// One ECS service of the stack.
struct Row {
    name: String,
    tasks: String,
    status: String,
    health: String,
}

async fn ps(clients: &Clients, stack: &str) -> Result<ExitCode, String> {
    let Some(found) = super::describe_stack(&clients.cfn, stack).await? else {
        eprintln!("error: no stack {stack} (`compose-to-ecs up` creates it)");
        return Ok(ExitCode::from(1));
    };
    let stack_id = found.stack_id.clone().unwrap_or_else(|| stack.to_string());
    println!(
        "stack {stack}: {}",
        found
            .stack_status
            .as_ref()
            .map(|s| s.as_str())
            .unwrap_or("?")
    );
    let resources = super::stack_resources(&clients.cfn, &stack_id).await?;
    let cluster = resources
        .iter()
        .find(|r| r.resource_type.as_deref() == Some("AWS::ECS::Cluster"))
        .and_then(|r| r.physical_resource_id.clone());
    let services: Vec<(String, String)> = resources
        .iter()
        .filter(|r| r.resource_type.as_deref() == Some("AWS::ECS::Service"))
        .filter_map(|r| {
            Some((
                r.logical_resource_id.clone()?,
                r.physical_resource_id.clone().filter(|p| !p.is_empty())?,
            ))
        })
        .collect();
    let names = template_service_names(clients, &stack_id).await;
    let mut rows = Vec::new();
    for chunk in services.chunks(10) {
        // The cluster: from the service's ARN, else the stack's (an existing cluster).
        let cluster = super::events::service_arn_parts(&chunk[0].1)
            .map(|(c, _)| c)
            .or_else(|| cluster.clone());
        let mut request = clients
            .ecs
            .describe_services()
            .include(aws_sdk_ecs::types::ServiceField::Tags)
            .set_services(Some(chunk.iter().map(|(_, arn)| arn.clone()).collect()));
        if let Some(c) = &cluster {
            request = request.cluster(c);
        }
        let described = request.send().await.map_err(|e| {
            format!(
                "cannot describe the services of stack {stack}: {}",
                error_text(&e)
            )
        })?;
        for s in described.services.unwrap_or_default() {
            let compose_name = s
                .tags()
                .iter()
                .find(|t| t.key.as_deref() == Some("com.docker.compose.service"))
                .and_then(|t| t.value.clone())
                .or_else(|| {
                    let id = chunk
                        .iter()
                        .find(|(_, arn)| Some(arn) == s.service_arn.as_ref())
                        .map(|(id, _)| id.clone())?;
                    Some(names.get(&id).cloned().unwrap_or(id))
                })
                .unwrap_or_else(|| s.service_name.clone().unwrap_or_default());
            let rollout = s
                .deployments()
                .iter()
                .find(|d| d.status.as_deref() == Some("PRIMARY"))
                .and_then(|d| d.rollout_state.as_ref())
                .map(|r| format!(", {}", r.as_str()))
                .unwrap_or_default();
            let health = match (&cluster, &s.service_name) {
                (Some(c), Some(n)) => task_health(clients, c, n).await,
                _ => String::new(),
            };
            rows.push(Row {
                name: compose_name,
                tasks: format!(
                    "{}/{} running{}",
                    s.running_count,
                    s.desired_count,
                    if s.pending_count > 0 {
                        format!(", {} pending", s.pending_count)
                    } else {
                        String::new()
                    }
                ),
                status: format!("{}{rollout}", s.status.as_deref().unwrap_or("?")),
                health,
            });
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    print!("{}", table(&rows));
    let lines = super::endpoint_lines(found.outputs());
    if !lines.is_empty() {
        println!("endpoints:");
        for l in lines {
            println!("{l}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The Compose service of each ECS service in the stack's template (its
/// `com.docker.compose.service` tag), by logical ID: for an ECS API that does not return
/// tags.
async fn template_service_names(clients: &Clients, stack_id: &str) -> BTreeMap<String, String> {
    let Ok(out) = clients
        .cfn
        .get_template()
        .stack_name(stack_id)
        .template_stage(aws_sdk_cloudformation::types::TemplateStage::Processed)
        .send()
        .await
    else {
        return BTreeMap::new();
    };
    let template: Value = out
        .template_body
        .and_then(|b| serde_json::from_str(&b).ok())
        .unwrap_or(Value::Null);
    let mut names = BTreeMap::new();
    for (id, r) in template
        .get("Resources")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let tag = r
            .pointer("/Properties/Tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|t| t.get("Key").and_then(Value::as_str) == Some("com.docker.compose.service"))
            .and_then(|t| t.get("Value").and_then(Value::as_str));
        if let (Some("AWS::ECS::Service"), Some(name)) =
            (r.get("Type").and_then(Value::as_str), tag)
        {
            names.insert(id.clone(), name.to_string());
        }
    }
    names
}

/// The service's running tasks: `abc123 RUNNING HEALTHY`, comma-separated.
async fn task_health(clients: &Clients, cluster: &str, service: &str) -> String {
    let Some(tasks) = super::service_tasks(clients, cluster, service, false, 100).await else {
        return String::new();
    };
    if tasks.is_empty() {
        return "no tasks".into();
    }
    let mut tasks: Vec<String> = tasks
        .iter()
        .map(|t| {
            let id = super::task_id(t);
            let short = id.get(..12).unwrap_or(id);
            let health = t
                .health_status
                .as_ref()
                .map(|h| h.as_str())
                .unwrap_or("UNKNOWN");
            format!(
                "{short} {} {health}",
                t.last_status.as_deref().unwrap_or("?")
            )
        })
        .collect();
    tasks.sort();
    tasks.join(", ")
}

fn table(rows: &[Row]) -> String {
    let head = Row {
        name: "SERVICE".into(),
        tasks: "TASKS".into(),
        status: "STATUS".into(),
        health: "TASKS (ID STATUS HEALTH)".into(),
    };
    let all: Vec<&Row> = std::iter::once(&head).chain(rows).collect();
    let w = |f: fn(&Row) -> &str| all.iter().map(|r| f(r).len()).max().unwrap_or(0);
    let (wn, wt, ws) = (w(|r| &r.name), w(|r| &r.tasks), w(|r| &r.status));
    let mut out = String::new();
    for r in all {
        out.push_str(
            format!(
                "{:wn$}  {:wt$}  {:ws$}  {}",
                r.name, r.tasks, r.status, r.health
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_aligns_its_columns() {
        let rows = [Row {
            name: "web".into(),
            tasks: "1/1 running".into(),
            status: "ACTIVE, COMPLETED".into(),
            health: "abc RUNNING HEALTHY".into(),
        }];
        assert_eq!(
            table(&rows),
            "SERVICE  TASKS        STATUS             TASKS (ID STATUS HEALTH)\n\
             web      1/1 running  ACTIVE, COMPLETED  abc RUNNING HEALTHY\n"
        );
    }
}
