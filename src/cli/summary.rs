//! The one line printed after a successful command: what was written, the warnings.

use crate::cli::args::OutputArgs;
use compose_to_ecs::package;
use serde_json::Value;
use std::collections::BTreeMap;

/// The largest template `aws cloudformation deploy` passes inline; above it needs
/// `--s3-bucket`.
pub const INLINE_TEMPLATE_BYTES: usize = 51_200;

/// The line printed after a successful `convert`/`expand`: resources by kind, the load
/// balancer, the endpoints, the warnings.
pub fn summary(template: &Value, bytes: usize, warnings: usize) -> String {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let resources = template.get("Resources").and_then(Value::as_object);
    for r in resources.into_iter().flat_map(|r| r.values()) {
        if let Some(t) = r.get("Type").and_then(Value::as_str) {
            *kinds
                .entry(t.strip_prefix("AWS::").unwrap_or(t))
                .or_default() += 1;
        }
    }
    let total: usize = kinds.values().sum();
    let mut by_count: Vec<(&str, usize)> = kinds.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kinds: Vec<String> = by_count.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let balancers: Vec<&str> = resources
        .into_iter()
        .flat_map(|r| r.values())
        .filter(|r| {
            r.get("Type").and_then(Value::as_str)
                == Some("AWS::ElasticLoadBalancingV2::LoadBalancer")
        })
        .map(
            |r| match r.pointer("/Properties/Type").and_then(Value::as_str) {
                Some("network") => "Network Load Balancer",
                _ => "Application Load Balancer",
            },
        )
        .collect();
    let balancer = match balancers.first() {
        Some(b) => b.to_string(),
        None => "no load balancer".to_string(),
    };
    let endpoints: Vec<String> = template
        .get("Outputs")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|o| o.iter())
        .filter(|(k, _)| k.ends_with("Endpoint"))
        .map(|(k, v)| match v.get("Value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(m)) => match m.get("Fn::Sub") {
                Some(Value::String(s)) => s.clone(),
                _ => k.clone(),
            },
            _ => k.clone(),
        })
        .collect();
    let endpoints = if endpoints.is_empty() {
        "no endpoint".to_string()
    } else {
        format!("endpoints {}", endpoints.join(", "))
    };
    let warnings = match warnings {
        1 => "1 warning".to_string(),
        n => format!("{n} warnings"),
    };
    let size = if bytes > INLINE_TEMPLATE_BYTES {
        format!("; {bytes} bytes, over the {INLINE_TEMPLATE_BYTES} CloudFormation takes inline: deploy with `aws cloudformation deploy --s3-bucket BUCKET`")
    } else {
        String::new()
    };
    format!(
        "summary: {total} resources ({}); {balancer}; {endpoints}; {warnings}{size}",
        kinds.join(", ")
    )
}

/// The line printed after a successful `package`.
pub fn package_summary(
    template: &Value,
    packaged: &package::Packaged,
    bytes: usize,
    out: &OutputArgs,
    warnings: usize,
) -> String {
    let mut projects = 0;
    let (mut files, mut images) = (0, 0);
    let resources = template.get("Resources").and_then(Value::as_object);
    for r in resources.into_iter().flat_map(|r| r.values()) {
        if r.get("Type").and_then(Value::as_str) != Some(compose_to_ecs::embed::PROJECT_TYPE) {
            continue;
        }
        projects += 1;
        let count = |key: &str| {
            r.pointer(&format!("/Properties/Package/{key}"))
                .and_then(Value::as_object)
                .map_or(0, |m| m.len())
        };
        files += count("Files");
        images += count("Images");
    }
    let secrets = packaged.secrets.len();
    let size = if bytes > INLINE_TEMPLATE_BYTES {
        format!("; {bytes} bytes, over the {INLINE_TEMPLATE_BYTES} CloudFormation takes inline: deploy with `--s3-bucket BUCKET`")
    } else {
        String::new()
    };
    let to = match &out.output {
        Some(p) => format!(" to {}", p.display()),
        None => String::new(),
    };
    format!("summary: packaged {projects} project{}{to}: {files} file{}, {secrets} secret parameter{}, {images} image{}; {warnings} warning{}{size}",
        if projects == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        if secrets == 1 { "" } else { "s" },
        if images == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    )
}
