//! How a service's container runs, in Compose words: `ulimits`, `healthcheck`, `logging`.
//! It extends the `Reader` that `normalize` reads with.

use super::model::*;
use super::reader::Reader;
use crate::diagnostics::Path;
use serde_json::Value;

impl Reader<'_> {
    pub(super) fn ulimits(&mut self, v: &Value, path: &Path, s: &mut Service) {
        let Value::Object(map) = v else {
            self.expected(path, "a mapping of limits", v);
            return;
        };
        for (name, value) in map {
            let p = path.key(name);
            if !ULIMIT_NAMES.contains(&name.as_str()) {
                self.diags.error(
                    &p,
                    format!(
                        "expected one of the limits {}, found `{name}`",
                        ULIMIT_NAMES
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            let pair = match value {
                Value::Object(m) => {
                    let soft = m.get("soft").and_then(|v| self.int(v, &p.key("soft")));
                    let hard = m.get("hard").and_then(|v| self.int(v, &p.key("hard")));
                    match (soft, hard) {
                        (Some(a), Some(b)) => Some((a, b)),
                        _ => {
                            if !(m.contains_key("soft") && m.contains_key("hard")) {
                                self.diags.error(&p, "expected both `soft` and `hard`");
                            }
                            None
                        }
                    }
                }
                other => self.int(other, &p).map(|n| (n, n)),
            };
            if let Some((soft, hard)) = pair {
                if soft > hard {
                    self.diags.error(
                        &p,
                        format!("the soft limit `{soft}` is above the hard limit `{hard}`"),
                    );
                    continue;
                }
                s.ulimits.insert(name.clone(), (soft, hard));
            }
        }
    }

    pub(super) fn healthcheck(&mut self, v: &Value, path: &Path) -> Option<Healthcheck> {
        let Value::Object(map) = v else {
            self.expected(path, "a mapping", v);
            return None;
        };
        if let Some(d) = map.get("disable") {
            if self.boolean(d, &path.key("disable")) == Some(true) {
                return None;
            }
        }
        let tp = path.key("test");
        let command: Vec<Text> = match map.get("test") {
            None => {
                // Only timing overrides: the image's HEALTHCHECK, which ECS does not read.
                self.diags.warn(
                    path,
                    "no `test`: ECS ignores the image's HEALTHCHECK, so the service gets no health check",
                );
                return None;
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.diags.error(
                    &tp,
                    "the test is empty; write the command, or `disable: true`",
                );
                return None;
            }
            Some(Value::String(s)) => vec![Text::Lit("CMD-SHELL".into()), Text::Lit(s.clone())],
            Some(Value::Array(items)) => {
                let items: Vec<Text> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.text(item, &tp.index(i)))
                    .collect();
                match items.first().and_then(|t| t.as_lit()) {
                    Some("NONE") => return None,
                    Some("CMD") | Some("CMD-SHELL") if items.len() > 1 => items,
                    Some("CMD") | Some("CMD-SHELL") => {
                        self.diags
                            .error(&tp, "the test has no command after its first word");
                        return None;
                    }
                    _ => {
                        self.diags.error(
                            &tp,
                            "expected `[\"CMD\", ...]`, `[\"CMD-SHELL\", \"...\"]`, `[\"NONE\"]` or a string",
                        );
                        return None;
                    }
                }
            }
            Some(other) => {
                self.expected(&tp, "a string or a list", other);
                return None;
            }
        };
        let field = |key: &str, default: u64, min: u64, max: u64, this: &mut Self| -> u64 {
            let p = path.key(key);
            let value = match map.get(key) {
                Some(v) if key == "retries" => this.uint(v, &p),
                Some(v) => this.duration_secs(v, &p),
                None => None,
            };
            let Some(value) = value else { return default };
            if value < min || value > max {
                let clamped = value.clamp(min, max);
                let unit = if key == "retries" { "" } else { "s" };
                this.diags.warn(
                    &p,
                    format!("expected {min}{unit} to {max}{unit} (ECS's range), found `{value}{unit}`: using {clamped}{unit}"),
                );
                clamped
            } else {
                value
            }
        };
        let interval = field("interval", 30, 5, 300, self);
        let timeout = field("timeout", 30, 2, 120, self);
        let retries = field("retries", 3, 1, 10, self);
        let start_period = map
            .get("start_period")
            .map(|_| field("start_period", 0, 0, 300, self));
        Some(Healthcheck {
            command,
            interval,
            timeout,
            retries,
            start_period,
        })
    }

    pub(super) fn logging(&mut self, v: &Value, path: &Path, s: &mut Service) {
        let Value::Object(map) = v else {
            self.expected(path, "a mapping", v);
            return;
        };
        if let Some(d) = map.get("driver") {
            if let Some(driver) = self.literal(d, &path.key("driver")) {
                if driver != "awslogs" {
                    self.diags.warn(
                        path.key("driver"),
                        format!("logs go to CloudWatch Logs through `awslogs`, not `{driver}`"),
                    );
                }
            }
        }
        if let Some(o) = map.get("options") {
            let p = path.key("options");
            for (key, value) in self.env_map(o, &p, false) {
                if key == "awslogs-group" {
                    if let Some(name) = value.as_lit().filter(|n| !is_log_group_name(n)) {
                        self.diags.error(
                            p.key(&key),
                            format!("expected a CloudWatch Logs group name (1 to 512 letters, digits and `_-./#`), found `{name}`"),
                        );
                        continue;
                    }
                }
                if key.starts_with("awslogs-") {
                    s.log_options.insert(key, value);
                } else {
                    self.diags.warn(
                        p.key(&key),
                        "ignored: only `awslogs-*` options apply to CloudWatch Logs",
                    );
                }
            }
        }
    }
}

/// A CloudWatch Logs group name: 1 to 512 of `[A-Za-z0-9_./#-]`.
fn is_log_group_name(name: &str) -> bool {
    (1..=512).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./#".contains(&b))
}
/// Resource limits ECS knows.
pub const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];
