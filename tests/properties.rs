//! Laws of the transform, checked on generated input.

use compose_to_ecs::{expand, Request};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn request(compose: Value) -> Request {
    Request {
        fragment: json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"App": {"Type": "ComposeToECS::Project", "Properties": {"Compose": compose}}},
        }),
        template_parameter_values: Map::new(),
        params: Map::new(),
    }
}

/// Keys that matter to the loader and converter, plus noise.
const KEYS: &[&str] = &[
    "image",
    "ports",
    "expose",
    "environment",
    "command",
    "entrypoint",
    "healthcheck",
    "test",
    "interval",
    "deploy",
    "replicas",
    "resources",
    "limits",
    "cpus",
    "memory",
    "depends_on",
    "networks",
    "extends",
    "profiles",
    "service",
    "condition",
    "user",
    "labels",
    "logging",
    "options",
    "driver",
    "ulimits",
    "nofile",
    "cap_add",
    "volumes",
    "x-aws-protocol",
    "target",
    "published",
    "protocol",
    "update_config",
    "parallelism",
    "platform",
    "external",
    "name",
    "<<",
    "weird key",
    "secrets",
    "configs",
    "source",
    "uid",
    "gid",
    "mode",
    "content",
    "x-aws-secrets",
    "x-aws-keys",
    "x-aws-generate",
    "x-aws-kms_key",
    "x-aws-pull_credentials",
    "",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..70000).prop_map(|n| json!(n)),
        "[a-z0-9:/.$\\{\\}_ -]{0,12}".prop_map(Value::String),
        Just(json!("80:80")),
        Just(json!("${X:-80}:80/udp")),
        Just(json!({"Ref": "AWS::Region"})),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

fn compose() -> impl Strategy<Value = Value> {
    let declarations = || prop::collection::btree_map("[a-c]", tree(), 0..3);
    (
        prop::collection::vec(("[a-z][a-z0-9_-]{0,6}", tree()), 1..4),
        declarations(),
        declarations(),
    )
        .prop_map(|(services, secrets, configs)| {
            let services: Map<String, Value> = services.into_iter().collect();
            let mut doc = json!({"services": services});
            if !secrets.is_empty() {
                doc["secrets"] = json!(secrets);
            }
            if !configs.is_empty() {
                doc["configs"] = json!(configs);
            }
            doc
        })
}

fn ids(output: &Value) -> Vec<String> {
    output["Resources"]
        .as_object()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Arbitrary Compose-shaped input never panics; every result is deterministic.
    #[test]
    fn never_panics_and_is_deterministic(compose in compose()) {
        let r = request(compose);
        let a = std::panic::catch_unwind(|| expand(&r));
        prop_assert!(a.is_ok(), "panicked");
        let b = expand(&r);
        prop_assert_eq!(format!("{:?}", a.unwrap()), format!("{:?}", b));
    }

    /// Secret and config files at any paths, with any owners and modes: never a panic,
    /// and a success always gives each service with files one helper container (and the
    /// seed container it waits for, when a file lands outside `/run/secrets`).
    #[test]
    fn secret_files_never_panic(
        mounts in prop::collection::vec(
            (
                prop::sample::select(&["a", "b", "c"][..]),
                prop::option::of("/?[a-z]{1,3}(/[a-z.]{0,3}){0,3}"),
                prop::option::of(0u32..70000),
                prop::option::of(0u32..1000),
            ),
            0..6,
        ),
        keys in any::<bool>(),
    ) {
        let files: Vec<Value> = mounts
            .iter()
            .map(|(source, target, uid, mode)| {
                let mut m = json!({"source": source});
                if let Some(t) = target { m["target"] = json!(t); }
                if let Some(u) = uid { m["uid"] = json!(u); }
                if let Some(md) = mode { m["mode"] = json!(md); }
                m
            })
            .collect();
        let compose = json!({
            "services": {"web": {"image": "nginx", "secrets": files.clone(), "configs": files}},
            "secrets": {
                "a": {"x-aws-generate": true},
                "b": {"external": true, "name": "b", "x-aws-keys": if keys { json!("*") } else { json!(["k"]) }},
                "c": {"external": true, "name": "arn:aws:ssm:us-east-1:1:parameter/c"}
            },
            "configs": {"a": {"content": "x"}, "b": {"external": true, "name": "/b"}, "c": {"content": "${X:-y}"}}
        });
        let r = request(compose);
        let out = std::panic::catch_unwind(|| expand(&r));
        prop_assert!(out.is_ok(), "panicked");
        if let Ok(Ok(e)) = out {
            let containers = &e.fragment["Resources"]["AppWebTaskDefinition"]["Properties"]["ContainerDefinitions"];
            // The writer, and the seed it waits for when a file lands outside /run/secrets.
            let seed = containers.as_array().into_iter().flatten().any(|c| c["Name"] == "Web_Seed_InitContainer");
            let expected = if mounts.is_empty() { 1 } else { 2 + usize::from(seed) };
            prop_assert_eq!(containers.as_array().map(Vec::len), Some(expected));
            prop_assert_eq!(seed, containers[0]["DependsOn"][0]["ContainerName"] == "Web_Seed_InitContainer");
        }
    }

    /// Bind mounts of any shape, packaged or not, with files at any paths: never a panic;
    /// a success writes every file through the helper container.
    #[test]
    fn bind_mounts_never_panic(
        mounts in prop::collection::vec(
            (
                "(\\./|/|~/|\\.\\./)?[a-c.]{0,3}(/[a-c.]{0,3}){0,2}",
                "/?[a-c]{0,3}(/[a-c.]{0,3}){0,3}",
                any::<bool>(),
            ),
            0..5,
        ),
        files in prop::collection::btree_map("[a-c.]{1,3}(/[a-c.]{1,3}){0,2}", "[#!a-z\n]{0,20}", 0..6),
        packaged in any::<bool>(),
        ec2 in any::<bool>(),
    ) {
        let volumes: Vec<Value> = mounts
            .iter()
            .map(|(source, target, ro)| json!(format!("{source}:{target}{}", if *ro { ":ro" } else { "" })))
            .collect();
        let mut compose = json!({"services": {"web": {"image": "nginx", "build": "a", "volumes": volumes}}});
        if ec2 {
            compose["x-aws-capacity"] = json!("ec2");
        }
        let mut r = request(compose);
        if packaged {
            r.fragment["Resources"]["App"]["Properties"]["Package"] = json!({"Files": files});
        }
        let out = std::panic::catch_unwind(|| expand(&r));
        prop_assert!(out.is_ok(), "panicked");
    }

    /// Compose text never panics the loader.
    #[test]
    fn text_never_panics(text in "[a-z:\\-\\[\\]{}$&*!<>\n '\"]{0,80}") {
        let r = request(Value::String(text));
        prop_assert!(std::panic::catch_unwind(|| expand(&r)).is_ok());
    }

    /// Every generated logical ID matches `[A-Za-z0-9]{1,255}`.
    #[test]
    fn logical_ids_are_valid(names in prop::collection::btree_set("[a-zA-Z0-9._-]{1,20}", 1..4)) {
        let services: Map<String, Value> = names
            .iter()
            .map(|n| (n.clone(), json!({"image": "nginx", "expose": ["80"]})))
            .collect();
        if let Ok(e) = expand(&request(json!({"services": services}))) {
            for id in ids(&e.fragment) {
                prop_assert!(compose_to_ecs::cfn::logical_id::is_valid(&id), "{}", id);
            }
        }
    }

    /// Volumes of any name mounted by services as any user: no panic, valid logical IDs,
    /// and names that meet in one ID are an error, never an overwrite.
    #[test]
    fn volumes_never_panic(
        names in prop::collection::btree_set("[a-zA-Z0-9._-]{1,12}", 1..4),
        users in prop::collection::vec(prop::option::of(0u32..3), 1..4),
    ) {
        let mounts: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| json!(format!("{n}:/v{i}")))
            .collect();
        let mut services = Map::new();
        for (i, user) in users.iter().enumerate() {
            let mut s = json!({"image": "nginx", "volumes": mounts.clone()});
            if let Some(u) = user {
                s["user"] = json!(format!("{}", 1000 + u));
            }
            services.insert(format!("s{i}"), s);
        }
        let volumes: Map<String, Value> = names.iter().map(|n| (n.clone(), json!({}))).collect();
        let request = request(json!({"services": services, "volumes": volumes}));
        match expand(&request) {
            Ok(e) => {
                for id in ids(&e.fragment) {
                    prop_assert!(compose_to_ecs::cfn::logical_id::is_valid(&id), "{}", id);
                }
                let again = expand(&request).unwrap();
                prop_assert_eq!(e.fragment, again.fragment);
            }
            Err(d) => prop_assert!(d.has_errors()),
        }
    }

    /// `$$` is a literal `$`: escaping every `$` of a string gives the string back.
    #[test]
    fn dollar_dollar_round_trips(s in "[a-zA-Z0-9 ${}:_-]{0,30}") {
        let escaped = s.replace('$', "$$");
        let e = expand(&request(json!({"services": {"web": {"image": "nginx", "environment": {"X": escaped}}}}))).unwrap();
        let env = &e.fragment["Resources"]["AppWebTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"][0]["Value"];
        prop_assert_eq!(env, &json!(s));
    }
}

fn project(services: &[(&str, Value)]) -> Value {
    let map: Map<String, Value> = services
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    expand(&request(json!({"services": map}))).unwrap().fragment
}

fn service_resources(output: &Value, prefix: &str) -> Map<String, Value> {
    output["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn reordering_services_changes_nothing() {
    let web = json!({"image": "nginx", "ports": ["80:80"], "depends_on": ["api"]});
    let api = json!({"image": "node", "expose": ["3000"]});
    let a = project(&[("web", web.clone()), ("api", api.clone())]);
    let b = project(&[("api", api), ("web", web)]);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn renaming_a_service_leaves_the_others_alone() {
    let web = json!({"image": "nginx", "ports": ["80:80"]});
    let api = json!({"image": "node", "expose": ["3000"]});
    let worker = json!({"image": "busybox", "command": "sleep 1d"});
    let a = project(&[
        ("web", web.clone()),
        ("api", api.clone()),
        ("worker", worker.clone()),
    ]);
    let b = project(&[("web", web), ("backend", api), ("worker", worker)]);
    assert_eq!(
        service_resources(&a, "AppWeb"),
        service_resources(&b, "AppWeb")
    );
    assert_eq!(
        service_resources(&a, "AppWorker"),
        service_resources(&b, "AppWorker")
    );
    assert!(service_resources(&b, "AppApi").is_empty());
    assert!(!service_resources(&b, "AppBackend").is_empty());
}
