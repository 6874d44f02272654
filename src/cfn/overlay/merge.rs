//! The overlay's merge: a patch merged into a generated value (mappings key by key, lists
//! of mappings by their items' identity, scalar lists as sets, argument vectors replaced),
//! and the `Fn::ComposeToECS::Replace` marker.

use crate::cfn::intrinsics::is_intrinsic;
use serde_json::{Map, Value};

/// The marker that replaces a value instead of merging into it.
pub const REPLACE: &str = "Fn::ComposeToECS::Replace";

/// The prefix of the markers the macro reads (and removes).
pub(super) const MARKER_PREFIX: &str = "Fn::ComposeToECS::";

/// Lists whose order carries meaning: an overlay replaces them.
const SEQUENCES: &[&str] = &["Command", "EntryPoint", "DnsServers", "DnsSearchDomains"];

/// The value a `{REPLACE: value}` marker holds.
fn replacement(value: &Value) -> Option<&Value> {
    match value {
        Value::Object(map) if map.len() == 1 => map.get(REPLACE),
        _ => None,
    }
}

/// A value as it is inserted where nothing was: markers unwrapped, `null` keys dropped.
pub(super) fn strip(value: &Value) -> Value {
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
pub(super) fn merge(target: &mut Value, patch: &Value, key: &str) {
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
