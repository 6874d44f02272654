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
//!
//! What a user waits for under each strategy (`x-aws-strategy`, docs/deployments.md),
//! `waits`: when all production traffic reaches the new version, how long users may get
//! either version, how long both versions' tasks run (twice the capacity), and how long a
//! rollback only moves traffic back (instant: the old tasks still run). A rolling update
//! has no instant rollback: rolling back is another rolling update. In the blue/green
//! family the new tasks become healthy in the alternate target group before any traffic
//! moves; then traffic moves at once (blue/green), after the canary's bake time, or in
//! steps; the old tasks run for the bake time after that, then drain.

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
    // The VPC parameters, to the examples that declare them (the others create theirs).
    let params: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| template["Parameters"].get(k).is_some())
        .collect();
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

/// What a deployment of one service makes its users wait for, in seconds.
#[derive(Debug, PartialEq)]
struct Waits {
    /// From the new tasks starting to all production traffic on them.
    full_traffic: u64,
    /// Users may be answered by either version this long.
    mixed: u64,
    /// Both versions' tasks run this long.
    both_run: u64,
    /// A rollback only moves traffic back (the old tasks still run) this long; 0: never.
    instant_rollback: u64,
}

/// Seconds a new task takes to pass the target group's health checks, and the draining.
fn ready_and_drain(template: &Value, service: &str) -> (u64, u64) {
    let resources = &template["Resources"];
    let s = &resources[service]["Properties"];
    let tg = s["LoadBalancers"][0]["TargetGroupArn"]["Ref"]
        .as_str()
        .expect("a load-balanced service");
    let p = &resources[tg]["Properties"];
    let interval = number(&p["HealthCheckIntervalSeconds"]).unwrap_or(ELB_INTERVAL);
    let healthy = number(&p["HealthyThresholdCount"]).unwrap_or(ELB_HEALTHY_THRESHOLD);
    let total = target_group_seconds(&resources[tg]);
    (interval * healthy, total - interval * healthy)
}

/// The waits of `service`'s deployments, read from its `DeploymentConfiguration`.
fn waits(template: &Value, service: &str) -> Waits {
    let config = &template["Resources"][service]["Properties"]["DeploymentConfiguration"];
    let (ready, drain) = ready_and_drain(template, service);
    let bake = number(&config["BakeTimeInMinutes"]).unwrap_or(0) * 60;
    let shifting = match config["Strategy"].as_str().unwrap_or("ROLLING") {
        "ROLLING" => {
            let total = rollout_seconds(template, service);
            let per_batch = ready + drain;
            let batches = total / per_batch.max(1);
            let full = total - drain;
            return Waits {
                full_traffic: full,
                mixed: (batches.saturating_sub(1)) * per_batch,
                both_run: total,
                instant_rollback: 0,
            };
        }
        "BLUE_GREEN" => 0,
        "CANARY" => {
            number(&config["CanaryConfiguration"]["CanaryBakeTimeInMinutes"]).unwrap_or(10) * 60
        }
        "LINEAR" => {
            let c = &config["LinearConfiguration"];
            let tenths = (c["StepPercent"].as_f64().unwrap_or(10.0) * 10.0).round() as u64;
            // CloudFormation's count of the waits between steps (none after the last).
            let steps = if 1000 % tenths == 0 {
                1000 / tenths - 1
            } else {
                1000 / tenths
            };
            steps * number(&c["StepBakeTimeInMinutes"]).unwrap_or(6) * 60
        }
        other => panic!("unknown strategy {other}"),
    };
    Waits {
        full_traffic: ready + shifting,
        mixed: shifting,
        both_run: ready + shifting + bake + drain,
        instant_rollback: shifting + bake,
    }
}

#[test]
fn a_rolling_update_mixes_versions_and_rolls_back_slowly() {
    let template = expanded("examples/nginx.yaml");
    let w = waits(&template, "NginxWebService");
    // One batch: 20 s of health checks, 10 s of draining; no instant rollback.
    assert_eq!(
        w,
        Waits {
            full_traffic: 20,
            mixed: 0,
            both_run: 30,
            instant_rollback: 0
        }
    );
    // Four replicas in two batches: users get either version for a batch.
    let mut template = template;
    let s = &mut template["Resources"]["NginxWebService"]["Properties"];
    s["DesiredCount"] = 4.into();
    s["DeploymentConfiguration"]["MaximumPercent"] = 150.into();
    s["DeploymentConfiguration"]["MinimumHealthyPercent"] = 50.into();
    let w = waits(&template, "NginxWebService");
    assert_eq!((w.full_traffic, w.mixed, w.both_run), (50, 30, 60));
}

#[test]
fn blue_green_moves_all_traffic_at_once_and_rolls_back_instantly_while_baking() {
    let template = expanded("examples/blue-green.yaml");
    let w = waits(&template, "ShopWebService");
    // docs/deployments.md: full traffic 20 s after the new tasks start, never mixed,
    // 15 minutes of instant rollback, the old tasks stopped 10 s of draining later.
    assert_eq!(
        w,
        Waits {
            full_traffic: 20,
            mixed: 0,
            both_run: 20 + 900 + 10,
            instant_rollback: 900
        }
    );
}

#[test]
fn canary_and_linear_trade_time_to_full_traffic_for_a_smaller_blast_radius() {
    let mut template = expanded("examples/blue-green.yaml");
    let config =
        &mut template["Resources"]["ShopWebService"]["Properties"]["DeploymentConfiguration"];
    config["Strategy"] = "CANARY".into();
    config["BakeTimeInMinutes"] = 5.into();
    config["CanaryConfiguration"] =
        serde_json::json!({"CanaryPercent": 10.0, "CanaryBakeTimeInMinutes": 20});
    let canary = waits(&template, "ShopWebService");
    // 10 % for 20 minutes, then the rest; 5 minutes of bake after.
    assert_eq!(canary.full_traffic, 20 + 1200);
    assert_eq!(canary.mixed, 1200);
    assert_eq!(canary.instant_rollback, 1200 + 300);
    let config =
        &mut template["Resources"]["ShopWebService"]["Properties"]["DeploymentConfiguration"];
    config["Strategy"] = "LINEAR".into();
    config["LinearConfiguration"] =
        serde_json::json!({"StepPercent": 25.0, "StepBakeTimeInMinutes": 5});
    let linear = waits(&template, "ShopWebService");
    // 25 % steps: three waits of 5 minutes between four shifts.
    assert_eq!(linear.full_traffic, 20 + 900);
    assert_eq!(linear.both_run, 20 + 900 + 300 + 10);
    assert!(linear.full_traffic < canary.full_traffic);
    // Every strategy of the family rolls back instantly for longer than it mixes versions.
    for w in [&canary, &linear] {
        assert!(w.instant_rollback > w.mixed);
    }
}
