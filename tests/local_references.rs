//! `compose_to_ecs::references` lists exactly what the converter asks for: a simulated
//! local step packs every listed reference into the project's `Package`, calls again until
//! nothing new is listed, and the packaged template then expands without an error.

use compose_to_ecs::compose::local::{Reference, Stat};
use compose_to_ecs::{expand, references, Request};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The project folder on "disk".
fn disk() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("web.env", "A=1\n"),
        ("config/site.conf", "server {}\n"),
        (
            "common/base.yaml",
            "services:\n  base:\n    image: python:3.12\n    env_file: ./base.env\n",
        ),
        ("common/base.env", "FROM_BASE=1\n"),
        ("api/Dockerfile", "FROM scratch\n"),
        ("db/password.txt", "never-in-a-template"),
    ])
}

fn stat(path: &str) -> Stat {
    let disk = disk();
    if disk.contains_key(path) {
        Stat::File
    } else if disk.keys().any(|k| k.starts_with(&format!("{path}/"))) {
        Stat::Folder
    } else {
        Stat::Missing
    }
}

#[test]
fn packing_the_references_leaves_the_converter_nothing_to_ask() {
    let mut template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {},
        "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {"Compose": {
            "services": {
                "web": {
                    "image": "nginx",
                    "env_file": ["./web.env", {"path": "./missing.env", "required": false}],
                    "configs": [{"source": "site", "target": "/etc/app/site.conf"}],
                    "secrets": ["db-password"]
                },
                "api": {"build": {"context": "./api"}},
                "worker": {"extends": {"file": "./common/base.yaml", "service": "base"}}
            },
            "configs": {"site": {"file": "./config/site.conf"}},
            "secrets": {"db-password": {"file": "./db/password.txt"}}
        }}}}
    });
    let mut values = Map::new();
    let mut package = json!({"Files": {}, "Secrets": {}, "Images": {}});
    let mut listed: Vec<Reference> = Vec::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 10, "the references never converge: {listed:?}");
        let request = Request {
            fragment: template.clone(),
            template_parameter_values: values.clone(),
            params: Map::new(),
        };
        let found: Vec<Reference> = references(&request, &mut |id, p| {
            assert_eq!(id, "Shop");
            stat(p)
        })
        .into_iter()
        .map(|(_, r)| r)
        .filter(|r| !listed.contains(r))
        .collect();
        if found.is_empty() {
            break;
        }
        for r in found {
            match &r {
                Reference::File { path, .. } => {
                    if let Some(text) = disk().get(path.as_str()) {
                        package["Files"][path] = json!(text);
                    }
                }
                Reference::Folder { path, .. } => panic!("no folder is referenced: {path}"),
                Reference::Secret { name, .. } => {
                    let parameter = "ShopDbPasswordSecret";
                    package["Secrets"][name] = json!(parameter);
                    template["Parameters"][parameter] = json!({"Type": "String", "NoEcho": true});
                    values.insert(parameter.into(), json!("never-in-a-template"));
                }
                Reference::Build(b) => {
                    package["Images"][&b.service] = json!(format!(
                        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:{}-0",
                        b.service
                    ));
                }
                // Looked up only with `package --resolve-image-digests`.
                Reference::Image { .. } | Reference::InitImage { .. } => {}
            }
            listed.push(r);
        }
        template["Resources"]["Shop"]["Properties"]["Package"] = package.clone();
    }
    assert_eq!(
        rounds, 3,
        "the extends file brings its env file on the second round"
    );
    let mut files: Vec<&str> = package["Files"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "common/base.env",
            "common/base.yaml",
            "config/site.conf",
            "web.env"
        ]
    );
    let expanded = expand(&Request {
        fragment: template,
        template_parameter_values: values,
        params: Map::new(),
    })
    .unwrap_or_else(|d| panic!("the packaged template does not expand: {:?}", d.errors()));
    let text = expanded.fragment.to_string();
    assert!(!text.contains("never-in-a-template"));
    let worker = &expanded.fragment["Resources"]["ShopWorkerTaskDefinition"]["Properties"]
        ["ContainerDefinitions"][0];
    assert_eq!(
        worker["Environment"],
        json!([{"Name": "FROM_BASE", "Value": "1"}])
    );
    let api = &expanded.fragment["Resources"]["ShopApiTaskDefinition"]["Properties"]
        ["ContainerDefinitions"][0];
    assert_eq!(
        api["Image"],
        Value::from("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:api-0")
    );
}
