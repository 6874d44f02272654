//! The `Reader`: typed values read from the raw Compose tree, problems collected on the
//! way. Every area file of `compose/` (`normalize`, `volumes`, `secrets`, `compute`, ...)
//! extends it with an `impl Reader` block of its own.

use super::model::Text;
use crate::cfn::intrinsics::is_intrinsic;
use crate::compose::source::files::Local;
use crate::compose::source::interpolate::{Variable, Variables};
use crate::compose::source::tree::{as_mapping, kind};
use crate::compose::source::values;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads typed values from the raw tree, collecting problems.
pub(super) struct Reader<'a> {
    pub(super) diags: &'a mut Diagnostics,
    pub(super) variables: &'a Variables,
    /// What the local step read from disk (`None`: the project was not packaged).
    #[allow(dead_code)] // read by the local-file areas as they land
    pub(super) local: Option<&'a Local>,
    /// What the project's env files may still cost (`env_file` of every service).
    pub(super) budget: crate::compose::source::interpolate::Budget,
}

impl Reader<'_> {
    pub(super) fn expected(&mut self, path: &Path, what: &str, found: &Value) {
        self.diags
            .error(path, format!("expected {what}, found {}", describe(found)));
    }

    /// A string; numbers and booleans are taken as their text; intrinsics pass through.
    pub(super) fn text(&mut self, v: &Value, path: &Path) -> Option<Text> {
        match v {
            Value::String(s) => Some(Text::Lit(s.clone())),
            Value::Number(n) => Some(Text::Lit(n.to_string())),
            Value::Bool(b) => Some(Text::Lit(b.to_string())),
            _ if is_intrinsic(v) => Some(Text::Expr(v.clone())),
            _ => {
                self.expected(path, "a string", v);
                None
            }
        }
    }

    /// A literal string (no intrinsic function).
    pub(super) fn literal(&mut self, v: &Value, path: &Path) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ if is_intrinsic(v) => {
                self.not_literal(path);
                None
            }
            _ => {
                self.expected(path, "a string", v);
                None
            }
        }
    }

    pub(super) fn not_literal(&mut self, path: &Path) {
        self.diags.error(
            path,
            "needs a literal value: the macro decides on it, so it cannot come from an intrinsic function or a `NoEcho` parameter",
        );
    }

    pub(super) fn uint(&mut self, v: &Value, path: &Path) -> Option<u64> {
        self.whole(v, path)
    }

    pub(super) fn int(&mut self, v: &Value, path: &Path) -> Option<i64> {
        self.whole(v, path)
    }

    /// A whole number of type `T`, written as a number or as a string holding one.
    fn whole<T: std::str::FromStr>(&mut self, v: &Value, path: &Path) -> Option<T> {
        let text = match v {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.trim().to_string()),
            _ => None,
        };
        match text.and_then(|t| t.parse::<T>().ok()) {
            Some(n) => Some(n),
            None if is_intrinsic(v) => {
                self.not_literal(path);
                None
            }
            None => {
                self.expected(path, "a whole number", v);
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, v: &Value, path: &Path) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
            Value::Null => Some(false),
            _ if is_intrinsic(v) => {
                self.not_literal(path);
                None
            }
            _ => {
                self.expected(path, "`true` or `false`", v);
                None
            }
        }
    }

    pub(super) fn duration_secs(&mut self, v: &Value, path: &Path) -> Option<u64> {
        let text = self.literal(v, path)?;
        match values::duration_ms(&text) {
            Ok(ms) => Some(ms.div_ceil(1000)),
            Err(e) => {
                self.diags.error(path, e);
                None
            }
        }
    }

    pub(super) fn mebibytes(&mut self, v: &Value, path: &Path) -> Option<u64> {
        let text = self.literal(v, path)?;
        match values::bytes(&text) {
            Ok(b) => Some(b.div_ceil(1 << 20)),
            Err(e) => {
                self.diags.error(path, e);
                None
            }
        }
    }

    pub(super) fn millicpus(&mut self, v: &Value, path: &Path) -> Option<u64> {
        let text = self.literal(v, path)?;
        match values::millicpus(&text) {
            Ok(m) => Some(m),
            Err(e) => {
                self.diags.error(path, e);
                None
            }
        }
    }

    /// A list of strings (a single string counts as a one-item list).
    pub(super) fn string_list(&mut self, v: &Value, path: &Path) -> Vec<String> {
        match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.literal(item, &path.index(i)))
                .collect(),
            Value::String(s) => vec![s.clone()],
            Value::Null => Vec::new(),
            _ => {
                self.expected(path, "a list of strings", v);
                Vec::new()
            }
        }
    }

    /// `command` / `entrypoint`: a string split as a shell would, or a list.
    pub(super) fn command(&mut self, v: &Value, path: &Path) -> Option<Vec<Text>> {
        match v {
            Value::Null => None,
            Value::String(s) => match shell_words::split(s) {
                Ok(words) => Some(words.into_iter().map(Text::Lit).collect()),
                Err(_) => {
                    self.diags.error(
                        path,
                        format!("cannot split `{s}` into arguments: a quote is not closed"),
                    );
                    None
                }
            },
            Value::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.text(item, &path.index(i)))
                    .collect(),
            ),
            _ if is_intrinsic(v) => {
                self.diags.error(
                    path,
                    "expected a list of arguments; an intrinsic function can stand for one argument, not the whole command",
                );
                None
            }
            _ => {
                self.expected(path, "a string or a list of arguments", v);
                None
            }
        }
    }

    /// `environment`-like mappings (also written as `KEY=VALUE` lists).
    pub(super) fn env_map(
        &mut self,
        v: &Value,
        path: &Path,
        lookup: bool,
    ) -> BTreeMap<String, Text> {
        let mut out = BTreeMap::new();
        let Some(map) = as_mapping(v) else {
            if !v.is_null() {
                self.expected(path, "a mapping or a list of `KEY=VALUE` strings", v);
            }
            return out;
        };
        for (key, value) in &map {
            let item = path.key(key);
            if key.is_empty() {
                self.diags.error(path, "a variable name is empty");
                continue;
            }
            match value {
                Value::Null if lookup => match self.variables.get(key) {
                    Some(var) => {
                        out.insert(key.clone(), variable_text(var));
                    }
                    None => self.diags.warn(
                        item,
                        format!("`{key}` has no value and no variable `{key}` is set: left out of the container's environment"),
                    ),
                },
                Value::Null => {
                    out.insert(key.clone(), Text::Lit(String::new()));
                }
                other => {
                    if let Some(t) = self.text(other, &item) {
                        out.insert(key.clone(), t);
                    }
                }
            }
        }
        out
    }
}

/// What a variable puts into a container's environment: its text, or a reference (a
/// `NoEcho` parameter's `Ref`, an intrinsic), never a secret's value.
pub(super) fn variable_text(var: &Variable) -> Text {
    match var {
        Variable::Text(t) | Variable::Parameter { value: t, .. } => Text::Lit(t.clone()),
        Variable::Secret { parameter, .. } => Text::Expr(crate::cfn::intrinsics::ref_(parameter)),
        Variable::Expr(e) => Text::Expr(e.clone()),
    }
}

/// A value described for a message: its type, and the value itself when short.
pub fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() <= 40 => format!("`{s}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::Bool(b) => format!("`{b}`"),
        other => kind(other).to_string(),
    }
}
