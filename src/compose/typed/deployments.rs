//! Deployment strategies (docs/deployments.md): `deploy.update_config.x-aws-strategy`
//! chooses how ECS replaces a service's tasks: `rolling` (the default, batches of tasks),
//! or one of ECS's blue/green family, which starts a whole new set of tasks beside the old
//! one and moves the load balancer's traffic to it: `blue_green` (all at once), `canary`
//! (a share first, the rest after a bake time) and `linear` (equal steps). Read here, in
//! Compose words, with path-addressed errors; `validate::deployments` checks what the
//! strategy needs of the rest of the project and `convert::deployments` writes it out.
//! Read after the services.
//!
//! Ranges (ECS API reference, `CanaryConfiguration`, `LinearConfiguration`,
//! `DeploymentConfiguration`): a canary share 0.1 to 100 % and a linear step 3 to 100 %,
//! multiples of 0.1; each bake time 0 to 1440 minutes. CloudFormation refuses a deployment
//! whose bake times add up past 33 hours (its own operations time out after 36):
//! `BakeTimeInMinutes + CanaryBakeTimeInMinutes` for canary, `BakeTimeInMinutes +
//! StepBakeTimeInMinutes × steps` for linear (CloudFormation template reference,
//! `AWS::ECS::Service CanaryConfiguration` and `LinearConfiguration`).

use super::model::Project;
pub use super::model::{linear_steps, Deployment, Shift};
use super::reader::Reader;
use crate::compose::source::values;
use crate::diagnostics::Path;
use serde_json::{Map, Value};

/// The longest bake time ECS takes, minutes (24 hours).
pub const MAX_BAKE_MINUTES: u64 = 1440;
/// CloudFormation's limit on a deployment's computed length, minutes (33 hours).
pub const CLOUDFORMATION_MINUTES: u64 = 33 * 60;
/// Our default `x-aws-bake_time`: how long both versions run after the traffic moved, the
/// window in which a rollback is instant (ECS requires one for blue/green).
pub const DEFAULT_BAKE_MINUTES: u64 = 10;
/// ECS's defaults: 5 % for 10 minutes (canary), steps of 10 % every 6 minutes (linear).
pub const DEFAULT_CANARY_TENTHS: u32 = 50;
pub const DEFAULT_CANARY_BAKE_MINUTES: u64 = 10;
pub const DEFAULT_STEP_TENTHS: u32 = 100;
pub const DEFAULT_STEP_BAKE_MINUTES: u64 = 6;

/// The keys that only mean something with a blue/green-family strategy.
const STRATEGY_KEYS: [&str; 6] = [
    "x-aws-bake_time",
    "x-aws-test_port",
    "x-aws-canary_percent",
    "x-aws-canary_bake_time",
    "x-aws-step_percent",
    "x-aws-step_bake_time",
];

/// The path of a service's `update_config`.
pub fn update_path(service: &str) -> Path {
    Path::root()
        .key("services")
        .key(service)
        .key("deploy")
        .key("update_config")
}

/// Reads each service's `deploy.update_config.x-aws-strategy` and its keys.
pub(super) fn read(r: &mut Reader, tree: &Map<String, Value>, project: &mut Project) {
    let Some(Value::Object(raw)) = tree.get("services") else {
        return;
    };
    for (name, s) in project.services.iter_mut() {
        let Some(Value::Object(u)) = raw
            .get(name)
            .and_then(|s| s.get("deploy"))
            .and_then(|d| d.get("update_config"))
        else {
            continue;
        };
        s.deployment = deployment(r, u, &update_path(name));
    }
}

fn deployment(r: &mut Reader, u: &Map<String, Value>, path: &Path) -> Option<Deployment> {
    let strategy = match u.get("x-aws-strategy") {
        // Not a literal: reported by the reader; nothing more to say about its keys.
        Some(v) => Some(r.literal(v, &path.key("x-aws-strategy"))?),
        None => None,
    };
    let given = |key: &str| u.contains_key(key);
    let strategy = match strategy.as_deref() {
        None | Some("rolling") => {
            for key in STRATEGY_KEYS.iter().filter(|k| given(k)) {
                r.diags.error(
                    path.key(key),
                    "only a `blue_green`, `canary` or `linear` deployment uses it: set `x-aws-strategy` (the default, `rolling`, replaces tasks in batches)",
                );
            }
            return None;
        }
        Some(s @ ("blue_green" | "canary" | "linear")) => s.to_string(),
        Some(other) => {
            let hint = match other.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
                "bluegreen" | "blue_green" | "blue/green" => " (spelled `blue_green`)",
                _ => "",
            };
            r.diags.error(
                path.key("x-aws-strategy"),
                format!(
                    "expected `rolling`, `blue_green`, `canary` or `linear`, found `{other}`{hint}"
                ),
            );
            return None;
        }
    };
    let mut ok = true;
    let mut minutes = |r: &mut Reader, key: &str, default: u64| -> u64 {
        let Some(v) = u.get(key) else { return default };
        match bake_minutes(r, v, &path.key(key)) {
            Some(m) => m,
            None => {
                ok = false;
                default
            }
        }
    };
    let bake = minutes(r, "x-aws-bake_time", DEFAULT_BAKE_MINUTES);
    let canary_bake = minutes(r, "x-aws-canary_bake_time", DEFAULT_CANARY_BAKE_MINUTES);
    let step_bake = minutes(r, "x-aws-step_bake_time", DEFAULT_STEP_BAKE_MINUTES);
    let (shift, foreign): (Shift, &[&str]) = match strategy.as_str() {
        "canary" => (
            Shift::Canary {
                tenths: percent(r, u, path, "x-aws-canary_percent", 1, DEFAULT_CANARY_TENTHS)?,
                bake: canary_bake,
            },
            &["x-aws-step_percent", "x-aws-step_bake_time"],
        ),
        "linear" => (
            Shift::Linear {
                tenths: percent(r, u, path, "x-aws-step_percent", 30, DEFAULT_STEP_TENTHS)?,
                bake: step_bake,
            },
            &["x-aws-canary_percent", "x-aws-canary_bake_time"],
        ),
        _ => (
            Shift::BlueGreen,
            &[
                "x-aws-canary_percent",
                "x-aws-canary_bake_time",
                "x-aws-step_percent",
                "x-aws-step_bake_time",
            ],
        ),
    };
    for key in foreign.iter().filter(|k| given(k)) {
        r.diags.error(
            path.key(key),
            format!(
                "a `{}` deployment does not use it: {}",
                shift.compose_name(),
                if key.contains("canary") {
                    "it belongs to `x-aws-strategy: canary`"
                } else {
                    "it belongs to `x-aws-strategy: linear`"
                }
            ),
        );
        ok = false;
    }
    let test_port = match u.get("x-aws-test_port") {
        None => None,
        Some(v) => {
            let p = path.key("x-aws-test_port");
            match r.uint(v, &p) {
                Some(n) if (1..=65535).contains(&n) => Some(n as u16),
                Some(_) => {
                    r.diags.error(p, "expected a port from 1 to 65535");
                    ok = false;
                    None
                }
                None => {
                    ok = false;
                    None
                }
            }
        }
    };
    if !ok {
        return None;
    }
    let d = Deployment {
        shift,
        bake,
        test_port,
    };
    if d.cloudformation_minutes() > CLOUDFORMATION_MINUTES {
        let what = match shift {
            Shift::BlueGreen => "`x-aws-bake_time`".to_string(),
            Shift::Canary { .. } => "`x-aws-bake_time` + `x-aws-canary_bake_time`".to_string(),
            Shift::Linear { tenths, .. } => format!(
                "`x-aws-bake_time` + `x-aws-step_bake_time` × {} steps",
                linear_steps(tenths)
            ),
        };
        r.diags.error(
            path.key("x-aws-strategy"),
            format!(
                "the deployment would take {} minutes ({what}): CloudFormation refuses one longer than 33 hours ({CLOUDFORMATION_MINUTES} minutes), its own operations time out after 36",
                d.cloudformation_minutes()
            ),
        );
        return None;
    }
    Some(d)
}

/// A bake time: a Compose duration, in whole minutes (rounded up), 0 to 24 hours.
fn bake_minutes(r: &mut Reader, v: &Value, path: &Path) -> Option<u64> {
    let text = r.literal(v, path)?;
    let ms = match values::duration_ms(&text) {
        Ok(ms) => ms,
        Err(e) => {
            r.diags.error(path, e);
            return None;
        }
    };
    let minutes = ms.div_ceil(60_000);
    if minutes > MAX_BAKE_MINUTES {
        r.diags.error(
            path,
            format!(
                "ECS bakes at most 24 hours ({MAX_BAKE_MINUTES} minutes), found {minutes} minutes"
            ),
        );
        return None;
    }
    if ms % 60_000 != 0 {
        r.diags.warn(
            path,
            format!("ECS counts bake times in whole minutes: {minutes} minutes"),
        );
    }
    Some(minutes)
}

/// A percentage in tenths, from `min` tenths to 100 %, a multiple of 0.1; the default
/// when the key is absent; `None` when it is wrong.
fn percent(
    r: &mut Reader,
    u: &Map<String, Value>,
    path: &Path,
    key: &str,
    min: u32,
    default: u32,
) -> Option<u32> {
    let Some(v) = u.get(key) else {
        return Some(default);
    };
    let p = path.key(key);
    let number = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().trim_end_matches('%').trim().parse::<f64>().ok(),
        _ if crate::cfn::intrinsics::is_intrinsic(v) => {
            r.not_literal(&p);
            return None;
        }
        _ => None,
    };
    let lowest = format!("{}.{}", min / 10, min % 10);
    let Some(x) = number.filter(|x| x.is_finite()) else {
        r.diags.error(
            p,
            format!("expected a percentage from {lowest} to 100, in steps of 0.1"),
        );
        return None;
    };
    let tenths = (x * 10.0).round();
    if (x * 10.0 - tenths).abs() > 1e-6 || tenths < f64::from(min) || tenths > 1000.0 {
        r.diags.error(
            p,
            format!("expected a percentage from {lowest} to 100, in steps of 0.1, found {x}"),
        );
        return None;
    }
    Some(tenths as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_steps_follow_cloudformation() {
        // CloudFormation's examples: 10 % → 9 waits, 11 % → 9 waits, 3 % → 33 waits.
        assert_eq!(linear_steps(100), 9);
        assert_eq!(linear_steps(110), 9);
        assert_eq!(linear_steps(30), 33);
        assert_eq!(linear_steps(1000), 0);
        assert_eq!(linear_steps(250), 3);
    }

    #[test]
    fn cloudformation_counts_bake_and_shift() {
        let d = Deployment {
            shift: Shift::Linear {
                tenths: 100,
                bake: 6,
            },
            bake: 10,
            test_port: None,
        };
        assert_eq!(d.cloudformation_minutes(), 10 + 9 * 6);
        let c = Deployment {
            shift: Shift::Canary {
                tenths: 50,
                bake: 1440,
            },
            bake: 600,
            test_port: None,
        };
        assert!(c.cloudformation_minutes() > CLOUDFORMATION_MINUTES);
    }
}
