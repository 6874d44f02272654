//! The pipeline, stage by stage: one size prepared (the intermediate values of every
//! stage), the whole pipeline through the public API, and the floor.

use super::inputs::event_text;
use super::PROJECT;
use compose_to_ecs::compose::interpolate::Variable;
use compose_to_ecs::diagnostics::{Diagnostics, Path};
use compose_to_ecs::embed::{self, ProjectSpec, Shape};
use compose_to_ecs::{compose, convert, emit, validate, Request};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One size, prepared: the event text, the intermediate values of every stage, and the
/// response the transform gives (assembled here when the output passes the limits).
pub struct Case {
    pub text: String,
    pub spec: ProjectSpec,
    pub loaded: compose::load::Loaded,
    pub valid: validate::Valid,
    pub placement: convert::Placement,
    pub generated: BTreeMap<String, (compose_to_ecs::cfn::template::Generated, Vec<String>)>,
    pub fragment: Map<String, Value>,
    pub warnings: Vec<String>,
    /// The success response, serialised by `floor` and, past the limits, by `pipeline`.
    pub response: Value,
}

impl Case {
    pub fn new(n: usize) -> Case {
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
    pub fn pipeline(&self) -> usize {
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
    pub fn floor(&self) -> usize {
        let request: Value = serde_json::from_str(&self.text).unwrap();
        let text = serde_json::to_string(&self.response).unwrap();
        divan::black_box(request);
        text.len()
    }
}

/// What `macro_::handle` reads from an event.
/// The event is taken by value, as `macro_::handle` takes it: the fragment is moved out.
pub fn request_of(mut event: Value) -> Request {
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
pub fn load(
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
