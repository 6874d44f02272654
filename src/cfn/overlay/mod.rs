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

mod check;
mod ids;
mod merge;

use crate::cfn::intrinsics::is_intrinsic;
use crate::cfn::logical_id;
use crate::cfn::template::{Generated, Resource};
use crate::diagnostics::{Diagnostics, Path};
use check::{check_markers, check_plain_sight, dangling};
use ids::{relative_ids, rename_references, unknown};
pub use ids::{visit_references, Names};
pub use merge::REPLACE;
use merge::{merge, strip};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

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

#[cfg(test)]
mod tests {
    use super::ids::rename_in_sub;
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
