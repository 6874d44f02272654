//! The variables interpolation reads (text, a `NoEcho` parameter, an intrinsic function),
//! its bounds ([`Budget`]: bytes substituted per value, per file, per project's env files),
//! and what it filled in ([`Taint`]), so that a diagnostic quotes a string as written,
//! never as substituted ([`redact`]). Pure: `interpolate.rs` and `dotenv.rs` use it.

use serde_json::Value;
use std::collections::BTreeMap;

/// The value of one variable.
#[derive(Clone, Debug, PartialEq)]
pub enum Variable {
    /// A plain value, copied into the output where used.
    Text(String),
    /// A template parameter that must not be copied (`NoEcho`): referenced by name.
    /// The value is only used to decide emptiness for `:-`, `:?` and `:+`.
    Secret { parameter: String, value: String },
    /// An intrinsic function (e.g. `!GetAtt Db.Endpoint.Address`): set and non-empty.
    Expr(Value),
    /// A template parameter without `NoEcho`: interpolated as its text, like `Text`; a secret
    /// whose value comes from it (`environment:`) references the parameter instead.
    Parameter { parameter: String, value: String },
}

impl Variable {
    /// The text a plain variable interpolates to (`Text` and `Parameter`).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Variable::Text(t) | Variable::Parameter { value: t, .. } => Some(t),
            Variable::Secret { .. } | Variable::Expr(_) => None,
        }
    }
}

/// Variables by name.
pub type Variables = BTreeMap<String, Variable>;

/// The most bytes substitution puts into one string: no task definition holds more (ECS
/// takes 64 KiB for a whole task definition), and a few references to long values would
/// otherwise multiply (`B=$A$A$A$A`, `C=$B$B$B$B`, ...).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most bytes substitution produces in one file (an env file, a Compose document, an
/// `extends` file): about what a template can hold (1 MB).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The most work the env files of one project may cost: every byte of env-file text read
/// (a file named by several services is read for each) and every byte substituted.
pub const MAX_PROJECT_BYTES: usize = 4 * 1024 * 1024;

/// What is left of a project's budget for env files ([`MAX_PROJECT_BYTES`]), shared by
/// the env files read for it one after the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    left: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            left: MAX_PROJECT_BYTES,
        }
    }
}

impl Budget {
    /// Takes `n` bytes from the budget; false (and nothing taken) when fewer are left.
    pub fn spend(&mut self, n: usize) -> bool {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                true
            }
            None => {
                self.left = 0;
                false
            }
        }
    }
}

/// The message of a project over [`MAX_PROJECT_BYTES`].
pub fn project_budget_message() -> String {
    format!("the project's env files take more than {MAX_PROJECT_BYTES} bytes to read and expand (each file counted once per service naming it, with every variable substituted); an env file is for settings, not data")
}

/// A string interpolation filled from variables: where it is, as written, and the text
/// its variables substituted. A diagnostic about it must not quote that text (an `.env`
/// value may be a credential): [`redact`] puts the string as written in its place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Taint {
    /// The string's path in the document.
    pub path: String,
    /// The string as written (`${PORT}:80`).
    pub raw: String,
    /// What the variables substituted into it, each non-empty.
    pub values: Vec<String>,
}

/// Whether a backquoted span of a message shows what a variable substituted: it holds
/// the value, or a piece of it (a port of `${PORTS}`), in any case (`cap_add` upper-cases).
fn shows(span: &str, value: &str) -> bool {
    let (span, value) = (span.to_lowercase(), value.to_lowercase());
    span.contains(&value) || (span.len() >= 2 && value.contains(&span))
}

/// The service, secret, volume... a path is about: its first two segments
/// (`services.web`).
fn head(path: &str) -> &str {
    let mut dots = path.match_indices(['.', '[']).map(|(i, _)| i);
    let _ = dots.next();
    match dots.next() {
        Some(i) => &path[..i],
        None => path,
    }
}

/// A diagnostic with every backquoted span of its message that shows what a variable
/// substituted ([`shows`]) replaced by the string as written (`invalid port `s3cret`` →
/// ``invalid port `${PORT}` ``), and the same in its path (an environment variable named
/// by a variable). Only the strings of the same service (or secret, volume, ...) count.
/// `None` when nothing changes.
pub fn redact(path: &str, message: &str, taints: &[Taint]) -> Option<(String, String)> {
    let mut taints: Vec<&Taint> = taints
        .iter()
        .filter(|t| path.is_empty() || head(path) == head(&t.path))
        .collect();
    // The string at the diagnostic's path first, then those inside or above it.
    let near = |t: &Taint| {
        let within = |a: &str, b: &str| {
            a.strip_prefix(b)
                .is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
        };
        match () {
            _ if t.path == path => 0,
            _ if within(path, &t.path) || within(&t.path, path) => 1,
            _ => 2,
        }
    };
    taints.sort_by_key(|t| near(t));
    if taints.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(message.len());
    let mut changed = false;
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`') else {
            break;
        };
        let span = &rest[open + 1..open + 1 + len];
        out.push_str(&rest[..open]);
        out.push('`');
        match taints
            .iter()
            .find(|t| t.values.iter().any(|v| shows(span, v)))
        {
            Some(t) => {
                changed = true;
                out.push_str(&t.raw);
            }
            None => out.push_str(span),
        }
        out.push('`');
        rest = &rest[open + len + 2..];
    }
    out.push_str(rest);
    let mut new_path = path.to_string();
    for t in &taints {
        for v in t.values.iter().filter(|v| v.len() >= 3) {
            if new_path.contains(v.as_str()) {
                new_path = new_path.replace(v.as_str(), &t.raw);
                changed = true;
            }
        }
    }
    changed.then_some((new_path, out))
}
