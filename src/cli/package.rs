//! `compose-to-ecs package`: the local step on a template or on Compose files, checked
//! against the macro in memory before anything is written.

use crate::cli::args::{ComposeArgs, Format, LocalArgs, OutputArgs};
use crate::cli::output::{print_diagnostics, write_output};
use crate::cli::project::{folder, read, Project};
use crate::cli::summary::package_summary;
use compose_to_ecs::cfn::input;
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::expand;
use compose_to_ecs::package::{self, Mode};
use compose_to_ecs::report;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

/// Runs `package`: TEMPLATE, or else the Compose files (`-f`) wrapped in a template.
pub fn run(
    template: Option<PathBuf>,
    compose: ComposeArgs,
    out: OutputArgs,
    parameters_out: Option<PathBuf>,
    resolve_image_digests: bool,
    local: LocalArgs,
) -> Result<ExitCode, String> {
    let (mut fragment, dir, wrapped, stdin, default_format) = match template {
        Some(template) => {
            if !compose.files.is_empty() || compose.project_name.is_some() {
                return Err(
                    "give a TEMPLATE, or Compose files with `-f` (and `-p`), not both".into(),
                );
            }
            if !compose.profiles.is_empty() {
                return Err("`--profile` applies to Compose files (`-f`); a template's project takes `Profiles`".into());
            }
            let text = read(&template)?;
            let fragment =
                input::parse_template(&text).map_err(|e| format!("{}: {e}", template.display()))?;
            let format = if text.trim_start().starts_with('{') {
                Format::Json
            } else {
                Format::Yaml
            };
            (
                fragment,
                folder(&template).to_path_buf(),
                None,
                None,
                format,
            )
        }
        None => {
            let project = Project::from_args(None, &compose, &local)?;
            let fragment = project.wrapper();
            let stdin = project.stdin.clone();
            (
                fragment,
                PathBuf::from("."),
                Some(project),
                stdin,
                Format::Yaml,
            )
        }
    };
    let named = wrapped.as_ref().map_or(&[][..], |p| &p.files[..]);
    let mut outputs = Vec::new();
    if let Some(o) = &out.output {
        outputs.push(("-o".to_string(), o.clone()));
    }
    if let Some(p) = &parameters_out {
        outputs.push(("--parameters-out".to_string(), p.clone()));
    }
    let mut options = local.options(
        Mode::Package,
        parameters_out.is_some(),
        outputs,
        stdin,
        named,
    )?;
    options.resolve_image_digests = resolve_image_digests;
    let values = package::parameter_values(&fragment, &[]);
    let mut diags = Diagnostics::new();
    let packaged = package::package(&mut fragment, &dir, &values, &options, &mut diags);
    if !diags.has_errors() {
        // What the macro will answer: the same checks, on the packaged result.
        check_packaged(&fragment, &packaged, &mut diags);
    }
    let diags = match &wrapped {
        Some(p) => p.compose_paths(&diags),
        None => diags,
    };
    let warnings = print_diagnostics(&diags, local.verbose);
    if diags.has_errors() {
        return Ok(ExitCode::from(1));
    }
    if let Some(path) = &parameters_out {
        package::write_parameters(path, &packaged.secrets)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let bytes = write_output(&fragment, out.format(default_format), out.output.as_deref())?;
    if !out.quiet {
        eprintln!(
            "{}",
            package_summary(&fragment, &packaged, bytes, &out, warnings)
        );
        eprint!(
            "{}",
            report::summary::of_packaged(&fragment, &packaged.secrets, &diags)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the macro on the packaged template in memory, as CloudFormation will: the secret
/// parameters take their values from the step, the template's other parameters their
/// defaults. Its warnings and errors join `diags` (an error means the macro would refuse
/// the template: `package` exits 1 and writes nothing). A template parameter without a
/// default cannot be given a value here; the check is then skipped with a warning.
fn check_packaged(fragment: &Value, packaged: &package::Packaged, diags: &mut Diagnostics) {
    let given: Vec<(String, String)> = packaged
        .secrets
        .iter()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    let missing: Vec<String> = fragment
        .get("Parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, p)| p.get("Default").is_none() && !packaged.secrets.contains_key(*k))
        .map(|(k, _)| format!("`{k}`"))
        .collect();
    if !missing.is_empty() {
        diags.warn(
            "Parameters",
            format!(
                "not checked against the macro before deploy: {} no default to check with (`compose-to-ecs expand` with `--param` checks it)",
                if missing.len() == 1 {
                    format!("parameter {} has", missing[0])
                } else {
                    format!("parameters {} have", missing.join(", "))
                }
            ),
        );
        return;
    }
    let request = match input::request(fragment.clone(), &given) {
        Ok(r) => r,
        Err(e) => {
            diags.warn(
                "Parameters",
                format!("not checked against the macro before deploy: {e}"),
            );
            return;
        }
    };
    match expand(&request) {
        Ok(expanded) => {
            for w in expanded.warnings {
                diags.push(w);
            }
        }
        Err(found) => {
            for d in found.errors().into_iter().chain(found.warnings()) {
                diags.push(d.clone());
            }
        }
    }
}
