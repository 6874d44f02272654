//! Hostile input: YAML bombs, deep nesting, huge strings, many services, odd keys. Each case
//! must end with a clear diagnostic (or a clean success), never a panic, a stack overflow,
//! a hang or unbounded memory.
//!
//! Every case runs in its own thread with an 8 MiB stack, the size of the main thread the
//! Lambda runs the handler on (debug builds use more stack per frame than the release
//! Lambda, so this errs on the safe side). The join timeout is a hang guard only, not a
//! performance assertion.
//!
//! This file is the harness; the cases are in the files of what they throw at the
//! transform: `bombs.rs`, `nesting.rs`, `huge.rs`, `many.rs`, `odd_keys.rs`,
//! `collisions.rs`.

mod bombs;
mod collisions;
mod huge;
mod many;
mod nesting;
mod odd_keys;

use compose_to_ecs::macro_::handle_bytes;
use compose_to_ecs::{expand, Request};
use serde_json::{json, Map, Value};
use std::sync::mpsc;
use std::time::Duration;

/// The stack of the Lambda's main thread.
const STACK: usize = 8 << 20;
/// Generous: only a guard against hangs.
const HANG_GUARD: Duration = Duration::from_secs(300);

/// Runs `f` in a thread with the Lambda's stack size; fails if it panics or hangs.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn");
    match rx.recv_timeout(HANG_GUARD) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer after {HANG_GUARD:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the case panicked"),
    }
}

fn template(compose: Value) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"App": {"Type": "ComposeToECS::Project", "Properties": {"Compose": compose}}},
    })
}

/// Expands a one-project template; the errors as `path: message` lines, or `Ok`.
fn run(compose: Value) -> Result<Value, Vec<String>> {
    guarded(move || {
        let request = Request {
            fragment: template(compose),
            template_parameter_values: Map::new(),
            params: Map::new(),
        };
        expand(&request)
            .map(|e| e.fragment)
            .map_err(|d| d.errors().iter().map(|e| e.to_string()).collect())
    })
}

/// The macro's answer to raw bytes, parsed.
fn handle(bytes: Vec<u8>) -> Value {
    let text = guarded(move || handle_bytes(&bytes).0);
    serde_json::from_str(&text).expect("the response is JSON")
}

fn errors(compose: Value) -> Vec<String> {
    match run(compose) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e,
    }
}

/// The one error of a failed expansion.
fn error(compose: Value) -> String {
    let e = errors(compose);
    assert_eq!(e.len(), 1, "{e:?}");
    e.into_iter().next().unwrap()
}

/// The number in `message` once the rest matches `pattern` (`{}` stands for the number).
fn number_in(message: &str, pattern: &str) -> usize {
    let (before, after) = pattern.split_once("{}").unwrap();
    let n = message
        .strip_prefix(before)
        .and_then(|m| m.strip_suffix(after))
        .unwrap_or_else(|| panic!("`{message}` does not read `{pattern}`"));
    n.parse().unwrap()
}

const TOO_MANY_BYTES: &str = "the processed template would be {} bytes, over CloudFormation's limit of 1048576 bytes; split the project across stacks";

/// `n` services named `s0`..: `each(i)` gives service `i`'s mapping.
fn services(n: usize, each: impl Fn(usize) -> Value) -> Value {
    let map: Map<String, Value> = (0..n).map(|i| (format!("s{i}"), each(i))).collect();
    json!({ "services": map })
}

/// The one error of a project of `n` services, more than a stack holds: refused before
/// anything is built (8,000 services used to peak at 270 MB building a template that the
/// 500-resource check then refused).
fn assert_too_many_services(e: &[String], n: usize) {
    assert_eq!(
        e,
        [format!("services: {n} services give at least {} resources, over CloudFormation's limit of 500 (each service has at least a task definition, an ECS service and an execution role); split the project across stacks, at most 166 services each", 3 * n)]
    );
}

const COMPOSE: &str = "Resources.App.Properties.Compose";
