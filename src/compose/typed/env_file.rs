//! A service's `env_file`: the variables of its files, from the project's `Package`, into
//! the container's environment with Compose's precedence (a later file wins over an
//! earlier one, `environment` over every file). A variable whose name says it is a
//! credential gets a warning: an env file's values are written into the task definition,
//! where anyone who can read it sees them.

use super::model::Text;
use super::reader::{variable_text, Reader};
use crate::compose::source::dotenv::{self, Format};
use crate::compose::source::files::{project_path, NOT_PACKAGED};
use crate::diagnostics::Path;
use serde_json::Value;
use std::collections::BTreeMap;

/// One item of `env_file`, read.
struct EnvFile {
    raw: String,
    required: bool,
    format: Format,
    /// Where it is written (`services.web.env_file[0]`, or `...[0].path` in the long syntax).
    path: Path,
}

impl Reader<'_> {
    /// The variables of a service's `env_file` (`v`, at `path`), a later file winning, each
    /// with the file it came from. Every file the project was not packaged with, or that
    /// is not in its folder, is an error (unless `required: false`).
    pub(super) fn env_files(&mut self, v: &Value, path: &Path) -> BTreeMap<String, (Text, Path)> {
        let mut out = BTreeMap::new();
        for file in self.env_file_items(v, path) {
            let Some(project) = project_path(&file.raw) else {
                self.diags.error(
                    &file.path,
                    format!("`{}` is an absolute path on your computer; give the env file's path relative to the Compose file's folder", file.raw),
                );
                continue;
            };
            let Some(local) = self.local else {
                self.diags.error(
                    &file.path,
                    format!("`{}` is a file on your disk; {NOT_PACKAGED}", file.raw),
                );
                continue;
            };
            let Some(text) = local.files.get(&project) else {
                if file.required {
                    self.diags.error(
                        &file.path,
                        format!("`{}` does not exist in the project folder; create it, or mark it optional with the long syntax (`path: {}` and `required: false`)", file.raw, file.raw),
                    );
                }
                continue;
            };
            match dotenv::parse(
                &file.raw,
                text,
                file.format,
                self.variables,
                &mut self.budget,
            ) {
                Ok(parsed) => {
                    for w in parsed.warnings {
                        self.diags.warn(&file.path, w);
                    }
                    for (k, var) in parsed.variables {
                        out.insert(k, (variable_text(&var), file.path.clone()));
                    }
                }
                Err(e) => self.diags.error(&file.path, e),
            }
        }
        out
    }

    fn env_file_items(&mut self, v: &Value, path: &Path) -> Vec<EnvFile> {
        let short = |raw: String, path: Path| EnvFile {
            raw,
            required: true,
            format: Format::Dotenv,
            path,
        };
        let items = match v {
            Value::Null => return Vec::new(),
            Value::String(s) => return vec![short(s.clone(), path.clone())],
            Value::Array(items) => items,
            _ => {
                self.expected(path, "a path or a list of paths", v);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            match item {
                Value::Object(m) => {
                    let Some(raw) = m.get("path").and_then(|r| self.literal(r, &p.key("path")))
                    else {
                        if !m.contains_key("path") {
                            self.diags
                                .error(&p, "`path` is required: the env file's path");
                        }
                        continue;
                    };
                    let required = match m.get("required") {
                        Some(r) => match self.boolean(r, &p.key("required")) {
                            Some(b) => b,
                            None => continue,
                        },
                        None => true,
                    };
                    let format = match m.get("format") {
                        None => Format::Dotenv,
                        Some(f) => match self.literal(f, &p.key("format")).as_deref() {
                            Some("raw") => Format::Raw,
                            Some("dotenv") => Format::Dotenv,
                            Some(other) => {
                                self.diags.error(
                                    p.key("format"),
                                    format!("expected `raw` (lines taken literally) or no `format` (Compose's syntax), found `{other}`"),
                                );
                                continue;
                            }
                            None => continue,
                        },
                    };
                    out.push(EnvFile {
                        raw,
                        required,
                        format,
                        path: p.key("path"),
                    });
                }
                other => {
                    if let Some(raw) = self.literal(other, &p) {
                        out.push(short(raw, p));
                    }
                }
            }
        }
        out
    }

    /// A service's environment: the variables of its env files (`from_files`), then
    /// `environment` (`v`, at `path`) over them. An `environment` entry without a value
    /// and without a variable to take it from leaves an env file's value in place, as
    /// Compose does. Credential-like names that come from a file are warned about, once
    /// per file.
    pub(super) fn environment(
        &mut self,
        v: Option<&Value>,
        path: &Path,
        from_files: BTreeMap<String, (Text, Path)>,
    ) -> BTreeMap<String, Text> {
        let mut environment = match v {
            None => BTreeMap::new(),
            Some(v) => match crate::compose::source::tree::as_mapping(v) {
                Some(mut m) if !from_files.is_empty() => {
                    m.retain(|k, value| {
                        !(value.is_null()
                            && from_files.contains_key(k)
                            && !self.variables.contains_key(k))
                    });
                    self.env_map(&Value::Object(m), path, true)
                }
                _ => self.env_map(v, path, true),
            },
        };
        let mut credentials: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, (text, file)) in from_files {
            if environment.contains_key(&k) {
                continue;
            }
            // A reference (a `NoEcho` parameter `package` made) is delivered from a secret.
            if crate::compose::source::names::is_credential_name(&k) && matches!(text, Text::Lit(_))
            {
                credentials
                    .entry(file.to_string())
                    .or_default()
                    .push(format!("`{k}`"));
            }
            environment.insert(k, text);
        }
        for (file, names) in credentials {
            let message = match names.as_slice() {
                [one] => format!("{one} looks like a credential, and an env file's variables are written into the task definition in plain text; keep its value in AWS Secrets Manager and name it under `x-aws-secrets`, or deliver it as a secret (`secrets:`)"),
                [first @ .., last] => format!("{} and {last} look like credentials, and an env file's variables are written into the task definition in plain text; keep their values in AWS Secrets Manager and name them under `x-aws-secrets`, or deliver them as secrets (`secrets:`)", first.join(", ")),
                [] => continue,
            };
            self.diags.warn(file.as_str(), message);
        }
        environment
    }
}
