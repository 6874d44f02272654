//! `compose-to-ecs package` and the previews on a real folder: a template, its Compose
//! file, `.env`, an env file, a config file, a secret file and build contexts, with a stub
//! `docker` on `PATH` that records its arguments and standard input (CI has no Docker
//! engine). The secret's value must appear only in the parameters file.
//!
//! The `end_to_end_*` tests expand what the package step wrote; they need the converter
//! to consume `Package` (branches `local-core`: env files, configs, secret files, builds)
//! and pass once that is merged.

use serde_json::{json, Value};
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_compose-to-ecs");
const SECRET: &str = "s3cr3t-VALUE-never-in-a-template";
const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop";
/// `package` with every flag it may need.
const FULL: &[&str] = &[
    "package",
    "template.yaml",
    "--parameters-out",
    "params.json",
    "--image-repository",
    REPO,
];

const TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: ComposeToECS
Resources:
  Shop:
    Type: ComposeToECS::Project
    Properties:
      ComposeFile: app/compose.yaml
"#;

const COMPOSE: &str = r#"services:
  web:
    build:
      context: ./web
      target: prod
      args:
        VERSION: "1.2"
    platform: linux/amd64
    ports: ["80:80"]
  worker:
    build:
      context: ./web
      target: prod
      args:
        VERSION: "1.2"
    platform: linux/amd64
  tool:
    build:
      context: ./tool
      dockerfile_inline: |
        FROM public.ecr.aws/docker/library/alpine:3.20
        RUN echo hi
  db:
    image: public.ecr.aws/docker/library/postgres:${PG_TAG:-15}
    env_file: db.env
    secrets: [db-password]
    configs:
      - source: proxy
        target: /etc/proxy/proxy.conf
secrets:
  db-password:
    file: ./db/password.txt
configs:
  proxy:
    file: ./proxy.conf
"#;

const STUB: &str = r#"#!/bin/sh
log="$DOCKER_LOG"
printf 'docker' >> "$log"
for a in "$@"; do printf ' %s' "$a" >> "$log"; done
printf '\n' >> "$log"
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ] && [ "$a" = "-" ]; then
    printf 'stdin:\n' >> "$log"; cat >> "$log"; printf 'end stdin\n' >> "$log"
  fi
  prev="$a"
done
echo "stub docker $1"
"#;

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let p = Project { dir };
        p.write("template.yaml", TEMPLATE);
        p.write("app/compose.yaml", COMPOSE);
        p.write("app/.env", "PG_TAG=16\n");
        p.write("app/db.env", "POSTGRES_DB=shop\n");
        p.write("app/proxy.conf", "listen 8080;\n");
        p.write("app/db/password.txt", SECRET);
        p.write(
            "app/web/Dockerfile",
            "FROM python:3.12 AS prod\nCOPY . /app\n",
        );
        p.write("app/web/app.py", "print('hello')\n");
        p.write("app/web/debug.log", "noise\n");
        p.write("app/web/.dockerignore", "*.log\n");
        p.write("app/tool/README", "a tool\n");
        p.write("prod.env", "PG_TAG=17\n");
        p.write("bin/docker", STUB);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(p.path("bin/docker"), fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::create_dir_all(p.path("nodocker")).unwrap();
        p
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    /// Runs the CLI in the project's root with the stub docker (or none) on PATH.
    fn run(&self, args: &[&str], docker: bool) -> (i32, String, String) {
        let bin = if docker { "bin" } else { "nodocker" };
        let path = format!(
            "{}:{}",
            self.path(bin).display(),
            if docker {
                std::env::var("PATH").unwrap_or_default()
            } else {
                String::new()
            }
        );
        let out = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env("DOCKER_LOG", self.path("docker.log"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn package(&self, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec![
            "package",
            "template.yaml",
            "-o",
            "packaged.json",
            "--format",
            "json",
            "--parameters-out",
            "params.json",
            "--image-repository",
            REPO,
        ];
        args.extend_from_slice(extra);
        let out = self.run(&args, true);
        assert_eq!(out.0, 0, "{}", out.2);
        out
    }

    fn packaged(&self) -> Value {
        serde_json::from_str(&self.read("packaged.json")).unwrap()
    }

    fn images(&self) -> Value {
        self.packaged()["Resources"]["Shop"]["Properties"]["Package"]["Images"].clone()
    }
}

fn digest_of(tag: &str) -> &str {
    tag.rsplit('-').next().unwrap()
}

#[test]
fn package_writes_the_package_and_runs_docker_exactly() {
    let p = Project::new();
    let (_, stdout, stderr) = p.package(&[]);
    let t = p.packaged();
    assert_eq!(t["Transform"], "ComposeToECS");
    let props = &t["Resources"]["Shop"]["Properties"];
    assert!(props.get("ComposeFile").is_none());
    assert_eq!(props["Compose"], COMPOSE);
    let images = p.images();
    let web = images["web"].as_str().unwrap().to_string();
    let worker = images["worker"].as_str().unwrap().to_string();
    let tool = images["tool"].as_str().unwrap().to_string();
    let d = digest_of(&web);
    assert_eq!(d.len(), 12);
    assert!(d.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(web, format!("{REPO}:web-{d}"));
    assert_eq!(worker, format!("{REPO}:worker-{d}"), "identical builds");
    assert_ne!(digest_of(&tool), d);
    assert_eq!(
        props["Package"],
        json!({
            "Files": {
                ".env": "PG_TAG=16\n",
                "db.env": "POSTGRES_DB=shop\n",
                "proxy.conf": "listen 8080;\n",
            },
            "EnvFiles": [".env"],
            "Secrets": {"db-password": "ShopDbpasswordSecretValue"},
            "Images": {"tool": tool, "web": web, "worker": worker},
        })
    );
    assert_eq!(
        t["Parameters"]["ShopDbpasswordSecretValue"]["NoEcho"],
        json!(true)
    );
    assert_eq!(
        t["Parameters"]["ShopDbpasswordSecretValue"]["Type"],
        "String"
    );

    // The identical builds of `web` and `worker` run once, with both tags.
    let app = p.path("app");
    let expected = format!(
        "docker build -t {tool} -f - {tool_ctx}\n\
         stdin:\n\
         FROM public.ecr.aws/docker/library/alpine:3.20\n\
         RUN echo hi\n\
         end stdin\n\
         docker push {tool}\n\
         docker build -t {web} -t {worker} --target prod --build-arg VERSION=1.2 --platform linux/amd64 {web_ctx}\n\
         docker push {web}\n\
         docker push {worker}\n",
        tool_ctx = app.join("tool").display(),
        web_ctx = app.join("web").display(),
    );
    assert_eq!(p.read("docker.log"), expected);
    // docker's output is streamed to our standard error, never to the template.
    assert!(stderr.contains("stub docker build"), "{stderr}");
    assert!(stdout.is_empty());

    // The parameters file: the CloudFormation format, owner-only.
    let params: Value = serde_json::from_str(&p.read("params.json")).unwrap();
    assert_eq!(
        params,
        json!([{"ParameterKey": "ShopDbpasswordSecretValue", "ParameterValue": SECRET}])
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(p.path("params.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(!p.read("packaged.json").contains(SECRET));
    assert!(!stderr.contains(SECRET));
}

#[test]
fn tags_follow_the_content_only() {
    let p = Project::new();
    p.package(&[]);
    let first = p.images();
    p.package(&[]);
    assert_eq!(p.images(), first, "same inputs, same tags");
    p.write("app/web/debug.log", "other noise\n");
    p.package(&[]);
    assert_eq!(p.images(), first, "a file `.dockerignore` excludes");
    p.write("app/web/app.py", "print('changed')\n");
    p.package(&[]);
    let changed = p.images();
    assert_ne!(changed["web"], first["web"]);
    assert_ne!(changed["worker"], first["worker"]);
    assert_eq!(changed["tool"], first["tool"]);
}

#[test]
fn parameters_file_replaces_an_open_file_with_an_owner_only_one() {
    let p = Project::new();
    p.write("params.json", "old");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(p.path("params.json"), fs::Permissions::from_mode(0o644)).unwrap();
        p.package(&[]);
        let mode = fs::metadata(p.path("params.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn env_files_given_replace_dot_env() {
    let p = Project::new();
    p.package(&["--env-file", "prod.env"]);
    let package = &p.packaged()["Resources"]["Shop"]["Properties"]["Package"];
    assert_eq!(package["EnvFiles"], json!(["../prod.env"]));
    assert_eq!(package["Files"]["../prod.env"], "PG_TAG=17\n");
    assert!(package["Files"].get(".env").is_none());
}

#[test]
fn yaml_in_yaml_out_by_default() {
    let p = Project::new();
    let (code, stdout, stderr) = p.run(FULL, true);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("AWSTemplateFormatVersion:"), "{stdout}");
    assert!(stdout.contains("Transform: ComposeToECS"));
    assert!(!stdout.contains(SECRET));
}

fn one_error(p: &Project, args: &[&str], docker: bool) -> String {
    let (code, stdout, stderr) = p.run(args, docker);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert!(!stderr.contains(SECRET));
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    errors[0].to_string()
}

#[test]
fn secrets_need_a_parameters_file() {
    let p = Project::new();
    let e = one_error(
        &p,
        &["package", "template.yaml", "--image-repository", REPO],
        true,
    );
    assert_eq!(e, "error: secrets.db-password.file: the value of secret `db-password` must go to a parameters file, never into the template: pass `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`");
    assert_eq!(p.read("docker.log"), "", "nothing built after an error");
}

#[test]
fn builds_need_a_repository_and_docker() {
    let p = Project::new();
    let e = one_error(
        &p,
        &[
            "package",
            "template.yaml",
            "--parameters-out",
            "params.json",
        ],
        true,
    );
    assert_eq!(e, "error: services.tool.build: services `tool`, `web`, `worker` have `build` and no `image`: pass `--image-repository <ECR repository URI>` to build and push them with docker, or set `image`");
    let e = one_error(&p, FULL, false);
    assert_eq!(e, "error: services.tool.build: services `tool`, `web`, `worker` need images built with `docker`, which is not on PATH; install Docker, or build and push the images yourself and set `image`");
    let (code, _, stderr) = p.run(
        &["package", "template.yaml", "--image-repository", "x/Shop:1"],
        true,
    );
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn files_the_template_cannot_carry() {
    let p = Project::new();
    fs::write(p.path("app/proxy.conf"), [0x89, b'P', b'N', b'G', 0, 1]).unwrap();
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: configs.proxy.file: `proxy.conf` is not UTF-8 text: the package step carries text files only; bake it into the image instead (a `COPY` in a Dockerfile)");
    p.write("app/proxy.conf", &"x".repeat(600 * 1024));
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: configs.proxy.file: `proxy.conf` (614400 bytes) takes the project's files past the 524288 bytes the package step writes into the template; bake it into the image instead (a `COPY` in a Dockerfile)");
}

#[test]
fn template_level_problems_name_the_property() {
    let p = Project::new();
    p.write(
        "template.yaml",
        &TEMPLATE.replace("app/compose.yaml", "app/missing.yaml"),
    );
    let e = one_error(&p, &["package", "template.yaml"], true);
    assert!(
        e.starts_with(
            "error: Resources.Shop.Properties.ComposeFile: `app/missing.yaml` does not exist (looked for `"
        ),
        "{e}"
    );
    p.write(
        "template.yaml",
        &TEMPLATE.replace(
            "Resources:",
            "Parameters:\n  ShopDbpasswordSecretValue: {Type: String}\nResources:",
        ),
    );
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: secrets.db-password.file: the package step names the parameter of secret `db-password` `ShopDbpasswordSecretValue`, and the template already declares a parameter of that name; rename that parameter");
    fs::remove_file(p.path("app/db/password.txt")).unwrap();
    p.write("template.yaml", TEMPLATE);
    let e = one_error(&p, FULL, true);
    assert_eq!(
        e,
        "error: secrets.db-password.file: `db/password.txt` does not exist in the project folder"
    );
}

/// A preview resolves as `package` does, but never runs docker, and the secret's value
/// goes in as its parameter's value: it reaches neither the output nor a diagnostic.
#[test]
fn previews_never_run_docker_nor_show_the_secret() {
    let p = Project::new();
    for args in [
        vec!["expand", "template.yaml", "--image-repository", REPO],
        vec!["convert", "app/compose.yaml", "--image-repository", REPO],
    ] {
        let (code, stdout, stderr) = p.run(&args, true);
        assert!(code == 0 || code == 1, "{stderr}");
        assert!(!stdout.contains(SECRET));
        assert!(!stderr.contains(SECRET));
    }
    assert_eq!(p.read("docker.log"), "");
}

fn find_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| find_strings(i, out)),
        Value::Object(m) => m.values().for_each(|i| find_strings(i, out)),
        _ => {}
    }
}

fn expanded_images(t: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in t["Resources"].as_object().unwrap().values() {
        if r["Type"] == "AWS::ECS::TaskDefinition" {
            for c in r["Properties"]["ContainerDefinitions"].as_array().unwrap() {
                if let Some(i) = c["Image"].as_str() {
                    out.push(i.to_string());
                }
            }
        }
    }
    out.sort();
    out
}

fn check_expanded(stdout: &str, images: &Value, pg: &str) {
    let t: Value = serde_json::from_str(stdout).unwrap();
    assert!(!stdout.contains(SECRET));
    let got = expanded_images(&t);
    for s in ["tool", "web", "worker"] {
        assert!(
            got.contains(&images[s].as_str().unwrap().to_string()),
            "{got:?}"
        );
    }
    assert!(
        got.contains(&format!("public.ecr.aws/docker/library/postgres:{pg}")),
        "{got:?}"
    );
    let mut strings = Vec::new();
    find_strings(&t, &mut strings);
    assert!(strings.contains(&"POSTGRES_DB"), "the env file's variable");
    assert!(
        stdout.contains(r#""Ref": "ShopDbpasswordSecretValue""#),
        "the secret is referenced"
    );
}

/// The packaged template expands (the macro's path, with the secret as a parameter
/// value), and the preview gives the same images without building. Needs the converter
/// to consume `Package` (branch `local-core`).
#[test]
fn end_to_end_package_then_expand() {
    let p = Project::new();
    p.package(&[]);
    let images = p.images();
    let (code, stdout, stderr) = p.run(
        &[
            "expand",
            "packaged.json",
            "--param",
            &format!("ShopDbpasswordSecretValue={SECRET}"),
        ],
        true,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains(SECRET));
    check_expanded(&stdout, &images, "16");

    fs::remove_file(p.path("docker.log")).unwrap();
    let (code, stdout, stderr) = p.run(
        &["expand", "template.yaml", "--image-repository", REPO],
        true,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains(SECRET));
    check_expanded(&stdout, &images, "16");
    assert_eq!(p.read("docker.log"), "");

    let (code, stdout, stderr) = p.run(
        &[
            "expand",
            "template.yaml",
            "--image-repository",
            REPO,
            "--env-file",
            "prod.env",
        ],
        true,
    );
    assert_eq!(code, 0, "{stderr}");
    check_expanded(&stdout, &images, "17");
}
