//! The CLI end to end: exit statuses, and `macro` answering exactly as the Lambda does.
//!
//! This file runs the CLI and builds project folders; the tests are in the files of what
//! they check: `contract.rs`, `compose_files.rs`, `options.rs`, `output.rs`.

mod compose_files;
mod contract;
mod options;
mod output;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_compose-to-ecs");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    run_in(root(), args, stdin, &[])
}

/// Runs the CLI in `dir` with a clean Compose environment plus `env`.
fn run_in(
    dir: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "COMPOSE_FILE",
        "COMPOSE_PATH_SEPARATOR",
        "COMPOSE_PROJECT_NAME",
        "COMPOSE_PROFILES",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BASE: &str =
    "services:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.25\n    ports: ['80:80']\n";
/// An override that changes the image and adds a port.
const OVERRIDE: &str =
    "services:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.27\n    ports: ['8080:8080']\n";

/// A project folder `shop` with the given files, and the temporary folder holding it.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (tmp, dir)
}

fn template(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Image and container ports of service `web` of project `id`.
fn web(t: &serde_json::Value, id: &str) -> (String, Vec<u64>) {
    let c =
        &t["Resources"][format!("{id}WebTaskDefinition")]["Properties"]["ContainerDefinitions"][0];
    let ports = c["PortMappings"]
        .as_array()
        .map(|p| {
            p.iter()
                .map(|m| m["ContainerPort"].as_u64().unwrap())
                .collect()
        })
        .unwrap_or_default();
    (c["Image"].as_str().unwrap().to_string(), ports)
}
