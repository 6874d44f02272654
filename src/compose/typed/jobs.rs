//! Run-once services (docs/operations.md "Jobs"): a service whose `restart` is `"no"` or
//! `on-failure[:N]`, or that another service waits for with `condition:
//! service_completed_successfully`, runs to completion during each deployment instead of
//! as an ECS service. Read after the services, since whether a service is awaited is said by
//! the others. In Compose words only; `convert::jobs` builds the resources.

use super::model::{Condition, Project};
pub use super::model::{Job, Why};
use super::reader::Reader;
use crate::diagnostics::Path;
use serde_json::{Map, Value};

/// The most retries a job may ask for: every attempt runs within the one hour a
/// CloudFormation custom resource may take.
pub const MAX_RETRIES: u32 = 10;

/// Retries of `on-failure` without a count: Compose would restart it forever; a
/// deployment must end.
pub const DEFAULT_ON_FAILURE_RETRIES: u32 = 3;

/// A service's `restart` policy, as far as jobs care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Restart {
    /// `always`, `unless-stopped`, or none written: a long-running service.
    Service,
    /// `no`.
    No,
    /// `on-failure[:N]`: the retries.
    OnFailure(u32),
}

/// Reads each service's `restart` and marks the services that run as jobs.
pub(super) fn read(r: &mut Reader, tree: &Map<String, Value>, project: &mut Project) {
    let Some(Value::Object(raw)) = tree.get("services") else {
        return;
    };
    let root = Path::root().key("services");
    let mut restarts = std::collections::BTreeMap::new();
    for name in project.services.keys() {
        let Some(v) = raw.get(name).and_then(|s| s.get("restart")) else {
            continue;
        };
        let path = root.key(name).key("restart");
        if let Some(policy) = restart(r, v, &path) {
            restarts.insert(name.clone(), policy);
        }
    }
    // Who waits for whom to complete: the dependency → its first waiter (by name).
    let mut awaited = std::collections::BTreeMap::new();
    for (name, s) in &project.services {
        for (dep, condition) in &s.depends_on {
            if *condition == Condition::CompletedSuccessfully {
                awaited.entry(dep.clone()).or_insert_with(|| name.clone());
            }
        }
    }
    for (name, s) in project.services.iter_mut() {
        let policy = restarts.get(name).copied().unwrap_or(Restart::Service);
        let retries = match policy {
            Restart::OnFailure(n) => n,
            _ => 0,
        };
        if let Some(waiter) = awaited.get(name) {
            if !s.ports.is_empty() {
                r.diags.error(
                    root.key(waiter).key("depends_on").key(name).key("condition"),
                    format!("waits for `{name}` to complete, but `{name}` publishes ports: a service that serves does not run once to completion; wait with `service_started` or `service_healthy`"),
                );
                continue;
            }
            s.job = Some(Job {
                retries,
                why: Why::Awaited(waiter.clone()),
            });
        } else if policy != Restart::Service {
            if !s.ports.is_empty() || !s.expose.is_empty() {
                r.diags.warn(
                    root.key(name).key("restart"),
                    "the service listens on ports, so it stays a long-running ECS service (which ECS restarts) rather than a job run once during each deployment; write `restart: always` to say so",
                );
                continue;
            }
            s.job = Some(Job {
                retries,
                why: Why::Restart,
            });
        }
        if s.job.is_some() {
            let path = root.key(name);
            if s.replicas_set && s.replicas != 1 {
                r.diags.warn(
                    path.key("deploy").key("replicas"),
                    "a job runs one task to completion in each deployment; the replica count is ignored",
                );
            }
            if s.autoscaling.is_some() {
                r.diags.warn(
                    path.key("deploy").key("x-aws-autoscaling"),
                    "ignored: a job runs one task to completion, nothing scales",
                );
            }
        }
    }
}

/// `restart`: `no`, `always`, `unless-stopped`, `on-failure[:N]`; empty (an unset
/// variable) is no policy.
fn restart(r: &mut Reader, v: &Value, path: &Path) -> Option<Restart> {
    let text = match v {
        // YAML 1.1's `no` read as a boolean by some tools.
        Value::Bool(false) => return Some(Restart::No),
        _ => r.literal(v, path)?,
    };
    match text.trim() {
        "" | "always" | "unless-stopped" => Some(Restart::Service),
        "no" => Some(Restart::No),
        "on-failure" => Some(Restart::OnFailure(DEFAULT_ON_FAILURE_RETRIES)),
        other => match other.strip_prefix("on-failure:") {
            Some(n) => match n.trim().parse::<u32>() {
                Ok(n) if n <= MAX_RETRIES => Some(Restart::OnFailure(n)),
                Ok(_) => {
                    r.diags.error(
                        path,
                        format!("a job retries at most {MAX_RETRIES} times: every run happens within the hour a deployment waits for it"),
                    );
                    None
                }
                Err(_) => {
                    r.diags.error(
                        path,
                        "expected `on-failure:` followed by a number of retries",
                    );
                    None
                }
            },
            None => {
                r.diags.error(
                    path,
                    "expected `no`, `always`, `unless-stopped` or `on-failure[:max-retries]`",
                );
                None
            }
        },
    }
}
