//! A `NoEcho` parameter's value never reaches the processed template, the diagnostics or
//! the macro's response.

use compose_to_ecs::macro_::handle;
use serde_json::json;

const SECRET: &str = "s3cr3t-VALUE-4242";

fn event(compose: serde_json::Value) -> serde_json::Value {
    json!({
        "region": "us-east-1",
        "accountId": "123456789012",
        "transformId": "123456789012::ComposeToECS",
        "requestId": "r-1",
        "params": {},
        "templateParameterValues": {"DbPassword": SECRET, "Tag": "1.27"},
        "fragment": {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {
                "DbPassword": {"Type": "String", "NoEcho": true},
                "Tag": {"Type": "String"}
            },
            "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {"Compose": compose}}}
        }
    })
}

#[test]
fn success_references_the_parameter() {
    let compose = json!({"services": {
        "db": {"image": "postgres:${Tag}", "environment": {"POSTGRES_PASSWORD": "${DbPassword}", "URL": "postgres://u:${DbPassword}@db/x", "SET": "${DbPassword:+yes}"}},
        "web": {"image": "nginx", "command": ["echo", "${DbPassword}"], "labels": {"pw": "$DbPassword"}}
    }});
    let (response, _) = handle(&event(compose));
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "success", "{text}");
    assert!(!text.contains(SECRET), "the secret leaked: {text}");
    assert!(text.contains(r#"{"Ref":"DbPassword"}"#));
    assert!(text.contains(r#""Fn::Sub":"postgres://u:${DbPassword}@db/x""#));
    assert!(text.contains(r#""Value":"yes""#));
}

#[test]
fn failures_do_not_quote_the_value() {
    let compose = json!({"services": {
        "db": {"image": "postgres", "ports": ["${DbPassword}:80"], "deploy": {"replicas": "${DbPassword}"},
               "environment": {"X": "${NOPE:?needs ${DbPassword}}"}, "platform": "${DbPassword}"}
    }});
    let (response, _) = handle(&event(compose));
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "failure");
    assert!(!text.contains(SECRET), "the secret leaked: {text}");
    assert!(text.contains("services.db.ports[0]"), "{text}");
}

#[test]
fn a_template_of_200_services_breaks_the_500_resource_limit_clearly() {
    let services: serde_json::Map<String, serde_json::Value> = (0..200)
        .map(|i| (format!("s{i}"), json!({"image": "nginx"})))
        .collect();
    let (response, _) = handle(&event(json!({"services": services})));
    let message = response["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("resources, over CloudFormation's limit of 500"),
        "{message}"
    );
}
