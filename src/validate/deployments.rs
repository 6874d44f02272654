//! What a blue/green-family deployment (`x-aws-strategy`: `blue_green`, `canary`,
//! `linear`; docs/deployments.md) needs of the rest of the project, checked with
//! path-addressed errors:
//!
//! - A published port behind the project's Application Load Balancer. ECS moves traffic
//!   between two target groups through a listener rule; without a load balancer (or
//!   Service Connect) it has nothing to move, and this project does not shift Service
//!   Connect traffic. A Network Load Balancer is refused: ECS shifts NLB traffic by
//!   rewriting the listener itself, which this project does not generate yet (ECS
//!   Developer Guide, "Required resources for Amazon ECS blue/green deployments";
//!   canary deployments do not support NLBs at all).
//! - A listener of the service that answers 404 by default (services that share a port
//!   by `x-aws-routing`, or domains, with none of them the default) gets a warning: the
//!   2025 edition of the ECS Developer Guide ("Application Load Balancer resources for
//!   blue/green deployments", Limitations) said deployments fail on listeners whose rules
//!   mix forward and non-forward actions; its current edition, covering linear and canary
//!   too, no longer lists that limitation. An existing listener's actions are its owner's:
//!   a warning too.
//! - Not on a service that writes a named volume: both versions run side by side for the
//!   whole deployment and the bake time, two writers on the same files (the project stops a
//!   writing service first, `convert::service::percents`). An explicit `order: start-first`
//!   accepts that, with `validate::data`'s warning.
//! - Not on a job or a scheduled service (no ECS service to deploy), nor on a `global`
//!   service (one task per instance: no room for a second set beside the first).
//! - `x-aws-test_port`: not a port the load balancer already listens on, not another
//!   service's test port; one published port to test.
//!
//! And warns where a key loses its meaning: `failure_action` (the deployment circuit
//! breaker works with rolling updates only) and autoscaling on requests (the metric
//! follows the first target group, which carries no traffic after every other deployment).

use super::loadbalancer::{Fallback, Kind, Plan};
use crate::compose::deployments::update_path;
use crate::compose::model::{FailureAction, Project, ScaleMetric};
use crate::diagnostics::Diagnostics;
use std::collections::BTreeMap;

/// Checks every service with a blue/green-family strategy.
pub fn check(project: &Project, balancer: Option<&Plan>, diags: &mut Diagnostics) {
    let mut test_ports: BTreeMap<u16, &str> = BTreeMap::new();
    for s in project.services.values() {
        let Some(d) = &s.deployment else { continue };
        let at = update_path(&s.name).key("x-aws-strategy");
        let name = d.shift.compose_name();
        if s.job.is_some() || s.schedule.is_some() {
            diags.error(
                &at,
                format!("a `{name}` deployment moves traffic between two versions of a long-running service; this service runs to completion (a job or a schedule), drop the strategy"),
            );
            continue;
        }
        if s.compute.global {
            diags.error(
                &at,
                format!("a `global` service runs one task per instance; a `{name}` deployment runs a second set of tasks beside the first, which the daemon scheduler does not place: keep `rolling`"),
            );
            continue;
        }
        let targets: Vec<_> = balancer
            .map(|p| p.of_service(&s.name).collect())
            .unwrap_or_default();
        let Some(plan) = balancer.filter(|_| !targets.is_empty()) else {
            diags.error(
                &at,
                format!("a `{name}` deployment moves the load balancer's traffic from the old tasks to the new ones: publish a web port (`ports`), or keep the default `rolling` (ECS also shifts Service Connect traffic, which this project does not generate)"),
            );
            continue;
        };
        if plan.kind == Kind::Network {
            diags.error(
                &at,
                format!("a `{name}` deployment needs an Application Load Balancer (every published port of the project HTTP or HTTPS); the project gets a Network Load Balancer, for which ECS rewrites listeners this project does not generate (and canary deployments do not support at all): keep `rolling`"),
            );
            continue;
        }
        for (l, _) in &targets {
            if l.existing {
                diags.warn(
                    &at,
                    format!("listener {} exists already: ECS's blue/green deployments fail on listeners that mix forward and fixed-response or redirect actions, so its default action and other rules must forward", l.port),
                );
            } else if l.fallback == Fallback::NotFound {
                diags.warn(
                    &at,
                    format!("listener {} answers 404 to requests no host or path rule takes; the 2025 edition of ECS's guide said blue/green deployments fail on listeners that mix forward and fixed-response actions (its current edition no longer lists it): if ECS refuses the deployment, publish one service on port {} without `x-aws-routing` or `x-aws-domain`, so that the listener forwards to it by default", l.port, l.port),
                );
            }
        }
        if s.writes_volume() && !s.update.start_first {
            diags.error(
                &at,
                format!("this service writes a named volume and is stopped before its new tasks start; a `{name}` deployment runs both versions side by side (during the deployment and the bake time), two writers on the same files: keep `rolling`, or accept two writers with `order: start-first`"),
            );
        }
        if s.update.failure_action != FailureAction::Rollback {
            diags.warn(
                update_path(&s.name).key("failure_action"),
                format!("ignored with a `{name}` deployment: the deployment circuit breaker works with rolling updates only; ECS stops a deployment whose new tasks never become healthy, and the service's deployment alarms (`x-aws-alarms` with `rollback`) move traffic back"),
            );
        }
        if s.autoscaling
            .as_ref()
            .is_some_and(|a| matches!(a.metric, ScaleMetric::Requests(_)))
        {
            diags.warn(
                crate::diagnostics::Path::root()
                    .key("services")
                    .key(&s.name)
                    .key("deploy")
                    .key("x-aws-autoscaling"),
                format!("scaling on requests follows the service's first target group, and after every other `{name}` deployment the traffic is on the alternate one: scale on `cpu` or `memory`"),
            );
        }
        if let Some(port) = d.test_port {
            let tp = update_path(&s.name).key("x-aws-test_port");
            let web: Vec<_> = targets
                .iter()
                .filter(|(l, _)| l.fallback != Fallback::Redirect)
                .collect();
            if web.len() > 1 {
                diags.error(
                    &tp,
                    format!("a test listener reaches one published port; this service publishes {} behind the load balancer", web.len()),
                );
            }
            if plan.listeners.iter().any(|l| l.port == port) {
                diags.error(
                    &tp,
                    format!("the load balancer already listens on port {port} for published traffic: choose a port nothing publishes"),
                );
            } else if let Some(other) = test_ports.insert(port, &s.name) {
                diags.error(
                    &tp,
                    format!(
                        "service `{other}` tests on port {port} already: one test port per service"
                    ),
                );
            }
        }
    }
}
