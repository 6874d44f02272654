//! The embedding format: `ComposeToECS::Project` resources in a template fragment, their
//! properties, and the variables each project's Compose document is interpolated with.

mod alarms;
mod load_balancer;
mod package;

use crate::cfn::intrinsics::is_intrinsic;
use crate::compose::interpolate::{Variable, Variables};
use crate::compose::local::{Local, NOT_PACKAGED};
use crate::diagnostics::{Diagnostics, Path};
use alarms::alarms_props;
pub use alarms::AlarmsProps;
use load_balancer::load_balancer_props;
pub use load_balancer::LoadBalancerProps;
pub use package::{check_file_key, exposed_port, MAX_ENV_FILES};
use package::{env_file_variables, read_package};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The resource type that marks a Compose project.
pub const PROJECT_TYPE: &str = "ComposeToECS::Project";

/// Properties a project resource accepts.
pub const PROPERTIES: &[&str] = &[
    "Compose",
    "ComposeFile",
    "Package",
    "ProjectName",
    "Variables",
    "Profiles",
    "Vpc",
    "Subnets",
    "AssignPublicIp",
    "Cluster",
    "LoadBalancer",
    "Alarms",
    "Overrides",
    "PrivateSubnets",
    "HostedZoneId",
];

/// One project resource, read.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectSpec {
    /// The resource's logical ID: prefix of every generated ID.
    pub logical_id: String,
    /// The `Compose` property.
    pub compose: Value,
    /// `ProjectName`.
    pub project_name: Option<String>,
    /// `Variables`, the template's parameters and the transform's parameters, merged.
    pub variables: Variables,
    /// `Profiles`.
    pub profiles: Vec<String>,
    /// `Vpc`.
    pub vpc: Option<Value>,
    /// `Subnets`.
    pub subnets: Option<Value>,
    /// `PrivateSubnets`: private subnets behind NAT in the VPC the project creates.
    pub private_subnets: Option<Value>,
    /// `HostedZoneId`: the Route 53 hosted zone of the project's domains (wins over
    /// `x-aws-hosted_zone`).
    pub hosted_zone: Option<Value>,
    /// `AssignPublicIp`: `ENABLED`, `DISABLED` or an intrinsic; `None` when not given.
    pub assign_public_ip: Option<Value>,
    /// `Cluster`.
    pub cluster: Option<Value>,
    /// `LoadBalancer` ARN.
    pub load_balancer: Option<Value>,
    /// `LoadBalancer.SecurityGroup`.
    pub load_balancer_security_group: Option<Value>,
    /// `LoadBalancer`'s other settings (certificate, scheme, sources, listeners).
    pub load_balancing: LoadBalancerProps,
    /// The resource's `DependsOn`, applied to everything it expands to.
    pub depends_on: Vec<String>,
    /// `Package`: what `compose-to-ecs package` read from disk; `None` when the project
    /// was not packaged.
    pub local: Option<Local>,
    /// `Overrides`: a partial template merged onto what the project generates, by the
    /// template's logical IDs (`cfn::overlay`).
    pub overrides: Option<Value>,
    /// `Alarms` (docs/operations.md).
    pub alarms: Option<AlarmsProps>,
}

/// Where a fragment's resources are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A whole template (`Transform` at the top): `Resources`, `Outputs`, `Metadata`.
    Template,
    /// The content of a `Resources` section (`Fn::Transform` in it).
    ResourceMap,
}

/// Tells the fragment's shape.
pub fn shape(fragment: &Map<String, Value>) -> Shape {
    if fragment.contains_key("Resources") || fragment.contains_key("AWSTemplateFormatVersion") {
        Shape::Template
    } else {
        Shape::ResourceMap
    }
}

/// Parameters whose values must not be copied into the output. In a resource map the
/// template's `Parameters` are not visible, so every parameter counts as `NoEcho` there.
pub fn secret_parameters(
    fragment: &Map<String, Value>,
    shape: Shape,
    values: &Map<String, Value>,
) -> BTreeSet<String> {
    match shape {
        Shape::ResourceMap => values.keys().cloned().collect(),
        Shape::Template => fragment
            .get("Parameters")
            .and_then(Value::as_object)
            .map(|params| {
                params
                    .iter()
                    .filter(|(_, p)| {
                        matches!(p.get("NoEcho"), Some(Value::Bool(true)))
                            || p.get("NoEcho")
                                .and_then(Value::as_str)
                                .is_some_and(|s| s.eq_ignore_ascii_case("true"))
                    })
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => items
            .iter()
            .map(scalar_text)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        _ => None,
    }
}

/// Reads a project resource. `path` is `Resources.<Id>`.
#[allow(clippy::too_many_arguments)]
pub fn read(
    logical_id: &str,
    resource: &Map<String, Value>,
    path: &Path,
    parameter_values: &Map<String, Value>,
    secret: &BTreeSet<String>,
    transform_params: &Map<String, Value>,
    diags: &mut Diagnostics,
) -> Option<ProjectSpec> {
    for key in resource.keys() {
        match key.as_str() {
            "Type" | "Properties" | "DependsOn" => {}
            "Condition" => diags.error(
                path.key(key),
                "a project cannot be conditional yet; put the condition on the resources that use it, or deploy the project in its own stack",
            ),
            other => diags.warn(path.key(other), format!("ignored: `{other}` does not apply to a Compose project")),
        }
    }
    let depends_on = match resource.get("DependsOn") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(_) => {
            diags.error(
                path.key("DependsOn"),
                "expected a logical ID or a list of logical IDs",
            );
            Vec::new()
        }
    };
    let props_path = path.key("Properties");
    let Some(Value::Object(props)) = resource.get("Properties") else {
        diags.error(
            &props_path,
            "a Compose project needs `Properties` with `Compose`",
        );
        return None;
    };
    for key in props.keys() {
        if !PROPERTIES.contains(&key.as_str()) {
            diags.error(
                props_path.key(key),
                format!(
                    "unknown property `{key}`; a project accepts {}",
                    PROPERTIES
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    if props.contains_key("ComposeFile") {
        if props.contains_key("Compose") {
            diags.error(
                props_path.key("ComposeFile"),
                "a project takes its document from `Compose` or from `ComposeFile`, not both",
            );
        } else {
            diags.error(
                props_path.key("ComposeFile"),
                format!("names a file on your disk; {NOT_PACKAGED}"),
            );
        }
        return None;
    }
    let Some(compose) = props.get("Compose").cloned() else {
        diags.error(
            props_path.key("Compose"),
            "is required: the Compose document, as a mapping or as a string holding YAML (or `ComposeFile`: its path, resolved by `compose-to-ecs package`)",
        );
        return None;
    };
    let local = props
        .get("Package")
        .and_then(|p| read_package(p, &props_path.key("Package"), diags));

    let literal = |key: &str, diags: &mut Diagnostics| -> Option<String> {
        match props.get(key)? {
            Value::String(s) => Some(s.clone()),
            other if is_intrinsic(other) => {
                diags.error(props_path.key(key), "needs a literal value: the macro decides on it, so it cannot come from an intrinsic function");
                None
            }
            _ => {
                diags.error(props_path.key(key), "expected a string");
                None
            }
        }
    };
    let project_name = literal("ProjectName", diags);
    if let Some(name) = &project_name {
        if !valid_project_name(name) {
            diags.error(
                props_path.key("ProjectName"),
                format!("a project name has lower-case letters, digits, `-` and `_`, and starts with a letter or digit; found `{name}`"),
            );
        }
    }
    let profiles = match props.get("Profiles") {
        None => Vec::new(),
        Some(Value::String(s)) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(_) => {
            diags.error(
                props_path.key("Profiles"),
                "expected a list of profile names (literal strings)",
            );
            Vec::new()
        }
    };

    // Variables: transform parameters, then template parameters, then `Variables` (first wins).
    let mut variables = Variables::new();
    for (k, v) in transform_params {
        if let Some(t) = scalar_text(v) {
            variables.insert(k.clone(), Variable::Text(t));
        } else if is_intrinsic(v) {
            variables.insert(k.clone(), Variable::Expr(v.clone()));
        }
    }
    for (k, v) in parameter_values {
        let Some(text) = scalar_text(v) else { continue };
        let var = if secret.contains(k) {
            Variable::Secret {
                parameter: k.clone(),
                value: text,
            }
        } else {
            Variable::Parameter {
                parameter: k.clone(),
                value: text,
            }
        };
        variables.insert(k.clone(), var);
    }
    match props.get("Variables") {
        None => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let var = match v {
                    _ if is_intrinsic(v) => {
                        // A `Ref` to a NoEcho parameter stays a reference.
                        Variable::Expr(v.clone())
                    }
                    Value::Null => Variable::Text(String::new()),
                    other => match scalar_text(other) {
                        Some(t) => Variable::Text(t),
                        None => {
                            diags.error(
                                props_path.key("Variables").key(k),
                                "expected a string, a number or an intrinsic function",
                            );
                            continue;
                        }
                    },
                };
                variables.insert(k.clone(), var);
            }
        }
        Some(_) => diags.error(
            props_path.key("Variables"),
            "expected a mapping of variable names to values",
        ),
    }
    if let Some(local) = &local {
        env_file_variables(local, &mut variables, &props_path.key("Package"), diags);
    }
    let mut profiles = profiles;
    if let Some(p) = variables
        .get("COMPOSE_PROFILES")
        .and_then(Variable::as_text)
    {
        profiles.extend(
            p.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
    }

    let mut load_balancing = LoadBalancerProps::default();
    let (load_balancer, load_balancer_security_group) = match props.get("LoadBalancer") {
        None => (None, None),
        Some(Value::Object(m)) if !is_intrinsic(&Value::Object(m.clone())) => {
            let lb_path = props_path.key("LoadBalancer");
            load_balancing = load_balancer_props(m, &lb_path, diags);
            let arn = m.get("Arn").cloned();
            let needs_arn = m.contains_key("SecurityGroup") || m.contains_key("Listeners");
            if arn.is_none() && needs_arn {
                diags.error(
                    lb_path.key("Arn"),
                    "is required: the ARN of the existing load balancer",
                );
            }
            (arn, m.get("SecurityGroup").cloned())
        }
        Some(v) => (Some(v.clone()), None),
    };
    Some(ProjectSpec {
        logical_id: logical_id.to_string(),
        compose,
        project_name,
        variables,
        profiles,
        vpc: props.get("Vpc").cloned(),
        subnets: props.get("Subnets").cloned(),
        private_subnets: props.get("PrivateSubnets").cloned(),
        hosted_zone: props.get("HostedZoneId").cloned(),
        assign_public_ip: props.get("AssignPublicIp").and_then(|v| {
            public_ip(v).or_else(|| {
                diags.error(
                    props_path.key("AssignPublicIp"),
                    "expected `true` or `false` (or `ENABLED`, `DISABLED`): whether Fargate tasks get a public IP address",
                );
                None
            })
        }),
        cluster: props.get("Cluster").cloned(),
        load_balancer,
        load_balancer_security_group,
        load_balancing,
        depends_on,
        local,
        overrides: props.get("Overrides").filter(|v| !v.is_null()).cloned(),
        alarms: props
            .get("Alarms")
            .and_then(|v| alarms_props(v, &props_path.key("Alarms"), diags)),
    })
}

/// `AssignPublicIp` as ECS spells it: a boolean or `ENABLED`/`DISABLED`; an intrinsic as
/// it is.
fn public_ip(v: &Value) -> Option<Value> {
    match v {
        Value::Bool(b) => Some(Value::String(
            if *b { "ENABLED" } else { "DISABLED" }.into(),
        )),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "enabled" => Some(Value::String("ENABLED".into())),
            "false" | "disabled" => Some(Value::String("DISABLED".into())),
            _ => None,
        },
        _ if is_intrinsic(v) => Some(v.clone()),
        _ => None,
    }
}

/// Compose's rule for project names.
pub fn valid_project_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The default project name from a logical ID: lower case, other characters dropped.
pub fn default_project_name(logical_id: &str) -> String {
    logical_id
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}
