//! Time to roll out one web service, computed from the processed template (DESIGN §8,
//! docs/performance.md): what the load balancer and ECS's rolling batches add to a
//! deployment, for our output and for compose-cli's (the same template with ELB's
//! defaults, which compose-cli left in place).
//!
//! Per batch, a new task becomes healthy after `HealthyThresholdCount` checks
//! `HealthCheckIntervalSeconds` apart, then the old task drains for the deregistration
//! delay; ECS replaces `max(N·(max% − 100), N·(100 − min%)) / 100` tasks per batch (at
//! least one). Pulling the image and starting the container cost the same either way and
//! are left out.

use compose_to_ecs::cfn::input;
use compose_to_ecs::expand;
use serde_json::Value;
use std::path::Path;

/// ELB's defaults for a target group that sets nothing (both kinds: 30 s, 5 checks).
const ELB_INTERVAL: u64 = 30;
const ELB_HEALTHY_THRESHOLD: u64 = 5;
const ELB_DEREGISTRATION_DELAY: u64 = 300;

fn number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

/// Seconds one target group adds per batch: health checks until healthy, then draining.
fn target_group_seconds(tg: &Value) -> u64 {
    let p = &tg["Properties"];
    let interval = number(&p["HealthCheckIntervalSeconds"]).unwrap_or(ELB_INTERVAL);
    let healthy = number(&p["HealthyThresholdCount"]).unwrap_or(ELB_HEALTHY_THRESHOLD);
    let delay = p["TargetGroupAttributes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["Key"] == "deregistration_delay.timeout_seconds")
        .and_then(|a| number(&a["Value"]))
        .unwrap_or(ELB_DEREGISTRATION_DELAY);
    interval * healthy + delay
}

/// Seconds the rolling update of `service` waits on the load balancer.
fn rollout_seconds(template: &Value, service: &str) -> u64 {
    let resources = &template["Resources"];
    let s = &resources[service]["Properties"];
    let desired = number(&s["DesiredCount"]).unwrap_or(1).max(1);
    let config = &s["DeploymentConfiguration"];
    let max = number(&config["MaximumPercent"]).unwrap_or(200);
    let min = number(&config["MinimumHealthyPercent"]).unwrap_or(100);
    let step = (desired * max.saturating_sub(100) / 100)
        .max(desired * 100u64.saturating_sub(min) / 100)
        .max(1);
    let batches = desired.div_ceil(step);
    let per_batch = s["LoadBalancers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|lb| lb["TargetGroupArn"]["Ref"].as_str())
        .map(|tg| target_group_seconds(&resources[tg]))
        .max()
        .unwrap_or(0);
    batches * per_batch
}

/// compose-cli's target groups: no health-check properties, no attributes.
fn with_elb_defaults(template: &Value) -> Value {
    let mut out = template.clone();
    for (_, r) in out["Resources"].as_object_mut().unwrap().iter_mut() {
        if r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup" {
            let p = r["Properties"].as_object_mut().unwrap();
            p.retain(|k, _| !k.starts_with("HealthCheck") && !k.contains("Threshold"));
            p.remove("TargetGroupAttributes");
        }
    }
    out
}

fn expanded(example: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(example);
    let text = std::fs::read_to_string(path).unwrap();
    let template = input::parse_template(&text).unwrap();
    let params = [
        ("VpcId", "vpc-0123456789abcdef0"),
        (
            "SubnetIds",
            "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        ),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let request = input::request(template, &params).unwrap();
    expand(&request).unwrap().fragment
}

#[test]
fn one_web_service_rolls_out_within_a_minute() {
    let template = expanded("examples/nginx.yaml");
    let ours = rollout_seconds(&template, "NginxWebService");
    let compose_cli = rollout_seconds(&with_elb_defaults(&template), "NginxWebService");
    // 2 checks × 10 s + 10 s of draining (Compose's stop_grace_period default).
    assert_eq!(ours, 30, "docs/performance.md states 30 s");
    assert!(
        ours < 60,
        "a rolling update waits {ours} s on the load balancer"
    );
    // ELB's defaults: 5 checks × 30 s + 300 s of draining.
    assert_eq!(compose_cli, 450, "docs/performance.md states 450 s");
}

#[test]
fn batches_multiply_the_wait() {
    // Four replicas with `parallelism: 2` (max 150 %, min 50 %): two batches.
    let mut template = expanded("examples/nginx.yaml");
    let s = &mut template["Resources"]["NginxWebService"]["Properties"];
    s["DesiredCount"] = 4.into();
    s["DeploymentConfiguration"]["MaximumPercent"] = 150.into();
    s["DeploymentConfiguration"]["MinimumHealthyPercent"] = 50.into();
    assert_eq!(rollout_seconds(&template, "NginxWebService"), 60);
}
