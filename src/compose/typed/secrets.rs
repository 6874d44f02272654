//! Secrets, in Compose words: the top-level declarations (where a value lives),
//! `x-aws-secrets` (environment variables read from a store) and `x-aws-pull_credentials`;
//! where a service's secret and config files go by default. Configs and the files a service
//! mounts are `configs.rs`'s.
//!
//! A secret's value never becomes text here: `environment:` must name a `NoEcho` template
//! parameter or a variable holding an intrinsic function, so the converter can only ever
//! reference it.

use super::model::*;
use super::reader::Reader;
use crate::cfn::intrinsics::{is_intrinsic, ref_};
use crate::compose::source::files::{project_path, NOT_PACKAGED};
use crate::compose::source::interpolate::Variable;
use crate::compose::source::tree::as_mapping;
use crate::diagnostics::Path;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where a service's secret files appear when `target` is not absolute.
pub const SECRETS_DIR: &str = "/run/secrets";

/// The mode of a secret or config file when the service does not set one (Compose's).
pub const DEFAULT_MODE: u32 = 0o444;

/// Directories a volume cannot replace without breaking the container: a file whose
/// directory is one of these is rejected.
pub(super) const SYSTEM_DIRS: &[&str] = &[
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root",
    "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var",
];

/// The most a config's `file` may hold, in bytes. The helper container receives each
/// config's content in its environment, inside the task definition, which ECS limits to
/// 64 KiB in all: half of it leaves room for the rest of the task (see
/// docs/local-files.md).
pub const MAX_CONFIG_FILE_BYTES: usize = 32 * 1024;

/// `x-aws-generate` options that are switches.
const GENERATE_FLAGS: &[&str] = &[
    "exclude_lowercase",
    "exclude_numbers",
    "exclude_punctuation",
    "exclude_uppercase",
    "include_space",
    "require_each_included_type",
];

impl Reader<'_> {
    /// A top-level secret. `None` when it has errors (reported).
    pub(super) fn secret(&mut self, key: &str, v: &Value, path: &Path) -> Option<Secret> {
        let Value::Object(map) = v else {
            self.expected(path, "a mapping describing the secret", v);
            return None;
        };
        let external = self.external(map, path);
        if !self.one_source(
            map,
            &["environment", "x-aws-generate", "file"],
            external.is_some(),
            "secret",
            path,
        ) {
            return None;
        }
        let as_parameter = match map.get("x-aws-parameter") {
            Some(v) => self
                .boolean(v, &path.key("x-aws-parameter"))
                .unwrap_or(false),
            None => false,
        };
        if as_parameter && external.is_none() {
            self.diags.error(
                path.key("x-aws-parameter"),
                "names an existing Systems Manager parameter: use it with `external: true` and `name: <parameter name>`",
            );
        }
        let source = if let Some(name) = external {
            let name = name.unwrap_or_else(|| Text::Lit(key.to_string()));
            self.existing_secret(name, as_parameter, &path.key("name"))?
        } else if let Some(var) = map.get("environment") {
            self.secret_value(var, &path.key("environment"))?
        } else if let Some(g) = map.get("x-aws-generate") {
            self.generate(g, &path.key("x-aws-generate"))?
        } else if let Some(f) = map.get("file") {
            self.secret_file(key, f, &path.key("file"))?
        } else {
            self.diags.error(
                path,
                "a secret needs a source: `external: true` with `name: <Secrets Manager ARN>`, `environment: <PARAMETER>` (a `NoEcho` template parameter), `x-aws-generate: true` or `file` (with `compose-to-ecs package`)",
            );
            return None;
        };
        let keys = map
            .get("x-aws-keys")
            .and_then(|v| self.keys(v, &path.key("x-aws-keys")));
        let kms_key = map
            .get("x-aws-kms_key")
            .and_then(|v| self.kms_key(v, &path.key("x-aws-kms_key")));
        let name = match &source {
            SecretSource::Value(_) | SecretSource::Generate(_) => map
                .get("name")
                .and_then(|n| self.text(n, &path.key("name"))),
            _ => None,
        };
        Some(Secret {
            source,
            keys,
            kms_key,
            name,
        })
    }

    /// `external: true` (with the declaration's `name`) or the deprecated
    /// `external: {name: ...}`: `Some(name)`, where the name is `None` when not given.
    pub(super) fn external(
        &mut self,
        map: &Map<String, Value>,
        path: &Path,
    ) -> Option<Option<Text>> {
        let name = map
            .get("name")
            .and_then(|n| self.text(n, &path.key("name")));
        match map.get("external") {
            Some(Value::Object(e)) if !is_intrinsic(&Value::Object(e.clone())) => {
                match e.get("name") {
                    Some(n) => Some(self.text(n, &path.key("external").key("name"))),
                    None => Some(name),
                }
            }
            Some(v) => (self.boolean(v, &path.key("external")) == Some(true)).then_some(name),
            None => None,
        }
    }

    fn existing_secret(
        &mut self,
        name: Text,
        as_parameter: bool,
        path: &Path,
    ) -> Option<SecretSource> {
        if !self.no_wildcard(&name, path, "a secret or parameter") {
            return None;
        }
        let Text::Lit(text) = &name else {
            return Some(if as_parameter {
                SecretSource::Parameter(name)
            } else {
                SecretSource::SecretsManager(name)
            });
        };
        if text.trim().is_empty() {
            self.diags.error(path, "the name is empty");
            return None;
        }
        match arn_service(text) {
            Some("secretsmanager") => Some(SecretSource::SecretsManager(name)),
            Some("ssm") => Some(SecretSource::Parameter(name)),
            Some(other) => {
                self.diags.error(
                    path,
                    format!("expected a Secrets Manager secret or a Systems Manager parameter ARN, found an ARN of `{other}`"),
                );
                None
            }
            None if as_parameter => Some(SecretSource::Parameter(name)),
            None => Some(SecretSource::SecretsManager(name)),
        }
    }

    /// `file:` of secret `key`: `compose-to-ecs package` turned the file into a `NoEcho`
    /// template parameter (`Package.Secrets`), taken exactly as `environment: <PARAMETER>`.
    /// The file's content is never in the template.
    fn secret_file(&mut self, key: &str, v: &Value, path: &Path) -> Option<SecretSource> {
        let raw = self.literal(v, path)?;
        if project_path(&raw).is_none() {
            self.diags.error(
                path,
                format!("`{raw}` is an absolute path on your computer; give the secret file's path relative to the Compose file's folder"),
            );
            return None;
        }
        let Some(local) = self.local else {
            self.diags.error(
                path,
                format!("`{raw}` is a file on your disk: reference an existing secret (`external: true` with `name: <Secrets Manager ARN>`), take the value from a `NoEcho` template parameter (`environment: <PARAMETER>`) or generate one (`x-aws-generate: true`) instead, or keep the file: {NOT_PACKAGED}"),
            );
            return None;
        };
        let Some(parameter) = local.secrets.get(key) else {
            self.diags.error(
                path,
                format!("`Package.Secrets` names no template parameter for secret `{key}` (read from `{raw}`); run `compose-to-ecs package` on the template again"),
            );
            return None;
        };
        if !self.variables.contains_key(parameter) {
            self.diags.error(
                path,
                format!("the `NoEcho` parameter `{parameter}` that `compose-to-ecs package` made of `{raw}` is not a template parameter with a value; deploy the template `package` wrote, with the parameters file it wrote"),
            );
            return None;
        }
        self.secret_value(&Value::String(parameter.clone()), path)
    }

    /// `environment: VAR` of a secret: a reference to the variable's parameter or
    /// intrinsic, never its text. Messages never quote the value.
    fn secret_value(&mut self, v: &Value, path: &Path) -> Option<SecretSource> {
        let var = self.literal(v, path)?;
        match self.variables.get(&var) {
            Some(Variable::Secret { parameter, .. } | Variable::Parameter { parameter, .. }) => {
                Some(SecretSource::Value(ref_(parameter)))
            }
            Some(Variable::Expr(e)) => Some(SecretSource::Value(e.clone())),
            Some(Variable::Text(_)) => {
                self.diags.error(
                    path,
                    format!("`{var}` holds plain text, which would be copied into the processed template; declare `{var}` as a template parameter with `NoEcho: true`, or set it in `Variables` to an intrinsic function such as `!Ref <NoEcho parameter>`"),
                );
                None
            }
            None => {
                self.diags.error(
                    path,
                    format!("variable `{var}` is not set; declare it as a template parameter with `NoEcho: true`"),
                );
                None
            }
        }
    }

    fn generate(&mut self, v: &Value, path: &Path) -> Option<SecretSource> {
        let mut g = Generate::default();
        let map = match v {
            Value::Object(map) => map,
            _ => {
                return match self.boolean(v, path)? {
                    true => Some(SecretSource::Generate(g)),
                    false => {
                        self.diags.error(
                            path,
                            "`false` leaves the secret without a source; remove it or give another source",
                        );
                        None
                    }
                }
            }
        };
        let mut ok = true;
        let (mut template, mut key) = (None, None);
        for (k, value) in map {
            let p = path.key(k);
            match k.as_str() {
                "length" => match self.uint(value, &p) {
                    Some(n) if (1..=4096).contains(&n) => g.length = Some(n),
                    Some(n) => {
                        self.diags
                            .error(&p, format!("expected a length from 1 to 4096, found `{n}`"));
                        ok = false;
                    }
                    None => ok = false,
                },
                "exclude_characters" => match self.literal(value, &p) {
                    Some(s) => g.exclude_characters = Some(s),
                    None => ok = false,
                },
                "template" => match value {
                    Value::Object(_) => template = Some(value.to_string()),
                    Value::String(s) if serde_json::from_str::<Map<String, Value>>(s).is_ok() => {
                        template = Some(s.clone())
                    }
                    _ => {
                        self.expected(&p, "a JSON object (a mapping, or its JSON text)", value);
                        ok = false;
                    }
                },
                "key" => match self.literal(value, &p) {
                    Some(s) => key = Some(s),
                    None => ok = false,
                },
                flag => match GENERATE_FLAGS.iter().find(|f| **f == flag) {
                    Some(f) => match self.boolean(value, &p) {
                        Some(b) => {
                            g.flags.insert(f, b);
                        }
                        None => ok = false,
                    },
                    None => {
                        self.diags.error(
                            &p,
                            format!("unknown option `{flag}`; expected one of `length`, `exclude_characters`, {}, `template`, `key`", GENERATE_FLAGS.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")),
                        );
                        ok = false;
                    }
                },
            }
        }
        match (template, key) {
            (Some(t), Some(k)) => g.template = Some((t, k)),
            (None, None) => {}
            _ => {
                self.diags.error(
                    path,
                    "`template` and `key` go together: the random string is added to the template under `key`",
                );
                ok = false;
            }
        }
        ok.then_some(SecretSource::Generate(g))
    }

    fn keys(&mut self, v: &Value, path: &Path) -> Option<Vec<String>> {
        let keys: Vec<String> = match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.literal(item, &path.index(i)))
                .collect(),
            _ => {
                self.expected(path, "a key or a list of keys (`*` for all)", v);
                return None;
            }
        };
        for (i, k) in keys.iter().enumerate() {
            if k.is_empty() || k.contains('/') || k == "." || k == ".." {
                let p = if v.is_array() {
                    path.index(i)
                } else {
                    path.clone()
                };
                self.diags.error(
                    p,
                    format!(
                        "`{k}` cannot be a file name; a key names a file in the secret's directory"
                    ),
                );
                return None;
            }
        }
        (!keys.is_empty()).then_some(keys)
    }

    fn kms_key(&mut self, v: &Value, path: &Path) -> Option<Text> {
        let key = self.text(v, path)?;
        if !self.no_wildcard(&key, path, "a KMS key") {
            return None;
        }
        if let Text::Lit(k) = &key {
            let is_arn = arn_service(k) == Some("kms") && k.contains(":key/");
            let is_id = !k.starts_with("arn:") && !k.starts_with("alias/") && !k.is_empty();
            if !(is_arn || is_id) {
                self.diags.error(
                    path,
                    format!("expected a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`) or key id, found `{k}`: the execution role is allowed `kms:Decrypt` on exactly that key, which an alias cannot name"),
                );
                return None;
            }
        }
        Some(key)
    }

    /// Reports a secret or config (`what`) with more than one of the `keys` (and
    /// `external`) as its source; true when it has at most one.
    pub(super) fn one_source(
        &mut self,
        map: &Map<String, Value>,
        keys: &[&str],
        external: bool,
        what: &str,
        path: &Path,
    ) -> bool {
        let sources: Vec<String> = keys
            .iter()
            .filter(|k| map.contains_key(**k))
            .copied()
            .chain(external.then_some("external"))
            .map(|s| format!("`{s}`"))
            .collect();
        if sources.len() > 1 {
            self.diags.error(
                path,
                format!("a {what} has one source, found {}", sources.join(" and ")),
            );
        }
        sources.len() <= 1
    }

    /// `x-aws-secrets`: variable → Secrets Manager ARN (optionally with a JSON key), SSM
    /// parameter name or ARN, or a top-level secret's key.
    pub(super) fn env_secrets(&mut self, v: &Value, path: &Path) -> BTreeMap<String, Text> {
        let mut out = BTreeMap::new();
        let Some(map) = as_mapping(v) else {
            self.expected(
                path,
                "a mapping of variable names to secret ARNs or parameter names",
                v,
            );
            return out;
        };
        for (var, value) in map {
            let p = path.key(&var);
            let Some(t) = self.text(&value, &p) else {
                continue;
            };
            if !self.no_wildcard(&t, &p, "a secret or parameter") {
                continue;
            }
            if let Text::Lit(s) = &t {
                let service = arn_service(s);
                if s.trim().is_empty() {
                    self.diags.error(
                        &p,
                        "expected a secret ARN or a parameter name, found an empty string",
                    );
                    continue;
                }
                if let Some(other) = service.filter(|s| *s != "secretsmanager" && *s != "ssm") {
                    self.diags.error(
                        &p,
                        format!("expected a Secrets Manager secret or a Systems Manager parameter ARN, found an ARN of `{other}`"),
                    );
                    continue;
                }
            }
            out.insert(var, t);
        }
        out
    }
}

/// The service part of an ARN (`arn:aws:ssm:...` → `ssm`), or `None` for a name.
pub fn arn_service(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("arn:")?;
    rest.split(':').nth(1)
}

/// The directory of an absolute path (`/run/secrets/db` → `/run/secrets`, `/x` → `/`).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_arns_from_names() {
        assert_eq!(
            arn_service("arn:aws:secretsmanager:us-east-1:1:secret:x"),
            Some("secretsmanager")
        );
        assert_eq!(
            arn_service("arn:aws-cn:ssm:cn-north-1:1:parameter/x"),
            Some("ssm")
        );
        assert_eq!(arn_service("/shop/flags"), None);
        assert_eq!(arn_service("prod/db"), None);
    }

    #[test]
    fn finds_the_directory_of_a_file() {
        assert_eq!(parent("/run/secrets/db"), "/run/secrets");
        assert_eq!(parent("/db"), "/");
        assert_eq!(parent("/etc/app/x.conf"), "/etc/app");
    }
}
