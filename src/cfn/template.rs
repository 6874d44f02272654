//! Generated resources and outputs, in the order and shape they are emitted.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// One generated resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// `AWS::ECS::Service`, ...
    pub kind: Cow<'static, str>,
    /// The `Properties` mapping.
    pub properties: Map<String, Value>,
    /// Logical IDs this resource must be created after (sorted when emitted).
    pub depends_on: BTreeSet<String>,
    /// `DeletionPolicy` and `UpdateReplacePolicy`, when set.
    pub retain: bool,
    /// Other resource attributes (`Condition`, `Metadata`, `UpdatePolicy`, ...), as an
    /// overlay sets them; emitted last, in their order.
    pub attributes: Map<String, Value>,
}

impl Resource {
    /// A resource of `kind` with `properties` (a JSON object; anything else is a bug).
    pub fn new(kind: &'static str, properties: Value) -> Self {
        let properties = match properties {
            Value::Object(map) => map,
            other => panic!("resource properties must be an object, found {other}"),
        };
        Resource {
            kind: Cow::Borrowed(kind),
            properties,
            depends_on: BTreeSet::new(),
            retain: false,
            attributes: Map::new(),
        }
    }

    /// Reads a resource from template JSON, as [`to_json`](Self::to_json) writes it (or as
    /// a user writes one): `Type` (required), `DependsOn`, `Properties`, and any other
    /// attribute. Errors name the attribute at fault.
    pub fn from_json(value: Value) -> Result<Self, (&'static str, String)> {
        let Value::Object(map) = value else {
            return Err((
                "",
                "expected a resource: a mapping with `Type` and `Properties`".into(),
            ));
        };
        let mut resource = Resource {
            kind: Cow::Borrowed(""),
            properties: Map::new(),
            depends_on: BTreeSet::new(),
            retain: false,
            attributes: Map::new(),
        };
        let retained = |v: Option<&Value>| v.and_then(Value::as_str) == Some("Retain");
        resource.retain =
            retained(map.get("DeletionPolicy")) && retained(map.get("UpdateReplacePolicy"));
        for (key, value) in map {
            match key.as_str() {
                "Type" => match value {
                    Value::String(kind) => resource.kind = Cow::Owned(kind),
                    _ => {
                        return Err((
                            "Type",
                            "expected a resource type such as `AWS::SNS::Topic`".into(),
                        ))
                    }
                },
                "DependsOn" => match value {
                    Value::String(id) => {
                        resource.depends_on.insert(id);
                    }
                    Value::Array(items) if items.iter().all(Value::is_string) => {
                        resource.depends_on.extend(
                            items
                                .into_iter()
                                .filter_map(|v| v.as_str().map(String::from)),
                        );
                    }
                    _ => {
                        return Err((
                            "DependsOn",
                            "expected a logical ID or a list of logical IDs".into(),
                        ))
                    }
                },
                "Properties" => match value {
                    Value::Object(properties) => resource.properties = properties,
                    _ => {
                        return Err((
                            "Properties",
                            "expected a mapping of property names to values".into(),
                        ))
                    }
                },
                "DeletionPolicy" | "UpdateReplacePolicy" if resource.retain => {}
                _ => {
                    resource.attributes.insert(key, value);
                }
            }
        }
        if resource.kind.is_empty() {
            return Err((
                "Type",
                "is required: the resource type, such as `AWS::SNS::Topic`".into(),
            ));
        }
        Ok(resource)
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
        out.insert("Type".into(), Value::String(self.kind.into_owned()));
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
        out.extend(self.attributes);
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
    /// Template sections an overlay adds to (`Conditions`, `Mappings`, `Parameters`):
    /// section → logical ID → definition, sorted when emitted.
    pub sections: BTreeMap<&'static str, BTreeMap<String, Value>>,
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
