//! The CloudFormation macro contract (DESIGN §3). `aws_lambda_events` has no type for
//! macro events, so the request and response are read and written here; [`handle_bytes`]
//! is what both the Lambda and the CLI's `macro` subcommand run, byte for byte.
//!
//! Request `{region, accountId, fragment, transformId, params, requestId,
//! templateParameterValues}`; response `{requestId, status, fragment}` on success,
//! `{requestId, status: "failure", errorMessage}` otherwise. Never an error, never a panic.

use crate::diagnostics::one_line;
use crate::report;
use crate::{expand, Request};
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// How long the failure message grows before the rest is counted (`and N more`):
/// CloudFormation shows the start of it in the stack's events.
const SUMMARY_BUDGET: usize = 1000;

/// The longest `errorMessage` returned; longer ones are cut with a count of what was left.
pub const MAX_ERROR_MESSAGE: usize = 4000;

/// Facts about one handled request, for logs: ids, counts and timings only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The request's id ("" when missing).
    pub request_id: String,
    /// True on success.
    pub success: bool,
    /// Resources in the processed fragment.
    pub resources: usize,
    /// Errors reported.
    pub errors: usize,
    /// Warnings reported.
    pub warnings: usize,
}

/// The longest request id a log line shows.
pub const MAX_LOGGED_ID: usize = 128;

/// A caller's value made safe for a log line: control characters (a newline would forge a
/// line of its own) and quotes escaped, cut at [`MAX_LOGGED_ID`] characters.
pub fn loggable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_LOGGED_ID)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX_LOGGED_ID).is_some() {
        out.push('…');
    }
    out
}

/// Handles a raw request: the response JSON, and a summary for logs.
pub fn handle_bytes(input: &[u8]) -> (String, Summary) {
    let (response, summary) = match serde_json::from_slice::<Value>(input) {
        Ok(request) => handle(request),
        Err(e) => (
            failure(
                &request_id_of(input),
                &format!("malformed request: {}", json_error(&e)),
            ),
            Summary {
                errors: 1,
                ..Summary::default()
            },
        ),
    };
    let text = serde_json::to_string(&response).unwrap_or_else(|_| {
        r#"{"requestId":"","status":"failure","errorMessage":"ComposeToECS: internal error: the response could not be written"}"#.to_string()
    });
    (text, summary)
}

/// The `requestId` of a request that could not be read as a whole (nested too deeply for
/// the parser, say): the other fields are skipped without that bound. "" when none.
fn request_id_of(input: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct OnlyId {
        #[serde(rename = "requestId")]
        request_id: Option<String>,
    }
    serde_json::from_slice::<OnlyId>(input)
        .ok()
        .and_then(|r| r.request_id)
        .unwrap_or_default()
}

/// A JSON parse error in house style; the parser's nesting bound is reported as such.
fn json_error(e: &serde_json::Error) -> String {
    let message = one_line(&e.to_string());
    if message.starts_with("recursion limit exceeded") {
        format!(
            "nested too deeply: more than 127 levels at line {} column {}",
            e.line(),
            e.column()
        )
    } else {
        message
    }
}

/// Handles a parsed request. Catches panics: they become failures.
pub fn handle(request: Value) -> (Value, Summary) {
    let request_id = request
        .get("requestId")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match catch_unwind(AssertUnwindSafe(|| handle_inner(request, &request_id))) {
        Ok(result) => result,
        Err(_) => (
            failure(
                &request_id,
                "internal error: the transform failed unexpectedly; please report this template shape",
            ),
            Summary {
                request_id,
                errors: 1,
                ..Summary::default()
            },
        ),
    }
}

fn object(request: &Value, key: &str) -> Result<Map<String, Value>, String> {
    match request.get(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(format!("malformed request: `{key}` is not an object")),
    }
}

fn handle_inner(mut request: Value, request_id: &str) -> (Value, Summary) {
    let mut summary = Summary {
        request_id: request_id.to_string(),
        ..Summary::default()
    };
    if !request.is_object() {
        summary.errors = 1;
        return (
            failure(request_id, "malformed request: not a JSON object"),
            summary,
        );
    }
    let parsed = (|| -> Result<Request, String> {
        if request.get("requestId").is_some_and(|v| !v.is_string()) {
            return Err("malformed request: `requestId` is not a string".into());
        }
        let fragment = request
            .as_object_mut()
            .and_then(|r| r.remove("fragment"))
            .ok_or_else(|| "malformed request: `fragment` is missing".to_string())?;
        Ok(Request {
            fragment,
            template_parameter_values: object(&request, "templateParameterValues")?,
            params: object(&request, "params")?,
        })
    })();
    let parsed = match parsed {
        Ok(p) => p,
        Err(message) => {
            summary.errors = 1;
            return (failure(request_id, &message), summary);
        }
    };
    match expand(&parsed) {
        Ok(expanded) => {
            summary.success = true;
            summary.warnings = expanded.warnings.len();
            summary.resources = resource_count(&expanded.fragment);
            // Built by hand: `json!` would copy the whole fragment through `to_value`.
            let mut response = Map::new();
            response.insert("requestId".into(), request_id.into());
            response.insert("status".into(), "success".into());
            response.insert("fragment".into(), expanded.fragment);
            (Value::Object(response), summary)
        }
        Err(diags) => {
            summary.errors = diags.errors().len();
            summary.warnings = diags.warnings().len();
            (
                failure(request_id, &report::summary(&diags, SUMMARY_BUDGET)),
                summary,
            )
        }
    }
}

fn resource_count(fragment: &Value) -> usize {
    match fragment.get("Resources").and_then(Value::as_object) {
        Some(r) => r.len(),
        None => fragment.as_object().map_or(0, Map::len),
    }
}

/// A failure response with a one-line message prefixed `ComposeToECS: `.
pub fn failure(request_id: &str, message: &str) -> Value {
    let mut message = format!("ComposeToECS: {}", one_line(message));
    if message.len() > MAX_ERROR_MESSAGE {
        let mut cut = MAX_ERROR_MESSAGE - 40;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        let dropped = message.len() - cut;
        message.truncate(cut);
        message.push_str(&format!(" … ({dropped} more bytes)"));
    }
    json!({"requestId": request_id, "status": "failure", "errorMessage": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_requests_fail_cleanly() {
        let (r, s) = handle_bytes(b"not json");
        assert!(r.contains(r#""status":"failure""#), "{r}");
        assert!(!s.success);
        let (r, _) = handle_bytes(br#"{"requestId":"abc"}"#);
        assert_eq!(
            r,
            r#"{"requestId":"abc","status":"failure","errorMessage":"ComposeToECS: malformed request: `fragment` is missing"}"#
        );
        let (r, _) = handle_bytes(br#"[1,2]"#);
        assert!(r.contains("not a JSON object"));
        let (r, _) = handle_bytes(br#"{"requestId":"x","fragment":{},"params":[]}"#);
        assert!(r.contains("`params` is not an object"));
    }

    #[test]
    fn request_ids_are_logged_escaped() {
        assert_eq!(loggable("r-1"), "r-1");
        assert_eq!(
            loggable("r\nINFO forged=\"1\"\u{1b}[2J"),
            r#"r\nINFO forged=\"1\"\u{1b}[2J"#
        );
        let long = loggable(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), MAX_LOGGED_ID + 1);
    }

    #[test]
    fn long_messages_are_cut() {
        let r = failure("x", &"a".repeat(10_000));
        let m = r["errorMessage"].as_str().unwrap();
        assert!(m.len() <= MAX_ERROR_MESSAGE + 40);
        assert!(m.ends_with("more bytes)"));
    }
}
