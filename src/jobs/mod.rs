//! The provider of `Custom::ComposeToECSJob` (docs/operations.md "Jobs"): runs a job's ECS
//! task to completion and answers CloudFormation. A module of the `compose-to-ecs-jobs`
//! binary only (edge code: it calls AWS); the library never imports it.
//!
//! - Create, or an Update asking for another task definition: `RunTask`, then
//!   `DescribeTasks` until the task stops. The job succeeded when its container exited with
//!   0 and nobody stopped the task; otherwise it runs again, up to `Retries` more times, then
//!   the answer is FAILED with each run's exit code, stopped reason and log stream, and
//!   CloudFormation rolls the deployment back.
//! - Before the function's own 15 minutes run out, it invokes itself asynchronously with
//!   its state (the request, the running task, the runs so far), so a job may take up to
//!   the resource's `ServiceTimeout` (one hour); near that, the task is stopped and the
//!   answer is FAILED.
//! - Delete answers SUCCESS, stopping the task when it still runs.
//!
//! The answer is PUT to the request's pre-signed `ResponseURL` (`respond`).

pub mod request;
pub mod respond;

/// Stops a task; a task already stopped answers an error, which changes nothing.
async fn stop(clients: &Clients, cluster: &str, task: &str, reason: &str) {
    let _ = clients
        .ecs
        .stop_task()
        .cluster(cluster)
        .task(task)
        .reason(reason)
        .send()
        .await;
}

#[cfg(test)]
mod tests;

use aws_sdk_ecs::error::DisplayErrorContext;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, LaunchType,
    NetworkConfiguration, Task, TaskStopCode,
};
use request::{parse_physical_id, physical_id, response, Job, Kind, Request};
use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The key of a hand-over event (the provider invoking itself).
pub const STATE_KEY: &str = "ComposeToECSJob";

/// What ECS says when the essential container exits on its own.
const OWN_STOP_CODES: [&str; 1] = ["EssentialContainerExited"];

/// The AWS clients and the HTTP client answering CloudFormation.
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub http: respond::Http,
}

/// Timing.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Between two `DescribeTasks`.
    pub poll: Duration,
    /// Time kept back before the invocation's deadline to hand over.
    pub handover: Duration,
    /// Time kept back before `ServiceTimeout` to stop the task and answer FAILED.
    pub give_up: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            poll: Duration::from_secs(10),
            handover: Duration::from_secs(60),
            give_up: Duration::from_secs(120),
        }
    }
}

/// Where a request stands, handed from one invocation to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub request: Request,
    /// The running task.
    pub task: Option<String>,
    /// Runs started so far (the running one included).
    pub runs: u32,
    /// What went wrong in each failed run.
    pub failures: Vec<String>,
    /// When the request arrived, milliseconds since the epoch.
    pub started_ms: u64,
}

impl State {
    pub fn to_event(&self) -> Value {
        json!({STATE_KEY: {
            "Request": self.request.to_json(),
            "Task": self.task,
            "Runs": self.runs,
            "Failures": self.failures,
            "StartedMs": self.started_ms,
        }})
    }

    fn from_event(v: &Value) -> Result<State, String> {
        let request = Request::parse(&v["Request"])?;
        Ok(State {
            request,
            task: v["Task"].as_str().map(str::to_string),
            runs: v["Runs"].as_u64().unwrap_or(0) as u32,
            failures: v["Failures"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            started_ms: v["StartedMs"].as_u64().unwrap_or_else(now_ms),
        })
    }
}

/// What one invocation did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The response document PUT to CloudFormation.
    Answered(Value),
    /// The provider invoked itself with this state.
    HandedOver(Value),
}

/// The SDK's HTTP client: rustls with *ring* (the SDK's default TLS, aws-lc, compiles a C
/// library), as the CLI's.
pub fn sdk_http_client() -> aws_sdk_ecs::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// An SDK error in a few words: the service's code and message, or the start of what
/// went wrong on the way (a failure reason has room for a few runs' worth).
pub fn sdk_error<E, R>(e: &aws_sdk_ecs::error::SdkError<E, R>) -> String
where
    E: std::error::Error + aws_sdk_ecs::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    if let Some(service) = e.as_service_error() {
        return format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or_default()
        );
    }
    let text = DisplayErrorContext(e).to_string();
    text.chars().take(300).collect()
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Handles one invocation: a CloudFormation request or a hand-over. `function` is the
/// function's own ARN; `deadline_ms` when this invocation ends (epoch milliseconds).
pub async fn handle(
    clients: &Clients,
    event: &Value,
    function: &str,
    deadline_ms: u64,
    settings: Settings,
) -> Result<Outcome, String> {
    let state = match event.get(STATE_KEY) {
        Some(s) => State::from_event(s)?,
        None => State {
            request: Request::parse(event)?,
            task: None,
            runs: 0,
            failures: Vec::new(),
            started_ms: now_ms(),
        },
    };
    let answer = match state.request.kind {
        Kind::Delete => delete(clients, &state.request).await,
        Kind::Create | Kind::Update => {
            match run(clients, state, function, deadline_ms, settings).await {
                Step::Answer(doc) => doc,
                Step::HandedOver(event) => return Ok(Outcome::HandedOver(event)),
            }
        }
    };
    let url = event
        .get(STATE_KEY)
        .map_or(&event["ResponseURL"], |s| &s["Request"]["ResponseURL"])
        .as_str()
        .unwrap_or_default()
        .to_string();
    clients
        .http
        .put(&url, serde_json::to_vec(&answer).unwrap_or_default())
        .await?;
    Ok(Outcome::Answered(answer))
}

enum Step {
    Answer(Value),
    HandedOver(Value),
}

/// Delete: stop the task if it still runs; always SUCCESS (a job leaves nothing behind).
async fn delete(clients: &Clients, request: &Request) -> Value {
    let id = request.physical_id.clone().unwrap_or_default();
    if let Some((task, _)) = parse_physical_id(&id) {
        let cluster = request
            .properties
            .get("Cluster")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // A stopped task answers an error here, which changes nothing.
        stop(
            clients,
            cluster,
            task,
            "its CloudFormation job resource was deleted",
        )
        .await;
    }
    response(request, true, "", &id, Map::new())
}

/// Create and Update: run until done, hand over, or give up.
async fn run(
    clients: &Clients,
    mut state: State,
    function: &str,
    deadline_ms: u64,
    settings: Settings,
) -> Step {
    let req = state.request.clone();
    let job = match Job::parse(&req.properties) {
        Ok(job) => job,
        Err(e) => {
            let id = req
                .physical_id
                .clone()
                .unwrap_or_else(|| req.logical_id.clone());
            return Step::Answer(response(&req, false, &e, &id, Map::new()));
        }
    };
    // An Update asking for the task definition that last completed (a rollback after a
    // failed update, or a change of anything else) needs no run.
    if req.kind == Kind::Update && state.task.is_none() && state.runs == 0 {
        if let Some(id) = &req.physical_id {
            if parse_physical_id(id).is_some_and(|(_, td)| td == job.task_definition) {
                return Step::Answer(response(&req, true, "", id, Map::new()));
            }
        }
    }
    let limit_ms = state.started_ms + job.timeout_seconds * 1000;
    loop {
        let now = now_ms();
        if now + settings.give_up.as_millis() as u64 >= limit_ms {
            if let Some(task) = &state.task {
                stop(
                    clients,
                    &job.cluster,
                    task,
                    "the job did not complete within its deployment's time",
                )
                .await;
                state.failures.push(format!(
                    "run {} did not complete within {} s and was stopped{}",
                    state.runs,
                    job.timeout_seconds,
                    logs(&job, task)
                ));
            } else {
                state
                    .failures
                    .push(format!("no run completed within {} s", job.timeout_seconds));
            }
            return Step::Answer(failed(&state, &job));
        }
        if now + settings.handover.as_millis() as u64 >= deadline_ms {
            let event = state.to_event();
            let sent = clients
                .lambda
                .invoke()
                .function_name(function)
                .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
                .payload(aws_sdk_lambda::primitives::Blob::new(
                    serde_json::to_vec(&event).unwrap_or_default(),
                ))
                .send()
                .await;
            match sent {
                Ok(_) => return Step::HandedOver(event),
                Err(e) => {
                    if let Some(task) = &state.task {
                        stop(
                            clients,
                            &job.cluster,
                            task,
                            "the job's provider could not continue",
                        )
                        .await;
                    }
                    state.failures.push(format!(
                        "the provider could not hand the job over to its next invocation: {}",
                        sdk_error(&e)
                    ));
                    return Step::Answer(failed(&state, &job));
                }
            }
        }
        match state.task.clone() {
            None => {
                state.runs += 1;
                match run_task(clients, &job, &req.logical_id).await {
                    Ok(arn) => {
                        tracing::info!(logical_id = %req.logical_id, task = %arn, run = state.runs, "task started");
                        state.task = Some(arn);
                    }
                    Err(e) => {
                        state
                            .failures
                            .push(format!("run {} could not start: {e}", state.runs));
                        if state.runs > job.retries {
                            return Step::Answer(failed(&state, &job));
                        }
                    }
                }
            }
            Some(arn) => match describe(clients, &job, &arn).await {
                Ok(Some(task)) => {
                    let verdict = verdict(&job, &task);
                    tracing::info!(logical_id = %req.logical_id, task = %arn, success = verdict.is_ok(), "task stopped");
                    match verdict {
                        Ok(code) => {
                            let mut data = Map::new();
                            data.insert("TaskArn".into(), json!(arn));
                            data.insert("ExitCode".into(), json!(code.to_string()));
                            let id = physical_id(&arn, &job.task_definition);
                            return Step::Answer(response(&req, true, "", &id, data));
                        }
                        Err(why) => {
                            state.failures.push(format!(
                                "run {} failed: {why}{}",
                                state.runs,
                                logs(&job, &arn)
                            ));
                            state.task = None;
                            if state.runs > job.retries {
                                return Step::Answer(failed(&state, &job));
                            }
                        }
                    }
                }
                Ok(None) => {}
                // A passing API error: ask again next time.
                Err(e) => tracing::warn!(task = %arn, error = %e, "DescribeTasks failed"),
            },
        }
        tokio::time::sleep(settings.poll).await;
    }
}

fn logs(job: &Job, task: &str) -> String {
    job.log_stream(task)
        .map(|l| format!(" (logs: {l})"))
        .unwrap_or_default()
}

/// The FAILED answer: every run's failure, in order.
fn failed(state: &State, job: &Job) -> Value {
    let req = &state.request;
    let reason = format!(
        "job `{}` failed after {} run{}: {}",
        job.container,
        state.runs,
        if state.runs == 1 { "" } else { "s" },
        state.failures.join("; ")
    );
    // A failed Update keeps the physical ID it had (CloudFormation then rolls back to it).
    let id = match (&req.physical_id, &state.task) {
        (Some(id), _) if req.kind == Kind::Update => id.clone(),
        (_, Some(task)) => physical_id(task, &job.task_definition),
        _ => format!("{}-not-run", req.logical_id),
    };
    tracing::warn!(logical_id = %req.logical_id, runs = state.runs, "job failed");
    response(req, false, &reason, &id, Map::new())
}

async fn run_task(clients: &Clients, job: &Job, logical_id: &str) -> Result<String, String> {
    // `startedBy`: up to 128 letters, digits, hyphens, slashes and underscores.
    let started_by: String = format!("ComposeToECS/{logical_id}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_'))
        .take(128)
        .collect();
    let mut call = clients
        .ecs
        .run_task()
        .cluster(&job.cluster)
        .task_definition(&job.task_definition)
        .count(1)
        .started_by(started_by);
    if let Some(lt) = &job.launch_type {
        call = call.launch_type(LaunchType::from(lt.as_str()));
    }
    for s in &job.strategy {
        let item = CapacityProviderStrategyItem::builder()
            .capacity_provider(&s.provider)
            .weight(s.weight)
            .base(s.base)
            .build()
            .map_err(|e| e.to_string())?;
        call = call.capacity_provider_strategy(item);
    }
    if let Some(v) = &job.platform_version {
        call = call.platform_version(v);
    }
    if let Some((subnets, groups, public)) = &job.network {
        let vpc = AwsVpcConfiguration::builder()
            .set_subnets(Some(subnets.clone()))
            .set_security_groups(Some(groups.clone()))
            .assign_public_ip(if *public {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            })
            .build()
            .map_err(|e| e.to_string())?;
        call = call.network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(vpc)
                .build(),
        );
    }
    let out = call
        .send()
        .await
        .map_err(|e| format!("RunTask: {}", sdk_error(&e)))?;
    if let Some(arn) = out.tasks().first().and_then(|t| t.task_arn()) {
        return Ok(arn.to_string());
    }
    let failures: Vec<String> = out
        .failures()
        .iter()
        .map(|f| {
            [f.reason(), f.detail()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ")
        })
        .collect();
    Err(format!("RunTask started no task: {}", failures.join(", ")))
}

/// The task once stopped; `None` while it runs.
async fn describe(clients: &Clients, job: &Job, arn: &str) -> Result<Option<Task>, String> {
    let out = clients
        .ecs
        .describe_tasks()
        .cluster(&job.cluster)
        .tasks(arn)
        .send()
        .await
        .map_err(|e| format!("DescribeTasks: {}", sdk_error(&e)))?;
    Ok(out
        .tasks()
        .iter()
        .find(|t| t.last_status() == Some("STOPPED"))
        .cloned())
}

/// A stopped task's result: its container's exit code when it exited with 0 on its own;
/// otherwise what happened (exit code, stop code, reasons).
pub fn verdict(job: &Job, task: &Task) -> Result<i32, String> {
    let container = task
        .containers()
        .iter()
        .find(|c| c.name() == Some(job.container.as_str()));
    let exit = container.and_then(|c| c.exit_code());
    let stop_code = task.stop_code().map(TaskStopCode::as_str);
    let on_its_own = stop_code.is_none_or(|c| OWN_STOP_CODES.contains(&c));
    if exit == Some(0) && on_its_own {
        return Ok(0);
    }
    let mut parts = vec![match exit {
        Some(code) => format!("exit code {code}"),
        None => "no exit code".to_string(),
    }];
    if let Some(code) = stop_code {
        parts.push(format!("stop code {code}"));
    }
    if let Some(r) = task.stopped_reason().filter(|r| !r.is_empty()) {
        parts.push(format!("stopped reason: {r}"));
    }
    if let Some(r) = container.and_then(|c| c.reason()).filter(|r| !r.is_empty()) {
        parts.push(format!("container: {r}"));
    }
    Err(parts.join(", "))
}
