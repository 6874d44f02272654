//! The `NoEcho` parameters the package step makes for credentials: their names (one per
//! variable and value, never a name the template has), and what each records.

use crate::cfn::logical_id::normalize;
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

/// Parameter names: one per (variable, value), new names never taken by the template.
pub(super) struct Names {
    pub(super) id: String,
    pub(super) taken: BTreeSet<String>,
    pub(super) by_value: BTreeMap<(String, String), String>,
}

impl Names {
    pub(super) fn name(&mut self, variable: &str, value: &str) -> (String, bool) {
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

/// A Compose document's text as a mapping (`None` when it is not one).
pub(super) fn parse(text: &str) -> Option<Map<String, Value>> {
    match crate::compose::load::parse_text(text).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}
