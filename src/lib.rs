//! ComposeToECS: expand Docker Compose projects embedded in CloudFormation templates into
//! Amazon ECS resources.
//!
//! One pipeline, one module per stage: [`compose::load`] → [`validate`] → [`convert`] →
//! [`emit`]. The core is pure: no I/O, environment, clock or AWS calls. The two binaries
//! (`src/main.rs`, the CLI; `lambda/src/main.rs`, the Lambda) and the local step
//! ([`package`], which the CLI runs) are the only code that touches the world; both
//! binaries go through [`macro_::handle`] or [`expand`].

pub mod cfn;
pub mod compose;
pub mod convert;
pub mod diagnostics;
pub mod embed;
pub mod emit;
pub mod graph;
pub mod macro_;
pub mod package;
pub mod report;
pub mod validate;

use compose::interpolate::Variable;
use diagnostics::{Diagnostic, Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the transform reads from a macro request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    /// The template (or the `Resources` content) to process.
    pub fragment: Value,
    /// The template's parameter values.
    pub template_parameter_values: Map<String, Value>,
    /// The `Fn::Transform` parameters.
    pub params: Map<String, Value>,
}

/// A processed fragment and the warnings found on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Expanded {
    /// The processed template (or `Resources` content).
    pub fragment: Value,
    /// Warnings, sorted.
    pub warnings: Vec<Diagnostic>,
}

/// Expands every `ComposeToECS::Project` in the request's fragment. On failure, the
/// diagnostics hold every error (and the warnings).
pub fn expand(request: &Request) -> Result<Expanded, Diagnostics> {
    let mut diags = Diagnostics::new();
    let Value::Object(fragment) = &request.fragment else {
        diags.error("", "the fragment is not a JSON object");
        return Err(diags);
    };
    let shape = embed::shape(fragment);
    let Some(projects) = projects(fragment, shape) else {
        diags.error(
            "Resources",
            "expected a mapping of logical IDs to resources",
        );
        return Err(diags);
    };
    let secret = embed::secret_parameters(fragment, shape, &request.template_parameter_values);
    let several = projects.len() > 1;
    let mut generated = BTreeMap::new();
    for (id, resource) in projects {
        let mut local = Diagnostics::new();
        let path = Path::new("Resources").key(id);
        if !cfn::logical_id::is_valid(id) {
            local.error(&path, "a logical ID has only letters and digits");
        }
        let mut compose_diags = Diagnostics::new();
        let prepared = prepare(
            id,
            resource,
            request,
            &secret,
            &path,
            &mut local,
            &mut compose_diags,
        );
        let mut origins = compose::merge::Origins::default();
        let mut taints = Vec::new();
        if let Some(Prepared { spec, name, loaded }) = prepared {
            if let Some(l) = &loaded {
                origins = l.origins.clone();
                taints = l.taints.clone();
            }
            let given = convert::given(&spec);
            let valid = loaded.and_then(|l| {
                validate::validate_with(&l, &name, &spec.variables, &given, &mut compose_diags)
            });
            if let Some(valid) = valid {
                let placement =
                    convert::placement(&spec, valid.project(), &path.key("Properties"), &mut local);
                if !local.has_errors() {
                    let mut gen = convert::convert(&valid, id, &placement, &mut compose_diags);
                    let diags = (&mut compose_diags, &mut local);
                    let given = (valid.project(), &spec, &secret);
                    overlays(&mut gen, given, shape, &path, diags);
                    generated.insert(id.clone(), (gen, spec.depends_on.clone()));
                }
            }
        }
        let items = compose_items(
            compose_diags,
            several.then_some(id.as_str()),
            &origins,
            &taints,
        );
        for d in items {
            local.push(d);
        }
        diags.extend(local);
    }
    let warnings: Vec<String> = diags.warnings().iter().map(|d| d.to_string()).collect();
    if diags.has_errors() {
        return Err(diags);
    }
    match emit::emit(fragment, shape, generated, &warnings, &mut diags) {
        Some(fragment) => Ok(Expanded {
            fragment,
            warnings: diags.warnings().into_iter().cloned().collect(),
        }),
        None => Err(diags),
    }
}

/// Merges a project's overlays onto what it generates: `x-aws-cloudformation` first (IDs
/// relative to the project, as compose-cli's; its problems are the Compose document's),
/// then the `Overrides` property (the template's IDs; its problems are the resource's).
fn overlays(
    gen: &mut cfn::template::Generated,
    (project, spec, secret): (
        &compose::model::Project,
        &embed::ProjectSpec,
        &std::collections::BTreeSet<String>,
    ),
    shape: embed::Shape,
    path: &Path,
    (compose_diags, diags): (&mut Diagnostics, &mut Diagnostics),
) {
    use cfn::overlay::{apply, Names};
    let given = [
        (
            project.overlay.as_ref(),
            Path::root().key("x-aws-cloudformation"),
            Names::Relative(&spec.logical_id),
            compose_diags,
        ),
        (
            spec.overrides.as_ref(),
            path.key("Properties").key("Overrides"),
            Names::Full,
            diags,
        ),
    ];
    for (overlay, where_, names, diags) in given {
        let Some(overlay) = overlay else { continue };
        if shape == embed::Shape::ResourceMap {
            if let Value::Object(sections) = overlay {
                for key in sections.keys().filter(|k| *k != "Resources") {
                    diags.error(
                        where_.key(key),
                        "a project in a `Fn::Transform` snippet expands into `Resources` only; declare this in the template, or use `Transform: ComposeToECS` at the template's top",
                    );
                }
            }
        }
        apply(gen, overlay, names, secret, &where_, diags);
    }
}

/// The fragment's `ComposeToECS::Project` resources, by logical ID; `None` when its
/// `Resources` is not a mapping.
fn projects(
    fragment: &Map<String, Value>,
    shape: embed::Shape,
) -> Option<Vec<(&String, &Map<String, Value>)>> {
    let resources = match shape {
        embed::Shape::Template => match fragment.get("Resources") {
            Some(Value::Object(r)) => r,
            Some(_) => return None,
            None => return Some(Vec::new()),
        },
        embed::Shape::ResourceMap => fragment,
    };
    Some(
        resources
            .iter()
            .filter_map(|(id, r)| {
                let r = r.as_object()?;
                (r.get("Type").and_then(Value::as_str) == Some(embed::PROJECT_TYPE))
                    .then_some((id, r))
            })
            .collect(),
    )
}

/// What the projects of `request` refer to on disk, for the local step
/// (`compose-to-ecs package`): each project's references, by its logical ID. `stat`
/// answers what a project path is for a project. Problems are left to [`expand`], which
/// reports them; a project that cannot be read lists nothing.
pub fn references(
    request: &Request,
    stat: &mut dyn FnMut(&str, &str) -> compose::local::Stat,
) -> Vec<(String, compose::local::Reference)> {
    references_and_taints(request, stat).0
}

/// [`references`], and the strings of each project's document that interpolation filled
/// from variables (by logical ID): the local step's diagnostics quote them as written.
#[allow(clippy::type_complexity)]
pub fn references_and_taints(
    request: &Request,
    stat: &mut dyn FnMut(&str, &str) -> compose::local::Stat,
) -> (
    Vec<(String, compose::local::Reference)>,
    Vec<(String, Vec<compose::interpolate::Taint>)>,
) {
    let mut out = Vec::new();
    let mut taints = Vec::new();
    let Value::Object(fragment) = &request.fragment else {
        return (out, taints);
    };
    let shape = embed::shape(fragment);
    let Some(projects) = projects(fragment, shape) else {
        return (out, taints);
    };
    let secret = embed::secret_parameters(fragment, shape, &request.template_parameter_values);
    for (id, resource) in projects {
        let mut diags = Diagnostics::new();
        let path = Path::new("Resources").key(id);
        let prepared = prepare(
            id,
            resource,
            request,
            &secret,
            &path,
            &mut Diagnostics::new(),
            &mut diags,
        );
        let Some(Prepared {
            loaded: Some(loaded),
            ..
        }) = prepared
        else {
            continue;
        };
        for r in compose::local::references(&loaded, &mut |p| stat(id, p)) {
            out.push((id.clone(), r));
        }
        taints.push((id.clone(), loaded.taints));
    }
    (out, taints)
}

/// One project made ready for the stages: [`expand`] and [`references`] both go through
/// here, so the local step lists exactly what the converter will ask for.
struct Prepared {
    spec: embed::ProjectSpec,
    /// The project's name.
    name: String,
    /// The loaded document, with what the local step read (`None`: it could not be loaded).
    loaded: Option<compose::load::Loaded>,
}

/// Reads a project resource (its properties and variables, `.env` included), names the
/// project and loads its document. Problems with the resource go to `diags`, problems
/// with the document to `compose_diags`. `None` when the resource cannot be read.
fn prepare(
    id: &str,
    resource: &Map<String, Value>,
    request: &Request,
    secret: &std::collections::BTreeSet<String>,
    path: &Path,
    diags: &mut Diagnostics,
    compose_diags: &mut Diagnostics,
) -> Option<Prepared> {
    let mut spec = embed::read(
        id,
        resource,
        path,
        &request.template_parameter_values,
        secret,
        &request.params,
        diags,
    )?;
    let name = project_name(id, &spec, &path.key("Properties"), diags);
    spec.variables
        .entry("COMPOSE_PROJECT_NAME".into())
        .or_insert_with(|| Variable::Text(name.clone()));
    let where_ = path.key("Properties").key("Compose");
    let local = spec.local.take();
    let loaded = compose::load::load(
        std::mem::take(&mut spec.compose),
        where_.as_str(),
        &spec.variables,
        &spec.profiles,
        local.as_ref(),
        compose_diags,
    )
    .map(|mut l| {
        l.local = local;
        l
    });
    Some(Prepared { spec, name, loaded })
}

/// The project's name, as `docker compose` chooses it: `ProjectName` (its `-p`), then the
/// variable `COMPOSE_PROJECT_NAME` (from `Variables`, a parameter or `.env`), then the
/// document's `name:`, then the logical ID.
fn project_name(
    id: &str,
    spec: &embed::ProjectSpec,
    properties: &Path,
    diags: &mut Diagnostics,
) -> String {
    if let Some(name) = &spec.project_name {
        return name.clone();
    }
    if let Some(name) = spec
        .variables
        .get("COMPOSE_PROJECT_NAME")
        .and_then(Variable::as_text)
    {
        if embed::valid_project_name(name) {
            return name.to_string();
        }
        diags.error(
            properties,
            "the variable `COMPOSE_PROJECT_NAME` is not a project name (its value is not shown: it may come from an env file); a project name has lower-case letters, digits, `-` and `_`, and starts with a letter or digit",
        );
    }
    compose_name(&spec.compose)
        .filter(|raw| embed::valid_project_name(raw))
        .unwrap_or_else(|| embed::default_project_name(id))
}

/// The document's own `name:`, when it is a literal.
fn compose_name(compose: &Value) -> Option<String> {
    let name = match compose {
        Value::Object(m) => m.get("name")?.as_str()?.to_string(),
        Value::String(text) => {
            let tree = compose::load::parse_text(text).ok()?;
            tree.get("name")?.as_str()?.to_string()
        }
        _ => return None,
    };
    (!name.contains('$')).then_some(name)
}

/// Diagnostics of a project's Compose document, their paths prefixed by the project's
/// logical ID when the template has several projects, and by the Compose file the value
/// came from when the document was merged from several (`compose.prod.yaml:
/// services.web.ports[1]: ...`). A message quoting what a variable substituted (an
/// `.env` value may be a credential) quotes the string as written instead (`taints`).
fn compose_items(
    diags: Diagnostics,
    project: Option<&str>,
    origins: &compose::merge::Origins,
    taints: &[compose::interpolate::Taint],
) -> Vec<Diagnostic> {
    diags
        .errors()
        .into_iter()
        .chain(diags.warnings())
        .cloned()
        .map(|mut d| {
            if let Some((p, m)) = compose::interpolate::redact(&d.path, &d.message, taints) {
                d.path = p;
                d.message = m;
            }
            let whole_file = origins.names.iter().any(|n| d.path.starts_with(n.as_str()));
            if d.path.starts_with("Resources.") || whole_file {
                return d;
            }
            let file = match d.path.is_empty() {
                true => None,
                false => origins.file_of(&d.path).map(String::from),
            };
            if let Some(id) = project {
                d.path = if d.path.is_empty() {
                    id.to_string()
                } else {
                    format!("{id}.{}", d.path)
                };
            }
            if let Some(file) = file {
                d.path = format!("{file}: {}", d.path);
            }
            d
        })
        .collect()
}
