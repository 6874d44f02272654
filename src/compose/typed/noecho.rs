//! `NoEcho` parameters after deploy: a value that holds one (`${DbPassword}`, whole or
//! inside a string) is a `Ref`/`Fn::Sub` in the template, and CloudFormation resolves it
//! into whatever property holds it. In a container's environment, command, labels or health
//! check that is plain text for anyone allowed `ecs:DescribeTaskDefinition`. So an
//! environment variable holding one is delivered from a secret the project creates (its
//! value the same reference), and the places ECS cannot fill from a secret refuse it.

use super::model::{Service, Text};
use super::reader::Reader;
use crate::compose::source::interpolate::{Variable, Variables};
use crate::diagnostics::Path;
use serde_json::Value;
use std::collections::BTreeSet;

/// The `NoEcho` parameters among the variables.
pub fn noecho_parameters(variables: &Variables) -> BTreeSet<&str> {
    variables
        .values()
        .filter_map(|v| match v {
            Variable::Secret { parameter, .. } => Some(parameter.as_str()),
            _ => None,
        })
        .collect()
}

/// The parameters of `hidden` that `value` refers to: `{"Ref": P}`, or `${P}` in an
/// `Fn::Sub` template (not the escaped `${!P}`), at any depth.
pub fn parameters_in(value: &Value, hidden: &BTreeSet<&str>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(p)) = map.get("Ref") {
                    if hidden.contains(p.as_str()) {
                        found.insert(p.clone());
                    }
                }
                let template = match map.get("Fn::Sub") {
                    Some(Value::String(t)) => Some(t.as_str()),
                    Some(Value::Array(a)) => a.first().and_then(Value::as_str),
                    _ => None,
                };
                if let Some(t) = template {
                    for (_, rest) in t.match_indices("${").map(|(i, _)| ((), &t[i + 2..])) {
                        if let Some((name, _)) = rest.split_once('}') {
                            if hidden.contains(name) {
                                found.insert(name.to_string());
                            }
                        }
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The parameters of `hidden` a text refers to.
pub fn text_parameters(t: &Text, hidden: &BTreeSet<&str>) -> BTreeSet<String> {
    match t {
        Text::Lit(_) => BTreeSet::new(),
        Text::Expr(e) => parameters_in(e, hidden),
    }
}

/// `` `A` `` or `` `A` and `B` ``.
fn named(parameters: &BTreeSet<String>) -> String {
    let names: Vec<String> = parameters.iter().map(|p| format!("`{p}`")).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

impl Reader<'_> {
    /// Moves the environment variables holding a `NoEcho` parameter to
    /// `noecho_environment`, and refuses one in the command, entrypoint, labels or health
    /// check of service `s` at `path`.
    pub(super) fn hide_noecho(&mut self, s: &mut Service, path: &Path) {
        let hidden = noecho_parameters(self.variables);
        if hidden.is_empty() {
            return;
        }
        let keys: Vec<String> = s
            .environment
            .iter()
            .filter(|(_, t)| !text_parameters(t, &hidden).is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(t) = s.environment.remove(&k) {
                s.noecho_environment.insert(k, t);
            }
        }
        let mut refuse = |at: Path, t: &Text| {
            let found = text_parameters(t, &hidden);
            if !found.is_empty() {
                self.diags.error(
                    at,
                    format!("holds the `NoEcho` parameter {}, whose value anyone allowed `ecs:DescribeTaskDefinition` could read here after deploy; pass it through `environment` instead (ECS delivers such a variable from a secret) and read the variable (`$VAR` in a shell command)", named(&found)),
                );
            }
        };
        for (key, list) in [("entrypoint", &s.entrypoint), ("command", &s.command)] {
            for (i, t) in list.iter().flatten().enumerate() {
                refuse(path.key(key).index(i), t);
            }
        }
        for (k, t) in &s.labels {
            refuse(path.key("labels").key(k), t);
        }
        if let Some(h) = &s.healthcheck {
            for t in &h.command {
                refuse(path.key("healthcheck").key("test"), t);
            }
        }
        // Also readable after deploy: the task definition's user, working directory,
        // image, system controls and log options, and the role's policies.
        for (key, t) in [
            ("user", &s.user),
            ("working_dir", &s.working_dir),
            ("image", &s.image),
        ] {
            if let Some(t) = t {
                refuse(path.key(key), t);
            }
        }
        for (k, t) in &s.sysctls {
            refuse(path.key("sysctls").key(k), t);
        }
        for (k, t) in &s.log_options {
            refuse(path.key("logging").key("options").key(k), t);
        }
        for (i, t) in s.policies.iter().enumerate() {
            refuse(path.key("x-aws-policies").index(i), t);
        }
        if let Some(role) = &s.role {
            let found = parameters_in(role, &hidden);
            if !found.is_empty() {
                self.diags.error(
                    path.key("x-aws-role"),
                    format!("holds the `NoEcho` parameter {}, whose value anyone allowed `iam:GetRolePolicy` could read in the policy after deploy; name resources without it", named(&found)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_references_at_any_depth() {
        let hidden: BTreeSet<&str> = ["Pw", "Key"].into();
        let found = |v: Value| parameters_in(&v, &hidden).into_iter().collect::<Vec<_>>();
        assert_eq!(found(json!({"Ref": "Pw"})), ["Pw"]);
        assert_eq!(found(json!({"Ref": "Tag"})), Vec::<String>::new());
        assert_eq!(found(json!({"Fn::Sub": "u:${Pw}@${Host}"})), ["Pw"]);
        assert_eq!(found(json!({"Fn::Sub": "u:${!Pw}"})), Vec::<String>::new());
        assert_eq!(
            found(json!({"Fn::Sub": ["${A}", {"A": {"Fn::Join": ["", [{"Ref": "Key"}]]}}]})),
            ["Key"]
        );
    }
}
