//! The `Alarms` property (docs/operations.md).

use crate::cfn::intrinsics::is_intrinsic;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::Value;

/// The `Alarms` property: where the project's alarms notify; it wins over `x-aws-alarms`
/// (docs/operations.md).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlarmsProps {
    /// `Email`: addresses subscribed to the alarm topic (intrinsic functions allowed).
    pub emails: Vec<Value>,
    /// `Topic`: an existing SNS topic ARN.
    pub topic: Option<Value>,
    /// `Rollback`: services roll a deployment back when their alarms fire.
    pub rollback: Option<bool>,
}

/// Reads `Alarms`: an e-mail address, an SNS topic ARN, or `{Email, Topic, Rollback}`.
pub(super) fn alarms_props(v: &Value, path: &Path, diags: &mut Diagnostics) -> Option<AlarmsProps> {
    let mut out = AlarmsProps::default();
    match v {
        Value::String(s) if s.starts_with("arn:") => out.topic = Some(v.clone()),
        Value::String(s) if s.contains('@') => out.emails.push(v.clone()),
        Value::Object(m) if !is_intrinsic(v) => {
            for (key, value) in m {
                match key.as_str() {
                    "Email" => match value {
                        Value::Array(items) => out.emails.extend(items.iter().cloned()),
                        other => out.emails.push(other.clone()),
                    },
                    "Topic" => out.topic = Some(value.clone()),
                    "Rollback" => match value {
                        Value::Bool(b) => out.rollback = Some(*b),
                        Value::String(s) if s == "true" || s == "false" => {
                            out.rollback = Some(s == "true")
                        }
                        _ => diags.error(path.key(key), "expected `true` or `false`"),
                    },
                    other => diags.error(
                        path.key(other),
                        format!(
                            "unknown setting `{other}`: expected `Email`, `Topic` or `Rollback`"
                        ),
                    ),
                }
            }
            if out.emails.is_empty() && out.topic.is_none() {
                diags.error(
                    path,
                    "alarms need somewhere to notify: set `Email` (one address or a list), `Topic` (an existing SNS topic ARN), or both",
                );
                return None;
            }
        }
        _ => {
            diags.error(
                path,
                "expected an e-mail address, an SNS topic ARN, or a mapping with `Email`, `Topic` and `Rollback` (an intrinsic function goes under `Email` or `Topic`)",
            );
            return None;
        }
    }
    Some(out)
}
