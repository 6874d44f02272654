//! Merging generated resources into the fragment: each project resource is replaced in
//! place by what it expands to; nothing else changes. A generated logical ID that already
//! exists is an error, never an overwrite. CloudFormation's limits are checked last.

use crate::cfn::template::Generated;
use crate::diagnostics::{Diagnostics, Path};
use crate::embed::{Shape, PROJECT_TYPE};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// CloudFormation's limits on a processed template.
pub const MAX_RESOURCES: usize = 500;
/// Outputs per template.
pub const MAX_OUTPUTS: usize = 200;
/// Parameters per template.
pub const MAX_PARAMETERS: usize = 200;
/// Bytes of a template (uploaded through S3).
pub const MAX_BYTES: usize = 1_048_576;

/// Replaces the projects of `fragment` with their generated resources. Takes `generated`
/// by value: its resources are moved into the template, not copied.
pub fn emit(
    fragment: &Map<String, Value>,
    shape: Shape,
    mut generated: BTreeMap<String, (Generated, Vec<String>)>,
    warnings: &[String],
    diags: &mut Diagnostics,
) -> Option<Value> {
    let empty = Map::new();
    let resources = match shape {
        Shape::Template => fragment
            .get("Resources")
            .and_then(Value::as_object)
            .unwrap_or(&empty),
        Shape::ResourceMap => fragment,
    };
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    // Parameters share the namespace of logical IDs (CloudFormation rejects a resource
    // named like a parameter).
    if shape == Shape::Template {
        if let Some(Value::Object(params)) = fragment.get("Parameters") {
            for id in params.keys() {
                owner.insert(id.clone(), String::new());
            }
        }
    }
    for (id, r) in resources {
        if r.get("Type").and_then(Value::as_str) != Some(PROJECT_TYPE) {
            owner.insert(id.clone(), String::new());
        }
    }
    for (project, (gen, _)) in &generated {
        for id in gen.resources.keys() {
            match owner.get(id) {
                Some(other) if other.is_empty() => diags.error(
                    Path::new("Resources").key(id),
                    format!("project `{project}` generates this logical ID, and the template already defines it (as a resource or a parameter); rename the template's resource or parameter"),
                ),
                Some(other) => diags.error(
                    Path::new("Resources").key(id),
                    format!("projects `{other}` and `{project}` both generate this logical ID; rename one of the projects"),
                ),
                None => {
                    owner.insert(id.clone(), project.clone());
                }
            }
        }
    }
    let mut out_resources = Map::new();
    for (id, r) in resources {
        match generated.get_mut(id) {
            Some((gen, depends_on)) => {
                for (gid, res) in std::mem::take(&mut gen.resources) {
                    out_resources.insert(gid, res.into_json_depending_on(depends_on));
                }
            }
            None => {
                out_resources.insert(id.clone(), r.clone());
            }
        }
    }
    let count = out_resources.len();
    if count > MAX_RESOURCES {
        diags.error(
            "",
            format!("the processed template would have {count} resources, over CloudFormation's limit of {MAX_RESOURCES}; split the project across stacks"),
        );
    }
    let result = match shape {
        Shape::ResourceMap => Value::Object(out_resources),
        Shape::Template => {
            let mut out = Map::new();
            for (key, value) in fragment {
                if key == "Resources" {
                    // Moved, not copied: it is only used here or, when the fragment has no
                    // `Resources`, just below.
                    let resources = std::mem::take(&mut out_resources);
                    out.insert(key.clone(), Value::Object(resources));
                } else {
                    out.insert(key.clone(), value.clone());
                }
            }
            if !out.contains_key("Resources") {
                out.insert("Resources".into(), Value::Object(out_resources));
            }
            let mut outputs = out
                .get("Outputs")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (project, (gen, _)) in &generated {
                for (id, o) in &gen.outputs {
                    if outputs.contains_key(id) {
                        diags.error(
                            Path::new("Outputs").key(id),
                            format!("project `{project}` generates this output, and the template already defines it; rename the template's output"),
                        );
                    } else {
                        outputs.insert(id.clone(), o.clone());
                    }
                }
            }
            for (project, (gen, _)) in &generated {
                for (section, entries) in &gen.sections {
                    add_section(&mut out, section, entries, project, &owner, diags);
                }
            }
            if !outputs.is_empty() {
                if outputs.len() > MAX_OUTPUTS {
                    diags.error(
                        "",
                        format!("the processed template would have {} outputs, over CloudFormation's limit of {MAX_OUTPUTS}", outputs.len()),
                    );
                }
                out.insert("Outputs".into(), Value::Object(outputs));
            }
            if let Some(params) = out.get("Parameters").and_then(Value::as_object) {
                if params.len() > MAX_PARAMETERS {
                    diags.error("", format!("the template has {} parameters, over CloudFormation's limit of {MAX_PARAMETERS}", params.len()));
                }
            }
            if !warnings.is_empty() {
                let mut metadata = out
                    .get("Metadata")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let mut ours = Map::new();
                ours.insert(
                    "Warnings".into(),
                    Value::Array(warnings.iter().cloned().map(Value::String).collect()),
                );
                metadata.insert("ComposeToECS".into(), Value::Object(ours));
                out.insert("Metadata".into(), Value::Object(metadata));
            }
            Value::Object(out)
        }
    };
    let size = serialized_len(&result);
    if size > MAX_BYTES {
        diags.error(
            "",
            format!("the processed template would be {size} bytes, over CloudFormation's limit of {MAX_BYTES} bytes; split the project across stacks"),
        );
    }
    if diags.has_errors() {
        None
    } else {
        Some(result)
    }
}

/// The length of `value` serialised as compact JSON, counted without building the text.
fn serialized_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}

/// Adds the `Conditions`, `Mappings` or `Parameters` a project's overlay declares to the
/// template's `section`; a name the template (or another project) already uses is an
/// error. `owner` holds the logical IDs of resources, which parameters must not reuse.
fn add_section(
    out: &mut Map<String, Value>,
    section: &str,
    entries: &BTreeMap<String, Value>,
    project: &str,
    owner: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) {
    if entries.is_empty() {
        return;
    }
    let mut existing = out
        .get(section)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (id, definition) in entries {
        let path = Path::new(section).key(id);
        if existing.contains_key(id) {
            diags.error(
                path,
                format!("the overlay of project `{project}` declares this, and the template (or another project) already does; rename one of them"),
            );
        } else if section == "Parameters" && owner.contains_key(id) {
            diags.error(
                path,
                format!("the overlay of project `{project}` declares this parameter, and a resource has the same logical ID; rename the parameter"),
            );
        } else {
            existing.insert(id.clone(), definition.clone());
        }
    }
    out.insert(section.to_string(), Value::Object(existing));
}
