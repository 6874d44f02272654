//! The inputs, built by code without randomness: the Compose document of a project of `n`
//! services and the macro event holding it, as a value and as text.

use super::PROJECT;
use serde_json::{json, Map, Value};

/// Service `i`'s name; zero-padded so that the names sort in creation order.
pub fn service_name(i: usize) -> String {
    format!("svc{i:04}")
}

/// The Compose document of a project of `n` services.
pub fn compose_document(n: usize) -> Value {
    let mut services = Map::new();
    for i in 0..n {
        let name = service_name(i);
        let mut s = json!({
            "image": "public.ecr.aws/docker/library/nginx:${IMAGE_TAG}",
            "command": ["nginx", "-g", "daemon off;"],
            "expose": ["8080"],
            "environment": {
                "SERVICE": name,
                "LOG_LEVEL": "info",
                "PORT": "8080",
                "UPSTREAM": format!("http://{}:8080", service_name(i / 2)),
                "RELEASE": "${RELEASE:-dev}",
            },
            "healthcheck": {
                "test": ["CMD-SHELL", "wget -qO- http://localhost:8080/health || exit 1"],
                "interval": "15s",
                "timeout": "5s",
                "retries": 3,
                "start_period": "10s",
            },
            "deploy": {
                "replicas": 2,
                "resources": {"limits": {"cpus": "0.5", "memory": "1024M"}},
            },
        });
        if i % 10 == 0 {
            let port = 10000 + i;
            s["ports"] = json!([format!("{port}:{port}")]);
        }
        if i > 0 {
            let mut deps = Map::new();
            deps.insert(service_name(i - 1), json!({"condition": "service_started"}));
            deps.insert(service_name(i / 2), json!({"condition": "service_healthy"}));
            s["depends_on"] = Value::Object(deps);
        }
        services.insert(name, s);
    }
    json!({ "services": services })
}

/// The macro event for a project of `n` services.
pub fn event(n: usize) -> Value {
    json!({
        "region": "us-east-1",
        "accountId": "123456789012",
        "transformId": "123456789012::ComposeToECS",
        "requestId": format!("bench-{n}"),
        "params": {},
        "templateParameterValues": {"ImageTag": "1.27"},
        "fragment": {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"ImageTag": {"Type": "String", "Default": "1.27"}},
            "Resources": {
                PROJECT: {
                    "Type": "ComposeToECS::Project",
                    "Properties": {
                        "ProjectName": "bench",
                        "Variables": {"IMAGE_TAG": {"Ref": "ImageTag"}},
                        "Compose": compose_document(n),
                    }
                }
            }
        }
    })
}

/// The event as CloudFormation sends it: JSON text.
pub fn event_text(n: usize) -> String {
    serde_json::to_string(&event(n)).expect("an event is JSON")
}
