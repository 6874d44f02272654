//! Credentials never travel as text (issue 21, docs/security.md "Local files"). After the
//! step has read a project's files:
//!
//! - the project's env files (`.env`, `--env-file`) keep only the statements the project
//!   uses (the variables its Compose documents, `extends` files and env files refer to, the
//!   `COMPOSE_*` settings, and what those statements refer to in turn);
//! - a used variable that holds a credential (by name, [`is_credential_name`]; by shape, a
//!   URL with `user:password@`; or named by a secret's `environment:`) becomes a `NoEcho`
//!   template parameter `<Project>Env<Variable>` (normalised as logical IDs are;
//!   `POSTGRES_PASSWORD` of `Shop` → `ShopEnvPOSTGRESPASSWORD`), and its statement
//!   `VARIABLE=${<parameter>}`: the value leaves only through the parameters file, and
//!   every use becomes a `Ref`/`Fn::Sub` the converter delivers from a created secret;
//! - a service's env file (Compose's syntax) gets the same for every credential it holds;
//! - a literal credential in a service's `environment` (`MYSQL_PASSWORD: wordpress`,
//!   `- MYSQL_PASSWORD=wordpress`) becomes `${<parameter>}` in the packaged document, a
//!   rewrite checked by parsing the result (any other difference and the document is left
//!   as written, with a warning).
//!
//! A credential used where ECS cannot read a secret (`command`, `entrypoint`, `labels`,
//! `healthcheck`, any field but `environment`) stays text, with a warning naming the
//! variable and the field, never the value.

use super::params::{parse, EnvParam, Names};
use super::project::{Packaged, Project, SecretValue};
use crate::compose::credentials::{has_url_password, is_credential_name, variable_refs};
use crate::compose::dotenv::{self, Format, Parsed};
use crate::compose::interpolate::{Variable, Variables};
use crate::compose::local::project_path;
use crate::diagnostics::{Diagnostics, Path as DiagPath};
use crate::embed;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Where a document uses a variable.
#[derive(Clone, Debug, PartialEq)]
enum Use {
    /// Where a `NoEcho` reference is delivered from a secret: a service's `environment`,
    /// a config's `content`, a secret's or config's `environment:`.
    Secret,
    /// Where the value would be text in the task definition, by its Compose path.
    Text(String),
}

/// One env file being rewritten.
struct EnvText {
    path: String,
    text: String,
    parsed: Option<Parsed>,
}

impl EnvText {
    fn new(path: &str, original: &str, scope: &Variables) -> EnvText {
        // The parser normalises what it is given once more: take the fixed point, so that
        // its statements' offsets are offsets into `text`.
        let mut text = dotenv::normalized(original);
        loop {
            let again = dotenv::normalized(&text);
            if again == text {
                break;
            }
            text = again;
        }
        // Each file under its own budget: the files were read within their caps.
        let mut budget = crate::compose::interpolate::Budget::default();
        let parsed = dotenv::parse(path, &text, Format::Dotenv, scope, &mut budget).ok();
        EnvText {
            path: path.to_string(),
            text,
            parsed,
        }
    }

    /// The file with only the statements `keep` accepts, those of `replaced` as
    /// `KEY=${PARAMETER}`.
    fn rewrite(&self, keep: &dyn Fn(&str) -> bool, replaced: &BTreeMap<String, String>) -> String {
        let Some(p) = &self.parsed else {
            return self.text.clone();
        };
        let mut out = String::new();
        for (k, span) in &p.statements {
            if !keep(k) {
                continue;
            }
            match replaced.get(k) {
                Some(param) => out.push_str(&format!("{k}=${{{param}}}")),
                None => out.push_str(self.text.get(span.clone()).unwrap_or("")),
            }
            out.push('\n');
        }
        out
    }
}

/// Makes the project's credentials `NoEcho` parameters (see the module's documentation).
pub(super) fn protect(
    template: &mut Value,
    p: &mut Project,
    values: &Map<String, Value>,
    packaged: &mut Packaged,
    several: bool,
    diags: &mut Diagnostics,
) {
    let id = p.id.clone();
    let prefix = move |at: &str| {
        if several {
            format!("{id}.{at}")
        } else {
            at.to_string()
        }
    };
    let Some(props) = template
        .pointer(&format!("/Resources/{}/Properties", p.id))
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    // The variables above the env files: `Variables`, the template's parameters.
    let higher = higher_variables(template, &p.id, values);
    let mut names = Names {
        id: p.id.clone(),
        taken: template
            .get("Parameters")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
        by_value: BTreeMap::new(),
    };
    names.taken.extend(higher.keys().cloned());
    names
        .taken
        .extend(p.secret_params.values().map(|(param, _)| param.clone()));

    // What the documents use, and where.
    let mut trees: Vec<(Map<String, Value>, String)> = Vec::new();
    match props.get("Compose") {
        Some(Value::String(text)) => trees.extend(parse(text).map(|t| (t, String::new()))),
        Some(Value::Array(items)) => {
            for text in items.iter().filter_map(Value::as_str) {
                trees.extend(parse(text).map(|t| (t, String::new())));
            }
        }
        Some(Value::Object(m)) => trees.push((m.clone(), String::new())),
        _ => {}
    }
    for f in &p.extends_files {
        if let Some(text) = p.local.files.get(f) {
            let folder = f.rsplit_once('/').map_or("", |(d, _)| d).to_string();
            trees.extend(parse(text).map(|t| (t, folder)));
        }
    }
    let mut uses: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    let mut raw_env_files = BTreeSet::new();
    for (tree, folder) in &trees {
        uses_of(tree, &mut uses);
        raw_env_files.extend(raw_files(tree, folder));
    }
    let service_env: Vec<String> = p
        .service_env_files
        .iter()
        .filter(|f| !raw_env_files.contains(*f))
        .cloned()
        .collect();
    for f in &service_env {
        if let Some(text) = p.local.files.get(f) {
            for v in variable_refs(text) {
                uses.entry(v).or_default().push(Use::Secret);
            }
        }
    }

    // The project's env files, parsed as the converter will.
    let project_env: Vec<String> = p.local.env_files.clone();
    let parse_all = |files: &BTreeMap<String, String>, extra: &Variables| {
        let mut found = Variables::new();
        let mut out = Vec::new();
        for f in &project_env {
            let Some(text) = files.get(f) else { continue };
            let mut scope = found.clone();
            scope.extend(higher.iter().map(|(k, v)| (k.clone(), v.clone())));
            scope.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            let e = EnvText::new(f, text, &scope);
            if let Some(parsed) = &e.parsed {
                found.extend(parsed.variables.clone());
            }
            out.push(e);
        }
        (out, found)
    };
    let (envs, found) = parse_all(&p.local.files, &Variables::new());
    // Which variables each variable's statements refer to (once, for every file).
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &envs {
        if let Some(parsed) = &e.parsed {
            for (k, span) in &parsed.statements {
                edges
                    .entry(k.clone())
                    .or_default()
                    .extend(variable_refs(e.text.get(span.clone()).unwrap_or("")));
            }
        }
    }
    let closure = |start: BTreeSet<String>| -> BTreeSet<String> {
        let mut set = start;
        let mut todo: Vec<String> = set.iter().cloned().collect();
        while let Some(k) = todo.pop() {
            for r in edges.get(&k).into_iter().flatten() {
                if set.insert(r.clone()) {
                    todo.push(r.clone());
                }
            }
        }
        set
    };
    let mut used: BTreeSet<String> = uses.keys().cloned().collect();
    used.extend(found.keys().filter(|k| k.starts_with("COMPOSE_")).cloned());
    let used = closure(used);
    // What flows into a field ECS cannot fill from a secret (`in_text`), and where: a
    // variable's own text uses, else those of the variables whose lines name it.
    let direct: BTreeMap<&String, BTreeSet<&String>> = uses
        .iter()
        .map(|(var, list)| {
            let places = list
                .iter()
                .filter_map(|u| match u {
                    Use::Text(place) => Some(place),
                    Use::Secret => None,
                })
                .collect::<BTreeSet<_>>();
            (var, places)
        })
        .filter(|(_, places)| !places.is_empty())
        .collect();
    let in_text = closure(direct.keys().map(|k| (*k).clone()).collect());
    let places_of = |key: &String| -> BTreeSet<String> {
        let mut out: BTreeSet<String> = direct
            .get(key)
            .into_iter()
            .flatten()
            .map(|p| (*p).clone())
            .collect();
        if out.is_empty() {
            for (var, places) in &direct {
                if edges.get(*var).is_some_and(|r| r.contains(key)) {
                    out.extend(places.iter().map(|p| (*p).clone()));
                }
            }
        }
        if out.is_empty() {
            out.extend(direct.values().flatten().take(3).map(|p| (*p).clone()));
        }
        out
    };
    let named_by_secret: BTreeSet<&String> = uses
        .iter()
        .filter(|(_, l)| l.contains(&Use::Secret))
        .map(|(k, _)| k)
        .filter(|k| secret_environment_names(&trees).contains(*k))
        .collect();

    // Pass 1: by name (and the variables a secret's `environment:` names); pass 2: by
    // shape, once the named ones are references (a URL built from `${PASSWORD}` is then a
    // reference too, not a second parameter).
    let mut replaced: BTreeMap<String, String> = BTreeMap::new();
    let mut params: Variables = Variables::new();
    let mut warned = BTreeSet::new();
    for pass in 0..2 {
        let found = if pass == 0 {
            found.clone()
        } else {
            parse_all(&rewritten(&p.local.files, &project_env, &replaced), &params).1
        };
        for key in &used {
            if higher.contains_key(key) || replaced.contains_key(key) {
                continue;
            }
            let Some(Variable::Text(value)) = found.get(key) else {
                continue;
            };
            let credential = if pass == 0 {
                is_credential_name(key) || named_by_secret.contains(key)
            } else {
                has_url_password(value)
            };
            if !credential || value.is_empty() {
                continue;
            }
            if in_text.contains(key) {
                if warned.insert(key.clone()) {
                    let source = source_of(key, &project_env, &p.local.files);
                    for place in places_of(key) {
                        diags.warn(
                            prefix(&place),
                            format!("uses `{key}` from `{source}`, which looks like a credential: ECS cannot fill this field from a secret, so the value stays in the template in plain text; pass it to the container through `environment` and read the variable there (`$${key}` in a shell command)"),
                        );
                    }
                }
                continue;
            }
            let (param, new) = names.name(key, value);
            if new {
                let source = source_of(key, &project_env, &p.local.files);
                p.env_params.insert(
                    param.clone(),
                    EnvParam {
                        variable: key.clone(),
                        at: prefix(&source),
                        source,
                    },
                );
                packaged
                    .secrets
                    .insert(param.clone(), SecretValue(value.clone()));
            }
            params.insert(
                param.clone(),
                Variable::Secret {
                    parameter: param.clone(),
                    value: value.clone(),
                },
            );
            replaced.insert(key.clone(), param);
        }
    }
    let keep_all: BTreeSet<&String> = service_env.iter().collect();
    for e in parse_all(&p.local.files, &Variables::new()).0 {
        let all = keep_all.contains(&e.path);
        let text = e.rewrite(
            &|k| all || (used.contains(k) && !higher.contains_key(k)),
            &replaced,
        );
        p.local.files.insert(e.path.clone(), text);
    }

    // Services' env files: every credential they hold (they all reach the environment).
    let (_, project_vars) = parse_all(&p.local.files, &params);
    let mut scope = project_vars;
    scope.extend(higher.iter().map(|(k, v)| (k.clone(), v.clone())));
    scope.extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
    for f in &service_env {
        let Some(text) = p.local.files.get(f).cloned() else {
            continue;
        };
        let e = EnvText::new(f, &text, &scope);
        let Some(parsed) = &e.parsed else { continue };
        let mut own: BTreeMap<String, String> = BTreeMap::new();
        let also_project = project_env.contains(f);
        for (key, var) in &parsed.variables {
            let Variable::Text(value) = var else { continue };
            if also_project && in_text.contains(key) {
                continue; // a project variable kept as text (warned above)
            }
            if value.is_empty() || !(is_credential_name(key) || has_url_password(value)) {
                continue;
            }
            let (param, new) = names.name(key, value);
            if new {
                p.env_params.insert(
                    param.clone(),
                    EnvParam {
                        variable: key.clone(),
                        source: f.clone(),
                        at: prefix(f),
                    },
                );
                packaged
                    .secrets
                    .insert(param.clone(), SecretValue(value.clone()));
            }
            own.insert(key.clone(), param);
        }
        if !own.is_empty() {
            p.local.files.insert(f.clone(), e.rewrite(&|_| true, &own));
        }
    }

    // Literal credentials in the services' `environment`.
    super::literals::protect(template, p, &mut names, packaged, &prefix, diags);
}

/// The project's env files with the statements of `replaced` as references (every
/// statement kept), for parsing again.
fn rewritten(
    files: &BTreeMap<String, String>,
    project_env: &[String],
    replaced: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = files.clone();
    for f in project_env {
        if let Some(text) = files.get(f) {
            let e = EnvText::new(f, text, &Variables::new());
            out.insert(f.clone(), e.rewrite(&|_| true, replaced));
        }
    }
    out
}

/// The last project env file that sets `key`.
fn source_of(key: &str, project_env: &[String], files: &BTreeMap<String, String>) -> String {
    project_env
        .iter()
        .rev()
        .find(|f| {
            files.get(*f).is_some_and(|t| {
                EnvText::new(f, t, &Variables::new())
                    .parsed
                    .is_some_and(|p| p.statements.iter().any(|(k, _)| k == key))
            })
        })
        .cloned()
        .unwrap_or_else(|| ".env".into())
}

/// The variables `Variables`, template parameters and transform parameters give the
/// project: above its env files.
fn higher_variables(template: &Value, id: &str, values: &Map<String, Value>) -> Variables {
    let Some(Value::Object(fragment)) = Some(template) else {
        return Variables::new();
    };
    let Some(Value::Object(resource)) = template.pointer(&format!("/Resources/{id}")) else {
        return Variables::new();
    };
    let mut resource = resource.clone();
    if let Some(Value::Object(props)) = resource.get_mut("Properties") {
        props.remove("Package");
    }
    let secret = embed::secret_parameters(fragment, embed::Shape::Template, values);
    embed::read(
        id,
        &resource,
        &DiagPath::new("Resources").key(id),
        values,
        &secret,
        &Map::new(),
        &mut Diagnostics::new(),
    )
    .map(|s| s.variables)
    .unwrap_or_default()
}

fn strings_in<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| strings_in(i, out)),
        Value::Object(m) => m.values().for_each(|i| strings_in(i, out)),
        _ => {}
    }
}

fn refs_into(v: &Value, u: &Use, out: &mut BTreeMap<String, Vec<Use>>) {
    let mut strings = Vec::new();
    strings_in(v, &mut strings);
    for s in strings {
        for var in variable_refs(s) {
            out.entry(var).or_default().push(u.clone());
        }
    }
}

/// Where a Compose document uses each variable.
fn uses_of(tree: &Map<String, Value>, out: &mut BTreeMap<String, Vec<Use>>) {
    for (key, v) in tree {
        match (key.as_str(), v) {
            ("services", Value::Object(services)) => {
                for (name, service) in services {
                    let Value::Object(service) = service else {
                        continue;
                    };
                    for (k, v) in service {
                        match k.as_str() {
                            "environment" => refs_into(v, &Use::Secret, out),
                            // Read on this machine only (`docker build`, file paths).
                            "build" | "env_file" | "extends" => {}
                            _ => refs_into(v, &Use::Text(format!("services.{name}.{k}")), out),
                        }
                    }
                }
            }
            ("secrets" | "configs", Value::Object(items)) => {
                for (name, item) in items {
                    let Value::Object(item) = item else { continue };
                    for (k, v) in item {
                        match k.as_str() {
                            "environment" => {
                                if let Some(var) = v.as_str() {
                                    out.entry(var.to_string()).or_default().push(Use::Secret);
                                }
                            }
                            "content" => refs_into(v, &Use::Secret, out),
                            "file" => {}
                            _ => refs_into(v, &Use::Text(format!("{key}.{name}.{k}")), out),
                        }
                    }
                }
            }
            _ => refs_into(v, &Use::Text(key.clone()), out),
        }
    }
}

/// The variables the secrets' `environment:` name: secret values by definition.
fn secret_environment_names(trees: &[(Map<String, Value>, String)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (tree, _) in trees {
        if let Some(Value::Object(items)) = tree.get("secrets") {
            for item in items.values() {
                if let Some(var) = item.get("environment").and_then(Value::as_str) {
                    out.insert(var.to_string());
                }
            }
        }
    }
    out
}

/// The env files a document reads with `format: raw` (taken literally, never rewritten).
fn raw_files(tree: &Map<String, Value>, folder: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(Value::Object(services)) = tree.get("services") else {
        return out;
    };
    for service in services.values() {
        let Some(Value::Array(items)) = service.get("env_file") else {
            continue;
        };
        for item in items {
            if item.get("format").and_then(Value::as_str) != Some("raw") {
                continue;
            }
            let Some(path) = item.get("path").and_then(Value::as_str) else {
                continue;
            };
            let joined = if folder.is_empty() || path.starts_with('/') || path.starts_with('~') {
                path.to_string()
            } else {
                format!("{folder}/{path}")
            };
            out.extend(project_path(&joined));
        }
    }
    out
}
