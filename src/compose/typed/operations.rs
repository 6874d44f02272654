//! The day-two extensions (docs/operations.md): `x-aws-alarms` (where alarms notify, and
//! each service's thresholds under `deploy.x-aws-alarms`), `x-aws-dashboard`, `x-aws-exec`
//! (project-wide and per service) and `x-aws-container_insights`. Read after the services,
//! so a service's effective settings (its own, else the project's) land in its model.

pub use super::model::{
    Insights, Limit, Operations, ProjectAlarms, ServiceAlarms, ServiceOperations,
};
use super::model::{Project, Text};
use super::reader::Reader;
use crate::cfn::intrinsics::is_intrinsic;
use crate::compose::source::tree::kind;
use crate::compose::source::values;
use crate::diagnostics::Path;
use serde_json::{Map, Value};

/// Most minutes an alarm may wait (CloudWatch evaluates at most a day of one-minute periods).
pub const MAX_PERIODS: u64 = 1440;

/// Reads the operations extensions of `tree` into `project` (its services already read).
pub(super) fn read(r: &mut Reader, tree: &Map<String, Value>, project: &mut Project) {
    let root = Path::root();
    let ops = &mut project.operations;
    if let Some(v) = tree.get("x-aws-alarms") {
        ops.alarms = r.project_alarms(v, &root.key("x-aws-alarms"));
    }
    if let Some(v) = tree.get("x-aws-dashboard") {
        ops.dashboard = r.boolean(v, &root.key("x-aws-dashboard"));
    }
    if let Some(v) = tree.get("x-aws-container_insights") {
        ops.insights = r.insights(v, &root.key("x-aws-container_insights"));
    }
    let exec = tree
        .get("x-aws-exec")
        .and_then(|v| r.boolean(v, &root.key("x-aws-exec")))
        .unwrap_or(false);
    let Some(Value::Object(services)) = tree.get("services") else {
        return;
    };
    for (name, s) in project.services.iter_mut() {
        let Some(Value::Object(raw)) = services.get(name) else {
            continue;
        };
        let path = root.key("services").key(name);
        s.operations.exec = raw
            .get("x-aws-exec")
            .and_then(|v| r.boolean(v, &path.key("x-aws-exec")))
            .unwrap_or(exec);
        if s.operations.exec && s.read_only {
            r.diags.warn(
                path.key("x-aws-exec"),
                "ECS Exec needs a writable root file system (its agent writes into the container): sessions into this service will fail while `read_only` is `true`",
            );
        }
        if let Some(Value::Object(deploy)) = raw.get("deploy") {
            if let Some(v) = deploy.get("x-aws-alarms") {
                let p = path.key("deploy").key("x-aws-alarms");
                s.operations.alarms = r.service_alarms(v, &p);
            }
        }
    }
}

impl Reader<'_> {
    /// A threshold: a number above 0 (or 0 where `zero` allows it), or `false`.
    fn limit(&mut self, v: &Value, path: &Path, zero: bool, unit: &str) -> Limit {
        let n = match v {
            Value::Bool(false) => return Limit::Off,
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s == "false" => return Limit::Off,
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n > 0.0 || (zero && n == 0.0) => Limit::At(n),
            _ if is_intrinsic(v) => {
                self.not_literal(path);
                Limit::Default
            }
            _ => {
                let least = if zero {
                    "0 or more"
                } else {
                    "a number above 0"
                };
                self.expected(
                    path,
                    &format!("{least} ({unit}), or `false` for no alarm"),
                    v,
                );
                Limit::Default
            }
        }
    }

    /// `periods`: 1 to [`MAX_PERIODS`] minutes.
    fn periods(&mut self, v: &Value, path: &Path) -> Option<u32> {
        let n = self.uint(v, path)?;
        if n == 0 || n > MAX_PERIODS {
            self.diags.error(
                path,
                format!("expected 1 to {MAX_PERIODS} minutes, found `{n}`"),
            );
            return None;
        }
        Some(n as u32)
    }

    /// Top-level `x-aws-alarms`: an e-mail address, an SNS topic ARN, or a mapping.
    fn project_alarms(&mut self, v: &Value, path: &Path) -> Option<ProjectAlarms> {
        let mut out = ProjectAlarms::default();
        let map = match v {
            Value::Null | Value::Bool(false) => return None,
            Value::String(s) if s == "false" => return None,
            Value::String(s) if s.starts_with("arn:") => {
                out.topic = Some(self.topic(v, path)?);
                return Some(out);
            }
            Value::String(_) => {
                out.emails.push(self.email(v, path)?);
                return Some(out);
            }
            Value::Object(map) if !is_intrinsic(v) => map,
            _ => {
                self.diags.error(
                    path,
                    format!(
                        "expected an e-mail address, an SNS topic ARN, or a mapping with `email` and `topic`, found {}",
                        kind(v)
                    ),
                );
                return None;
            }
        };
        let mut ok = true;
        if let Some(e) = map.get("email") {
            let p = path.key("email");
            let items: Vec<(&Value, Path)> = match e {
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v, p.index(i)))
                    .collect(),
                other => vec![(other, p)],
            };
            for (item, p) in items {
                match self.email(item, &p) {
                    Some(email) => out.emails.push(email),
                    None => ok = false,
                }
            }
        }
        if let Some(t) = map.get("topic") {
            out.topic = self.topic(t, &path.key("topic"));
            ok &= out.topic.is_some();
        }
        if let Some(b) = map.get("rollback") {
            out.rollback = self.boolean(b, &path.key("rollback"));
        }
        if let Some(n) = map.get("periods") {
            out.periods = self.periods(n, &path.key("periods"));
        }
        if let Some(l) = map.get("load_balancer_5xx") {
            out.load_balancer_5xx = self.limit(
                l,
                &path.key("load_balancer_5xx"),
                false,
                "responses per minute",
            );
        }
        // Where alarms notify may also come from the `Alarms` property: checked when both
        // are known (`convert::alarms::alerting`).
        ok.then_some(out)
    }

    /// An e-mail address (literal ones are checked).
    fn email(&mut self, v: &Value, path: &Path) -> Option<Text> {
        let text = self.text(v, path)?;
        if let Some(e) = text.as_lit() {
            let good = e
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
            if !good || e.contains(char::is_whitespace) {
                self.diags.error(
                    path,
                    format!("expected an e-mail address like `ops@example.com`, found `{e}`"),
                );
                return None;
            }
        }
        Some(text)
    }

    /// An SNS topic ARN (literal ones are checked).
    fn topic(&mut self, v: &Value, path: &Path) -> Option<Text> {
        let text = self.text(v, path)?;
        if let Some(t) = text.as_lit() {
            if !(t.starts_with("arn:") && t.split(':').nth(2) == Some("sns")) {
                self.diags.error(
                    path,
                    format!("expected an SNS topic ARN like `arn:aws:sns:eu-west-1:123456789012:alerts`, found `{t}`"),
                );
                return None;
            }
        }
        Some(text)
    }

    /// `x-aws-container_insights`: `enhanced`, `enabled`, `disabled`, or a boolean.
    fn insights(&mut self, v: &Value, path: &Path) -> Option<Insights> {
        match v {
            Value::Bool(true) => return Some(Insights::Enhanced),
            Value::Bool(false) => return Some(Insights::Disabled),
            _ => {}
        }
        let text = self.literal(v, path)?;
        match text.as_str() {
            "enhanced" | "true" => Some(Insights::Enhanced),
            "enabled" => Some(Insights::Enabled),
            "disabled" | "false" => Some(Insights::Disabled),
            other => {
                self.diags.error(
                    path,
                    format!("expected `enhanced`, `enabled` or `disabled`, found `{other}`"),
                );
                None
            }
        }
    }

    /// `deploy.x-aws-alarms`: `false`, or a mapping of thresholds.
    fn service_alarms(&mut self, v: &Value, path: &Path) -> ServiceAlarms {
        let mut out = ServiceAlarms {
            path: Some(path.to_string()),
            ..ServiceAlarms::default()
        };
        let map = match v {
            Value::Bool(false) => {
                out.off = true;
                return out;
            }
            Value::String(s) if s == "false" => {
                out.off = true;
                return out;
            }
            Value::Null | Value::Bool(true) => return out,
            Value::Object(map) if !is_intrinsic(v) => map,
            _ => {
                self.expected(path, "a mapping of alarm thresholds, or `false`", v);
                return out;
            }
        };
        let limit = |key: &str, zero: bool, unit: &str, this: &mut Self| match map.get(key) {
            Some(v) => this.limit(v, &path.key(key), zero, unit),
            None => Limit::Default,
        };
        out.cpu = limit("cpu", false, "percent", self);
        out.memory = limit("memory", false, "percent", self);
        out.running_tasks = limit("running_tasks", true, "tasks missing", self);
        out.target_5xx = limit("target_5xx", false, "responses per minute", self);
        out.unhealthy_targets = limit("unhealthy_targets", true, "targets", self);
        for (key, limit) in [("cpu", out.cpu), ("memory", out.memory)] {
            if let Limit::At(n) = limit {
                if n > 100.0 {
                    self.diags.error(
                        path.key(key),
                        format!("expected a percentage up to 100, found `{n}`"),
                    );
                }
            }
        }
        if let Some(t) = map.get("response_time") {
            out.response_time = self.response_time(t, &path.key("response_time"));
        }
        if let Some(n) = map.get("periods") {
            out.periods = self.periods(n, &path.key("periods"));
        }
        if let Some(b) = map.get("rollback") {
            out.rollback = self.boolean(b, &path.key("rollback"));
        }
        out
    }

    /// `response_time`: a duration (`500ms`, `2s`) or seconds, or `false`.
    fn response_time(&mut self, v: &Value, path: &Path) -> Limit {
        match v {
            Value::Bool(false) => Limit::Off,
            Value::String(s) if s == "false" => Limit::Off,
            Value::Number(_) => self.limit(v, path, false, "seconds"),
            Value::String(s) => match values::duration_ms(s) {
                Ok(ms) if ms > 0 => Limit::At(ms as f64 / 1000.0),
                Ok(_) => {
                    self.diags
                        .error(path, "expected a duration above 0, like `2s` or `500ms`");
                    Limit::Default
                }
                Err(e) => {
                    self.diags.error(path, e);
                    Limit::Default
                }
            },
            _ => self.limit(v, path, false, "seconds"),
        }
    }
}
