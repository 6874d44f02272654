//! Generated resources and outputs, in the order and shape they are emitted.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One generated resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// `AWS::ECS::Service`, ...
    pub kind: &'static str,
    /// The `Properties` mapping.
    pub properties: Map<String, Value>,
    /// Logical IDs this resource must be created after (sorted when emitted).
    pub depends_on: BTreeSet<String>,
    /// `DeletionPolicy` and `UpdateReplacePolicy`, when set.
    pub retain: bool,
}

impl Resource {
    /// A resource of `kind` with `properties` (a JSON object; anything else is a bug).
    pub fn new(kind: &'static str, properties: Value) -> Self {
        let properties = match properties {
            Value::Object(map) => map,
            other => panic!("resource properties must be an object, found {other}"),
        };
        Resource {
            kind,
            properties,
            depends_on: BTreeSet::new(),
            retain: false,
        }
    }

    /// Adds a `DependsOn` entry.
    pub fn depends_on(mut self, id: impl Into<String>) -> Self {
        self.depends_on.insert(id.into());
        self
    }

    /// Adds several `DependsOn` entries.
    pub fn depends_on_all(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        self.depends_on.extend(ids);
        self
    }

    /// The resource as template JSON: `Type`, `DependsOn`, `Properties`, policies.
    pub fn to_json(&self) -> Value {
        self.clone().into_json_depending_on(&[])
    }

    /// The resource as template JSON, `extra` added to its `DependsOn` (sorted, once
    /// each): what [`to_json`](Self::to_json) gives after `depends_on_all(extra)`, its
    /// properties moved rather than copied.
    pub fn into_json_depending_on(mut self, extra: &[String]) -> Value {
        let mut out = Map::new();
        out.insert("Type".into(), Value::String(self.kind.into()));
        self.depends_on.extend(extra.iter().cloned());
        if !self.depends_on.is_empty() {
            let deps = self.depends_on.into_iter().map(Value::String).collect();
            out.insert("DependsOn".into(), Value::Array(deps));
        }
        out.insert("Properties".into(), Value::Object(self.properties));
        if self.retain {
            out.insert("DeletionPolicy".into(), "Retain".into());
            out.insert("UpdateReplacePolicy".into(), "Retain".into());
        }
        Value::Object(out)
    }
}

/// What one project expands to: resources and outputs keyed by logical ID.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generated {
    /// Resources, sorted by logical ID when emitted.
    pub resources: BTreeMap<String, Resource>,
    /// Outputs (`{Description, Value}`), sorted by logical ID when emitted.
    pub outputs: BTreeMap<String, Value>,
    /// Logical IDs two different resources were added under (names that meet, such as a
    /// service and a volume whose IDs end alike): reported by the converter as errors.
    pub clashes: BTreeSet<String>,
}

impl Generated {
    /// Adds a resource. The same content twice is a no-op; different content under one ID
    /// is recorded in `clashes` (the first resource stays), never a panic.
    pub fn add(&mut self, id: String, resource: Resource) {
        if let Some(existing) = self.resources.get(&id) {
            if existing != &resource {
                self.clashes.insert(id);
            }
            return;
        }
        self.resources.insert(id, resource);
    }

    /// The resource `id`, for later amendment.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.resources.get_mut(id)
    }

    /// Adds an output.
    pub fn output(&mut self, id: String, description: &str, value: Value) {
        let mut out = Map::new();
        out.insert("Description".into(), description.into());
        out.insert("Value".into(), value);
        self.outputs.insert(id, Value::Object(out));
    }
}
