//! The embedding format: `ComposeToECS::Project` resources in a template fragment, their
//! properties, and the variables each project's Compose document is interpolated with.

use crate::cfn::intrinsics::is_intrinsic;
use crate::compose::dotenv;
use crate::compose::interpolate::{Variable, Variables};
use crate::compose::local::{Local, NOT_PACKAGED};
use crate::diagnostics::{Diagnostics, Path};
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

/// Adds the variables of the project's env files (`Package.EnvFiles`, or `.env` when it
/// is one of the `Files` and `EnvFiles` names none) to `variables`, below every other
/// source: `docker compose` ranks the shell's variables over `.env`, and `Variables`,
/// template parameters and transform parameters stand for the shell here. A later env
/// file wins over an earlier one; a value may use the variables of the sources above and
/// of the files before it.
fn env_file_variables(
    local: &Local,
    variables: &mut Variables,
    package: &Path,
    diags: &mut Diagnostics,
) {
    let files: Vec<(&str, Path)> = if local.env_files.is_empty() {
        match local.files.contains_key(".env") {
            true => vec![(".env", package.key("Files"))],
            false => Vec::new(),
        }
    } else {
        local
            .env_files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.as_str(), package.key("EnvFiles").index(i)))
            .collect()
    };
    let mut found = Variables::new();
    let mut budget = crate::compose::interpolate::Budget::default();
    if files.len() > MAX_ENV_FILES {
        diags.error(
            package.key("EnvFiles"),
            format!(
                "lists {} env files; a project reads at most {MAX_ENV_FILES}",
                files.len()
            ),
        );
        return;
    }
    for (file, path) in files {
        let Some(text) = local.files.get(file) else {
            continue;
        };
        let mut scope = found.clone();
        scope.extend(variables.iter().map(|(k, v)| (k.clone(), v.clone())));
        match dotenv::parse(file, text, dotenv::Format::Dotenv, &scope, &mut budget) {
            Ok(parsed) => {
                for w in parsed.warnings {
                    diags.warn(&path, w);
                }
                found.extend(parsed.variables);
            }
            Err(e) => diags.error(&path, e),
        }
    }
    for (k, v) in found {
        variables.entry(k).or_insert(v);
    }
}

/// The most env files `Package.EnvFiles` may list (the package step writes one per
/// `--env-file`): each is read with every variable before it in scope.
pub const MAX_ENV_FILES: usize = 64;

/// Reads the `Package` property `compose-to-ecs package` writes:
/// `{Files: {path: text}, EnvFiles: [path], Secrets: {secret: parameter}, Images: {service: image},
/// ComposeFiles: [path], ImageConfig: {service: {ExposedPorts: ["80/tcp"], User, Architecture}}}`.
fn read_package(v: &Value, path: &Path, diags: &mut Diagnostics) -> Option<Local> {
    const KEYS: &[&str] = &[
        "Files",
        "EnvFiles",
        "Secrets",
        "Images",
        "ComposeFiles",
        "ImageConfig",
        "InitImage",
    ];
    let Value::Object(map) = v else {
        diags.error(
            path,
            "expected the mapping `compose-to-ecs package` writes (`Files`, `EnvFiles`, `Secrets`, `Images`)",
        );
        return None;
    };
    let mut local = Local::default();
    let before = diags.errors().len();
    let strings =
        |key: &str, diags: &mut Diagnostics| -> std::collections::BTreeMap<String, String> {
            let mut out = std::collections::BTreeMap::new();
            match map.get(key) {
                None => {}
                Some(Value::Object(m)) => {
                    for (k, v) in m {
                        match v {
                            Value::String(s) => {
                                out.insert(k.clone(), s.clone());
                            }
                            _ => diags.error(path.key(key).key(k), "expected a string"),
                        }
                    }
                }
                Some(_) => diags.error(path.key(key), "expected a mapping of names to strings"),
            }
            out
        };
    local.files = strings("Files", diags);
    for key in local.files.keys() {
        if let Err(why) = check_file_key(key) {
            diags.error(
                path.key("Files").key(key),
                format!("{why}; a key of `Files` is a path relative to the project folder as `compose-to-ecs package` writes it (`nginx/default.conf`, `../shared/app.env`, `~/data/x`)"),
            );
        }
    }
    local.secrets = strings("Secrets", diags);
    local.images = strings("Images", diags);
    match map.get("EnvFiles") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(f) if local.files.contains_key(f) => local.env_files.push(f.to_string()),
                    Some(f) => diags.error(
                        path.key("EnvFiles").index(i),
                        format!("`{f}` is not one of the `Files`"),
                    ),
                    None => diags.error(path.key("EnvFiles").index(i), "expected a path"),
                }
            }
        }
        Some(_) => diags.error(path.key("EnvFiles"), "expected a list of paths"),
    }
    match map.get("ComposeFiles") {
        None => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            local.compose_files = items
                .iter()
                .filter_map(|i| i.as_str().map(String::from))
                .collect();
        }
        Some(_) => diags.error(
            path.key("ComposeFiles"),
            "expected the list of Compose file names `compose-to-ecs package` writes",
        ),
    }
    match map.get("InitImage") {
        None => {}
        Some(Value::String(image)) if image.contains("@sha256:") => {
            local.init_image = Some(image.clone())
        }
        Some(_) => diags.error(
            path.key("InitImage"),
            "expected the helper image by digest (`<name>@sha256:<digest>`), as `compose-to-ecs package --resolve-image-digests` writes it",
        ),
    }
    if let Some(v) = map.get("ImageConfig") {
        local.image_configs = image_configs(v, &path.key("ImageConfig"), diags);
    }
    for key in map.keys() {
        if !KEYS.contains(&key.as_str()) {
            diags.error(
                path.key(key),
                format!("unknown key `{key}`; `Package` is written by `compose-to-ecs package` and holds `Files`, `EnvFiles`, `Secrets`, `Images`, `ComposeFiles`, `ImageConfig` and `InitImage`"),
            );
        }
    }
    (diags.errors().len() == before).then_some(local)
}

/// Checks a key of `Package.Files`: a project path as the package step writes it
/// (`compose::local::project_path`), never one a forged event could use to name a place
/// outside a mounted folder once the helper container joins it to a target. `~` may only
/// lead, `..` segments only follow it or start the path (a file beside the project
/// folder, `../shared/app.env`); no empty, `.` or later `..` segment, no leading `/`, no
/// backslash, no NUL or other control character. The message never quotes the key
/// beyond the path that names it.
pub fn check_file_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("an empty path");
    }
    if key.starts_with('/') {
        return Err("an absolute path");
    }
    if key.contains('\\') {
        return Err("a path with a backslash");
    }
    if key.chars().any(char::is_control) {
        return Err("a path with a control character");
    }
    let mut segments = key.split('/').peekable();
    if segments.peek() == Some(&"~") {
        segments.next();
    }
    let mut leading = true;
    let mut any = false;
    for segment in segments {
        match segment {
            "" => return Err("a path with an empty segment"),
            "." => return Err("a path with a `.` segment"),
            "~" => return Err("a path with `~` after its start"),
            ".." if leading => {}
            ".." => return Err("a path with a `..` segment after a folder name"),
            _ => {
                leading = false;
                any = true;
            }
        }
    }
    if !any {
        return Err("a path that names no file");
    }
    Ok(())
}

/// `Package.ImageConfig`: what `package` learnt by inspecting each service's image,
/// `{service: {ExposedPorts: ["80/tcp", "53/udp"], User: "postgres", Architecture: "amd64"}}`
/// (each key optional).
fn image_configs(
    v: &Value,
    path: &Path,
    diags: &mut Diagnostics,
) -> std::collections::BTreeMap<String, crate::compose::model::ImageConfig> {
    let mut out = std::collections::BTreeMap::new();
    let Value::Object(services) = v else {
        diags.error(
            path,
            "expected a mapping of service names to image configurations",
        );
        return out;
    };
    for (service, config) in services {
        let at = path.key(service);
        let Value::Object(config) = config else {
            diags.error(
                &at,
                "expected a mapping with `ExposedPorts`, `User` and `Architecture`",
            );
            continue;
        };
        let mut c = crate::compose::model::ImageConfig::default();
        for (key, value) in config {
            let at = at.key(key);
            match (key.as_str(), value) {
                ("ExposedPorts", Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        match item.as_str().and_then(exposed_port) {
                            Some(p) => {
                                c.exposed.insert(p);
                            }
                            None => diags.error(
                                at.index(i),
                                "expected a port as `docker image inspect` writes it, like `80/tcp` or `53/udp`",
                            ),
                        }
                    }
                }
                ("User", Value::String(u)) => c.user = Some(u.clone()).filter(|u| !u.is_empty()),
                ("Architecture", Value::String(a)) if ["amd64", "arm64"].contains(&a.as_str()) => {
                    c.architecture = Some(a.clone())
                }
                ("Architecture", _) => diags.error(
                    &at,
                    "expected `amd64` or `arm64` (the architectures ECS runs)",
                ),
                ("ExposedPorts", _) => diags.error(&at, "expected a list of ports like `80/tcp`"),
                ("User", _) => diags.error(&at, "expected a string"),
                _ => diags.error(
                    &at,
                    format!("unknown key `{key}`; an image configuration holds `ExposedPorts`, `User` and `Architecture`"),
                ),
            }
        }
        out.insert(service.clone(), c);
    }
    out
}

/// `80/tcp` → (80, TCP); a bare `80` is TCP (Docker's default).
pub fn exposed_port(text: &str) -> Option<(u16, crate::compose::values::Protocol)> {
    let (port, proto) = text.split_once('/').unwrap_or((text, "tcp"));
    let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
    let proto = crate::compose::values::Protocol::parse(proto).ok()?;
    Some((port, proto))
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

/// The `LoadBalancer` property's settings for the project's load balancer (created or
/// existing); they win over the matching `x-aws-*` extensions (docs/load-balancing.md).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadBalancerProps {
    /// `Certificate`: one ACM certificate ARN or a list (the first is the default).
    pub certificates: Vec<Value>,
    /// `Scheme: internal` (`Some(false)`: `internet-facing`).
    pub internal: Option<bool>,
    /// `Sources`: CIDR blocks and prefix lists allowed to connect.
    pub sources: Option<Vec<Value>>,
    /// `Listeners`: existing listener ARNs by published port.
    pub listeners: std::collections::BTreeMap<u16, Value>,
}

fn load_balancer_props(
    m: &Map<String, Value>,
    path: &Path,
    diags: &mut Diagnostics,
) -> LoadBalancerProps {
    let list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut out = LoadBalancerProps::default();
    for (key, value) in m {
        let p = path.key(key);
        match key.as_str() {
            "Arn" | "SecurityGroup" => {}
            "Certificate" => out.certificates = list(value),
            "Scheme" => match value.as_str() {
                Some("internal") => out.internal = Some(true),
                Some("internet-facing") => out.internal = Some(false),
                _ => diags.error(p, "expected `internet-facing` or `internal`"),
            },
            "Sources" => out.sources = Some(list(value)),
            "Listeners" => match value {
                Value::Object(ports) if !is_intrinsic(value) => {
                    for (port, arn) in ports {
                        match port.parse::<u16>() {
                            Ok(n) if n > 0 => {
                                out.listeners.insert(n, arn.clone());
                            }
                            _ => diags.error(
                                p.key(port),
                                format!("expected a published port (1-65535) as the key, found `{port}`"),
                            ),
                        }
                    }
                }
                _ => diags.error(
                    p,
                    "expected a mapping of published ports to listener ARNs, like `443: arn:aws:elasticloadbalancing:...`",
                ),
            },
            other => diags.error(
                p,
                format!("unknown setting `{other}`: expected `Arn`, `SecurityGroup`, `Listeners`, `Certificate`, `Scheme` or `Sources`"),
            ),
        }
    }
    out
}

/// The `Alarms` property: where the project's alarms notify; it wins over `x-aws-alarms`
/// (docs/operations.md).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlarmsProps {
    /// `Email`: addresses subscribed to the alarm topic (intrinsic functions allowed).
    pub emails: Vec<Value>,
    /// `Topic`: an existing SNS topic ARN.
    pub topic: Option<Value>,
    /// `Rollback`: services roll a deployment back when their alarms fire.
    pub rollback: Option<bool>,
}

/// Reads `Alarms`: an e-mail address, an SNS topic ARN, or `{Email, Topic, Rollback}`.
fn alarms_props(v: &Value, path: &Path, diags: &mut Diagnostics) -> Option<AlarmsProps> {
    let mut out = AlarmsProps::default();
    match v {
        Value::String(s) if s.starts_with("arn:") => out.topic = Some(v.clone()),
        Value::String(s) if s.contains('@') => out.emails.push(v.clone()),
        Value::Object(m) if !is_intrinsic(v) => {
            for (key, value) in m {
                match key.as_str() {
                    "Email" => match value {
                        Value::Array(items) => out.emails.extend(items.iter().cloned()),
                        other => out.emails.push(other.clone()),
                    },
                    "Topic" => out.topic = Some(value.clone()),
                    "Rollback" => match value {
                        Value::Bool(b) => out.rollback = Some(*b),
                        Value::String(s) if s == "true" || s == "false" => {
                            out.rollback = Some(s == "true")
                        }
                        _ => diags.error(path.key(key), "expected `true` or `false`"),
                    },
                    other => diags.error(
                        path.key(other),
                        format!(
                            "unknown setting `{other}`: expected `Email`, `Topic` or `Rollback`"
                        ),
                    ),
                }
            }
            if out.emails.is_empty() && out.topic.is_none() {
                diags.error(
                    path,
                    "alarms need somewhere to notify: set `Email` (one address or a list), `Topic` (an existing SNS topic ARN), or both",
                );
                return None;
            }
        }
        _ => {
            diags.error(
                path,
                "expected an e-mail address, an SNS topic ARN, or a mapping with `Email`, `Topic` and `Rollback` (an intrinsic function goes under `Email` or `Topic`)",
            );
            return None;
        }
    }
    Some(out)
}
