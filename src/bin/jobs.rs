//! The Lambda function `ComposeToECS-Jobs`, provider of `Custom::ComposeToECSJob`: runs a
//! run-once service's task to completion during a deployment (src/jobs/,
//! docs/operations.md "Jobs"). `lambda_runtime` wiring only. Logs request and task ids,
//! never property values or environment.

#[path = "../jobs/mod.rs"]
mod jobs;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .init();
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(jobs::sdk_http_client())
        .load()
        .await;
    let clients = jobs::Clients {
        ecs: aws_sdk_ecs::Client::new(&config),
        lambda: aws_sdk_lambda::Client::new(&config),
        http: jobs::respond::Http::new()?,
    };
    let mut settings = jobs::Settings::default();
    // Seconds between two looks at the task (default 10).
    if let Some(s) = std::env::var("POLL_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        settings.poll = Duration::from_secs(s);
    }
    let clients = &clients;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = event.context.deadline;
        let function = event.context.invoked_function_arn.clone();
        let outcome =
            jobs::handle(clients, &event.payload, &function, deadline, settings).await;
        match &outcome {
            Ok(jobs::Outcome::Answered(doc)) => tracing::info!(
                aws_request_id = %event.context.request_id,
                logical_id = %doc["LogicalResourceId"].as_str().unwrap_or_default(),
                status = %doc["Status"].as_str().unwrap_or_default(),
                "answered"
            ),
            Ok(jobs::Outcome::HandedOver(_)) => tracing::info!(
                aws_request_id = %event.context.request_id,
                "handed over to the next invocation"
            ),
            Err(e) => tracing::error!(aws_request_id = %event.context.request_id, error = %e, "not answered"),
        }
        outcome.map(|_| Value::Null).map_err(Error::from)
    }))
    .await
}
