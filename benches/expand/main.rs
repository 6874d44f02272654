//! Benchmarks of the transform; figures and targets in `docs/performance.md`.
//!
//! Input: a macro event (the JSON CloudFormation sends the Lambda) holding one
//! `ComposeToECS::Project` whose Compose mapping has `n` generated services, each with
//! environment, a healthcheck, resource limits and `depends_on`; every service exposes a
//! port and every tenth publishes one (`10000 + i`, unique, so the project is valid).
//! The inputs are built by code, without randomness: the same `n` gives the same bytes.
//!
//! ```text
//! cargo bench --bench expand                 # timings (divan)
//! cargo bench --bench expand -- --memory     # peak heap and allocations per size
//! cargo bench --bench expand -- --event 166  # print the event, e.g. for `/usr/bin/time -v`
//! cargo bench --bench expand -- --run pipeline 100 [REPEAT]  # one call, for profilers
//! ```
//!
//! The generated projects give 23 resources for 1 service and about 4.3 more per service
//! (446 for 100). Above about 110 services the output passes CloudFormation's 500-resource
//! limit, so `expand` (and the macro) answers with that error after doing all the work; a
//! project of more than 166 services is refused before any work (`validate::limits`), so
//! 166 is the largest size benched. Every size
//! is therefore also timed as `pipeline`: the same stages `expand` runs, called through the
//! public API, followed by writing the response; see [`Case::pipeline`].
//!
//! Benchmarks (each row is one size):
//! - `floor`: `serde_json::from_str::<Value>` of the event text plus `serde_json::to_string`
//!   of the success response (the processed template). The cost no transform can avoid.
//! - `pipeline`: event text → response text, every stage; all sizes.
//! - `handle_bytes`: the macro handler, what the Lambda runs per event; only the sizes
//!   whose output fits the limits (the others would time an error response).
//! - `expand`: the library call alone, from a parsed request to the processed template.
//! - `stage::{load, validate, convert, emit}`: each stage alone, its input prepared.
//!
//! This file holds the sizes, the command line and the timings; `inputs.rs` builds the
//! events, `case.rs` runs the pipeline stage by stage, `memory.rs` counts the heap.

mod case;
mod inputs;
mod memory;

use case::{load, request_of, Case};
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::embed::Shape;
use compose_to_ecs::{convert, emit, macro_, validate};
use inputs::{event, event_text};
use memory::memory_report;

/// Project sizes, in services.
/// 166 is the most services the transform accepts in one project (three resources each at
/// least: `validate::limits`); its output still passes the 500-resource limit.
const SIZES: &[usize] = &[1, 10, 100, 166];

/// Sizes whose processed template fits CloudFormation's limits (so `expand` succeeds).
const FITTING: &[usize] = &[1, 10, 100];

/// The project's logical ID.
const PROJECT: &str = "Bench";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--memory") {
        memory_report();
    } else if let Some(i) = args.iter().position(|a| a == "--run") {
        let what = args.get(i + 1).map(String::as_str).unwrap_or("");
        let number = |k: usize| args.get(i + k).and_then(|s| s.parse().ok());
        let n = number(2).expect("--run WHAT N [REPEAT]: N services");
        let case = Case::new(n);
        for _ in 0..number(3).unwrap_or(1) {
            divan::black_box(run_once(&case, what));
        }
    } else if let Some(i) = args.iter().position(|a| a == "--event") {
        let n = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .expect("--event takes a number of services");
        println!("{}", event_text(n));
    } else {
        divan::main();
    }
}

/// One call of `what` (`floor`, `pipeline` or `handle_bytes`), for profilers: under
/// `valgrind --tool=callgrind --toggle-collect='expand::run_once'` it counts exactly the
/// instructions of the calls.
#[inline(never)]
fn run_once(case: &Case, what: &str) -> usize {
    match what {
        "floor" => case.floor(),
        "pipeline" => case.pipeline(),
        "handle_bytes" => macro_::handle_bytes(case.text.as_bytes()).0.len(),
        other => panic!("--run takes floor, pipeline or handle_bytes, not `{other}`"),
    }
}

#[divan::bench(args = SIZES)]
fn floor(bencher: divan::Bencher, n: usize) {
    let case = Case::new(n);
    bencher.bench(|| case.floor());
}

#[divan::bench(args = SIZES)]
fn pipeline(bencher: divan::Bencher, n: usize) {
    let case = Case::new(n);
    bencher.bench(|| case.pipeline());
}

#[divan::bench(args = FITTING)]
fn handle_bytes(bencher: divan::Bencher, n: usize) {
    let text = event_text(n);
    let (response, summary) = macro_::handle_bytes(text.as_bytes());
    assert!(summary.success, "{response}");
    bencher.bench(|| macro_::handle_bytes(divan::black_box(text.as_bytes())));
}

#[divan::bench(args = FITTING)]
fn expand(bencher: divan::Bencher, n: usize) {
    let request = request_of(event(n));
    assert!(compose_to_ecs::expand(&request).is_ok());
    bencher.bench(|| compose_to_ecs::expand(divan::black_box(&request)));
}

#[divan::bench_group]
mod stage {
    use super::*;

    #[divan::bench(args = SIZES)]
    fn load(bencher: divan::Bencher, n: usize) {
        let case = Case::new(n);
        bencher
            .with_inputs(|| case.spec.compose.clone())
            .bench_values(|compose| super::load(compose, &case.spec, &mut Diagnostics::new()));
    }

    #[divan::bench(args = SIZES)]
    fn validate(bencher: divan::Bencher, n: usize) {
        let case = Case::new(n);
        bencher.bench(|| {
            validate::validate(
                &case.loaded,
                "bench",
                &case.spec.variables,
                &mut Diagnostics::new(),
            )
        });
    }

    #[divan::bench(args = SIZES)]
    fn convert(bencher: divan::Bencher, n: usize) {
        let case = Case::new(n);
        bencher.bench(|| {
            convert::convert(
                &case.valid,
                PROJECT,
                &case.placement,
                &mut Diagnostics::new(),
            )
        });
    }

    /// `emit` consumes the generated resources: each iteration gets a copy, made outside
    /// the timing.
    #[divan::bench(args = SIZES)]
    fn emit(bencher: divan::Bencher, n: usize) {
        let case = Case::new(n);
        bencher
            .with_inputs(|| case.generated.clone())
            .bench_local_values(|generated| {
                emit::emit(
                    &case.fragment,
                    Shape::Template,
                    generated,
                    &case.warnings,
                    &mut Diagnostics::new(),
                )
            });
    }
}
