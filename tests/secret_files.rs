//! The helper container's program, run for real: the task definition the transform emits is
//! read back, its `<Svc>_Secrets_InitContainer` is run locally with `python3` against a
//! temporary directory (the volumes), with the variables ECS would inject, and the files'
//! content, owner and mode are checked.
//!
//! `python3` must be installed: without it the test fails (CI has it), never skips.

use compose_to_ecs::macro_::handle;
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compose-to-ecs-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// The owner the test can give files: root may give any; others only their own.
fn owner(dir: &Path) -> (u32, u32) {
    let probe = dir.join("probe");
    fs::write(&probe, "").unwrap();
    let meta = fs::metadata(&probe).unwrap();
    fs::remove_file(&probe).unwrap();
    if meta.uid() == 0 {
        (1234, 2345)
    } else {
        (meta.uid(), meta.gid())
    }
}

fn expand(compose: Value) -> Value {
    let event = json!({
        "region": "us-east-1", "accountId": "123456789012", "transformId": "x", "requestId": "r",
        "params": {}, "templateParameterValues": {"DbPassword": "unused"},
        "fragment": {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"DbPassword": {"Type": "String", "NoEcho": true}},
            "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {"Compose": compose}}}
        }
    });
    let (response, _) = handle(event);
    assert_eq!(response["status"], "success", "{response}");
    response["fragment"].clone()
}

/// Runs the helper of `service` with `values` for its `Secrets` (in order; the ones left
/// out stay unset), the volumes under `root`.
/// Returns the exit status and stderr.
fn run_helper(
    template: &Value,
    service: &str,
    root: &Path,
    values: &[(&str, &str)],
) -> (bool, String) {
    let task = &template["Resources"][format!("Shop{service}TaskDefinition")]["Properties"];
    let init = &task["ContainerDefinitions"][0];
    assert_eq!(init["Name"], format!("{service}_Secrets_InitContainer"));
    let command: Vec<&str> = init["Command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(command[..2], ["python3", "-c"]);
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(command[2]).env_clear();
    let root_text = root.to_str().unwrap();
    for var in init["Environment"].as_array().unwrap() {
        let value = var["Value"].as_str().expect("literal environment values");
        let value = value.replace("\"/compose-files/", &format!("\"{root_text}/"));
        cmd.env(var["Name"].as_str().unwrap(), value);
    }
    let secrets = init["Secrets"].as_array().cloned().unwrap_or_default();
    for (secret, (_, value)) in secrets.iter().zip(values) {
        cmd.env(secret["Name"].as_str().unwrap(), value);
    }
    assert!(
        values.len() <= secrets.len(),
        "more values than container secrets"
    );
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!("python3 is required to test the helper container's program: {e}"),
    };
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn the_helper_writes_files_with_owner_and_mode() {
    let root = temp_dir("files");
    let (uid, gid) = owner(&root);
    let template = expand(json!({
        "services": {"web": {
            "image": "nginx",
            "secrets": [
                "token",
                {"source": "db", "target": "database", "uid": uid.to_string(), "gid": gid.to_string(), "mode": "0440"},
                {"source": "all", "target": "/var/lib/app/all"}
            ],
            "configs": [{"source": "site", "target": "/etc/nginx/conf.d/site.conf", "mode": "0644"}]
        }},
        "secrets": {
            "token": {"environment": "DbPassword"},
            "db": {"external": true, "name": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "x-aws-keys": ["username"]},
            "all": {"external": true, "name": "all", "x-aws-keys": "*"}
        },
        "configs": {"site": {"content": "server { listen 80; }\n"}}
    }));
    let (ok, stderr) = run_helper(
        &template,
        "Web",
        &root,
        &[
            ("token", "s3cr3t\nwith newline"),
            ("db", r#"{"username": "admin", "password": "pw"}"#),
            ("all", r#"{"a": "1", "b": {"nested": true}}"#),
        ],
    );
    assert!(ok, "the helper failed: {stderr}");
    // Volume 0 is /etc/nginx/conf.d, 1 /run/secrets, 2 /var/lib/app (sorted).
    let site = root.join("0/site.conf");
    assert_eq!(
        fs::read_to_string(&site).unwrap(),
        "server { listen 80; }\n"
    );
    assert_eq!(mode(&site), 0o644);
    let token = root.join("1/token");
    assert_eq!(fs::read_to_string(&token).unwrap(), "s3cr3t\nwith newline");
    assert_eq!(mode(&token), 0o444);
    let username = root.join("1/database/username");
    assert_eq!(fs::read_to_string(&username).unwrap(), "admin");
    assert_eq!(mode(&username), 0o440);
    let meta = fs::metadata(&username).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    assert!(
        !root.join("1/database/password").exists(),
        "only the listed keys"
    );
    assert_eq!(fs::read_to_string(root.join("2/all/a")).unwrap(), "1");
    assert_eq!(
        fs::read_to_string(root.join("2/all/b")).unwrap(),
        r#"{"nested": true}"#
    );
    assert!(!stderr.contains("s3cr3t") && !stderr.contains("admin"));
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn the_helper_fails_clearly_without_printing_values() {
    let root = temp_dir("missing");
    let template = expand(json!({
        "services": {"web": {"image": "nginx", "secrets": ["db"]}},
        "secrets": {"db": {"external": true, "name": "db", "x-aws-keys": ["password"]}}
    }));
    let (ok, stderr) = run_helper(
        &template,
        "Web",
        &root,
        &[("db", r#"{"user": "hidden-value"}"#)],
    );
    assert!(!ok);
    assert!(
        stderr.contains("the secret has no key \"password\""),
        "{stderr}"
    );
    assert!(!stderr.contains("hidden-value"), "{stderr}");
    let (ok, stderr) = run_helper(&template, "Web", &root, &[("db", "not json hidden-value")]);
    assert!(!ok);
    assert!(stderr.contains("is not a JSON document"), "{stderr}");
    assert!(!stderr.contains("hidden-value"), "{stderr}");
    // compose-cli's sidecar test: a value ECS did not inject is an error.
    let (ok, stderr) = run_helper(&template, "Web", &root, &[]);
    assert!(!ok);
    assert!(stderr.contains("COMPOSE_SECRET_0 is not set"), "{stderr}");
    fs::remove_dir_all(&root).unwrap();
}

/// The seed container's program (`<Svc>_Seed_InitContainer`), run with `sh` against a
/// stand-in for the image's file system under `image`, the volumes under `root`.
fn run_seed(template: &Value, service: &str, image: &Path, root: &Path) -> (bool, String) {
    let task = &template["Resources"][format!("Shop{service}TaskDefinition")]["Properties"];
    let seed = task["ContainerDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == format!("{service}_Seed_InitContainer"))
        .expect("the seed container");
    assert_eq!(seed["EntryPoint"], json!(["/bin/sh", "-c"]));
    assert_eq!(seed["User"], "0");
    let script = seed["Command"][0].as_str().unwrap();
    let script = script
        .replace("'/compose-files/", "'\0")
        .replace("'/", &format!("'{}/", image.display()))
        .replace("'\0", &format!("'{}/", root.display()));
    // ECS mounts each volume before the container starts.
    for m in seed["MountPoints"].as_array().unwrap() {
        let n = m["ContainerPath"]
            .as_str()
            .unwrap()
            .trim_start_matches("/compose-files/");
        fs::create_dir_all(root.join(n)).unwrap();
    }
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bind_mounted_files_keep_the_images_other_files() {
    let root = temp_dir("seed-volumes");
    let image = temp_dir("seed-image");
    fs::create_dir_all(image.join("etc/nginx/conf.d")).unwrap();
    fs::write(
        image.join("etc/nginx/mime.types"),
        "types { text/html html; }\n",
    )
    .unwrap();
    fs::write(image.join("etc/nginx/nginx.conf"), "# the image's\n").unwrap();
    fs::write(
        image.join("etc/nginx/conf.d/default.conf"),
        "# the image's\n",
    )
    .unwrap();
    let event = json!({
        "region": "us-east-1", "accountId": "123456789012", "transformId": "x", "requestId": "r",
        "params": {}, "templateParameterValues": {},
        "fragment": {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {
                "Compose": {"services": {"proxy": {
                    "image": "nginx",
                    "volumes": [
                        "./proxy/nginx.conf:/etc/nginx/nginx.conf:ro",
                        "./proxy/default.conf:/etc/nginx/conf.d/default.conf:ro",
                        "./reload.sh:/usr/local/bin/reload.sh:ro",
                        "./html:/usr/share/nginx/html:ro"
                    ]
                }}},
                "Package": {"Files": {
                    "proxy/nginx.conf": "events {}\n",
                    "proxy/default.conf": "server { listen 80; }\n",
                    "reload.sh": "#!/bin/sh\nnginx -s reload\n",
                    "html/index.html": "<h1>hi</h1>\n",
                    "html/img/logo.svg": "<svg/>\n"
                }}
            }}}
        }
    });
    let (response, _) = handle(event);
    assert_eq!(response["status"], "success", "{response}");
    let template = response["fragment"].clone();
    let task = &template["Resources"]["ShopProxyTaskDefinition"]["Properties"];
    assert_eq!(
        task["ContainerDefinitions"][0]["DependsOn"],
        json!([{"ContainerName": "Proxy_Seed_InitContainer", "Condition": "COMPLETE"}])
    );
    // The seed copies what the image has; `/usr/local/bin` is absent from this stand-in,
    // which the program skips.
    let (ok, stderr) = run_seed(&template, "Proxy", &image, &root);
    assert!(ok, "the seed failed: {stderr}");
    let (ok, stderr) = run_helper(&template, "Proxy", &root, &[]);
    assert!(ok, "the helper failed: {stderr}");
    // Volume 0 is /etc/nginx, 1 /usr/local/bin, 2 /usr/share/nginx/html (sorted).
    let nginx = root.join("0");
    assert_eq!(
        fs::read_to_string(nginx.join("mime.types")).unwrap(),
        "types { text/html html; }\n",
        "the image's own file stays"
    );
    assert_eq!(
        fs::read_to_string(nginx.join("nginx.conf")).unwrap(),
        "events {}\n"
    );
    assert_eq!(
        fs::read_to_string(nginx.join("conf.d/default.conf")).unwrap(),
        "server { listen 80; }\n"
    );
    assert_eq!(mode(&nginx.join("nginx.conf")), 0o644);
    assert_eq!(
        mode(&root.join("1/reload.sh")),
        0o755,
        "a script stays executable"
    );
    assert_eq!(
        fs::read_to_string(root.join("2/img/logo.svg")).unwrap(),
        "<svg/>\n",
        "a folder's files at their relative paths"
    );
    fs::remove_dir_all(&root).unwrap();
    fs::remove_dir_all(&image).unwrap();
}
