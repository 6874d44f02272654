//! The Lambda function behind the `ComposeToECS` macro: `lambda_runtime` wiring only.
//! Logs ids, counts and timings; never the template or parameter values.

use compose_to_ecs::macro_::{handle_bytes, loggable};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;
use std::time::Instant;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;

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
        macro_request_id = %loggable(&summary.request_id),
        success = summary.success,
        resources = summary.resources,
        errors = summary.errors,
        warnings = summary.warnings,
        elapsed_us = started.elapsed().as_micros() as u64,
        "transformed"
    );
    Ok(RawValue::from_string(response)?)
}

/// The runtime's own targets: at `trace` they log the raw event, `NoEcho` parameter values
/// included (`lambda_runtime::layers::api_response`), so they stay at `info` at most
/// whatever `RUST_LOG` asks for.
const RUNTIME_TARGETS: [&str; 2] = ["lambda_runtime", "lambda_runtime_api_client"];

/// The log subscriber: `RUST_LOG` (default `info`), with the runtime's targets capped.
fn subscriber<W>(rust_log: Option<&str>, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let wanted = rust_log
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let cap = RUNTIME_TARGETS.iter().fold(
        Targets::new().with_default(LevelFilter::TRACE),
        |t, target| t.with_target(*target, LevelFilter::INFO),
    );
    tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .with_writer(writer)
            .with_filter(wanted)
            .with_filter(cap),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let rust_log = std::env::var("RUST_LOG").ok();
    tracing::subscriber::set_global_default(subscriber(rust_log.as_deref(), std::io::stdout))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(rust_log: Option<&str>) -> String {
        let buffer = Buffer::default();
        let out = buffer.clone();
        let subscriber = subscriber(rust_log, move || out.clone());
        tracing::subscriber::with_default(subscriber, || {
            // What lambda_runtime logs at trace: the event, NoEcho values included.
            tracing::trace!(target: "lambda_runtime::layers::api_response", body = "NOECHO-VALUE", "raw JSON event received from Lambda");
            tracing::debug!(target: "lambda_runtime_api_client", body = "NOECHO-VALUE-2", "request");
            tracing::info!(target: "lambda_runtime", "runtime info kept");
            tracing::trace!("own trace");
            tracing::info!(macro_request_id = %loggable("a\nforged line"), "transformed");
        });
        let text = buffer.0.lock().unwrap().clone();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn the_runtime_never_logs_the_event() {
        for rust_log in [
            Some("trace"),
            Some("info,lambda_runtime=trace,lambda_runtime::layers=trace"),
            Some("debug"),
            None,
        ] {
            let text = logged(rust_log);
            assert!(!text.contains("NOECHO-VALUE"), "{rust_log:?}: {text}");
            assert!(text.contains("runtime info kept"), "{rust_log:?}: {text}");
            assert!(!text.contains("a\nforged"), "{rust_log:?}: {text}");
            assert!(text.contains(r#"a\nforged line"#), "{rust_log:?}: {text}");
        }
        assert!(logged(Some("trace")).contains("own trace"));
        assert!(!logged(None).contains("own trace"));
    }
}
