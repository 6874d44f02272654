//! `compose-to-ecs package` and the previews on a real folder: a template, its Compose
//! file, `.env`, an env file, a config file, a secret file and build contexts, with a stub
//! `docker` on `PATH` that records its arguments and standard input (CI has no Docker
//! engine). The secret's value must appear only in the parameters file.
//!
//! The `end_to_end_*` tests expand what the package step wrote; they need the converter
//! to consume `Package` (branches `local-core`: env files, configs, secret files, builds)
//! and pass once that is merged.

use serde_json::{json, Value};
use std::collections::BTreeMap;
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

/// A stand-in for docker that answers as docker does (docs.docker.com): `build` records
/// its `--platform`; `image inspect` prints the JSON list with that architecture (or
/// `$STUB_ARCH`), `Config.ExposedPorts`, `Config.User` and, once pushed, `RepoDigests`;
/// `push` prints `<tag>: digest: sha256:<64 hex> size: <n>` (the digest follows the
/// content part of the tag, so identical builds share it; none with `$STUB_PUSH_QUIET`);
/// `buildx imagetools inspect` prints an index for amd64 and arm64 (amd64 only with
/// `$STUB_AMD64_ONLY`).
const STUB: &str = r#"#!/bin/sh
log="$DOCKER_LOG"
dir=$(dirname "$log")
printf 'docker' >> "$log"
for a in "$@"; do printf ' %s' "$a" >> "$log"; done
printf '\n' >> "$log"
prev=""
for a in "$@"; do
  if [ "$prev" = "-f" ] && [ "$a" = "-" ]; then
    printf 'stdin:\n' >> "$log"; cat >> "$log"; printf 'end stdin\n' >> "$log"
  fi
  if [ "$prev" = "--platform" ]; then echo "$a" > "$dir/stub-platform"; fi
  prev="$a"
done
hash() { printf '%s' "$1" | sha256sum | cut -c1-64; }
case "$1" in
  build) echo "stub docker build" ;;
  image)
    tag="$3"
    arch="${STUB_ARCH:-$(sed 's,^linux/,,' "$dir/stub-platform")}"
    digests="[]"
    if [ -f "$dir/stub-pushed-$(hash "$tag")" ]; then
      digests="[\"${tag%:*}@sha256:$(hash "${tag##*-}")\"]"
    fi
    printf '[{"Id":"sha256:%s","RepoTags":["%s"],"RepoDigests":%s,"Architecture":"%s","Os":"linux","Config":{"User":"app","ExposedPorts":{"8000/tcp":{}},"Env":["PATH=/usr/bin"]}}]\n' "$(hash "x$tag")" "$tag" "$digests" "$arch"
    ;;
  push)
    tag="$2"
    touch "$dir/stub-pushed-$(hash "$tag")"
    echo "The push refers to repository [${tag%:*}]"
    echo "5f70bf18a086: Pushed"
    if [ -z "$STUB_PUSH_QUIET" ]; then
      echo "${tag##*:}: digest: sha256:$(hash "${tag##*-}") size: 1570"
    fi
    ;;
  buildx)
    image="$6"
    d=$(hash "$image")
    if [ -n "$STUB_AMD64_ONLY" ]; then
      printf '{"manifest":{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:%s","size":1570},"image":{"architecture":"amd64","os":"linux","config":{"ExposedPorts":{"5432/tcp":{}},"User":"postgres"}}}\n' "$d"
    else
      printf '{"manifest":{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":1609,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1000,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1000,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":566,"annotations":{"vnd.docker.reference.type":"attestation-manifest"},"platform":{"architecture":"unknown","os":"unknown"}}]},"image":{"linux/amd64":{"architecture":"amd64","os":"linux","config":{"ExposedPorts":{"5432/tcp":{}},"User":"postgres"}},"linux/arm64/v8":{"architecture":"arm64","os":"linux","variant":"v8","config":{"ExposedPorts":{"5432/tcp":{}},"User":"postgres"}}}}\n' "$d" "$(hash "a$image")" "$(hash "b$image")" "$(hash "c$image")"
    fi
    ;;
  *) echo "stub docker $1" ;;
esac
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
        self.run_env(args, docker, &[])
    }

    /// [`Project::run`] with more environment variables (the stub's `STUB_*`).
    fn run_env(&self, args: &[&str], docker: bool, env: &[(&str, &str)]) -> (i32, String, String) {
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
            .envs(env.iter().copied())
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

    /// The tags pushed, in order, from the stub's log.
    fn pushed(&self) -> Vec<String> {
        self.read("docker.log")
            .lines()
            .filter_map(|l| l.strip_prefix("docker push "))
            .map(String::from)
            .collect()
    }
}

fn digest_of(tag: &str) -> &str {
    tag.rsplit('-').next().unwrap()
}

/// The digest the stub's `docker push` prints for a tag: `sha256:` + SHA-256 of the tag's
/// content part.
fn pushed_digest(tag: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(digest_of(tag).as_bytes());
    format!(
        "sha256:{}",
        h.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
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
    let pushed = p.pushed();
    assert_eq!(pushed.len(), 3, "{pushed:?}");
    let (tool, web, worker) = (&pushed[0], &pushed[1], &pushed[2]);
    let d = digest_of(web);
    assert_eq!(d.len(), 12);
    assert!(d.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(*web, format!("{REPO}:web-{d}"));
    assert_eq!(*worker, format!("{REPO}:worker-{d}"), "identical builds");
    assert_ne!(digest_of(tool), d);
    // The template names each pushed image by the digest `docker push` printed, so that a
    // new push changes the task definition and rolls out.
    let by_digest = |tag: &str| format!("{REPO}@{}", pushed_digest(tag));
    let config = json!({"ExposedPorts": ["8000/tcp"], "User": "app", "Architecture": "amd64"});
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
            "Images": {"tool": by_digest(tool), "web": by_digest(web), "worker": by_digest(worker)},
            "ImageConfig": {"tool": config, "web": config, "worker": config},
        })
    );
    assert_eq!(p.images()["web"], p.images()["worker"]);
    assert_eq!(
        t["Parameters"]["ShopDbpasswordSecretValue"]["NoEcho"],
        json!(true)
    );
    assert_eq!(
        t["Parameters"]["ShopDbpasswordSecretValue"]["Type"],
        "String"
    );

    // The identical builds of `web` and `worker` run once, with both tags; every build is
    // for the task's platform (`linux/amd64` by default), and what it made is inspected
    // before it is pushed.
    let app = p.path("app");
    let expected = format!(
        "docker build -t {tool} -f - --platform linux/amd64 {tool_ctx}\n\
         stdin:\n\
         FROM public.ecr.aws/docker/library/alpine:3.20\n\
         RUN echo hi\n\
         end stdin\n\
         docker image inspect {tool}\n\
         docker push {tool}\n\
         docker build -t {web} -t {worker} --target prod --build-arg VERSION=1.2 --platform linux/amd64 {web_ctx}\n\
         docker image inspect {web}\n\
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

/// The tags pushed by one `package` run, by service.
fn tags_of(p: &Project) -> BTreeMap<String, String> {
    fs::remove_file(p.path("docker.log")).ok();
    p.package(&[]);
    p.pushed()
        .into_iter()
        .map(|t| {
            let service = t.rsplit_once(':').unwrap().1.rsplit_once('-').unwrap().0;
            (service.to_string(), t)
        })
        .collect()
}

#[test]
fn tags_follow_the_content_only() {
    let p = Project::new();
    let first = tags_of(&p);
    assert_eq!(tags_of(&p), first, "same inputs, same tags");
    p.write("app/web/debug.log", "other noise\n");
    assert_eq!(tags_of(&p), first, "a file `.dockerignore` excludes");
    p.write("app/web/app.py", "print('changed')\n");
    let changed = tags_of(&p);
    assert_ne!(changed["web"], first["web"]);
    assert_ne!(changed["worker"], first["worker"]);
    assert_eq!(changed["tool"], first["tool"]);
    // The platform is part of the content: the same sources for arm64 are another image.
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace("platform: linux/amd64", "platform: linux/arm64"),
    );
    let arm = tags_of(&p);
    assert_ne!(arm["web"], changed["web"]);
    assert_eq!(arm["tool"], first["tool"]);
    assert!(p.read("docker.log").contains(" --platform linux/arm64 "));
    // Spellings of one platform are one image.
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace("platform: linux/amd64", "platform: arm64"),
    );
    assert_eq!(tags_of(&p), arm);
    assert_eq!(
        p.images()["web"],
        json!(format!("{REPO}@{}", pushed_digest(&arm["web"])))
    );
    assert_eq!(
        p.packaged()["Resources"]["Shop"]["Properties"]["Package"]["ImageConfig"]["web"]
            ["Architecture"],
        "arm64"
    );
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
/// value), and the preview gives the same images by tag without building (the digest
/// exists once pushed).
#[test]
fn end_to_end_package_then_expand() {
    let p = Project::new();
    p.package(&[]);
    let images = p.images();
    let tags: Value = p
        .pushed()
        .into_iter()
        .map(|t| {
            let service = t.rsplit_once(':').unwrap().1.rsplit_once('-').unwrap().0;
            (service.to_string(), Value::String(t))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
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
    check_expanded(&stdout, &tags, "16");
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
    check_expanded(&stdout, &tags, "17");
}

/// An image built for another architecture than the task's is refused before it is
/// pushed (with a real engine: `FROM --platform=$BUILDPLATFORM` on the last stage, or a
/// builder that ignores `--platform`).
#[test]
fn an_image_of_another_architecture_is_refused() {
    let p = Project::new();
    let (code, _, stderr) = p.run_env(FULL, true, &[("STUB_ARCH", "arm64")]);
    assert_eq!(code, 1, "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    // One cause on two services: one line naming both (src/report.rs).
    assert_eq!(errors, [
        "error: services.{tool,web}.build: `docker build --platform linux/amd64` made an image for `linux/arm64`, which fails on the task's `linux/amd64` with `exec format error`; can this docker build for it? (`docker buildx ls` lists each builder's platforms; other architectures need QEMU emulation or a remote builder)",
    ]);
    assert!(p.pushed().is_empty(), "nothing pushed");

    // The last stage built for the build machine: the message says where.
    p.write(
        "app/web/Dockerfile",
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build\nFROM --platform=$BUILDPLATFORM alpine AS prod\nCOPY --from=build /app /app\n",
    );
    let (code, _, stderr) = p.run_env(FULL, true, &[("STUB_ARCH", "arm64")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error: services.web.build: `docker build --platform linux/amd64` made an image for `linux/arm64`, which fails on the task's `linux/amd64` with `exec format error`; the stage it builds says `FROM --platform=$BUILDPLATFORM`, which is the machine that builds; keep `--platform=$BUILDPLATFORM` on the stages that compile and leave the last stage without it"), "{stderr}");
}

/// A multi-stage build that compiles on the build machine (`FROM --platform=$BUILDPLATFORM`)
/// still builds the task's platform: `--platform` is passed, and the image is checked.
#[test]
fn cross_compiling_builds_target_the_task() {
    let p = Project::new();
    p.write(
        "app/web/Dockerfile",
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /app\nFROM alpine AS prod\nCOPY --from=build /app /app\n",
    );
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace("platform: linux/amd64", "platform: linux/arm64"),
    );
    p.package(&[]);
    let log = p.read("docker.log");
    assert!(
        log.contains("--target prod --build-arg VERSION=1.2 --platform linux/arm64 "),
        "{log}"
    );
    let package = &p.packaged()["Resources"]["Shop"]["Properties"]["Package"];
    assert_eq!(package["ImageConfig"]["web"]["Architecture"], "arm64");
    assert_eq!(package["ImageConfig"]["tool"]["Architecture"], "amd64");
    // And the task definitions say what the images are for.
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
    let t: Value = serde_json::from_str(&stdout).unwrap();
    let arch =
        |id: &str| t["Resources"][id]["Properties"]["RuntimePlatform"]["CpuArchitecture"].clone();
    assert_eq!(arch("ShopWebTaskDefinition"), "ARM64");
    assert_eq!(arch("ShopToolTaskDefinition"), "X86_64");
    assert_eq!(arch("ShopDbTaskDefinition"), "X86_64");
}

/// A `platform` the task cannot run, and `build.platforms` without the task's.
#[test]
fn platforms_a_task_cannot_run_are_refused() {
    let p = Project::new();
    p.write(
        "app/compose.yaml",
        &COMPOSE.replacen("platform: linux/amd64", "platform: windows/amd64", 1),
    );
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: services.web.platform: expected `linux/amd64` or `linux/arm64` (what Fargate runs), found `windows/amd64`");
    p.write(
        "app/compose.yaml",
        &COMPOSE.replacen(
            "      context: ./tool\n",
            "      context: ./tool\n      platforms: [linux/arm64]\n",
            1,
        ),
    );
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: services.tool.build.platforms: the task runs `linux/amd64` (the service's `platform`, default `linux/amd64`), which is not one of `build.platforms`; add it, or set `platform` to one of them");
}

/// When `docker push` prints no digest, the pushed image's `RepoDigests` give it.
#[test]
fn the_digest_comes_from_repo_digests_when_push_prints_none() {
    let p = Project::new();
    let (code, _, stderr) = p.run_env(
        &[
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
        ],
        true,
        &[("STUB_PUSH_QUIET", "1")],
    );
    assert_eq!(code, 0, "{stderr}");
    let pushed = p.pushed();
    assert_eq!(
        p.images()["web"],
        json!(format!("{REPO}@{}", pushed_digest(&pushed[1])))
    );
    let inspections = p
        .read("docker.log")
        .lines()
        .filter(|l| l.starts_with("docker image inspect "))
        .count();
    assert_eq!(
        inspections, 4,
        "before the push, and after it for the digest"
    );
}

/// `--resolve-image-digests`: images named by tag are written by the registry's digest
/// (the multi-arch index), and their configuration for the task's platform is recorded.
#[test]
fn resolve_image_digests_pins_images_named_by_tag() {
    let p = Project::new();
    p.package(&[]);
    assert!(
        !p.read("docker.log").contains("imagetools"),
        "only on request"
    );
    assert!(p.images().get("db").is_none());

    fs::remove_file(p.path("docker.log")).unwrap();
    p.package(&["--resolve-image-digests"]);
    let image = "public.ecr.aws/docker/library/postgres:16";
    assert!(
        p.read("docker.log").contains(&format!(
            "docker buildx imagetools inspect --format {{\"manifest\":{{{{json .Manifest}}}},\"image\":{{{{json .Image}}}}}} {image}\n"
        )),
        "{}",
        p.read("docker.log")
    );
    use sha2::{Digest, Sha256};
    let index: String = Sha256::digest(image.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let pinned = format!("public.ecr.aws/docker/library/postgres@sha256:{index}");
    assert_eq!(p.images()["db"], json!(pinned));
    let package = &p.packaged()["Resources"]["Shop"]["Properties"]["Package"];
    assert_eq!(
        package["ImageConfig"]["db"],
        json!({"ExposedPorts": ["5432/tcp"], "User": "postgres", "Architecture": "amd64"})
    );
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
    let t: Value = serde_json::from_str(&stdout).unwrap();
    assert!(expanded_images(&t).contains(&pinned));
    // The helper image (db's secret and config files) is pinned the same way.
    let helper = "public.ecr.aws/docker/library/python:3.12-alpine3.21";
    let helper_index: String = Sha256::digest(helper.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let helper_pinned = format!("public.ecr.aws/docker/library/python@sha256:{helper_index}");
    assert_eq!(package["InitImage"], json!(helper_pinned));
    assert!(
        expanded_images(&t).contains(&helper_pinned),
        "{:?}",
        expanded_images(&t)
    );
    assert!(!stdout.contains(helper), "no helper by tag is left");

    // An image without the task's platform is refused.
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace(
            "  db:\n    image:",
            "  db:\n    platform: linux/arm64\n    image:",
        ),
    );
    let (code, _, stderr) = p.run_env(
        &[FULL, &["--resolve-image-digests"]].concat(),
        true,
        &[("STUB_AMD64_ONLY", "1")],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error: services.db.image: `public.ecr.aws/docker/library/postgres:${PG_TAG:-15}` is for `linux/amd64` only, and the task runs `linux/arm64`; set `platform: linux/amd64`, or use a multi-arch image"), "{stderr}");
}
