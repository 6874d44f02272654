//! Top-level configs (a file, inline `content`, an `environment` variable) and the files a
//! service mounts from secrets and configs (short and long syntax: where its file appears,
//! owned by whom, with which mode); the cross-check of a service's files and variables
//! against the top-level declarations. It extends the `Reader` that `normalize` reads
//! with, and uses the secrets' reading (`secrets.rs`).

use super::model::*;
use super::reader::Reader;
use super::secrets::{
    arn_service, parent, DEFAULT_MODE, MAX_CONFIG_FILE_BYTES, SECRETS_DIR, SYSTEM_DIRS,
};
use crate::cfn::intrinsics::ref_;
use crate::compose::source::files::{project_path, NOT_PACKAGED};
use crate::compose::source::interpolate::Variable;
use crate::diagnostics::Path;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

impl Reader<'_> {
    /// A top-level config.
    pub(super) fn config(&mut self, key: &str, v: &Value, path: &Path) -> Option<Config> {
        let Value::Object(map) = v else {
            self.expected(path, "a mapping describing the config", v);
            return None;
        };
        let external = self.external(map, path);
        if !self.one_source(
            map,
            &["content", "environment", "file"],
            external.is_some(),
            "config",
            path,
        ) {
            return None;
        }
        if let Some(name) = external {
            let name = name.unwrap_or_else(|| Text::Lit(key.to_string()));
            if !self.no_wildcard(&name, &path.key("name"), "a parameter") {
                return None;
            }
            if let Text::Lit(n) = &name {
                if let Some(service) = arn_service(n).filter(|s| *s != "ssm") {
                    self.diags.error(
                        path.key("name"),
                        format!("an external config is a Systems Manager parameter: expected its name or ARN, found an ARN of `{service}`"),
                    );
                    return None;
                }
            }
            return Some(Config::Parameter(name));
        }
        if let Some(f) = map.get("file") {
            return self.config_file(f, &path.key("file"));
        }
        if let Some(c) = map.get("content") {
            let content = self.text(c, &path.key("content"))?;
            return Some(self.content(content));
        }
        if let Some(v) = map.get("environment") {
            let p = path.key("environment");
            let var = self.literal(v, &p)?;
            return match self.variables.get(&var) {
                Some(Variable::Text(t)) => Some(Config::Content(Text::Lit(t.clone()))),
                // A template parameter: referenced, so the template stays parameterised.
                Some(Variable::Parameter { parameter, .. }) => {
                    Some(Config::Content(Text::Expr(ref_(parameter))))
                }
                Some(Variable::Secret { parameter, .. }) => {
                    Some(Config::Hidden(Text::Expr(ref_(parameter))))
                }
                Some(Variable::Expr(e)) => Some(self.content(Text::Expr(e.clone()))),
                None => {
                    self.diags.error(&p, format!("variable `{var}` is not set"));
                    None
                }
            };
        }
        self.diags.error(
            path,
            "a config needs a source: `content`, `environment: <VARIABLE>`, or `external: true` with `name: <Systems Manager parameter>`",
        );
        None
    }

    /// `file:` of a config: the file's text from the project's `Package`, as `content`.
    fn config_file(&mut self, v: &Value, path: &Path) -> Option<Config> {
        let raw = self.literal(v, path)?;
        let Some(project) = project_path(&raw) else {
            self.diags.error(
                path,
                format!("`{raw}` is an absolute path on your computer; give the config file's path relative to the Compose file's folder"),
            );
            return None;
        };
        let Some(local) = self.local else {
            self.diags.error(
                path,
                format!("`{raw}` is a file on your disk: inline the file as `content:`, take it from a variable (`environment: <VARIABLE>`) or reference a Systems Manager parameter (`external: true` with `name: <parameter name or ARN>`) instead, or keep the file: {NOT_PACKAGED}"),
            );
            return None;
        };
        let Some(text) = local.files.get(&project) else {
            self.diags.error(
                path,
                format!("`{raw}` does not exist in the project folder"),
            );
            return None;
        };
        if text.len() > MAX_CONFIG_FILE_BYTES {
            self.diags.error(
                path,
                format!(
                    "`{raw}` holds {} KiB, over the {} KiB a config file may hold: its content travels in the task definition, which ECS limits to 64 KiB; copy the file into the service's image instead",
                    text.len().div_ceil(1024),
                    MAX_CONFIG_FILE_BYTES / 1024
                ),
            );
            return None;
        }
        Some(Config::Content(Text::Lit(text.clone())))
    }

    /// A config's content: hidden when it holds a `NoEcho` parameter (it would be visible
    /// in the task definition, as the helper container's environment).
    fn content(&self, content: Text) -> Config {
        let hidden = super::noecho::noecho_parameters(self.variables);
        if super::noecho::text_parameters(&content, &hidden).is_empty() {
            Config::Content(content)
        } else {
            Config::Hidden(content)
        }
    }

    /// A service's `secrets` or `configs` (`what` is `secret` or `config`).
    pub(super) fn file_mounts(&mut self, v: &Value, path: &Path, what: &str) -> Vec<FileMount> {
        let Value::Array(items) = v else {
            self.expected(path, &format!("a list of {what}s"), v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let mut mount = FileMount {
                source: String::new(),
                target: String::new(),
                uid: None,
                gid: None,
                mode: DEFAULT_MODE,
                path: p.to_string(),
            };
            let mut target = None;
            match item {
                Value::String(s) => mount.source = s.clone(),
                Value::Object(map) => {
                    let Some(source) = map
                        .get("source")
                        .and_then(|s| self.literal(s, &p.key("source")))
                    else {
                        if !map.contains_key("source") {
                            self.diags.error(
                                &p,
                                format!("`source` is required: the top-level {what} to use"),
                            );
                        }
                        continue;
                    };
                    mount.source = source;
                    target = map
                        .get("target")
                        .and_then(|t| self.literal(t, &p.key("target")));
                    mount.uid = map
                        .get("uid")
                        .and_then(|u| self.id_number(u, &p.key("uid")));
                    mount.gid = map
                        .get("gid")
                        .and_then(|g| self.id_number(g, &p.key("gid")));
                    if let Some(m) = map.get("mode") {
                        match self.mode(m, &p.key("mode")) {
                            Some(m) => mount.mode = m,
                            None => continue,
                        }
                    }
                }
                _ => {
                    self.expected(
                        &p,
                        &format!("a {what} name or a mapping with `source`"),
                        item,
                    );
                    continue;
                }
            }
            let target = target.unwrap_or_else(|| mount.source.clone());
            mount.target = match (target.starts_with('/'), what) {
                (true, _) => target,
                (false, "secret") => format!("{SECRETS_DIR}/{target}"),
                (false, _) => format!("/{target}"),
            };
            if !self.check_target(&mount.target, &p, what) {
                continue;
            }
            out.push(mount);
        }
        out
    }

    /// A file's path must be clean and its directory one a volume can stand for.
    pub(super) fn check_target(&mut self, target: &str, path: &Path, what: &str) -> bool {
        let parts: Vec<&str> = target.split('/').skip(1).collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == "..")
        {
            self.diags.error(
                path,
                format!("`{target}` is not a clean absolute path: expected a file path like `/etc/app/{what}.conf`"),
            );
            return false;
        }
        let dir = parent(target);
        if SYSTEM_DIRS.contains(&dir) {
            self.diags.error(
                path,
                format!("ECS cannot mount a single file, so the {what} appears in a volume that replaces its whole directory, and `{dir}` cannot be replaced; set `target` to a path in a directory of its own, e.g. `/etc/{}/{}`, and change what names the old path (the service's `command`, `entrypoint` or configuration) to match", "app", parts.last().unwrap_or(&what)),
            );
            return false;
        }
        true
    }

    fn id_number(&mut self, v: &Value, path: &Path) -> Option<u32> {
        let n = self.uint(v, path)?;
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.diags.error(
                    path,
                    format!("expected a numeric id up to {}, found `{n}`", u32::MAX),
                );
                None
            }
        }
    }

    /// A file mode: `0440`, `"0440"`, `"0o440"` or the decimal value (`288`).
    fn mode(&mut self, v: &Value, path: &Path) -> Option<u32> {
        let parsed = match v {
            Value::String(s) => {
                let digits = s.trim().trim_start_matches("0o");
                u32::from_str_radix(digits, 8).ok()
            }
            Value::Number(n) => n.as_u64().and_then(|n| {
                let text = n.to_string();
                if text.chars().all(|c| ('0'..='7').contains(&c)) {
                    u32::from_str_radix(&text, 8).ok()
                } else {
                    u32::try_from(n).ok()
                }
            }),
            _ => None,
        };
        match parsed {
            Some(m) if m <= 0o777 => Some(m),
            _ => {
                self.diags.error(
                    path,
                    format!(
                        "expected a file mode in octal, like `0440`, found {}",
                        super::reader::describe(v)
                    ),
                );
                None
            }
        }
    }

    /// False (with an error at `path`) when a literal name holds `*` or `?`: IAM reads
    /// both as wildcards in the resource the execution role is granted, so `name: '*'`
    /// would grant every secret (`secret:*`). `what` is what the name names; the message
    /// never quotes it (it may come from a variable).
    pub(super) fn no_wildcard(&mut self, t: &Text, path: &Path, what: &str) -> bool {
        match t {
            Text::Lit(s) if s.contains(['*', '?']) => {
                self.diags.error(
                    path,
                    format!("names {what} with `*` or `?`, which IAM reads as wildcards: the grant would reach every name it matches; name exactly one"),
                );
                false
            }
            _ => true,
        }
    }
}

/// Cross-checks a service's files and variables against the top-level declarations.
pub(super) fn check_service(
    r: &mut Reader,
    tree: &Map<String, Value>,
    project: &Project,
    s: &Service,
) {
    // Declared, even when the declaration had errors (reported there).
    let declared = |what: &str, key: &str| {
        tree.get(what)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key(key))
    };
    let mut targets: BTreeSet<&str> = BTreeSet::new();
    for (what, mounts) in [("secret", &s.secrets), ("config", &s.configs)] {
        for m in mounts {
            if !declared(&format!("{what}s"), &m.source) {
                r.diags.error(
                    &m.path,
                    format!(
                        "{what} `{}` is not declared under the top-level `{what}s`",
                        m.source
                    ),
                );
            }
            if !targets.insert(&m.target) {
                r.diags.error(
                    &m.path,
                    format!(
                        "`{}` is the target of another secret or config of this service",
                        m.target
                    ),
                );
            }
        }
    }
    // A target is a file (a directory for a split secret): no other file may be inside it.
    for m in s.secrets.iter().chain(&s.configs) {
        let inside = format!("{}/", m.target);
        if !targets.iter().any(|t| t.starts_with(&inside)) {
            continue;
        }
        let split = s.secrets.contains(m)
            && project
                .secrets
                .get(&m.source)
                .is_some_and(|x| x.keys.is_some());
        let message = if split {
            format!("`{}` is the directory of the secret's keys (`x-aws-keys`) and cannot hold other files", m.target)
        } else {
            format!("`{}` is a file, and the target of another secret or config of this service is inside it", m.target)
        };
        r.diags.error(&m.path, message);
    }
    for var in s.env_secrets.keys() {
        if s.environment.contains_key(var) || s.noecho_environment.contains_key(var) {
            r.diags.error(
                Path::new("services")
                    .key(&s.name)
                    .key("x-aws-secrets")
                    .key(var),
                format!("`{var}` is also set under `environment`; keep one of them"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::source::interpolate::Variables;
    use crate::diagnostics::Diagnostics;
    use serde_json::json;

    fn mode(v: Value) -> (Option<u32>, String) {
        let mut diags = Diagnostics::new();
        let variables = Variables::new();
        let mut r = Reader {
            diags: &mut diags,
            variables: &variables,
            local: None,
            budget: Default::default(),
        };
        let m = r.mode(&v, &Path::new("mode"));
        let text = diags.errors().iter().map(|d| d.to_string()).collect();
        (m, text)
    }

    #[test]
    fn reads_modes_as_compose_writes_them() {
        assert_eq!(
            mode(json!(440)).0,
            Some(0o440),
            "YAML 1.2 reads `0440` as 440"
        );
        assert_eq!(mode(json!(288)).0, Some(0o440), "the decimal value");
        assert_eq!(mode(json!("0440")).0, Some(0o440));
        assert_eq!(mode(json!("0o644")).0, Some(0o644));
        assert_eq!(mode(json!(0)).0, Some(0));
        assert_eq!(
            mode(json!(1777)),
            (
                None,
                "mode: expected a file mode in octal, like `0440`, found `1777`".to_string()
            )
        );
        assert_eq!(mode(json!("rw")).0, None);
    }
}
