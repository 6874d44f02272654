//! `compose-to-ecs convert` and `compose-to-ecs expand`: the preview, the local step in
//! memory then the transform, written as the template CloudFormation would deploy.

use crate::cli::args::{ComposeArgs, Format, LocalArgs, OutputArgs, ParamArgs};
use crate::cli::output::{print_diagnostics, write_output};
use crate::cli::project::{folder, read, Project};
use crate::cli::summary::summary;
use compose_to_ecs::cfn::input;
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::expand;
use compose_to_ecs::package::{self, Mode};
use compose_to_ecs::report;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs `expand`: the template file, its parameters from `--param`.
pub fn expand_template(
    template: PathBuf,
    params: ParamArgs,
    out: OutputArgs,
    local: LocalArgs,
) -> Result<ExitCode, String> {
    let text = read(&template)?;
    let fragment =
        input::parse_template(&text).map_err(|e| format!("{}: {e}", template.display()))?;
    process(
        fragment,
        folder(&template),
        params.pairs()?,
        (&out, None),
        &local,
        None,
    )
}

/// Runs `convert`: the Compose files wrapped in a template with one project.
pub fn convert(
    compose_file: Option<String>,
    compose: ComposeArgs,
    params: ParamArgs,
    out: OutputArgs,
    local: LocalArgs,
    parameters_out: Option<PathBuf>,
) -> Result<ExitCode, String> {
    let mut project = Project::from_args(compose_file, &compose, &local)?;
    // The wrapper declares no parameters: `--param` values are Compose variables.
    project.variables = params.pairs()?;
    let fragment = project.wrapper();
    process(
        fragment,
        Path::new("."),
        Vec::new(),
        (&out, parameters_out.as_deref()),
        &local,
        Some(&project),
    )
}

/// The preview: the package step in memory (no build, no push; secret values become the
/// values of their `NoEcho` parameters), then the transform. `project`: the Compose
/// project `convert` wrapped, whose diagnostics speak of its files, not of the wrapper.
fn process(
    mut fragment: Value,
    dir: &Path,
    mut given: Vec<(String, String)>,
    (out, parameters_out): (&OutputArgs, Option<&Path>),
    local: &LocalArgs,
    project: Option<&Project>,
) -> Result<ExitCode, String> {
    let stdin = project.and_then(|p| p.stdin.clone());
    let named = project.map_or(&[][..], |p| &p.files[..]);
    let options = local.options(Mode::Preview, false, Vec::new(), stdin, named)?;
    let values = input::request(fragment.clone(), &given)?.template_parameter_values;
    let shown = |diags: &Diagnostics| match project {
        Some(p) => p.compose_paths(diags),
        None => diags.clone(),
    };
    let mut diags = Diagnostics::new();
    let packaged = package::package(&mut fragment, dir, &values, &options, &mut diags);
    let diags = shown(&diags);
    if diags.has_errors() {
        print_diagnostics(&diags, local.verbose);
        return Ok(ExitCode::from(1));
    }
    let mut warnings = print_diagnostics(&diags, local.verbose);
    let secrets = packaged.secrets.clone();
    given.extend(packaged.secrets.into_iter().map(|(k, v)| (k, v.0)));
    let request = input::request(fragment, &given)?;
    match expand(&request) {
        Ok(mut expanded) => {
            let mut secrets = secrets;
            if project.is_some() {
                drop_unused(&mut expanded.fragment, &mut secrets);
            }
            let mut found = Diagnostics::new();
            for w in expanded.warnings {
                found.push(w);
            }
            if project.is_some() && parameters_out.is_none() && !secrets.is_empty() {
                let names: Vec<String> = secrets.keys().map(|k| format!("`{k}`")).collect();
                found.warn(
                    "Parameters",
                    format!(
                        "the template declares `NoEcho` parameters for the secret files and credentials it read ({}), whose values it never holds: add `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`",
                        names.join(", ")
                    ),
                );
            }
            if let Some(path) = parameters_out {
                package::write_parameters(path, &secrets)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            warnings += print_diagnostics(&shown(&found), local.verbose);
            let bytes = write_output(
                &expanded.fragment,
                out.format(Format::Json),
                out.output.as_deref(),
            )?;
            if !out.quiet {
                eprintln!("{}", summary(&expanded.fragment, bytes, warnings));
                eprint!(
                    "{}",
                    report::summary::text(&expanded.fragment, &[&diags, &found])
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(diags) => {
            print_diagnostics(&shown(&diags), local.verbose);
            Ok(ExitCode::from(1))
        }
    }
}

/// Drops from the converted template the `NoEcho` parameters of the package step that no
/// resource or output uses, with their values: the credentials of services a profile left
/// out (outline's `ecr` service without `--profile ecr`), which CloudFormation would
/// still ask a value for. `convert` only: `package` writes a template for the macro,
/// which keeps them.
fn drop_unused(
    fragment: &mut Value,
    secrets: &mut std::collections::BTreeMap<String, package::SecretValue>,
) {
    let Some(Value::Object(params)) = fragment.get("Parameters").cloned() else {
        return;
    };
    let mut rest = fragment.clone();
    if let Some(m) = rest.as_object_mut() {
        m.remove("Parameters");
    }
    let unused: Vec<String> = secrets
        .keys()
        .filter(|k| params.contains_key(*k) && !uses(&rest, k))
        .cloned()
        .collect();
    for k in unused {
        secrets.remove(&k);
        if let Some(Value::Object(p)) = fragment.get_mut("Parameters") {
            p.remove(&k);
        }
    }
    if fragment
        .get("Parameters")
        .is_some_and(|p| p.as_object().is_some_and(|m| m.is_empty()))
    {
        if let Some(m) = fragment.as_object_mut() {
            m.remove("Parameters");
        }
    }
}

/// Whether `v` names the parameter `name`: `{"Ref": name}`, or `${name}` in a string (an
/// `Fn::Sub`).
fn uses(v: &Value, name: &str) -> bool {
    match v {
        Value::Object(m) => {
            m.get("Ref").and_then(Value::as_str) == Some(name) || m.values().any(|x| uses(x, name))
        }
        Value::Array(items) => items.iter().any(|x| uses(x, name)),
        Value::String(s) => s.contains(&format!("${{{name}}}")),
        _ => false,
    }
}
