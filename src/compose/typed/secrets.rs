//! Secrets and configs, in Compose words: the top-level declarations (where a value
//! lives), the service's short and long syntax (where its file appears, owned by whom, with
//! which mode), `x-aws-secrets` (environment variables read from a store) and
//! `x-aws-pull_credentials`.
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
use std::collections::{BTreeMap, BTreeSet};

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
    fn external(&mut self, map: &Map<String, Value>, path: &Path) -> Option<Option<Text>> {
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
    fn one_source(
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
