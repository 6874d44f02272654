//! The data-driven golden test: every folder under `tests/fixtures/` is a case.
//!
//! - `input.yaml`: a CloudFormation template using `Transform: ComposeToECS`.
//! - `expected.json`: the processed template, exactly; or `expected.err`: the diagnostics,
//!   exactly (`error: ...` / `warning: ...` lines, as the CLI prints them).
//! - `assertions.yaml` (optional): JSON-pointer facts that must hold in the output (the
//!   assertions of compose-cli's own tests, on our prefixed IDs).
//! - `expects.txt` (optional, error cases): substrings the diagnostics must contain.
//! - `params.txt` (optional): `KEY=VALUE` template parameter values, one per line.
//!
//! `UPDATE_FIXTURES=1 cargo test --test fixtures` rewrites `expected.*` from the current
//! output; review the diff before committing.
//!
//! The target `fixtures` (Cargo.toml; its cases are the data folder `tests/fixtures/`):
//! this file runs the cases and compares; `assertions.rs` checks `assertions.yaml`;
//! `invariants.rs` the structural invariants of every output (fixtures and examples),
//! `alarms.rs` those of its CloudWatch alarms, over the template readers of `json.rs`.

mod alarms;
mod assertions;
mod invariants;
mod json;

use assertions::check_assertions;
use compose_to_ecs::cfn::input;
use compose_to_ecs::expand;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

pub fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("input.yaml").exists())
        .collect();
    dirs.sort();
    dirs
}

/// Runs one case: the pretty JSON output, or the diagnostics text.
pub fn run(dir: &Path) -> Result<String, String> {
    let text = fs::read_to_string(dir.join("input.yaml")).unwrap();
    let template = input::parse_template(&text).map_err(|e| format!("error: {e}\n"))?;
    let params: Vec<(String, String)> = fs::read_to_string(dir.join("params.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let request = input::request(template, &params).map_err(|e| format!("error: {e}\n"))?;
    match expand(&request) {
        Ok(expanded) => Ok(serde_json::to_string_pretty(&expanded.fragment).unwrap() + "\n"),
        Err(diags) => {
            let mut out = String::new();
            for e in diags.errors() {
                out.push_str(&format!("error: {e}\n"));
            }
            for w in diags.warnings() {
                out.push_str(&format!("warning: {w}\n"));
            }
            Err(out)
        }
    }
}

#[test]
fn fixtures() {
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty(), "no fixtures found");
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (file, actual, other) = match run(dir) {
            Ok(json) => ("expected.json", json, "expected.err"),
            Err(err) => ("expected.err", err, "expected.json"),
        };
        if update {
            fs::write(dir.join(file), &actual).unwrap();
            let _ = fs::remove_file(dir.join(other));
        } else {
            match fs::read_to_string(dir.join(file)) {
                Ok(expected) if expected == actual => {}
                Ok(expected) => failures.push(format!(
                    "{name}: {file} differs (UPDATE_FIXTURES=1 to accept)\n{}",
                    first_difference(&expected, &actual)
                )),
                Err(_) => failures.push(format!(
                    "{name}: produced {file}, but the case has {}",
                    if dir.join(other).exists() {
                        other
                    } else {
                        "no expected file"
                    }
                )),
            }
        }
        if file == "expected.json" {
            let output: Value = serde_json::from_str(&actual).unwrap();
            for f in check_assertions(dir, &output) {
                failures.push(format!("{name}: {f}"));
            }
        } else if let Ok(expects) = fs::read_to_string(dir.join("expects.txt")) {
            for line in expects.lines().filter(|l| !l.trim().is_empty()) {
                if !actual.contains(line.trim()) {
                    failures.push(format!(
                        "{name}: diagnostics do not mention `{}`",
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n- {e}\n+ {a}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}

#[test]
fn expanding_twice_gives_identical_bytes() {
    for dir in cases() {
        assert_eq!(run(&dir), run(&dir), "{}", dir.display());
    }
}
