//! Writes the fuzz seed corpora from the project's own inputs (run by `fuzz/seed.sh`):
//!
//! - `<out>/macro_handler/`: every macro event of `events/`, and every fixture and example
//!   template turned into the event CloudFormation would send (as `compose-to-ecs macro`
//!   reads it);
//! - `<out>/compose_loader/`: the Compose document of every project in those templates
//!   and events (text as written; a mapping as YAML), and every Compose file of the
//!   real-world corpus when its folder is given.
//!
//! Usage: `seed <out> <fixtures dir> <events dir> <examples dir> [<corpus dir>]`.

use compose_to_ecs::cfn::input;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [out, fixtures, events, examples, rest @ ..] = args.as_slice() else {
        eprintln!("usage: seed <out> <fixtures dir> <events dir> <examples dir> [<corpus dir>]");
        std::process::exit(2);
    };
    let macro_dir = out.join("macro_handler");
    let compose_dir = out.join("compose_loader");
    fs::create_dir_all(&macro_dir).unwrap();
    fs::create_dir_all(&compose_dir).unwrap();
    let (mut events_written, mut compose_written) = (0, 0);

    let mut templates: Vec<(String, PathBuf)> = sorted(fixtures)
        .into_iter()
        .filter(|p| p.join("input.yaml").exists())
        .map(|p| (name(&p), p.join("input.yaml")))
        .collect();
    templates.extend(
        sorted(examples)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| (format!("example-{}", name(&p)), p)),
    );
    for (name, path) in templates {
        let text = fs::read_to_string(&path).unwrap();
        let params = fs::read_to_string(path.with_file_name("params.txt")).unwrap_or_default();
        let mut given: Vec<(String, String)> = params
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, v)| (k.into(), v.into())))
            .collect();
        // The examples take their VPC as parameters without defaults.
        given.push(("VpcId".into(), "vpc-0123456789abcdef0".into()));
        given.push(("SubnetIds".into(), "subnet-0123456789abcdef0".into()));
        let Ok(template) = input::parse_template(&text) else {
            eprintln!("skipped {}: not a template", path.display());
            continue;
        };
        let request =
            input::request(template.clone(), &given).or_else(|_| input::request(template, &[]));
        let Ok(request) = request else {
            eprintln!("skipped {}: parameters", path.display());
            continue;
        };
        let event = json!({
            "region": "us-east-1",
            "accountId": "123456789012",
            "fragment": request.fragment,
            "transformId": "123456789012::ComposeToECS",
            "params": request.params,
            "requestId": format!("seed-{name}"),
            "templateParameterValues": request.template_parameter_values,
        });
        fs::write(
            macro_dir.join(format!("{name}.json")),
            serde_json::to_vec(&event).unwrap(),
        )
        .unwrap();
        events_written += 1;
        compose_written += write_composes(&compose_dir, &name, &event["fragment"]);
    }
    for path in sorted(events) {
        if path.extension().is_some_and(|e| e == "json") {
            let bytes = fs::read(&path).unwrap();
            let name = format!("event-{}", name(&path));
            fs::write(macro_dir.join(format!("{name}.json")), &bytes).unwrap();
            events_written += 1;
            if let Ok(event) = serde_json::from_slice::<Value>(&bytes) {
                compose_written += write_composes(&compose_dir, &name, &event["fragment"]);
            }
        }
    }
    if let Some(corpus) = rest.first() {
        for path in sorted(corpus) {
            if let Ok(text) = fs::read_to_string(&path) {
                fs::write(compose_dir.join(format!("corpus-{}", name(&path))), text).unwrap();
                compose_written += 1;
            }
        }
    }
    println!(
        "{events_written} seeds in {}, {compose_written} in {}",
        macro_dir.display(),
        compose_dir.display()
    );
}

/// Writes the Compose document of every project in `fragment`; returns how many.
fn write_composes(dir: &Path, name: &str, fragment: &Value) -> usize {
    let resources = match fragment.get("Resources") {
        Some(Value::Object(r)) => r.clone(),
        _ => fragment.as_object().cloned().unwrap_or_default(),
    };
    let mut written = 0;
    for (id, resource) in resources {
        let text = match &resource["Properties"]["Compose"] {
            Value::String(text) => text.clone(),
            Value::Null => continue,
            mapping => serde_yaml_ng::to_string(mapping).unwrap(),
        };
        fs::write(dir.join(format!("{name}-{id}.yaml")), text).unwrap();
        written += 1;
    }
    written
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

fn name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}
