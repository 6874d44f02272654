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

use compose_to_ecs::compose::interpolate::Variable;
use compose_to_ecs::diagnostics::{Diagnostics, Path};
use compose_to_ecs::embed::{self, ProjectSpec, Shape};
use compose_to_ecs::{compose, convert, emit, macro_, validate, Request};
use mimalloc::MiMalloc as Inner;
use serde_json::{json, Map, Value};
use std::alloc::{GlobalAlloc, Layout};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};

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

// ---------------------------------------------------------------------------------------
// Inputs

/// Service `i`'s name; zero-padded so that the names sort in creation order.
fn service_name(i: usize) -> String {
    format!("svc{i:04}")
}

/// The Compose document of a project of `n` services.
fn compose_document(n: usize) -> Value {
    let mut services = Map::new();
    for i in 0..n {
        let name = service_name(i);
        let mut s = json!({
            "image": "public.ecr.aws/docker/library/nginx:${IMAGE_TAG}",
            "command": ["nginx", "-g", "daemon off;"],
            "expose": ["8080"],
            "environment": {
                "SERVICE": name,
                "LOG_LEVEL": "info",
                "PORT": "8080",
                "UPSTREAM": format!("http://{}:8080", service_name(i / 2)),
                "RELEASE": "${RELEASE:-dev}",
            },
            "healthcheck": {
                "test": ["CMD-SHELL", "wget -qO- http://localhost:8080/health || exit 1"],
                "interval": "15s",
                "timeout": "5s",
                "retries": 3,
                "start_period": "10s",
            },
            "deploy": {
                "replicas": 2,
                "resources": {"limits": {"cpus": "0.5", "memory": "1024M"}},
            },
        });
        if i % 10 == 0 {
            let port = 10000 + i;
            s["ports"] = json!([format!("{port}:{port}")]);
        }
        if i > 0 {
            let mut deps = Map::new();
            deps.insert(service_name(i - 1), json!({"condition": "service_started"}));
            deps.insert(service_name(i / 2), json!({"condition": "service_healthy"}));
            s["depends_on"] = Value::Object(deps);
        }
        services.insert(name, s);
    }
    json!({ "services": services })
}

/// The macro event for a project of `n` services.
fn event(n: usize) -> Value {
    json!({
        "region": "us-east-1",
        "accountId": "123456789012",
        "transformId": "123456789012::ComposeToECS",
        "requestId": format!("bench-{n}"),
        "params": {},
        "templateParameterValues": {"ImageTag": "1.27"},
        "fragment": {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"ImageTag": {"Type": "String", "Default": "1.27"}},
            "Resources": {
                PROJECT: {
                    "Type": "ComposeToECS::Project",
                    "Properties": {
                        "ProjectName": "bench",
                        "Variables": {"IMAGE_TAG": {"Ref": "ImageTag"}},
                        "Compose": compose_document(n),
                    }
                }
            }
        }
    })
}

/// The event as CloudFormation sends it: JSON text.
fn event_text(n: usize) -> String {
    serde_json::to_string(&event(n)).expect("an event is JSON")
}

// ---------------------------------------------------------------------------------------
// The pipeline, stage by stage

/// One size, prepared: the event text, the intermediate values of every stage, and the
/// response the transform gives (assembled here when the output passes the limits).
struct Case {
    text: String,
    spec: ProjectSpec,
    loaded: compose::load::Loaded,
    valid: validate::Valid,
    placement: convert::Placement,
    generated: BTreeMap<String, (compose_to_ecs::cfn::template::Generated, Vec<String>)>,
    fragment: Map<String, Value>,
    warnings: Vec<String>,
    /// The success response, serialised by `floor` and, past the limits, by `pipeline`.
    response: Value,
}

impl Case {
    fn new(n: usize) -> Case {
        let text = event_text(n);
        let request: Value = serde_json::from_str(&text).unwrap();
        let request = request_of(request);
        let Value::Object(fragment) = request.fragment.clone() else {
            unreachable!()
        };
        let mut diags = Diagnostics::new();
        let spec = read_spec(&fragment, &request, &mut diags).expect("the project reads");
        let loaded = load(spec.compose.clone(), &spec, &mut diags).expect("the project loads");
        let valid = validate::validate(&loaded, "bench", &spec.variables, &mut diags)
            .unwrap_or_else(|| panic!("the project is valid: {}", diags.summary()));
        let placement = placement(&spec, &valid, &mut diags);
        let gen = convert::convert(&valid, PROJECT, &placement, &mut diags);
        assert!(!diags.has_errors(), "{}", diags.summary());
        let warnings: Vec<String> = diags.warnings().iter().map(|d| d.to_string()).collect();
        let mut generated = BTreeMap::new();
        generated.insert(PROJECT.to_string(), (gen, Vec::new()));
        let output = assemble(&fragment, &generated, &warnings);
        if let Ok(expanded) = compose_to_ecs::expand(&request) {
            // Where `expand` succeeds, the assembled template is exactly its output.
            assert_eq!(expanded.fragment, output, "`assemble` differs from `emit`");
        }
        let response =
            json!({"requestId": format!("bench-{n}"), "status": "success", "fragment": output});
        Case {
            text,
            spec,
            loaded,
            valid,
            placement,
            generated,
            fragment,
            warnings,
            response,
        }
    }

    /// Event text → response text, every stage `macro_::handle_bytes` and `expand` run,
    /// in their order, through the public API: parse the event; read the request and the
    /// project resource; load, validate, place, convert; emit (which builds the processed
    /// template, serialises it once to check the 1 MB limit, and checks the resource
    /// limit); write the response. Past the resource limit `emit` returns no template, so
    /// the response written is the prepared one of the same content: the same work.
    /// Returns the response's length.
    fn pipeline(&self) -> usize {
        let event: Value = serde_json::from_str(&self.text).unwrap();
        let request_id = event["requestId"].as_str().unwrap_or("").to_string();
        let request = request_of(event);
        let Value::Object(fragment) = &request.fragment else {
            unreachable!()
        };
        let mut diags = Diagnostics::new();
        let mut spec = read_spec(fragment, &request, &mut diags).unwrap();
        let loaded = load(std::mem::take(&mut spec.compose), &spec, &mut diags).unwrap();
        let valid = validate::validate(&loaded, "bench", &spec.variables, &mut diags).unwrap();
        let placement = placement(&spec, &valid, &mut diags);
        let gen = convert::convert(&valid, PROJECT, &placement, &mut diags);
        let warnings: Vec<String> = diags.warnings().iter().map(|d| d.to_string()).collect();
        let mut generated = BTreeMap::new();
        generated.insert(PROJECT.to_string(), (gen, spec.depends_on.clone()));
        let mut emit_diags = Diagnostics::new();
        let text = match emit::emit(
            fragment,
            Shape::Template,
            generated,
            &warnings,
            &mut emit_diags,
        ) {
            Some(out) => {
                let mut response = Map::new();
                response.insert("requestId".into(), request_id.into());
                response.insert("status".into(), "success".into());
                response.insert("fragment".into(), out);
                serde_json::to_string(&Value::Object(response))
            }
            None => serde_json::to_string(&self.response),
        };
        text.unwrap().len()
    }

    /// The floor: parse the event text, write the response text.
    fn floor(&self) -> usize {
        let request: Value = serde_json::from_str(&self.text).unwrap();
        let text = serde_json::to_string(&self.response).unwrap();
        divan::black_box(request);
        text.len()
    }
}

/// What `macro_::handle` reads from an event.
/// The event is taken by value, as `macro_::handle` takes it: the fragment is moved out.
fn request_of(mut event: Value) -> Request {
    let object = |event: &Value, key: &str| event[key].as_object().cloned().unwrap_or_default();
    Request {
        template_parameter_values: object(&event, "templateParameterValues"),
        params: object(&event, "params"),
        fragment: event
            .as_object_mut()
            .and_then(|e| e.remove("fragment"))
            .unwrap_or_default(),
    }
}

/// What `expand` does before loading: find the project resource and read its properties.
fn read_spec(
    fragment: &Map<String, Value>,
    request: &Request,
    diags: &mut Diagnostics,
) -> Option<ProjectSpec> {
    let resources = fragment["Resources"].as_object()?;
    let resource = resources[PROJECT].as_object()?;
    let secret = embed::secret_parameters(
        fragment,
        Shape::Template,
        &request.template_parameter_values,
    );
    let mut spec = embed::read(
        PROJECT,
        resource,
        &Path::new("Resources").key(PROJECT),
        &request.template_parameter_values,
        &secret,
        &request.params,
        diags,
    )?;
    let name = spec
        .project_name
        .clone()
        .expect("the event names the project");
    spec.variables
        .entry("COMPOSE_PROJECT_NAME".into())
        .or_insert_with(|| Variable::Text(name));
    Some(spec)
}

/// Loads `compose` (the project's document, taken by value as `expand` takes it).
fn load(
    compose: Value,
    spec: &ProjectSpec,
    diags: &mut Diagnostics,
) -> Option<compose::load::Loaded> {
    let where_ = Path::new("Resources")
        .key(PROJECT)
        .key("Properties")
        .key("Compose");
    compose::load::load(
        compose,
        where_.as_str(),
        &spec.variables,
        &spec.profiles,
        spec.local.as_ref(),
        diags,
    )
}

fn placement(
    spec: &ProjectSpec,
    valid: &validate::Valid,
    diags: &mut Diagnostics,
) -> convert::Placement {
    let props = Path::new("Resources").key(PROJECT).key("Properties");
    convert::placement(spec, valid.project(), &props, diags)
}

/// The processed template as `emit` builds it, without the limit checks: the fragment with
/// the project replaced by its resources, its outputs and the warnings.
fn assemble(
    fragment: &Map<String, Value>,
    generated: &BTreeMap<String, (compose_to_ecs::cfn::template::Generated, Vec<String>)>,
    warnings: &[String],
) -> Value {
    let (gen, _) = &generated[PROJECT];
    let mut resources = Map::new();
    for (id, r) in fragment["Resources"].as_object().unwrap() {
        if id == PROJECT {
            for (gid, res) in &gen.resources {
                resources.insert(gid.clone(), res.to_json());
            }
        } else {
            resources.insert(id.clone(), r.clone());
        }
    }
    let mut out = Map::new();
    for (key, value) in fragment {
        let value = if key == "Resources" {
            Value::Object(resources.clone())
        } else {
            value.clone()
        };
        out.insert(key.clone(), value);
    }
    if !gen.outputs.is_empty() {
        let outputs = gen.outputs.clone().into_iter().collect();
        out.insert("Outputs".into(), Value::Object(outputs));
    }
    if !warnings.is_empty() {
        let list: Vec<Value> = warnings.iter().cloned().map(Value::String).collect();
        out.insert(
            "Metadata".into(),
            json!({"ComposeToECS": {"Warnings": list}}),
        );
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------
// Timings

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

// ---------------------------------------------------------------------------------------
// Memory

/// The allocator the binaries ship (mimalloc), counting while `COUNTING` is set (one relaxed load otherwise, so
/// the timings are not affected).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by as isize, Relaxed) + by as isize;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded to `Inner` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { Inner.alloc(layout) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            ALLOCATED.fetch_add(layout.size(), Relaxed);
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { Inner.dealloc(ptr, layout) };
        if COUNTING.load(Relaxed) {
            CURRENT.fetch_sub(layout.size() as isize, Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { Inner.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            if new_size > layout.size() {
                ALLOCATED.fetch_add(new_size - layout.size(), Relaxed);
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub((layout.size() - new_size) as isize, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap use of one call: the peak above what was live before it, the number of
/// allocations (reallocations included) and the bytes they asked for.
struct Usage {
    peak: usize,
    allocations: usize,
    allocated: usize,
}

fn measure<T>(f: impl FnOnce() -> T) -> Usage {
    CURRENT.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    ALLOCATIONS.store(0, Relaxed);
    ALLOCATED.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let out = f();
    COUNTING.store(false, Relaxed);
    drop(out);
    Usage {
        peak: PEAK.load(Relaxed).max(0) as usize,
        allocations: ALLOCATIONS.load(Relaxed),
        allocated: ALLOCATED.load(Relaxed),
    }
}

fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Prints, per size: the event and response sizes, then the heap use of the floor, of the
/// macro handler (`handle_bytes`: the Lambda's work per event; past the resource limit it
/// does all the work and answers with the limit error) and of `pipeline`.
fn memory_report() {
    println!("| services | resources | event | response | what | peak heap | allocations | bytes allocated |");
    println!("|---:|---:|---:|---:|---|---:|---:|---:|");
    let mut sizes: Vec<usize> = SIZES.iter().chain(FITTING).copied().collect();
    sizes.sort_unstable();
    sizes.dedup();
    for n in sizes {
        let case = Case::new(n);
        let response_len = serde_json::to_string(&case.response).unwrap().len();
        let resources = case.response["fragment"]["Resources"]
            .as_object()
            .map_or(0, Map::len);
        let rows = [
            ("floor", measure(|| case.floor())),
            (
                "handle_bytes",
                measure(|| macro_::handle_bytes(case.text.as_bytes())),
            ),
            ("pipeline", measure(|| case.pipeline())),
        ];
        for (what, u) in rows {
            println!(
                "| {n} | {resources} | {} | {} | {what} | {} | {} | {} |",
                mib(case.text.len()),
                mib(response_len),
                mib(u.peak),
                u.allocations,
                mib(u.allocated),
            );
        }
    }
}
