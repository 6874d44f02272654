//! Logical ID collisions: generated names that meet are refused, never a panic.

use super::*;

#[test]
fn networks_and_ports_whose_ingress_ids_meet() {
    // Found while auditing generated names after fuzzing: network `front` with port 180
    // and network `front1` with port 80 both named their load balancer ingress rule
    // `AppFront180Ingress`; the converter's duplicate check panicked (the CLI crashed, the
    // macro answered "internal error").
    let compose = json!({
        "services": {
            "a": {"image": "nginx", "ports": ["180:180"], "networks": ["front"]},
            "b": {"image": "nginx", "ports": ["80:80"], "networks": ["front1"]},
        },
        "networks": {"front": {}, "front1": {}},
    });
    let message = "services.b.ports[0]: network `front1` and port `80` give the logical ID part `Front180Ingress`, as network `front` and port `180` of service `a` do; rename one of the networks";
    assert_eq!(error(compose.clone()), message);
    let event = json!({"requestId": "r-1", "fragment": template(compose)});
    assert_eq!(
        handle(serde_json::to_vec(&event).unwrap()),
        json!({"requestId": "r-1", "status": "failure", "errorMessage": format!("ComposeToECS: 1 error: {message}")})
    );
    // UDP rules carry their own suffix and do not meet TCP ones. (A UDP target group is
    // health-checked over TCP, on port 8080 here, so that rule is `Front8080Ingress`.)
    let ok = run(json!({
        "services": {
            "a": {"image": "nginx", "ports": [{"target": 180, "published": 180, "protocol": "udp", "x-aws-healthcheck": {"port": 8080}}], "networks": ["front"]},
            "b": {"image": "nginx", "ports": ["80:80"], "networks": ["front1"]},
        },
        "networks": {"front": {}, "front1": {}},
    }));
    assert!(ok.is_ok(), "{ok:?}");
}
