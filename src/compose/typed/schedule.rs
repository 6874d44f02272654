//! Scheduled services (docs/operations.md, "Scheduled jobs"): `deploy.x-aws-schedule` runs
//! the service's task on an EventBridge Scheduler schedule instead of as an ECS service. A
//! cron, rate or one-time expression, an optional time zone, a flexible window and retries.
//! The expression's shape is checked here, with path-addressed errors; `convert::schedule`
//! builds the resources. Read after `jobs` (a scheduled service is not a deployment job).

pub use super::model::Schedule;
use super::model::{Condition, Project};
use super::reader::Reader;
use crate::compose::source::values;
use crate::diagnostics::Path;
use serde_json::{Map, Value};

/// EventBridge Scheduler's retry range (`RetryPolicy.MaximumRetryAttempts`).
pub const MAX_RETRIES: u32 = 185;

/// The longest flexible window, minutes (`FlexibleTimeWindow.MaximumWindowInMinutes`).
pub const MAX_WINDOW_MINUTES: u64 = 1440;

/// Reads each service's `deploy.x-aws-schedule`.
pub(super) fn read(r: &mut Reader, tree: &Map<String, Value>, project: &mut Project) {
    let Some(Value::Object(raw)) = tree.get("services") else {
        return;
    };
    let root = Path::root().key("services");
    let awaited: std::collections::BTreeSet<String> = project
        .services
        .values()
        .flat_map(|s| {
            s.depends_on
                .iter()
                .filter(|(_, c)| **c == Condition::CompletedSuccessfully)
                .map(|(d, _)| d.clone())
        })
        .collect();
    for (name, s) in project.services.iter_mut() {
        let Some(v) = raw
            .get(name)
            .and_then(|s| s.get("deploy"))
            .and_then(|d| d.get("x-aws-schedule"))
        else {
            continue;
        };
        let path = root.key(name).key("deploy").key("x-aws-schedule");
        let Some(schedule) = schedule(r, v, &path) else {
            continue;
        };
        if awaited.contains(name) {
            r.diags.error(
                &path,
                "a scheduled service runs on its schedule, not during the deployment: no service can wait for it to complete; drop `service_completed_successfully` on it",
            );
            continue;
        }
        if !s.ports.is_empty() {
            r.diags.error(
                &path,
                "a scheduled service runs to completion on its schedule: it cannot publish ports",
            );
            continue;
        }
        s.job = None;
        s.schedule = Some(schedule);
    }
}

fn schedule(r: &mut Reader, v: &Value, path: &Path) -> Option<Schedule> {
    let (expression, map) = match v {
        Value::String(_) => (r.literal(v, path)?, None),
        Value::Object(m) => {
            let Some(e) = m.get("expression") else {
                r.diags.error(
                    path,
                    "needs `expression`: `cron(...)`, `rate(...)` or `at(...)`",
                );
                return None;
            };
            (r.literal(e, &path.key("expression"))?, Some(m))
        }
        other => {
            r.expected(path, "an expression or a mapping with `expression`", other);
            return None;
        }
    };
    let expr_path = if map.is_some() {
        path.key("expression")
    } else {
        path.clone()
    };
    if let Err(e) = check_expression(&expression) {
        r.diags.error(expr_path, e);
        return None;
    }
    let mut s = Schedule {
        expression,
        timezone: None,
        flexible_window: None,
        retries: 0,
    };
    let Some(m) = map else { return Some(s) };
    // Unknown keys: the support table's (`validate::support`).
    if let Some(t) = m.get("timezone") {
        let p = path.key("timezone");
        if let Some(t) = r.literal(t, &p) {
            let ok = !t.is_empty()
                && t.len() <= 50
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
            if ok {
                s.timezone = Some(t);
            } else {
                r.diags.error(
                    p,
                    "expected an IANA time zone such as `Europe/Paris` or `UTC`",
                );
            }
        }
    }
    if let Some(w) = m.get("flexible_window") {
        let p = path.key("flexible_window");
        if let Some(text) = r.literal(w, &p) {
            match values::duration_ms(&text) {
                Ok(ms) => {
                    let minutes = ms / 60_000;
                    if ms % 60_000 != 0 || minutes == 0 || minutes > MAX_WINDOW_MINUTES {
                        r.diags.error(
                            p,
                            format!(
                                "expected whole minutes from 1m to {MAX_WINDOW_MINUTES}m (24h)"
                            ),
                        );
                    } else {
                        s.flexible_window = Some(minutes);
                    }
                }
                Err(e) => r.diags.error(p, e),
            }
        }
    }
    if let Some(n) = m.get("retries") {
        let p = path.key("retries");
        if let Some(n) = r.uint(n, &p) {
            if n > MAX_RETRIES as u64 {
                r.diags.error(
                    p,
                    format!("EventBridge Scheduler retries at most {MAX_RETRIES} times"),
                );
            } else {
                s.retries = n as u32;
            }
        }
    }
    Some(s)
}

/// The shape EventBridge Scheduler takes: `cron(min hour day-of-month month day-of-week
/// year)`, `rate(N minute|minutes|hour|hours|day|days)`, `at(yyyy-mm-ddThh:mm:ss)`. Never
/// quotes the value.
pub fn check_expression(e: &str) -> Result<(), String> {
    let inner = |prefix: &str| {
        e.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(')'))
            .map(str::trim)
    };
    if let Some(body) = inner("cron(") {
        let fields: Vec<&str> = body.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(format!("a cron expression has 6 fields (minutes, hours, day of month, month, day of week, year), found {}", fields.len()));
        }
        if fields[2] != "?" && fields[4] != "?" {
            return Err("in a cron expression, day of month or day of week must be `?` (EventBridge Scheduler takes one of them)".into());
        }
        let allowed = |f: &str| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || ",-*/?LW#".contains(c))
        };
        if let Some(i) = fields.iter().position(|f| !allowed(f)) {
            return Err(format!(
                "field {} of the cron expression holds a character cron does not know",
                i + 1
            ));
        }
        return Ok(());
    }
    if let Some(body) = inner("rate(") {
        let parts: Vec<&str> = body.split_whitespace().collect();
        let [n, unit] = parts.as_slice() else {
            return Err("expected `rate(<number> <unit>)`, such as `rate(5 minutes)`".into());
        };
        let n: u64 = n
            .parse()
            .map_err(|_| "a rate needs a whole number of units, 1 or more".to_string())?;
        let singular = matches!(*unit, "minute" | "hour" | "day");
        let plural = matches!(*unit, "minutes" | "hours" | "days");
        return match (n, singular, plural) {
            (0, _, _) => Err("a rate needs a whole number of units, 1 or more".into()),
            (1, true, _) | (2.., _, true) => Ok(()),
            (1, _, true) => Err("a rate of 1 takes the singular unit (`rate(1 hour)`)".into()),
            (_, true, _) => Err("a rate above 1 takes the plural unit (`rate(5 minutes)`)".into()),
            _ => Err("a rate's unit is `minutes`, `hours` or `days`".into()),
        };
    }
    if let Some(body) = inner("at(") {
        let b = body.as_bytes();
        let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
        let ok = b.len() == 19
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && b[10] == b'T'
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19);
        return if ok {
            Ok(())
        } else {
            Err("a one-time schedule is `at(yyyy-mm-ddThh:mm:ss)`".into())
        };
    }
    Err("expected `cron(...)`, `rate(...)` or `at(...)`".into())
}

#[cfg(test)]
mod tests {
    use super::check_expression as check;

    #[test]
    fn expressions_have_eventbridge_schedulers_shape() {
        assert_eq!(check("cron(0 3 * * ? *)"), Ok(()));
        assert_eq!(check("cron(15 10 ? * MON-FRI *)"), Ok(()));
        assert_eq!(check("rate(5 minutes)"), Ok(()));
        assert_eq!(check("rate(1 day)"), Ok(()));
        assert_eq!(check("at(2027-01-01T00:00:00)"), Ok(()));
        assert!(check("cron(0 3 * * *)").unwrap_err().contains("6 fields"));
        assert!(check("cron(0 3 * * * *)").unwrap_err().contains("`?`"));
        assert!(check("rate(1 hours)").unwrap_err().contains("singular"));
        assert!(check("rate(5 minute)").unwrap_err().contains("plural"));
        assert!(check("rate(0 minutes)").unwrap_err().contains("1 or more"));
        assert!(check("rate(5 weeks)").unwrap_err().contains("unit"));
        assert!(check("at(2027-01-01)").unwrap_err().contains("at("));
        assert!(check("0 3 * * *").unwrap_err().contains("expected"));
    }
}
