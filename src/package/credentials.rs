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

use super::{Packaged, Project, SecretValue};
use crate::cfn::logical_id::normalize;
use crate::compose::credentials::{has_url_password, is_credential_name, literal, variable_refs};
use crate::compose::dotenv::{self, Format, Parsed};
use crate::compose::interpolate::{Variable, Variables};
use crate::compose::local::project_path;
use crate::diagnostics::{Diagnostics, Path as DiagPath};
use crate::embed;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A `NoEcho` parameter the step made for a credential variable.
#[derive(Clone, Debug)]
pub(super) struct EnvParam {
    /// The variable.
    pub variable: String,
    /// Where it was found (`.env`, `db.env`, `the Compose file`).
    pub source: String,
    /// Where the document names it, for diagnostics.
    pub at: String,
}

/// Where a document uses a variable.
#[derive(Clone, Debug, PartialEq)]
enum Use {
    /// Where a `NoEcho` reference is delivered from a secret: a service's `environment`,
    /// a config's `content`, a secret's or config's `environment:`.
    Secret,
    /// Where the value would be text in the task definition, by its Compose path.
    Text(String),
}

/// Parameter names: one per (variable, value), new names never taken by the template.
struct Names {
    id: String,
    taken: BTreeSet<String>,
    by_value: BTreeMap<(String, String), String>,
}

impl Names {
    fn name(&mut self, variable: &str, value: &str) -> (String, bool) {
        let key = (variable.to_string(), value.to_string());
        if let Some(p) = self.by_value.get(&key) {
            return (p.clone(), false);
        }
        let mut base: String = normalize(variable).chars().take(200).collect();
        if base.is_empty() {
            base = "Variable".into();
        }
        let base = format!("{}Env{base}", self.id);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        self.by_value.insert(key, name.clone());
        (name, true)
    }
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
        let parsed = dotenv::parse(path, &text, Format::Dotenv, scope).ok();
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
                        source,
                        at: format!("Resources.{}.Properties.Package.Files", p.id),
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
        for (key, var) in &parsed.variables {
            let Variable::Text(value) = var else { continue };
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
                        at: format!("Resources.{}.Properties.Package.Files", p.id),
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
    compose_literals(template, p, &mut names, packaged, &prefix, diags);
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

fn parse(text: &str) -> Option<Map<String, Value>> {
    match crate::compose::load::parse_text(text).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
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

/// A literal credential of a service's `environment`: its service, variable, value as
/// written, and value.
struct Literal {
    service: String,
    variable: String,
    list: bool,
    raw: String,
    value: String,
}

fn literals(tree: &Map<String, Value>) -> Vec<Literal> {
    let mut out = Vec::new();
    let Some(Value::Object(services)) = tree.get("services") else {
        return out;
    };
    for (name, service) in services {
        match service.get("environment") {
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    let raw = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => continue,
                    };
                    out.extend(literal_of(name, k, &raw, false));
                }
            }
            Some(Value::Array(items)) => {
                for item in items.iter().filter_map(Value::as_str) {
                    if let Some((k, raw)) = item.split_once('=') {
                        out.extend(literal_of(name, k, raw, true));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn literal_of(service: &str, variable: &str, raw: &str, list: bool) -> Option<Literal> {
    let value = literal(raw)?;
    let credential = is_credential_name(variable) || has_url_password(&value);
    (credential && !value.is_empty()).then(|| Literal {
        service: service.to_string(),
        variable: variable.to_string(),
        list,
        raw: raw.to_string(),
        value,
    })
}

/// The document with each literal's value replaced by `${PARAMETER}`.
fn replaced_tree(tree: &Map<String, Value>, found: &[(Literal, String)]) -> Map<String, Value> {
    let mut tree = tree.clone();
    for (l, param) in found {
        let Some(env) = tree
            .get_mut("services")
            .and_then(|s| s.get_mut(&l.service))
            .and_then(|s| s.get_mut("environment"))
        else {
            continue;
        };
        match env {
            Value::Object(m) => {
                m.insert(l.variable.clone(), Value::String(format!("${{{param}}}")));
            }
            Value::Array(items) => {
                for item in items.iter_mut() {
                    if item.as_str() == Some(&format!("{}={}", l.variable, l.raw)) {
                        *item = Value::String(format!("{}=${{{param}}}", l.variable));
                    }
                }
            }
            _ => {}
        }
    }
    tree
}

/// A YAML scalar as written on one line (plain, `'...'` or `"..."`, with an optional
/// comment after a plain one): its value, or `None` when it is not that simple.
fn scalar(text: &str) -> Option<String> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    if let Some(inner) = t.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        if inner.contains('\\') {
            return None;
        }
        return Some(inner.to_string());
    }
    let plain = t.split_once(" #").map_or(t, |(v, _)| v).trim_end();
    Some(plain.to_string())
}

/// One line of a Compose file with a literal's value replaced, when the line is that
/// literal written simply.
fn rewrite_line(line: &str, l: &Literal, param: &str) -> Option<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let body = line.trim_start();
    if l.list {
        let item = body.strip_prefix('-')?;
        if !item.starts_with([' ', '\t']) {
            return None;
        }
        let item = item.trim_start();
        let dash = &body[..body.len() - item.len()];
        if scalar(item)? == format!("{}={}", l.variable, l.raw) {
            return Some(format!("{indent}{dash}\"{}=${{{param}}}\"", l.variable));
        }
        return None;
    }
    let (key, value) = body.split_once(':')?;
    let key_text = scalar(key)?;
    if key_text != l.variable || !value.starts_with([' ', '\t']) {
        return None;
    }
    if scalar(value)? == l.raw {
        return Some(format!("{indent}{key}: \"${{{param}}}\""));
    }
    None
}

/// Literal credentials in the services' `environment` become `${PARAMETER}`.
fn compose_literals(
    template: &mut Value,
    p: &mut Project,
    names: &mut Names,
    packaged: &mut Packaged,
    prefix: &dyn Fn(&str) -> String,
    diags: &mut Diagnostics,
) {
    let Some(compose) = template.pointer_mut(&format!("/Resources/{}/Properties/Compose", p.id))
    else {
        return;
    };
    let mut docs: Vec<&mut Value> = match compose {
        Value::Array(items) => items.iter_mut().collect(),
        other => vec![other],
    };
    let mut made: Vec<(String, EnvParam, String)> = Vec::new();
    let mut referenced: BTreeSet<String> = BTreeSet::new();
    for doc in docs.iter_mut() {
        let tree = match &**doc {
            Value::String(text) => parse(text),
            Value::Object(m) => Some(m.clone()),
            _ => None,
        };
        let Some(tree) = tree else { continue };
        let found: Vec<(Literal, String)> = literals(&tree)
            .into_iter()
            .map(|l| {
                let (param, new) = names.name(&l.variable, &l.value);
                if new {
                    made.push((
                        param.clone(),
                        EnvParam {
                            variable: l.variable.clone(),
                            source: "the Compose file".into(),
                            at: format!("services.{}.environment.{}", l.service, l.variable),
                        },
                        l.value.clone(),
                    ));
                }
                (l, param)
            })
            .collect();
        if found.is_empty() {
            continue;
        }
        let expected = replaced_tree(&tree, &found);
        let rewritten = match &**doc {
            Value::Object(_) => Some(Value::Object(expected)),
            Value::String(text) => {
                let mut out: Vec<String> = Vec::new();
                for line in text.split('\n') {
                    let new = found
                        .iter()
                        .find_map(|(l, param)| rewrite_line(line, l, param));
                    out.push(new.unwrap_or_else(|| line.to_string()));
                }
                let new_text = out.join("\n");
                (parse(&new_text) == Some(expected)).then_some(Value::String(new_text))
            }
            _ => None,
        };
        match rewritten {
            Some(v) => {
                **doc = v;
                referenced.extend(found.into_iter().map(|(_, param)| param));
            }
            None => {
                for (l, _) in &found {
                    diags.warn(
                        prefix(&format!("services.{}.environment.{}", l.service, l.variable)),
                        "looks like a credential, and its value stays in the template in plain text: the package step could not rewrite this part of the Compose file (anchors, flow style or escapes); write `${VARIABLE}` here and set the variable in `.env`, whose credentials become `NoEcho` parameters",
                    );
                }
            }
        }
    }
    // Only the parameters a rewritten document refers to.
    for (param, e, value) in made {
        if referenced.contains(&param) {
            packaged.secrets.insert(param.clone(), SecretValue(value));
            p.env_params.insert(param, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_rewritten_only_when_simple() {
        let l = |list: bool, raw: &str| Literal {
            service: "db".into(),
            variable: "PW".into(),
            list,
            raw: raw.into(),
            value: raw.into(),
        };
        assert_eq!(
            rewrite_line("      - PW=x # c", &l(true, "x"), "P").as_deref(),
            Some("      - \"PW=${P}\"")
        );
        assert_eq!(
            rewrite_line("  - 'PW=x'", &l(true, "x"), "P").as_deref(),
            Some("  - \"PW=${P}\"")
        );
        assert_eq!(
            rewrite_line("    PW: \"x\"", &l(false, "x"), "P").as_deref(),
            Some("    PW: \"${P}\"")
        );
        assert_eq!(rewrite_line("    PW: y", &l(false, "x"), "P"), None);
        assert_eq!(rewrite_line("    PWX: x", &l(false, "x"), "P"), None);
        assert_eq!(rewrite_line("    - PW=x", &l(false, "x"), "P"), None);
    }
}
