//! Top-level networks, in Compose words: names, labels, `external` (an existing security
//! group), the deprecated `x-aws-securitygroup`. It extends the `Reader` that
//! `normalize` reads with.

use super::model::*;
use super::reader::Reader;
use crate::diagnostics::Path;
use serde_json::Value;

impl Reader<'_> {
    /// A name other services reach a service by (a network alias, a `links` alias,
    /// `container_name`, `hostname`), lower case; `None` with a warning when it cannot be a
    /// DNS name (what Service Connect accepts: letters, digits, `.`, `_`, `-`, at most 127
    /// characters, not starting with `-`).
    pub(super) fn host_name_value(&mut self, v: &Value, path: &Path) -> Option<String> {
        match v {
            Value::String(s) => self.host_name(s, path),
            Value::Number(n) => self.host_name(&n.to_string(), path),
            _ if crate::cfn::intrinsics::is_intrinsic(v) => {
                self.diags.warn(
                    path,
                    "ignored: a name that comes from an intrinsic function or a `NoEcho` parameter is not known when the template is expanded, so other services cannot reach the service by it",
                );
                None
            }
            _ => {
                self.expected(path, "a string", v);
                None
            }
        }
    }

    /// [`Self::host_name_value`] for each item of a list (or a single string).
    pub(super) fn host_names(&mut self, v: &Value, path: &Path) -> Vec<String> {
        match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.host_name_value(item, &path.index(i)))
                .collect(),
            Value::Null => Vec::new(),
            other => self.host_name_value(other, path).into_iter().collect(),
        }
    }

    pub(super) fn host_name(&mut self, name: &str, path: &Path) -> Option<String> {
        let lower = name.trim().to_ascii_lowercase();
        let valid = !lower.is_empty()
            && lower.len() <= 127
            && !lower.starts_with(['-', '.'])
            && lower
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            self.diags.warn(
                path,
                "ignored: other services cannot reach the service by this name, which is not a DNS name (letters, digits, `.`, `_` and `-`, at most 127 characters)",
            );
            return None;
        }
        Some(lower)
    }

    pub(super) fn network(&mut self, key: &str, v: &Value, project: &str, path: &Path) -> Network {
        let mut network = Network {
            name: format!("{project}_{key}"),
            ..Network::default()
        };
        let Value::Object(map) = v else {
            if !v.is_null() {
                self.expected(path, "a mapping describing the network", v);
            }
            return network;
        };
        let explicit_name = map
            .get("name")
            .and_then(|n| self.text(n, &path.key("name")));
        if let Some(Text::Lit(n)) = &explicit_name {
            network.name = n.clone();
        }
        if let Some(labels) = map.get("labels") {
            for (k, t) in self.env_map(labels, &path.key("labels"), false) {
                if let Text::Lit(s) = t {
                    network.labels.insert(k, s);
                }
            }
        }
        let external = match map.get("external") {
            Some(Value::Object(e)) => {
                // Deprecated `external: {name: ...}`.
                match e.get("name") {
                    Some(n) => self.text(n, &path.key("external").key("name")),
                    None => Some(Text::Lit(network.name.clone())),
                }
            }
            Some(v) => {
                if self.boolean(v, &path.key("external")) == Some(true) {
                    Some(
                        explicit_name
                            .clone()
                            .unwrap_or_else(|| Text::Lit(network.name.clone())),
                    )
                } else {
                    None
                }
            }
            None => None,
        };
        let sg = map
            .get("x-aws-securitygroup")
            .and_then(|v| self.text(v, &path.key("x-aws-securitygroup")));
        if let Some(sg) = &sg {
            self.diags.warn(
                path.key("x-aws-securitygroup"),
                "deprecated: write `external: true` and `name: <security group id>` instead",
            );
            network.external = Some(sg.clone());
        }
        if let Some(ext) = external {
            if let Text::Lit(id) = &ext {
                if !id.starts_with("sg-") {
                    self.diags.error(
                        path.key("name"),
                        format!("an external network stands for an existing security group: expected an id like `sg-0abc123`, found `{id}`"),
                    );
                }
            }
            network.external = Some(ext);
        }
        network
    }
}
