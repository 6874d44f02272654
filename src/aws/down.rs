//! `compose-to-ecs down`: deletes the project's stack, and says which EFS file systems
//! the deletion keeps (`DeletionPolicy: Retain`, docs/volumes.md) and how to remove them.

use super::events::{self, Progress};
use super::{block_on, error_text, Clients, StackArgs};
use crate::cli::args::{ComposeArgs, LocalArgs};
use aws_sdk_cloudformation::types::TemplateStage;
use serde_json::Value;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    compose: ComposeArgs,
    #[command(flatten)]
    local: LocalArgs,
    #[command(flatten)]
    stack: StackArgs,
    /// Delete without asking (required when standard input is not a terminal)
    #[arg(short = 'y', long)]
    yes: bool,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    super::require_confirmation_possible(args.yes, "deleting the stack")?;
    let stack = super::existing_stack_name(&args.stack, &args.compose, &args.local)?;
    block_on(async {
        let clients = Clients::load().await?;
        down(&clients, &stack, args.yes).await
    })?
}

/// A file system the deletion keeps.
struct Kept {
    logical_id: String,
    file_system_id: String,
}

async fn down(clients: &Clients, stack: &str, yes: bool) -> Result<ExitCode, String> {
    let cfn = &clients.cfn;
    let Some(found) = super::describe_stack(cfn, stack).await? else {
        println!("no stack {stack}: nothing to delete");
        return Ok(ExitCode::SUCCESS);
    };
    let stack_id = found.stack_id.clone().unwrap_or_else(|| stack.to_string());
    if let Some(s) = &found.stack_status {
        if !super::is_terminal(s) {
            return Err(format!(
                "stack {stack} is {}: wait until it is done, then run `down` again",
                s.as_str()
            ));
        }
    }
    let kept = retained_file_systems(clients, &stack_id).await?;
    let resources = super::stack_resources(cfn, &stack_id).await?;
    println!(
        "delete stack {stack}: {} resource{}",
        resources.len(),
        if resources.len() == 1 { "" } else { "s" }
    );
    if !kept.is_empty() {
        println!(
            "kept after deletion (DeletionPolicy: Retain): {}",
            kept.iter()
                .map(|k| format!("{} ({})", k.file_system_id, k.logical_id))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !yes && !super::confirm(&format!("Delete stack {stack}?")) {
        eprintln!("nothing deleted");
        return Ok(ExitCode::from(1));
    }
    let seen = events::event_ids(cfn, &stack_id).await?;
    cfn.delete_stack()
        .stack_name(&stack_id)
        .send()
        .await
        .map_err(|e| format!("cannot delete stack {stack}: {}", error_text(&e)))?;
    let mut progress = Progress::new(resources.len());
    let (status, new_events) = events::follow(cfn, &stack_id, seen, &mut progress).await?;
    if status.as_str() != "DELETE_COMPLETE" {
        eprintln!("error: stack {stack} ended {}", status.as_str());
        events::report_failure(clients, &new_events).await;
        return Ok(ExitCode::from(1));
    }
    println!("stack {stack} deleted");
    if !kept.is_empty() {
        println!(
            "kept {} EFS file system{} with the volumes' data; when it is no longer needed, delete {} with:",
            kept.len(),
            if kept.len() == 1 { "" } else { "s" },
            if kept.len() == 1 { "it" } else { "them" }
        );
        for k in &kept {
            println!(
                "  aws efs delete-file-system --file-system-id {}   # {}",
                k.file_system_id, k.logical_id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The stack's EFS file systems whose `DeletionPolicy` keeps them (from the processed
/// template), with their ids.
async fn retained_file_systems(clients: &Clients, stack_id: &str) -> Result<Vec<Kept>, String> {
    let template = clients
        .cfn
        .get_template()
        .stack_name(stack_id)
        .template_stage(TemplateStage::Processed)
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot read the template of stack {stack_id}: {}",
                error_text(&e)
            )
        })?;
    let body = template.template_body.unwrap_or_default();
    let retained = retained_ids(&body);
    if retained.is_empty() {
        return Ok(Vec::new());
    }
    let resources = super::stack_resources(&clients.cfn, stack_id).await?;
    Ok(resources
        .into_iter()
        .filter_map(|r| {
            let id = r.logical_resource_id?;
            let fs = r.physical_resource_id.filter(|p| !p.is_empty())?;
            retained.contains(&id).then_some(Kept {
                logical_id: id,
                file_system_id: fs,
            })
        })
        .collect())
}

/// The logical IDs of the template's EFS file systems kept on deletion (the template in
/// JSON, or YAML for a stack deployed otherwise; one that is neither lists none).
fn retained_ids(body: &str) -> Vec<String> {
    let template: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => match serde_yaml_ng::from_str(body) {
            Ok(v) => v,
            Err(_) => return Vec::new(),
        },
    };
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|(_, r)| {
            r.get("Type").and_then(Value::as_str) == Some("AWS::EFS::FileSystem")
                && matches!(
                    r.get("DeletionPolicy").and_then(Value::as_str),
                    Some("Retain" | "RetainExceptOnCreate")
                )
        })
        .map(|(id, _)| id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_retained_file_systems_are_listed() {
        let body = r#"{"Resources": {
            "ShopDbdataFilesystem": {"Type": "AWS::EFS::FileSystem", "DeletionPolicy": "Retain"},
            "ShopScratchFilesystem": {"Type": "AWS::EFS::FileSystem", "DeletionPolicy": "Delete"},
            "ShopLogGroup": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"}}}"#;
        assert_eq!(retained_ids(body), ["ShopDbdataFilesystem"]);
        assert!(retained_ids("not a template: [").is_empty());
    }
}
