//! `compose-to-ecs up`: from a Compose folder to a running stack (docs/up.md).
//!
//! The package step (builds, pushes, secret files), then the macro's own expansion, here:
//! the template sent to CloudFormation is the expanded one, the fragment the macro would
//! answer for the packaged template, so nothing needs the macro in the account. Then a
//! change set, shown and confirmed, executed and followed to a final state.

use super::events::{self, Progress};
use super::{block_on, error_text, Clients, StackArgs};
use crate::cli::args::{ComposeArgs, LocalArgs};
use crate::cli::output::print_diagnostics;
use crate::cli::project::Project;
use crate::cli::summary::INLINE_TEMPLATE_BYTES;
use aws_sdk_cloudformation::types::{
    Capability, ChangeAction, ChangeSetStatus, ChangeSetType, Parameter, Replacement, StackStatus,
};
use compose_to_ecs::cfn::input;
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::package::{self, Mode};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    compose: ComposeArgs,
    /// A value for `${K}` in the Compose files (repeatable; wins over `.env`)
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    #[command(flatten)]
    local: LocalArgs,
    #[command(flatten)]
    stack: StackArgs,
    /// Upload the template to this S3 bucket (always, as `aws cloudformation deploy
    /// --s3-bucket`). Default: a template over 51,200 bytes goes to the bucket
    /// `compose-to-ecs-<account>-<region>`, created on first use; a smaller one is sent inline
    #[arg(long = "s3-bucket", value_name = "BUCKET")]
    s3_bucket: Option<String>,
    /// Execute the change set without asking (required when standard input is not a terminal)
    #[arg(short = 'y', long)]
    yes: bool,
}

/// The template to deploy and its parameter values.
struct Prepared {
    /// The expanded template, as compact JSON.
    body: String,
    /// The values of the template's parameters: the secret files' `NoEcho` parameters.
    parameters: Vec<(String, String)>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    super::require_confirmation_possible(args.yes, "the change set")?;
    let (mut project, name) = super::project(&args.compose, &args.local)?;
    let stack = super::stack_name(&args.stack, &name)?;
    project.variables = args
        .params
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("--param `{p}`: expected KEY=VALUE"))
        })
        .collect::<Result<_, _>>()?;
    let Some(prepared) = prepare(&project, &args.local)? else {
        return Ok(ExitCode::from(1));
    };
    block_on(async {
        let clients = Clients::load().await?;
        deploy(
            &clients,
            &stack,
            &prepared,
            args.s3_bucket.as_deref(),
            args.yes,
        )
        .await
    })?
}

/// The package step (building and pushing images), then the expansion the macro would do
/// with the values CloudFormation would pass it. `None` after printing diagnostics.
fn prepare(project: &Project, local: &LocalArgs) -> Result<Option<Prepared>, String> {
    // The secret values go to CloudFormation as parameters, never to a file.
    let options = local.options(
        Mode::Package,
        true,
        Vec::new(),
        project.stdin.clone(),
        &project.files,
    )?;
    let mut fragment = project.wrapper();
    let values = package::parameter_values(&fragment, &[]);
    let mut diags = Diagnostics::new();
    let packaged = package::package(&mut fragment, Path::new("."), &values, &options, &mut diags);
    let diags = project.compose_paths(&diags);
    print_diagnostics(&diags, local.verbose);
    if diags.has_errors() {
        return Ok(None);
    }
    let parameters: Vec<(String, String)> = packaged
        .secrets
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect();
    let request = input::request(fragment, &parameters)?;
    match compose_to_ecs::expand(&request) {
        Ok(expanded) => {
            let mut found = Diagnostics::new();
            for w in expanded.warnings {
                found.push(w);
            }
            print_diagnostics(&project.compose_paths(&found), local.verbose);
            eprint!(
                "{}",
                compose_to_ecs::report::summary::text(&expanded.fragment, &[&diags, &found])
            );
            let body = serde_json::to_string(&expanded.fragment).map_err(|e| e.to_string())?;
            Ok(Some(Prepared { body, parameters }))
        }
        Err(diags) => {
            print_diagnostics(&project.compose_paths(&diags), local.verbose);
            Ok(None)
        }
    }
}

/// Where CloudFormation reads the template from.
enum Location {
    Body(String),
    Url(String),
}

async fn deploy(
    clients: &Clients,
    stack: &str,
    prepared: &Prepared,
    bucket: Option<&str>,
    yes: bool,
) -> Result<ExitCode, String> {
    let cfn = &clients.cfn;
    let existing = super::describe_stack(cfn, stack).await?;
    let kind = match existing.as_ref().and_then(|s| s.stack_status.clone()) {
        None | Some(StackStatus::ReviewInProgress) => ChangeSetType::Create,
        Some(StackStatus::RollbackComplete) => {
            return Err(format!("stack {stack} is ROLLBACK_COMPLETE: its creation failed and it can only be deleted; run `compose-to-ecs down --stack-name {stack}`, then `up` again"));
        }
        Some(s) if !super::is_terminal(&s) => {
            return Err(format!(
                "stack {stack} is {}: wait until it is done, then run `up` again",
                s.as_str()
            ));
        }
        Some(_) => ChangeSetType::Update,
    };

    let location = if bucket.is_some() || prepared.body.len() > INLINE_TEMPLATE_BYTES {
        Location::Url(upload(clients, bucket, stack, &prepared.body).await?)
    } else {
        Location::Body(prepared.body.clone())
    };

    let change_set = format!(
        "compose-to-ecs-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default()
    );
    let mut request = cfn
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&change_set)
        .change_set_type(kind.clone())
        .description("compose-to-ecs up")
        // CAPABILITY_IAM: the project creates roles; NAMED_IAM: an overlay may name one.
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam);
    request = match &location {
        Location::Body(body) => request.template_body(body),
        Location::Url(url) => request.template_url(url),
    };
    for (k, v) in &prepared.parameters {
        request = request.parameters(
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build(),
        );
    }
    let created = match request.send().await {
        Ok(created) => created,
        // Some endpoints (moto) refuse an unchanged template at once rather than failing
        // the change set: the same answer.
        Err(e) if error_text(&e).contains("No updates are to be performed") => {
            println!("stack {stack} is up to date: no changes to deploy");
            print_endpoints(existing.as_ref().map(|s| s.outputs()).unwrap_or_default());
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => {
            return Err(format!(
                "cannot create a change set for stack {stack}: {}",
                error_text(&e)
            ))
        }
    };
    let change_set_id = created.id.unwrap_or(change_set);
    let stack_id = created.stack_id.unwrap_or_else(|| stack.to_string());

    // Wait for the change set; list its changes.
    let mut backoff = super::Backoff::new();
    let mut changes = Vec::new();
    loop {
        let mut token = None;
        let (mut status, mut reason);
        changes.clear();
        loop {
            let page = cfn
                .describe_change_set()
                .change_set_name(&change_set_id)
                .stack_name(&stack_id)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| format!("cannot describe the change set: {}", error_text(&e)))?;
            status = page.status.clone();
            reason = page.status_reason.clone();
            changes.extend(page.changes.unwrap_or_default());
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        match status {
            Some(ChangeSetStatus::CreateComplete) => break,
            Some(ChangeSetStatus::Failed) => {
                let reason = reason.unwrap_or_default();
                let _ = cfn
                    .delete_change_set()
                    .change_set_name(&change_set_id)
                    .stack_name(&stack_id)
                    .send()
                    .await;
                // CloudFormation's words for a template and parameters equal to the stack's.
                if reason.contains("didn't contain changes")
                    || reason.contains("No updates are to be performed")
                {
                    println!("stack {stack} is up to date: no changes to deploy");
                    print_endpoints(existing.as_ref().map(|s| s.outputs()).unwrap_or_default());
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!(
                    "error: CloudFormation refused the change set for stack {stack}: {reason}"
                );
                if kind == ChangeSetType::Create {
                    delete_empty_stack(clients, &stack_id).await;
                }
                return Ok(ExitCode::from(1));
            }
            _ => backoff.wait().await,
        }
    }

    let lines = describe_changes(&changes);
    println!(
        "{} stack {stack}: {} change{}",
        if kind == ChangeSetType::Create {
            "create"
        } else {
            "update"
        },
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    for line in &lines {
        println!("{line}");
    }
    if !yes && !super::confirm(&format!("Deploy these changes to stack {stack}?")) {
        let _ = cfn
            .delete_change_set()
            .change_set_name(&change_set_id)
            .stack_name(&stack_id)
            .send()
            .await;
        if kind == ChangeSetType::Create {
            delete_empty_stack(clients, &stack_id).await;
        }
        eprintln!("nothing deployed");
        return Ok(ExitCode::from(1));
    }

    let seen = events::event_ids(cfn, &stack_id).await?;
    if let Err(e) = cfn
        .execute_change_set()
        .change_set_name(&change_set_id)
        .stack_name(&stack_id)
        .send()
        .await
    {
        // CloudFormation refuses here for the change set's state; an emulator that runs
        // the operation synchronously (moto) also reports a failing resource here.
        eprintln!(
            "error: the change set for stack {stack} was not executed: {}",
            error_text(&e)
        );
        if kind == ChangeSetType::Create {
            delete_empty_stack(clients, &stack_id).await;
        }
        return Ok(ExitCode::from(1));
    }
    let mut progress = Progress::new(changes.len());
    let (status, new_events) = events::follow(cfn, &stack_id, seen, &mut progress).await?;
    if super::is_success(&status) {
        println!("stack {stack}: {}", status.as_str());
        let outputs = super::describe_stack(cfn, &stack_id)
            .await?
            .map(|s| s.outputs.unwrap_or_default())
            .unwrap_or_default();
        print_endpoints(&outputs);
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: stack {stack} ended {}", status.as_str());
        events::report_failure(clients, &new_events).await;
        Ok(ExitCode::from(1))
    }
}

/// The stack a refused or declined first change set leaves (REVIEW_IN_PROGRESS, no
/// resources): deleted, so the next `up` starts clean.
async fn delete_empty_stack(clients: &Clients, stack_id: &str) {
    if let Ok(Some(s)) = super::describe_stack(&clients.cfn, stack_id).await {
        if s.stack_status == Some(StackStatus::ReviewInProgress) {
            let _ = clients.cfn.delete_stack().stack_name(stack_id).send().await;
        }
    }
}

fn print_endpoints(outputs: &[aws_sdk_cloudformation::types::Output]) {
    let lines = super::endpoint_lines(outputs);
    if lines.is_empty() {
        println!("no endpoints (no service publishes a port)");
    } else {
        println!("endpoints:");
        for l in lines {
            println!("{l}");
        }
    }
}

/// The change set as lines: added, modified, replaced, deleted, each sorted by logical ID.
pub fn describe_changes(changes: &[aws_sdk_cloudformation::types::Change]) -> Vec<String> {
    let mut rows: Vec<(u8, String)> = Vec::new();
    for c in changes {
        let Some(rc) = &c.resource_change else {
            continue;
        };
        let id = rc.logical_resource_id.as_deref().unwrap_or("?");
        let kind = rc.resource_type.as_deref().unwrap_or("?");
        let (rank, word) = match (&rc.action, &rc.replacement) {
            (Some(ChangeAction::Add), _) => (0, "add    ".to_string()),
            (Some(ChangeAction::Modify), Some(Replacement::True)) => (2, "replace".to_string()),
            (Some(ChangeAction::Modify), Some(Replacement::Conditional)) => {
                (2, "replace (conditional)".to_string())
            }
            (Some(ChangeAction::Modify), _) => (1, "modify ".to_string()),
            (Some(ChangeAction::Remove), _) => (3, "delete ".to_string()),
            (Some(a), _) => (4, a.as_str().to_ascii_lowercase()),
            (None, _) => (4, "change ".to_string()),
        };
        rows.push((rank, format!("  {word} {id} ({kind})")));
    }
    rows.sort();
    rows.into_iter().map(|(_, l)| l).collect()
}

/// Uploads the template; returns its URL. The bucket: `--s3-bucket`, else
/// `compose-to-ecs-<account>-<region>` (created private on first use, reused after).
async fn upload(
    clients: &Clients,
    bucket: Option<&str>,
    stack: &str,
    body: &str,
) -> Result<String, String> {
    let bucket = match bucket {
        Some(b) => b.to_string(),
        None => default_bucket(clients).await?,
    };
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("compose-to-ecs/{stack}/{hex}.json");
    clients
        .s3
        .put_object()
        .bucket(&bucket)
        .key(&key)
        .content_type("application/json")
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot upload the template to s3://{bucket}/{key}: {}",
                error_text(&e)
            )
        })?;
    eprintln!(
        "template: {} bytes, uploaded to s3://{bucket}/{key}",
        body.len()
    );
    Ok(format!(
        "https://{bucket}.s3.{}.amazonaws.com/{key}",
        clients.region
    ))
}

/// The deterministic bucket, created when missing.
async fn default_bucket(clients: &Clients) -> Result<String, String> {
    let identity = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot read the account id (sts:GetCallerIdentity): {}",
                error_text(&e)
            )
        })?;
    let account = identity.account.unwrap_or_default();
    let bucket = format!("compose-to-ecs-{account}-{}", clients.region);
    match clients.s3.head_bucket().bucket(&bucket).send().await {
        Ok(_) => return Ok(bucket),
        Err(e) => {
            let not_found = e.as_service_error().is_some_and(|s| s.is_not_found())
                || e.raw_response().is_some_and(|r| r.status().as_u16() == 404);
            if !not_found {
                return Err(format!("the template bucket {bucket} cannot be used ({}); give another with --s3-bucket", error_text(&e)));
            }
        }
    }
    let mut create = clients.s3.create_bucket().bucket(&bucket);
    if clients.region != "us-east-1" {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    clients.region.as_str(),
                ))
                .build(),
        );
    }
    create.send().await.map_err(|e| {
        format!(
            "cannot create the template bucket {bucket}: {}; give one with --s3-bucket",
            error_text(&e)
        )
    })?;
    let block = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    clients
        .s3
        .put_public_access_block()
        .bucket(&bucket)
        .public_access_block_configuration(block)
        .send()
        .await
        .map_err(|e| {
            format!(
                "cannot block public access to bucket {bucket}: {}",
                error_text(&e)
            )
        })?;
    eprintln!("created the template bucket {bucket}");
    Ok(bucket)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudformation::types::{Change, ResourceChange};

    fn change(action: ChangeAction, id: &str, replacement: Option<Replacement>) -> Change {
        Change::builder()
            .resource_change(
                ResourceChange::builder()
                    .action(action)
                    .logical_resource_id(id)
                    .resource_type("AWS::ECS::Service")
                    .set_replacement(replacement)
                    .build(),
            )
            .build()
    }

    #[test]
    fn changes_are_grouped_added_modified_replaced_deleted() {
        let lines = describe_changes(&[
            change(ChangeAction::Remove, "Old", None),
            change(ChangeAction::Modify, "B", Some(Replacement::True)),
            change(ChangeAction::Modify, "A", Some(Replacement::False)),
            change(ChangeAction::Add, "New", None),
        ]);
        assert_eq!(
            lines,
            [
                "  add     New (AWS::ECS::Service)",
                "  modify  A (AWS::ECS::Service)",
                "  replace B (AWS::ECS::Service)",
                "  delete  Old (AWS::ECS::Service)",
            ]
        );
    }
}
