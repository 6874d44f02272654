//! `${VAR...}` interpolation on the raw tree, before typing, as the Compose specification
//! defines it: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`,
//! `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, nested defaults, and `$$` for a literal `$`.
//!
//! Only plain strings are interpolated, never the inside of an intrinsic function. A
//! variable whose value must not appear in the output (a `NoEcho` template parameter) or
//! whose value is an intrinsic function is substituted as an `Fn::Sub` reference, so the
//! processed template carries `${Param}`, never the value.

pub use super::variables::{
    project_budget_message, redact, Budget, Taint, Variable, Variables, MAX_FILE_BYTES,
    MAX_PROJECT_BYTES, MAX_VALUE_BYTES,
};
use crate::cfn::intrinsics::{escape_sub, is_intrinsic, sub_with};
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Interpolates every string in `tree` in place. Errors and warnings go to `diags`. The
/// substitutions of one call (one document) produce at most [`MAX_FILE_BYTES`], each
/// string at most [`MAX_VALUE_BYTES`]; past that, an error names the path and the
/// variable, and the rest of the document is left as it is. Returns the strings filled
/// from variables ([`Taint`]).
pub fn interpolate(tree: &mut Value, variables: &Variables, diags: &mut Diagnostics) -> Vec<Taint> {
    let mut state = State {
        variables,
        earlier: None,
        diags,
        unset: BTreeSet::new(),
        label: None,
        top: "",
        value_len: 0,
        file_left: MAX_FILE_BYTES,
        budget: None,
        over_file: false,
        substituted: Some(Vec::new()),
        taints: Vec::new(),
    };
    walk(tree, &Path::root, &mut state);
    state.taints
}

/// Where an env file's values look variables up, and what they may cost.
pub struct Scope<'a> {
    /// Looked up first (the caller's variables).
    pub variables: &'a Variables,
    /// Looked up when `variables` does not have the name (the file's earlier lines).
    pub earlier: &'a Variables,
    /// The bytes substitution may still produce in this file ([`MAX_FILE_BYTES`]).
    pub file_left: &'a mut usize,
    /// The project's budget.
    pub budget: &'a mut Budget,
}

/// Interpolates one string that is itself a value to keep private (a line of an env
/// file): errors name it by `label` (`the value of `KEY``), never quote it. Returns the
/// string (or an intrinsic, when a `NoEcho` parameter or an intrinsic-valued variable was
/// substituted) and the names of the variables that were not set.
pub fn interpolate_private(
    text: &str,
    scope: Scope,
    label: &str,
) -> (Result<Value, String>, BTreeSet<String>) {
    let mut diags = Diagnostics::new();
    let mut state = State {
        variables: scope.variables,
        earlier: Some(scope.earlier),
        diags: &mut diags,
        unset: BTreeSet::new(),
        label: Some(label),
        top: "",
        value_len: 0,
        file_left: *scope.file_left,
        budget: Some(scope.budget),
        over_file: false,
        substituted: None,
        taints: Vec::new(),
    };
    let result = interpolate_text(text, &mut state, &Path::root());
    *scope.file_left = state.file_left;
    (result, state.unset)
}

struct State<'a> {
    variables: &'a Variables,
    /// Looked up after `variables` (an env file's earlier lines).
    earlier: Option<&'a Variables>,
    diags: &'a mut Diagnostics,
    unset: BTreeSet<String>,
    /// How errors name the string (`the value of `KEY``), or `None`: the path names it.
    label: Option<&'a str>,
    /// The string being interpolated (errors give positions in it, never its text: it may
    /// be a secret inlined from an env file).
    top: &'a str,
    /// The bytes substituted into the string being built ([`MAX_VALUE_BYTES`]).
    value_len: usize,
    /// What substitution may still produce in this file ([`MAX_FILE_BYTES`]).
    file_left: usize,
    /// The project's budget, for env files.
    budget: Option<&'a mut Budget>,
    /// The file's budget ran out: the walk stops.
    over_file: bool,
    /// What variables substituted into the string being built (`None`: not tracked).
    substituted: Option<Vec<String>>,
    /// The strings filled from variables so far.
    taints: Vec<Taint>,
}

impl<'a> State<'a> {
    fn get(&self, name: &str) -> Option<&'a Variable> {
        self.variables
            .get(name)
            .or_else(|| self.earlier.and_then(|e| e.get(name)))
    }

    /// Counts `n` bytes substituted for variable `name` into the string being built: an
    /// error past a bound, naming the variable, never a value.
    fn grow(&mut self, n: usize, name: &str) -> Result<(), String> {
        self.value_len = self.value_len.saturating_add(n);
        if self.value_len > MAX_VALUE_BYTES {
            let what = self.label.unwrap_or("this value");
            return Err(format!("substituting `{name}` takes the variables substituted into {what} past {MAX_VALUE_BYTES} bytes, the most one value may receive (no task definition holds more)"));
        }
        match self.file_left.checked_sub(n) {
            Some(left) => self.file_left = left,
            None => {
                self.file_left = 0;
                self.over_file = true;
                return Err(format!("substituting `{name}` takes the variables substituted in this file past {MAX_FILE_BYTES} bytes, about what a template holds; the rest of the file is not interpolated"));
            }
        }
        if let Some(budget) = self.budget.as_deref_mut() {
            if !budget.spend(n) {
                self.over_file = true;
                return Err(project_budget_message());
            }
        }
        Ok(())
    }

    /// `invalid interpolation [in <label>] at character <n>: <why>`, `at` a slice of
    /// the string being interpolated starting where the problem is.
    fn invalid(&self, at: &str, why: &str) -> String {
        let byte = (at.as_ptr() as usize).saturating_sub(self.top.as_ptr() as usize);
        let n = self.top.get(..byte).map_or(0, |s| s.chars().count()) + 1;
        match self.label {
            Some(label) => format!("invalid interpolation in {label} at character {n}: {why}"),
            None => format!("invalid interpolation at character {n}: {why}"),
        }
    }
}

/// `path` builds the node's path on demand: only a string holding a `$` needs it, so a
/// walk over a large document allocates no paths for the rest.
fn walk(value: &mut Value, path: &dyn Fn() -> Path, state: &mut State) {
    if state.over_file {
        return;
    }
    match value {
        Value::String(text) if text.contains('$') => {
            let path = path();
            let result = interpolate_text(text, state, &path);
            if let Some(values) = state.substituted.as_mut().filter(|v| !v.is_empty()) {
                let values = std::mem::take(values);
                state.taints.push(Taint {
                    path: path.as_str().to_string(),
                    raw: text.clone(),
                    values,
                });
            }
            match result {
                Ok(new) => *value = new,
                Err(message) => state.diags.error(&path, message),
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &|| path().index(i), state);
            }
        }
        Value::Object(_) if is_intrinsic(value) => {}
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                walk(item, &|| path().key(key), state);
            }
        }
        _ => {}
    }
}

/// A piece of an interpolated string.
#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Text(String),
    Parameter(String),
    Expr(Value),
}

/// Interpolates one string; returns a string, or an intrinsic when a secret or an
/// intrinsic-valued variable was substituted.
fn interpolate_text(text: &str, state: &mut State, path: &Path) -> Result<Value, String> {
    // A state whose `top` is this string, for the positions errors give.
    let mut segments = Vec::new();
    let mut inner = State {
        variables: state.variables,
        earlier: state.earlier,
        diags: &mut *state.diags,
        unset: std::mem::take(&mut state.unset),
        label: state.label,
        top: text,
        value_len: 0,
        file_left: state.file_left,
        budget: state.budget.as_deref_mut(),
        over_file: false,
        substituted: state.substituted.take(),
        taints: Vec::new(),
    };
    let result = expand(text, &mut inner, path, &mut segments, 0);
    state.substituted = inner.substituted;
    state.unset = inner.unset;
    state.file_left = inner.file_left;
    state.over_file |= inner.over_file;
    result?;
    Ok(assemble(segments))
}

fn assemble(segments: Vec<Segment>) -> Value {
    // Merge adjacent text.
    let mut merged: Vec<Segment> = Vec::new();
    for seg in segments {
        if matches!(&seg, Segment::Text(t) if t.is_empty()) {
            continue;
        }
        match (merged.last_mut(), seg) {
            (Some(Segment::Text(prev)), Segment::Text(next)) => prev.push_str(&next),
            (_, seg) => merged.push(seg),
        }
    }
    if merged.iter().all(|s| matches!(s, Segment::Text(_))) {
        // (an empty string has no segments left at all)
        let text = merged
            .into_iter()
            .map(|s| match s {
                Segment::Text(t) => t,
                _ => unreachable!(),
            })
            .collect::<String>();
        return Value::String(text);
    }
    if merged.len() == 1 {
        match merged.pop() {
            Some(Segment::Parameter(p)) => return crate::cfn::intrinsics::ref_(&p),
            Some(Segment::Expr(e)) => return e,
            _ => unreachable!(),
        }
    }
    let mut template = String::new();
    let mut vars = Map::new();
    for seg in merged {
        match seg {
            Segment::Text(t) => template.push_str(&escape_sub(&t)),
            Segment::Parameter(p) => {
                template.push_str("${");
                template.push_str(&p);
                template.push('}');
            }
            Segment::Expr(e) => {
                let name = format!("Var{}", vars.len() + 1);
                template.push_str("${");
                template.push_str(&name);
                template.push('}');
                vars.insert(name, e);
            }
        }
    }
    sub_with(&template, vars)
}

const MAX_DEPTH: usize = 16;

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

fn expand(
    text: &str,
    state: &mut State,
    path: &Path,
    out: &mut Vec<Segment>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "interpolation nested deeper than {MAX_DEPTH} levels"
        ));
    }
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push(Segment::Text(rest[..pos].to_string()));
        let after = &rest[pos + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => {
                out.push(Segment::Text("$".into()));
                rest = &after[1..];
            }
            Some('{') => {
                let body_len = matching_brace(&after[1..])
                    .ok_or_else(|| state.invalid(&rest[pos..], "`${` is not closed by `}`"))?;
                let body = &after[1..1 + body_len];
                substitute(body, &rest[pos..], state, path, out, depth)?;
                rest = &after[1 + body_len + 1..];
            }
            Some(c) if is_name_start(c) => {
                let len = after
                    .find(|c: char| !is_name_char(c))
                    .unwrap_or(after.len());
                let name = &after[..len];
                lookup_plain(name, state, path, out)?;
                rest = &after[len..];
            }
            _ => {
                return Err(state.invalid(
                    &rest[pos..],
                    "a `$` must start a variable (`$VAR`, `${VAR}`) or be doubled as `$$`",
                ))
            }
        }
    }
    out.push(Segment::Text(rest.to_string()));
    Ok(())
}

/// Length of the text up to the `}` closing a `${`, counting nested `${...}`.
fn matching_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'$' if bytes.get(i + 1) == Some(&b'$') => {
                i += 2;
                continue;
            }
            b'}' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn substitute(
    body: &str,
    at: &str,
    state: &mut State,
    path: &Path,
    out: &mut Vec<Segment>,
    depth: usize,
) -> Result<(), String> {
    let name_len = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let name = &body[..name_len];
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(state.invalid(at, "a `${...}` does not start with a variable name"));
    }
    let op_and_arg = &body[name_len..];
    if op_and_arg.is_empty() {
        return lookup_plain(name, state, path, out);
    }
    let (op, arg) = if let Some(arg) = op_and_arg.strip_prefix(":-") {
        (":-", arg)
    } else if let Some(arg) = op_and_arg.strip_prefix(":?") {
        (":?", arg)
    } else if let Some(arg) = op_and_arg.strip_prefix(":+") {
        (":+", arg)
    } else if let Some(arg) = op_and_arg.strip_prefix('-') {
        ("-", arg)
    } else if let Some(arg) = op_and_arg.strip_prefix('?') {
        ("?", arg)
    } else if let Some(arg) = op_and_arg.strip_prefix('+') {
        ("+", arg)
    } else {
        return Err(state.invalid(
            at,
            &format!("unexpected text after `${{{name}`; expected `}}`, `:-`, `-`, `:?`, `?`, `:+` or `+`"),
        ));
    };
    let variable = state.get(name);
    let (set, non_empty) = match variable {
        None => (false, false),
        Some(Variable::Text(t) | Variable::Parameter { value: t, .. }) => (true, !t.is_empty()),
        Some(Variable::Secret { value, .. }) => (true, !value.is_empty()),
        Some(Variable::Expr(_)) => (true, true),
    };
    match op {
        ":-" | "-" => {
            let use_value = if op == ":-" { non_empty } else { set };
            if use_value {
                push_variable(name, variable, state, out)?;
            } else {
                expand(arg, state, path, out, depth + 1)?;
            }
        }
        ":?" | "?" => {
            let ok = if op == ":?" { non_empty } else { set };
            if ok {
                push_variable(name, variable, state, out)?;
            } else {
                // The author's message as written: interpolating it would quote the values
                // of the variables it names.
                let detail = if arg.is_empty() {
                    String::new()
                } else {
                    format!(": {arg}")
                };
                let how = if op == ":?" {
                    "set and non-empty"
                } else {
                    "set"
                };
                return Err(format!("required variable `{name}` is not {how}{detail}"));
            }
        }
        _ => {
            let use_alt = if op == ":+" { non_empty } else { set };
            if use_alt {
                expand(arg, state, path, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// Substitutes variable `name`, counting what it adds before copying it.
fn push_variable(
    name: &str,
    variable: Option<&Variable>,
    state: &mut State,
    out: &mut Vec<Segment>,
) -> Result<(), String> {
    let size = match variable {
        None => return Ok(()),
        Some(Variable::Text(t) | Variable::Parameter { value: t, .. }) => t.len(),
        Some(Variable::Secret { parameter, .. }) => parameter.len() + 3,
        Some(Variable::Expr(e)) => json_len(e),
    };
    state.grow(size, name)?;
    match variable {
        None => {}
        Some(Variable::Text(t) | Variable::Parameter { value: t, .. }) => {
            if let Some(s) = state.substituted.as_mut().filter(|_| !t.is_empty()) {
                s.push(t.clone());
            }
            out.push(Segment::Text(t.clone()))
        }
        Some(Variable::Secret { parameter, .. }) => out.push(Segment::Parameter(parameter.clone())),
        Some(Variable::Expr(e)) => out.push(Segment::Expr(e.clone())),
    }
    Ok(())
}

/// The length of a value written as JSON, without writing it anywhere.
fn json_len(v: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

fn lookup_plain(
    name: &str,
    state: &mut State,
    path: &Path,
    out: &mut Vec<Segment>,
) -> Result<(), String> {
    match state.get(name) {
        Some(v) => push_variable(name, Some(v), state, out)?,
        None => {
            if state.unset.insert(name.to_string()) {
                state.diags.warn(
                    path,
                    format!("variable `{name}` is not set: substituting an empty string; set it in the `Variables` property or as a template parameter"),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
