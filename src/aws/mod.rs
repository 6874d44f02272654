//! The CLI's AWS commands: `up`, `down`, `ps`, `logs` (docs/up.md). A module of the CLI
//! binary only, behind the default feature `aws`: the library (`compose_to_ecs`) never
//! imports it, and the Lambda package (`lambda/`) is built without it, so the AWS SDK is
//! neither compiled into nor linked with the macro (docs/ARCHITECTURE.md).
//!
//! One file per command; this file holds what they share: the SDK clients (credentials,
//! profiles and regions resolved as the AWS CLI resolves them; `AWS_ENDPOINT_URL` honoured,
//! which is how the tests reach a local moto server), the stack name, the terminal prompt,
//! and reading a stack (its resources, outputs and events).

pub mod down;
pub mod events;
pub mod logs;
pub mod ps;
pub mod up;

use crate::cli::args::{ComposeArgs, LocalArgs};
use crate::cli::project::Project;
use aws_sdk_cloudformation::types::{Output, StackResourceSummary, StackStatus};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// The clients of the services the commands call, from one resolved configuration.
pub struct Clients {
    pub cfn: aws_sdk_cloudformation::Client,
    pub s3: aws_sdk_s3::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub sts: aws_sdk_sts::Client,
    /// The region requests go to (for the S3 bucket's name and location).
    pub region: String,
}

impl Clients {
    /// The configuration the AWS CLI would use: environment, `AWS_PROFILE` and the shared
    /// files, SSO, `credential_process`, the instance or container role. The HTTP client is
    /// rustls with *ring* (the SDK's default TLS, aws-lc, compiles a C library: slower CI).
    pub async fn load() -> Result<Clients, String> {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http)
            .load()
            .await;
        let region = config.region().map(|r| r.to_string()).ok_or(
            "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or `region` in the profile",
        )?;
        // A custom endpoint (`AWS_ENDPOINT_URL`: a local emulator) takes path-style bucket
        // addresses: `<bucket>.localhost` does not resolve.
        let mut s3 = aws_sdk_s3::config::Builder::from(&config);
        if config.endpoint_url().is_some() {
            s3 = s3.force_path_style(true);
        }
        Ok(Clients {
            cfn: aws_sdk_cloudformation::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            ecs: aws_sdk_ecs::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            sts: aws_sdk_sts::Client::new(&config),
            region,
        })
    }
}

/// Runs an async command on a single-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok(runtime.block_on(future))
}

/// An SDK error as one line: the service's code and message (`ValidationError: ...`), or
/// for a request that got no answer, the chain of causes (`dispatch failure: ...`).
pub fn error_text<E>(
    e: &aws_sdk_cloudformation::error::SdkError<
        E,
        aws_sdk_cloudformation::config::http::HttpResponse,
    >,
) -> String
where
    E: aws_sdk_cloudformation::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    if let aws_sdk_cloudformation::error::SdkError::ServiceError(service) = e {
        let err = service.err();
        return match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (None, Some(message)) => message.to_string(),
            (Some(code), None) => code.to_string(),
            (None, None) => format!(
                "the service answered HTTP {}",
                service.raw().status().as_u16()
            ),
        };
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The stack name and how to find the project's stack: `--stack-name`, else the Compose
/// project's name (`-p`, `COMPOSE_PROJECT_NAME`, `.env`, `name:`, the folder; as `convert`).
#[derive(clap::Args, Clone)]
pub struct StackArgs {
    /// The CloudFormation stack. Default: the Compose project name (`_` becomes `-`)
    #[arg(long = "stack-name", value_name = "NAME")]
    pub stack_name: Option<String>,
}

/// Whether `name` is a valid CloudFormation stack name.
pub fn valid_stack_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The stack name a project deploys to: `--stack-name`, else the project name with `_`
/// turned into `-` (stack names allow letters, digits and `-`, and start with a letter).
pub fn stack_name(given: &StackArgs, project: &str) -> Result<String, String> {
    if let Some(name) = &given.stack_name {
        if !valid_stack_name(name) {
            return Err(format!("--stack-name `{name}`: a stack name has letters, digits and `-`, starts with a letter, and is at most 128 characters"));
        }
        return Ok(name.clone());
    }
    let name = project.replace('_', "-");
    if valid_stack_name(&name) {
        Ok(name)
    } else {
        Err(format!("the project name `{project}` is not a valid stack name (letters, digits and `-`, starting with a letter); give one with --stack-name"))
    }
}

/// The Compose project named by the flags (reading its files, as `convert` does), and its
/// name.
pub fn project(compose: &ComposeArgs, local: &LocalArgs) -> Result<(Project, String), String> {
    let project = Project::from_args(None, compose, local)?;
    let name = match &project.name {
        Some(n) => n.clone(),
        None => {
            let dir = match project.files[0].as_str() {
                "-" => std::path::Path::new("."),
                f => crate::cli::project::folder(std::path::Path::new(f)),
            };
            crate::cli::project::dotenv_project_name(dir, &local.env_files)
                .unwrap_or_else(|| "project".into())
        }
    };
    Ok((project, name))
}

/// The stack a command other than `up` acts on: `--stack-name`, else `-p`, else the
/// project found from the Compose files.
pub fn existing_stack_name(
    stack: &StackArgs,
    compose: &ComposeArgs,
    local: &LocalArgs,
) -> Result<String, String> {
    if stack.stack_name.is_some() {
        return stack_name(stack, "");
    }
    if let Some(p) = &compose.project_name {
        return stack_name(stack, p);
    }
    let (_, name) = project(compose, local)?;
    stack_name(stack, &name)
}

/// `--yes`, or a terminal to ask on. Without both, the command stops before changing
/// anything (a script must say `--yes`).
pub fn require_confirmation_possible(yes: bool, what: &str) -> Result<(), String> {
    if yes || std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(format!(
            "standard input is not a terminal, so {what} cannot be confirmed: pass --yes"
        ))
    }
}

/// Asks a yes/no question on the terminal (default no).
pub fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// The stack as CloudFormation describes it, or `None` when there is none by that name.
pub async fn describe_stack(
    cfn: &aws_sdk_cloudformation::Client,
    name: &str,
) -> Result<Option<aws_sdk_cloudformation::types::Stack>, String> {
    match cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks.unwrap_or_default().into_iter().next()),
        Err(e) => {
            let text = error_text(&e);
            if text.contains("does not exist") {
                Ok(None)
            } else {
                Err(format!("cannot describe stack {name}: {text}"))
            }
        }
    }
}

/// Every resource of the stack (all pages).
pub async fn stack_resources(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<Vec<StackResourceSummary>, String> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = cfn
            .list_stack_resources()
            .stack_name(stack)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "cannot list the resources of stack {stack}: {}",
                    error_text(&e)
                )
            })?;
        out.extend(page.stack_resource_summaries.unwrap_or_default());
        token = page.next_token;
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Whether a stack status is final (nothing in progress).
/// The task id of a task ARN (its last segment).
pub fn task_id(t: &aws_sdk_ecs::types::Task) -> &str {
    t.task_arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or("?")
}

/// Up to `limit` tasks of an ECS service, described (`Stopped` ones with `stopped`); `None`
/// when ECS cannot be asked, empty when the service has none.
pub async fn service_tasks(
    clients: &Clients,
    cluster: &str,
    service: &str,
    stopped: bool,
    limit: usize,
) -> Option<Vec<aws_sdk_ecs::types::Task>> {
    let mut list = clients
        .ecs
        .list_tasks()
        .cluster(cluster)
        .service_name(service);
    if stopped {
        list = list.desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped);
    }
    let arns: Vec<String> = list
        .send()
        .await
        .ok()?
        .task_arns
        .unwrap_or_default()
        .into_iter()
        .take(limit)
        .collect();
    if arns.is_empty() {
        return Some(Vec::new());
    }
    let described = clients
        .ecs
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .ok()?;
    Some(described.tasks.unwrap_or_default())
}

pub fn is_terminal(status: &StackStatus) -> bool {
    !status.as_str().ends_with("_IN_PROGRESS")
}

/// Whether a final status means the last operation succeeded.
pub fn is_success(status: &StackStatus) -> bool {
    matches!(
        status,
        StackStatus::CreateComplete | StackStatus::UpdateComplete | StackStatus::ImportComplete
    )
}

/// The outputs to show a user: the endpoints (`<Project><Service>TCP80Endpoint`), then the
/// load balancer's name and the log group; keys sorted.
pub fn endpoint_lines(outputs: &[Output]) -> Vec<String> {
    let mut shown: Vec<(u8, String, String)> = outputs
        .iter()
        .filter_map(|o| {
            let key = o.output_key.clone()?;
            let value = o.output_value.clone().unwrap_or_default();
            let rank = if key.ends_with("Endpoint") {
                0
            } else if key.ends_with("LoadBalancerDnsName") || key.ends_with("LogGroupName") {
                1
            } else {
                return None;
            };
            Some((rank, key, value))
        })
        .collect();
    shown.sort();
    shown
        .into_iter()
        .map(|(_, k, v)| format!("  {k}: {v}"))
        .collect()
}

/// Waits a little longer each time (moto answers at once; CloudFormation takes minutes).
pub struct Backoff(Duration);

impl Backoff {
    pub fn new() -> Backoff {
        Backoff(Duration::from_millis(250))
    }

    pub async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_come_from_project_names() {
        let none = StackArgs { stack_name: None };
        assert_eq!(stack_name(&none, "my_app"), Ok("my-app".into()));
        assert!(stack_name(&none, "1app")
            .unwrap_err()
            .contains("--stack-name"));
        let given = StackArgs {
            stack_name: Some("shop-prod".into()),
        };
        assert_eq!(stack_name(&given, "ignored"), Ok("shop-prod".into()));
        let bad = StackArgs {
            stack_name: Some("shop_prod".into()),
        };
        assert!(stack_name(&bad, "x").is_err());
    }
}
