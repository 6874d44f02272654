//! Overlays: a partial template merged onto what one project generates, by logical ID
//! (the public contract). Two spellings reach here: IDs relative to the project
//! (compose-cli's own, `WebService`, for `x-aws-cloudformation`) and the template's full
//! IDs (`ShopWebService`, for the `Overrides` property).
//!
//! Merge rules (docs/migrating-from-docker-ecs.md): mappings merge key by key; a scalar,
//! an intrinsic function or a value of another shape replaces; `null` removes the key (or
//! the whole resource); lists of mappings merge item by item by the identity their
//! property has (tags by `Key`, containers and environment by `Name`, policy statements by
//! `Sid`, security group rules by protocol, ports and source, ...), an item with no
//! identity is appended unless an equal one is there; lists of scalars are sets (new
//! values appended), except argument vectors (`Command`, `EntryPoint`, ...), which are
//! replaced. `{"Fn::ComposeToECS::Replace": value}` replaces whatever is there with `value`
//! and never reaches the output.
//!
//! A resource the project does not generate is added when it has a `Type`, and is an error
//! naming the nearest generated IDs otherwise; changing a generated resource's `Type` is an
//! error. `Outputs`, `Conditions`, `Mappings` and `Parameters` are added; a name the
//! project already uses is an error (the template's own are checked by `emit`).

use crate::cfn::intrinsics::is_intrinsic;
use crate::cfn::logical_id;
use crate::cfn::template::{Generated, Resource};
use crate::diagnostics::{edit_distance, Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The marker that replaces a value instead of merging into it.
pub const REPLACE: &str = "Fn::ComposeToECS::Replace";

/// The prefix of the markers the macro reads (and removes).
const MARKER_PREFIX: &str = "Fn::ComposeToECS::";

/// The resource type of a project: a project cannot add another.
const PROJECT_TYPE: &str = crate::embed::PROJECT_TYPE;

/// The sections an overlay may hold.
pub const SECTIONS: &[&str] = &[
    "Resources",
    "Outputs",
    "Conditions",
    "Mappings",
    "Parameters",
];

/// Lists whose order carries meaning: an overlay replaces them.
const SEQUENCES: &[&str] = &["Command", "EntryPoint", "DnsServers", "DnsSearchDomains"];

/// How an overlay spells logical IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names<'a> {
    /// Relative to the project: the generated ID without the project's prefix (the given
    /// `&str`), as compose-cli named resources. References to generated resources inside
    /// the overlay (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`) are spelled the same way
    /// and rewritten; anything the overlay adds keeps the name it is given.
    Relative(&'a str),
    /// The template's full logical IDs.
    Full,
}

/// Merges `overlay` onto `gen`. `path` names the overlay in diagnostics; `secret` holds
/// the template's `NoEcho` parameters, which the overlay must not put in plain sight.
pub fn apply(
    gen: &mut Generated,
    overlay: &Value,
    names: Names,
    secret: &BTreeSet<String>,
    path: &Path,
    diags: &mut Diagnostics,
) {
    let Value::Object(sections) = overlay else {
        diags.error(path, "expected a partial template: a mapping with `Resources` (and `Outputs`, `Conditions`, `Mappings`, `Parameters`)");
        return;
    };
    if is_intrinsic(overlay) {
        diags.error(path, "needs a literal mapping: the macro merges it, so it cannot come from an intrinsic function");
        return;
    }
    let before = diags.errors().len();
    check_markers(overlay, path, diags);
    check_plain_sight(sections, secret, path, diags);
    for key in sections.keys() {
        if !SECTIONS.contains(&key.as_str()) {
            diags.error(
                path.key(key),
                format!("an overlay holds `Resources`, `Outputs`, `Conditions`, `Mappings` and `Parameters`, found `{key}`"),
            );
        }
    }
    if diags.errors().len() > before {
        return;
    }
    // IDs as the overlay spells them → the generated IDs.
    let aliases = match names {
        Names::Relative(prefix) => relative_ids(gen, prefix),
        Names::Full => BTreeMap::new(),
    };
    let mut overlay = overlay.clone();
    if !aliases.is_empty() {
        rename_references(&mut overlay, &aliases);
    }
    let Value::Object(sections) = overlay else {
        return;
    };
    let mut removed = BTreeSet::new();
    for (section, content) in sections {
        let spath = path.key(&section);
        let Value::Object(entries) = content else {
            if !content.is_null() {
                diags.error(&spath, "expected a mapping of logical IDs to definitions");
            }
            continue;
        };
        if section == "Resources" {
            for (key, patch) in entries {
                let rpath = spath.key(&key);
                if let Some(id) = resource(gen, &key, patch, names, &aliases, &rpath, diags) {
                    removed.insert(id);
                }
            }
            continue;
        }
        for (key, definition) in entries {
            let epath = spath.key(&key);
            add_definition(gen, &section, key, definition, &epath, diags);
        }
    }
    if !removed.is_empty() {
        dangling(gen, &removed, names, path, diags);
    }
}

/// Applies one entry of `Resources`. Returns the generated ID the entry removes.
fn resource(
    gen: &mut Generated,
    key: &str,
    patch: Value,
    names: Names,
    aliases: &BTreeMap<String, String>,
    path: &Path,
    diags: &mut Diagnostics,
) -> Option<String> {
    let target = match names {
        Names::Relative(_) => aliases.get(key).cloned(),
        Names::Full => gen.resources.contains_key(key).then(|| key.to_string()),
    };
    if let (None, Names::Relative(prefix)) = (&target, names) {
        if let Some(short) = key
            .strip_prefix(prefix)
            .filter(|_| gen.resources.contains_key(key))
        {
            diags.error(
                path,
                format!("names a resource by the template's logical ID; inside the overlay, the project's IDs are written without the prefix `{prefix}`: `{short}`"),
            );
            return None;
        }
    }
    let Some(id) = target else {
        if patch.get("Type").is_some() {
            add_resource(gen, key, patch, path, diags);
        } else {
            diags.error(path, unknown(gen, key, names, aliases));
        }
        return None;
    };
    if patch.is_null() {
        gen.resources.remove(&id);
        return Some(id);
    }
    if !patch.is_object() || is_intrinsic(&patch) {
        diags.error(path, "expected the resource's changes: a mapping with `Properties` (and `DependsOn`, `Condition`, `Metadata`, ...)");
        return None;
    }
    let resource = gen.resources.get_mut(&id)?;
    if let Some(kind) = patch.get("Type") {
        if kind.as_str() != Some(resource.kind.as_ref()) {
            let found = match kind {
                Value::String(s) => format!("`{s}`"),
                _ => "a value that is not a type".into(),
            };
            diags.error(
                path.key("Type"),
                format!("the project generates `{key}` as `{}`, found {found}; an overlay changes a resource, not its type: drop `Type`, or add a new resource under another logical ID", resource.kind),
            );
            return None;
        }
    }
    let mut json = resource.to_json();
    merge(&mut json, &patch, "");
    match Resource::from_json(json) {
        Ok(merged) => *resource = merged,
        Err((attribute, message)) => diags.error(path.key(attribute), message),
    }
    None
}

/// Adds a resource the project does not generate.
fn add_resource(
    gen: &mut Generated,
    key: &str,
    patch: Value,
    path: &Path,
    diags: &mut Diagnostics,
) {
    if !logical_id::is_valid(key) {
        diags.error(path, "a logical ID has only letters and digits");
        return;
    }
    if patch.get("Type").and_then(Value::as_str) == Some(PROJECT_TYPE) {
        diags.error(
            path.key("Type"),
            format!(
                "an overlay cannot add a `{PROJECT_TYPE}`: declare the project in the template"
            ),
        );
        return;
    }
    match Resource::from_json(strip(&patch)) {
        Ok(resource) => {
            gen.resources.insert(key.to_string(), resource);
        }
        Err((attribute, message)) => diags.error(path.key(attribute), message),
    }
}

/// Adds an output, condition, mapping or parameter.
fn add_definition(
    gen: &mut Generated,
    section: &str,
    key: String,
    definition: Value,
    path: &Path,
    diags: &mut Diagnostics,
) {
    if !logical_id::is_valid(&key) {
        diags.error(path, "a logical ID has only letters and digits");
        return;
    }
    if definition.is_null() {
        diags.error(
            path,
            "the project generates no such entry to remove; an overlay removes only generated resources and their keys",
        );
        return;
    }
    let definition = strip(&definition);
    let (existing, kind): (&mut BTreeMap<String, Value>, &str) = match section {
        "Outputs" => (&mut gen.outputs, "output"),
        "Conditions" => (gen.sections.entry("Conditions").or_default(), "condition"),
        "Mappings" => (gen.sections.entry("Mappings").or_default(), "mapping"),
        _ => (gen.sections.entry("Parameters").or_default(), "parameter"),
    };
    if existing.contains_key(&key) {
        diags.error(
            path,
            format!("the project already generates the {kind} `{key}`; give the overlay's {kind} another name"),
        );
        return;
    }
    if section == "Parameters" && definition.get("Default").is_none() {
        diags.warn(
            path,
            "has no `Default`: CloudFormation takes parameter values for the template as written, before the macro adds this one; give it a `Default`, or declare the parameter in the template",
        );
    }
    existing.insert(key, definition);
}

/// The message for a logical ID the project does not generate.
fn unknown(gen: &Generated, key: &str, names: Names, aliases: &BTreeMap<String, String>) -> String {
    let candidates: Vec<&str> = match names {
        Names::Relative(_) => aliases
            .iter()
            .filter(|(alias, id)| id.ends_with(alias.as_str()))
            .map(|(alias, _)| alias.as_str())
            .collect(),
        Names::Full => gen.resources.keys().map(String::as_str).collect(),
    };
    if let Names::Full = names {
        if let Some(full) = candidates
            .iter()
            .find(|c| c.ends_with(key) && c.len() > key.len())
        {
            return format!("`{key}` is not a logical ID this project generates; in `Overrides`, resources go by the template's logical IDs: `{full}`");
        }
    }
    let mut ranked: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| {
            (
                edit_distance(&c.to_ascii_lowercase(), &key.to_ascii_lowercase()),
                *c,
            )
        })
        .collect();
    ranked.sort();
    let nearest: Vec<String> = ranked
        .iter()
        .take(3)
        .map(|(_, c)| format!("`{c}`"))
        .collect();
    let nearest = if nearest.is_empty() {
        "the project generates no resources".to_string()
    } else {
        format!("the nearest are {}", nearest.join(", "))
    };
    format!("`{key}` is not a logical ID this project generates ({nearest}); to add a resource, give it a `Type`")
}

/// Generated resource IDs relative to the project (`WebService` for `ShopWebService`), and
/// compose-cli's IDs for a port written without a protocol (`Web8080TargetGroup` for
/// `WebTCP8080TargetGroup`), to the generated IDs.
fn relative_ids(gen: &Generated, prefix: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for id in gen.resources.keys() {
        if let Some(short) = id.strip_prefix(prefix).filter(|s| !s.is_empty()) {
            out.insert(short.to_string(), id.clone());
        }
    }
    let mut legacy = Vec::new();
    for (short, id) in &out {
        for suffix in ["TargetGroup", "Listener"] {
            let Some(head) = short.strip_suffix(suffix) else {
                continue;
            };
            let Some(at) = head.rfind("TCP") else {
                continue;
            };
            let port = &head[at + 3..];
            if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && at > 0 {
                legacy.push((format!("{}{port}{suffix}", &head[..at]), id.clone()));
            }
        }
    }
    for (alias, id) in legacy {
        out.entry(alias).or_insert(id);
    }
    out
}

/// Rewrites references in an overlay written with relative IDs: `Ref`, `Fn::GetAtt`,
/// `Fn::Sub` and a resource's `DependsOn` naming a generated resource.
fn rename_references(overlay: &mut Value, aliases: &BTreeMap<String, String>) {
    let rename = &mut |id: &mut String| {
        if let Some(full) = aliases.get(id.as_str()) {
            *id = full.clone();
        }
    };
    if let Some(Value::Object(resources)) = overlay.get_mut("Resources") {
        for resource in resources.values_mut() {
            match resource.get_mut("DependsOn") {
                Some(Value::String(id)) => rename(id),
                Some(Value::Array(items)) => {
                    for item in items {
                        if let Value::String(id) = item {
                            rename(id);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    visit_references(overlay, rename);
}

/// Calls `f` on every logical ID a value refers to through `Ref`, `Fn::GetAtt` or
/// `Fn::Sub` (`${Id}`, `${Id.Attribute}`), letting it rewrite the ID.
pub fn visit_references(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::Array(items) => {
            for item in items {
                visit_references(item, f);
            }
        }
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(id)) = map.get_mut("Ref") {
                    f(id);
                    return;
                }
                match map.get_mut("Fn::GetAtt") {
                    Some(Value::Array(args)) => {
                        if let Some(Value::String(id)) = args.first_mut() {
                            f(id);
                        }
                        for arg in args.iter_mut().skip(1) {
                            visit_references(arg, f);
                        }
                        return;
                    }
                    Some(Value::String(dotted)) => {
                        let (id, rest) = match dotted.split_once('.') {
                            Some((id, rest)) => (id.to_string(), format!(".{rest}")),
                            None => (dotted.clone(), String::new()),
                        };
                        let mut id = id;
                        f(&mut id);
                        *dotted = format!("{id}{rest}");
                        return;
                    }
                    _ => {}
                }
                match map.get_mut("Fn::Sub") {
                    Some(Value::String(text)) => {
                        *text = rename_in_sub(text, &BTreeSet::new(), f);
                        return;
                    }
                    Some(Value::Array(args)) => {
                        let locals: BTreeSet<String> = args
                            .get(1)
                            .and_then(Value::as_object)
                            .map(|m| m.keys().cloned().collect())
                            .unwrap_or_default();
                        if let Some(Value::String(text)) = args.first_mut() {
                            *text = rename_in_sub(text, &locals, f);
                        }
                        for arg in args.iter_mut().skip(1) {
                            visit_references(arg, f);
                        }
                        return;
                    }
                    _ => {}
                }
            }
            for v in map.values_mut() {
                visit_references(v, f);
            }
        }
        _ => {}
    }
}

/// `${Id}` and `${Id.Attribute}` in an `Fn::Sub` template, except `${!literal}` and the
/// names `locals` defines.
fn rename_in_sub(text: &str, locals: &BTreeSet<String>, f: &mut dyn FnMut(&mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start + 2]);
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else {
            break;
        };
        let inner = &rest[..end];
        if inner.starts_with('!') {
            out.push_str(inner);
        } else {
            let (head, tail) = match inner.split_once('.') {
                Some((h, t)) => (h, format!(".{t}")),
                None => (inner, String::new()),
            };
            if locals.contains(head) {
                out.push_str(inner);
            } else {
                let mut id = head.to_string();
                f(&mut id);
                out.push_str(&id);
                out.push_str(&tail);
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Container settings anyone who can describe the task definition reads.
const PLAIN_SIGHT: &[&str] = &[
    "Environment",
    "Command",
    "EntryPoint",
    "DockerLabels",
    "HealthCheck",
    "User",
    "WorkingDirectory",
    "Image",
    "SystemControls",
    "LogConfiguration",
    "Hostname",
    "ExtraHosts",
];

/// Resource properties readable by whoever may describe the resource, whatever its type:
/// tags (`tag:GetResources`) and IAM policy documents (`iam:GetRolePolicy`).
const READABLE_PROPERTIES: &[&str] = &[
    "Tags",
    "Policies",
    "PolicyDocument",
    "AssumeRolePolicyDocument",
];

/// Errors for a `NoEcho` parameter the overlay would make readable after deploy: in an
/// output, or in a container's environment, command, labels or health check (DESIGN §2).
fn check_plain_sight(
    sections: &Map<String, Value>,
    secret: &BTreeSet<String>,
    path: &Path,
    diags: &mut Diagnostics,
) {
    if secret.is_empty() {
        return;
    }
    let named = |value: &Value| -> Option<String> {
        let mut value = value.clone();
        let mut found = None;
        visit_references(&mut value, &mut |id: &mut String| {
            if found.is_none() && secret.contains(id.as_str()) {
                found = Some(id.clone());
            }
        });
        found
    };
    if let Some(Value::Object(outputs)) = sections.get("Outputs") {
        for (id, output) in outputs {
            if let Some(p) = named(output) {
                diags.error(
                    path.key("Outputs").key(id),
                    format!("refers to the `NoEcho` parameter `{p}`: its value would be shown with the stack's outputs; output something else"),
                );
            }
        }
    }
    let Some(Value::Object(resources)) = sections.get("Resources") else {
        return;
    };
    for (id, resource) in resources {
        for key in READABLE_PROPERTIES {
            let Some(value) = resource.get("Properties").and_then(|p| p.get(*key)) else {
                continue;
            };
            if let Some(p) = named(value) {
                diags.error(
                    path.key("Resources").key(id).key("Properties").key(key),
                    format!("refers to the `NoEcho` parameter `{p}`: its value would be readable by anyone who may describe the resource after deploy; keep it out of tags and policies"),
                );
            }
        }
        let Some(Value::Array(containers)) = resource
            .get("Properties")
            .and_then(|p| p.get("ContainerDefinitions"))
        else {
            continue;
        };
        for (i, container) in containers.iter().enumerate() {
            for key in PLAIN_SIGHT {
                let Some(value) = container.get(*key) else {
                    continue;
                };
                if let Some(p) = named(value) {
                    let at = path
                        .key("Resources")
                        .key(id)
                        .key("Properties")
                        .key("ContainerDefinitions")
                        .index(i)
                        .key(key);
                    diags.error(
                        at,
                        format!("refers to the `NoEcho` parameter `{p}`: its value would be readable in the task definition; give it to the container as a secret (`x-aws-secrets`, or a `Secrets` entry with a Secrets Manager secret)"),
                    );
                }
            }
        }
    }
}

/// Errors for markers the macro does not know or that share their mapping.
fn check_markers(value: &Value, path: &Path, diags: &mut Diagnostics) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let here = path.key(key);
                if let Some(name) = key.strip_prefix(MARKER_PREFIX) {
                    if key != REPLACE {
                        diags.error(
                            &here,
                            format!("unknown marker `{MARKER_PREFIX}{name}`; the macro knows `{REPLACE}`"),
                        );
                    } else if map.len() != 1 {
                        diags.error(
                            &here,
                            format!("`{REPLACE}` stands alone: write `{{{REPLACE}: <the new value>}}` with no other key beside it"),
                        );
                    }
                }
                check_markers(v, &here, diags);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_markers(item, &path.index(i), diags);
            }
        }
        _ => {}
    }
}

/// The value a `{REPLACE: value}` marker holds.
fn replacement(value: &Value) -> Option<&Value> {
    match value {
        Value::Object(map) if map.len() == 1 => map.get(REPLACE),
        _ => None,
    }
}

/// A value as it is inserted where nothing was: markers unwrapped, `null` keys dropped.
fn strip(value: &Value) -> Value {
    if let Some(inner) = replacement(value) {
        return strip(inner);
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
        other => other.clone(),
    }
}

/// Merges `patch` into `target`; `key` is the name of the property `target` is.
fn merge(target: &mut Value, patch: &Value, key: &str) {
    if let Some(inner) = replacement(patch) {
        *target = strip(inner);
        return;
    }
    match (&mut *target, patch) {
        (Value::Object(t), Value::Object(p)) if !is_intrinsic(patch) && !is_intrinsic_map(t) => {
            for (k, v) in p {
                if v.is_null() {
                    t.shift_remove(k);
                } else if let Some(existing) = t.get_mut(k) {
                    merge(existing, v, k);
                } else {
                    t.insert(k.clone(), strip(v));
                }
            }
        }
        (Value::Array(t), Value::Array(p)) if !SEQUENCES.contains(&key) => merge_list(t, p, key),
        (Value::Array(t), Value::String(_)) if key == "DependsOn" => {
            merge_list(t, std::slice::from_ref(patch), key)
        }
        _ => *target = strip(patch),
    }
}

fn is_intrinsic_map(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
}

/// Merges the items of `patch` into the list `target` (the property `key`).
fn merge_list(target: &mut Vec<Value>, patch: &[Value], key: &str) {
    for item in patch {
        match identity(key, item) {
            Some(id) => match target
                .iter()
                .position(|t| identity(key, t).as_ref() == Some(&id))
            {
                Some(at) => merge(&mut target[at], item, ""),
                None => target.push(strip(item)),
            },
            None => {
                let item = strip(item);
                if !target.contains(&item) {
                    target.push(item);
                }
            }
        }
    }
}

/// What identifies an item of the list `key`, when that list has an identity.
fn identity(key: &str, item: &Value) -> Option<String> {
    let Value::Object(map) = item else {
        return None;
    };
    if is_intrinsic(item) {
        return None;
    }
    let field = |name: &str| -> Option<String> {
        match map.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            other => Some(other.to_string()),
        }
    };
    let fields = |names: &[&str]| -> Option<String> {
        let parts: Vec<String> = names.iter().map(|n| field(n).unwrap_or_default()).collect();
        Some(parts.join("\u{0}"))
    };
    match key {
        "Tags"
        | "FileSystemTags"
        | "AccessPointTags"
        | "LoadBalancerAttributes"
        | "TargetGroupAttributes"
        | "ListenerAttributes" => field("Key"),
        "ContainerDefinitions" | "Environment" | "Secrets" | "Ulimits" | "Volumes" => field("Name"),
        "Policies" => field("PolicyName"),
        "Statement" => field("Sid"),
        "MountPoints" => field("ContainerPath"),
        "PortMappings" => {
            let port = field("ContainerPort")?;
            let protocol = field("Protocol").unwrap_or_else(|| "tcp".into());
            Some(format!("{port}/{}", protocol.to_ascii_lowercase()))
        }
        "DependsOn" => field("ContainerName"),
        "Certificates" => field("CertificateArn"),
        "ResourceRequirements" => field("Type"),
        "SystemControls" => field("Namespace"),
        "ExtraHosts" => field("Hostname"),
        "CapacityProviderStrategy" | "DefaultCapacityProviderStrategy" => field("CapacityProvider"),
        "SecurityGroupIngress" | "SecurityGroupEgress" => {
            let protocol = field("IpProtocol")?.to_ascii_lowercase();
            let protocol = match protocol.as_str() {
                "6" => "tcp".to_string(),
                "17" => "udp".to_string(),
                "1" => "icmp".to_string(),
                _ => protocol,
            };
            let rest = fields(&[
                "FromPort",
                "ToPort",
                "CidrIp",
                "CidrIpv6",
                "SourceSecurityGroupId",
                "SourceSecurityGroupName",
                "SourceSecurityGroupOwnerId",
                "SourcePrefixListId",
                "DestinationSecurityGroupId",
                "DestinationPrefixListId",
            ])?;
            Some(format!("{protocol}\u{0}{rest}"))
        }
        _ => None,
    }
}

/// Errors for references to resources the overlay removed.
fn dangling(
    gen: &mut Generated,
    removed: &BTreeSet<String>,
    names: Names,
    path: &Path,
    diags: &mut Diagnostics,
) {
    let shown = |id: &str| -> String {
        match names {
            Names::Relative(prefix) => id.strip_prefix(prefix).unwrap_or(id).to_string(),
            Names::Full => id.to_string(),
        }
    };
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, resource) in gen.resources.iter_mut() {
        let mut hits = BTreeSet::new();
        for dep in &resource.depends_on {
            if removed.contains(dep) {
                hits.insert(dep.clone());
            }
        }
        let mut record = |r: &mut String| {
            if removed.contains(r.as_str()) {
                hits.insert(r.clone());
            }
        };
        for v in resource.properties.values_mut() {
            visit_references(v, &mut record);
        }
        for v in resource.attributes.values_mut() {
            visit_references(v, &mut record);
        }
        for hit in hits {
            found
                .entry(hit)
                .or_default()
                .insert(format!("`{}`", shown(id)));
        }
    }
    for (id, output) in gen.outputs.iter_mut() {
        let mut hits = BTreeSet::new();
        visit_references(output, &mut |r: &mut String| {
            if removed.contains(r.as_str()) {
                hits.insert(r.clone());
            }
        });
        for hit in hits {
            found
                .entry(hit)
                .or_default()
                .insert(format!("the output `{id}`"));
        }
    }
    for (removed_id, users) in found {
        let users: Vec<String> = users.into_iter().collect();
        let shown_id = shown(&removed_id);
        diags.error(
            path.key("Resources").key(&shown_id),
            format!("removes `{shown_id}`, which {} still refer to; change or remove them in the overlay too", users.join(", ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(target: Value, patch: Value) -> Value {
        let mut target = target;
        merge(&mut target, &patch, "");
        target
    }

    #[test]
    fn mappings_merge_and_null_removes_in_place() {
        let out = merged(
            json!({"A": 1, "B": {"C": 2, "D": 3}, "E": 4}),
            json!({"B": {"C": null, "F": 5}, "A": null}),
        );
        assert_eq!(out, json!({"B": {"D": 3, "F": 5}, "E": 4}));
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"B":{"D":3,"F":5},"E":4}"#
        );
    }

    #[test]
    fn intrinsics_replace_and_are_replaced() {
        let out = merged(
            json!({"Cluster": {"Ref": "A"}, "Name": "x"}),
            json!({"Cluster": {"Fn::GetAtt": ["B", "Arn"]}, "Name": {"Fn::Sub": "${AWS::StackName}"}}),
        );
        assert_eq!(
            out,
            json!({"Cluster": {"Fn::GetAtt": ["B", "Arn"]}, "Name": {"Fn::Sub": "${AWS::StackName}"}})
        );
    }

    #[test]
    fn lists_merge_by_identity_sets_and_sequences() {
        let out = merged(
            json!({
                "Tags": [{"Key": "a", "Value": "1"}],
                "SecurityGroups": ["sg-1"],
                "Command": ["node", "index.js"],
                "Statement": [{"Sid": "S", "Action": ["a"]}, {"Effect": "Allow"}],
                "PortMappings": [{"ContainerPort": 80, "Protocol": "tcp"}],
                "DependsOn": ["X"]
            }),
            json!({
                "Tags": [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}],
                "SecurityGroups": ["sg-1", "sg-2"],
                "Command": ["npm", "start"],
                "Statement": [{"Sid": "S", "Action": ["b"]}, {"Effect": "Allow"}],
                "PortMappings": [{"ContainerPort": 80, "Name": "web"}, {"ContainerPort": 80, "Protocol": "udp"}],
                "DependsOn": "Y"
            }),
        );
        assert_eq!(
            out,
            json!({
                "Tags": [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}],
                "SecurityGroups": ["sg-1", "sg-2"],
                "Command": ["npm", "start"],
                "Statement": [{"Sid": "S", "Action": ["a", "b"]}, {"Effect": "Allow"}],
                "PortMappings": [{"ContainerPort": 80, "Protocol": "tcp", "Name": "web"}, {"ContainerPort": 80, "Protocol": "udp"}],
                "DependsOn": ["X", "Y"]
            })
        );
    }

    #[test]
    fn security_group_rules_compare_protocols_and_ports_loosely() {
        let out = merged(
            json!({"SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"}]}),
            json!({"SecurityGroupIngress": [
                {"IpProtocol": "6", "FromPort": "80", "ToPort": "80", "CidrIp": "0.0.0.0/0", "Description": "d"},
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "10.0.0.0/8"}
            ]}),
        );
        let rules = out["SecurityGroupIngress"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["Description"], "d");
    }

    #[test]
    fn replace_marker_replaces_and_disappears() {
        let out = merged(
            json!({"Subnets": ["a", "b"], "Config": {"X": 1}}),
            json!({"Subnets": {REPLACE: ["c"]}, "Config": {REPLACE: {"Y": 2}}, "New": {"Z": {REPLACE: [1]}}}),
        );
        assert_eq!(
            out,
            json!({"Subnets": ["c"], "Config": {"Y": 2}, "New": {"Z": [1]}})
        );
    }

    #[test]
    fn sub_references_are_renamed_except_literals_and_locals() {
        let mut seen = Vec::new();
        let out = rename_in_sub(
            "${A}-${B.Arn}-${!C}-${Local}-${AWS::Region}-${",
            &["Local".to_string()].into_iter().collect(),
            &mut |id: &mut String| {
                seen.push(id.clone());
                if id == "A" || id == "B" {
                    id.insert(0, 'P');
                }
            },
        );
        assert_eq!(out, "${PA}-${PB.Arn}-${!C}-${Local}-${AWS::Region}-${");
        assert_eq!(seen, ["A", "B", "AWS::Region"]);
    }

    #[test]
    fn compose_cli_ids_without_protocol_are_aliases() {
        let mut gen = Generated::default();
        for id in [
            "ShopWebTCP8080TargetGroup",
            "ShopWebTCP8080Listener",
            "ShopWebService",
        ] {
            gen.resources
                .insert(id.into(), Resource::new("AWS::SNS::Topic", json!({})));
        }
        let ids = relative_ids(&gen, "Shop");
        assert_eq!(ids["Web8080TargetGroup"], "ShopWebTCP8080TargetGroup");
        assert_eq!(ids["Web8080Listener"], "ShopWebTCP8080Listener");
        assert_eq!(ids["WebService"], "ShopWebService");
        assert_eq!(ids.len(), 5);
    }

    #[test]
    fn odd_overlays_are_errors_not_panics() {
        let odd = [
            json!(null),
            json!([1, 2]),
            json!("text"),
            json!({"Ref": "X"}),
            json!({"Resources": [1]}),
            json!({"Resources": {"WebService": [1]}}),
            json!({"Resources": {"WebService": {"Type": 7}}}),
            json!({"Resources": {"WebService": {"DependsOn": {"a": 1}}}}),
            json!({"Resources": {"WebService": {"Properties": "x"}}}),
            json!({"Resources": {"New": {"Type": 7}}}),
            json!({"Resources": {"New-Id": {"Type": "AWS::SNS::Topic"}}}),
            json!({"Resources": {"New": {"Type": "ComposeToECS::Project"}}}),
            json!({"Resources": {"": {"Type": "AWS::SNS::Topic"}}}),
            json!({"Resources": {"Shop": null}}),
            json!({"Outputs": {"O": null}, "Conditions": 3, "Description": "x"}),
            json!({"Resources": {"WebService": {"Properties": {"X": {"Fn::Sub": ["${", {}]}}}}}),
            json!({"Resources": {"WebService": {"Properties": {"Y": {"Fn::GetAtt": "Web."}}}}}),
        ];
        for overlay in odd {
            for names in [Names::Relative("Shop"), Names::Full] {
                let mut gen = Generated::default();
                gen.resources.insert(
                    "ShopWebService".into(),
                    Resource::new("AWS::ECS::Service", json!({"DesiredCount": 1})),
                );
                let mut diags = Diagnostics::new();
                let secret = ["P".to_string()].into_iter().collect();
                apply(
                    &mut gen,
                    &overlay,
                    names,
                    &secret,
                    &Path::new("o"),
                    &mut diags,
                );
            }
        }
    }

    #[test]
    fn markers_are_checked() {
        let mut diags = Diagnostics::new();
        check_markers(
            &json!({"A": {REPLACE: 1, "B": 2}, "C": [{"Fn::ComposeToECS::Merge": 1}]}),
            &Path::new("x"),
            &mut diags,
        );
        let errors: Vec<String> = diags.errors().iter().map(|d| d.to_string()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with(
            "x.A.Fn::ComposeToECS::Replace: `Fn::ComposeToECS::Replace` stands alone"
        ));
        assert!(errors[1].starts_with("x.C[0].Fn::ComposeToECS::Merge: unknown marker"));
    }
}
