//! Secret files as `NoEcho` template parameters: each secret's file read into
//! [`Packaged::secrets`], and the parameters declared in the template.

use super::files::Refusal;
use super::params;
use super::project::Mode;
use super::project::{
    no_home, plural, Options, Packaged, Project, SecretValue, MAX_PARAMETER_BYTES,
};
use crate::cfn::logical_id::normalize;
use crate::diagnostics::Diagnostics;
use serde_json::{json, Value};

pub(super) fn read_secret(
    p: &mut Project,
    name: &str,
    path: &str,
    at: &str,
    packaged: &mut Packaged,
    diags: &mut Diagnostics,
) {
    if p.secret_params.contains_key(name) {
        return;
    }
    let Some(full) = p.root.resolve(path) else {
        diags.error(at, no_home(path));
        return;
    };
    let value = match p.root.read(&full, MAX_PARAMETER_BYTES) {
        Ok(v) => v,
        Err(Refusal::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            diags.error(at, format!("`{path}` does not exist in the project folder"));
            return;
        }
        Err(Refusal::Binary) => {
            diags.error(at, format!("`{path}` is not UTF-8 text: a secret file becomes a template parameter, which holds text; store the secret in AWS Secrets Manager and name it with `x-aws-secrets` or `external: true` instead"));
            return;
        }
        Err(Refusal::TooLarge(_)) => {
            diags.error(at, format!("`{path}` is larger than the {MAX_PARAMETER_BYTES} bytes of a template parameter; store the secret in AWS Secrets Manager and name it with `x-aws-secrets` or `external: true` instead"));
            return;
        }
        Err(r) => {
            diags.error(at, format!("`{path}` {}", r.message()));
            return;
        }
    };
    if let Ok(real) = std::fs::canonicalize(&full) {
        p.secret_files
            .insert(real, (name.to_string(), path.to_string()));
    }
    let parameter = format!("{}{}SecretValue", p.id, normalize(name));
    p.secret_params
        .insert(name.to_string(), (parameter.clone(), at.to_string()));
    packaged.secrets.insert(parameter, SecretValue(value));
}

/// Declares the `NoEcho` parameters of the secrets read, and records them in `Package`.
pub(super) fn secret_parameters(
    template: &mut Value,
    projects: &mut [Project],
    packaged: &Packaged,
    opts: &Options,
    diags: &mut Diagnostics,
) {
    let all: Vec<(String, String, String, String)> = projects
        .iter()
        .flat_map(|p| {
            p.secret_params
                .iter()
                .map(|(name, (param, at))| (p.id.clone(), name.clone(), param.clone(), at.clone()))
        })
        .collect();
    let env: Vec<(String, String, params::EnvParam)> = projects
        .iter()
        .flat_map(|p| {
            p.env_params
                .iter()
                .map(|(param, e)| (p.id.clone(), param.clone(), e.clone()))
        })
        .collect();
    if all.is_empty() && env.is_empty() {
        return;
    }
    if opts.mode == Mode::Package && !opts.parameters_out {
        if !all.is_empty() {
            let names: Vec<String> = all.iter().map(|(_, n, _, _)| format!("`{n}`")).collect();
            diags.error(
                &all[0].3,
                format!(
                    "the value of secret {} must go to a parameters file, never into the template: pass `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`",
                    names.join(", ")
                ),
            );
        } else {
            let mut names: Vec<String> = env
                .iter()
                .map(|(_, _, e)| format!("`{}`", e.variable))
                .collect();
            names.dedup();
            diags.error(
                &env[0].2.at,
                format!(
                    "{} {} like {}, whose {} must go to a parameters file, never into the template: pass `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`",
                    plural("variable", "variables", &names),
                    if names.len() == 1 { "looks" } else { "look" },
                    if names.len() == 1 { "a credential" } else { "credentials" },
                    if names.len() == 1 { "value" } else { "values" },
                ),
            );
        }
        return;
    }
    let Value::Object(root) = template else {
        return;
    };
    if !root.contains_key("Parameters") {
        // `Parameters` before `Resources`, where a reader looks for it.
        let old = std::mem::take(root);
        for (k, v) in old {
            if k == "Resources" {
                root.insert("Parameters".into(), json!({}));
            }
            root.insert(k, v);
        }
        root.entry("Parameters").or_insert_with(|| json!({}));
    }
    let Some(Value::Object(params)) = root.get_mut("Parameters") else {
        diags.error(
            "Parameters",
            "expected a mapping of parameter names to parameters",
        );
        return;
    };
    for (id, name, param, at) in &all {
        if params.contains_key(param) {
            diags.error(
                at,
                format!("the package step names the parameter of secret `{name}` `{param}`, and the template already declares a parameter of that name; rename that parameter"),
            );
            continue;
        }
        if !packaged.secrets.contains_key(param) {
            continue;
        }
        params.insert(
            param.clone(),
            json!({
                "Type": "String",
                "NoEcho": true,
                "Description": format!("The value of secret `{name}` of project {id}, from its file (written by compose-to-ecs package; pass it with --parameter-overrides)"),
            }),
        );
        if let Some(p) = projects.iter_mut().find(|p| &p.id == id) {
            p.local.secrets.insert(name.clone(), param.clone());
        }
    }
    for (id, param, e) in &env {
        // The step chose a name no parameter of the template has.
        params.insert(
            param.clone(),
            json!({
                "Type": "String",
                "NoEcho": true,
                "Description": format!("The value of variable `{}` of project {id}, a credential from {} (written by compose-to-ecs package; pass it with --parameter-overrides)", e.variable, if e.source.starts_with("the ") { e.source.clone() } else { format!("`{}`", e.source) }),
            }),
        );
    }
}
