//! The Lambda function behind the `ComposeToECS` macro: `lambda_runtime` wiring only.
//! Logs ids, counts and timings; never the template or parameter values.

use compose_to_ecs::macro_::handle_bytes;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;
use std::time::Instant;

/// mimalloc: the transform builds and drops many small JSON values, and glibc's malloc
/// was a third of its instructions (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The event is taken as raw JSON and parsed by [`handle_bytes`], as the CLI's `macro`
/// subcommand does: `lambda_runtime` reading it into a `Value` would turn an event nested
/// deeper than `serde_json`'s 128 levels into a Lambda error, where the macro contract
/// requires a `status: failure` response. (Raw JSON is checked without that bound.)
async fn on_event(event: LambdaEvent<Box<RawValue>>) -> Result<Box<RawValue>, Error> {
    let started = Instant::now();
    let (response, summary) = handle_bytes(event.payload.get().as_bytes());
    tracing::info!(
        aws_request_id = %event.context.request_id,
        macro_request_id = %summary.request_id,
        success = summary.success,
        resources = summary.resources,
        errors = summary.errors,
        warnings = summary.warnings,
        elapsed_us = started.elapsed().as_micros() as u64,
        "transformed"
    );
    Ok(RawValue::from_string(response)?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    // A panic inside the transform is caught and answered; keep its text out of the logs
    // beyond the location, as messages could quote input.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        tracing::error!(
            location = location.unwrap_or_default(),
            "panic caught in the transform"
        );
    }));
    lambda_runtime::run(service_fn(on_event)).await
}
