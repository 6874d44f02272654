//! `compose-to-ecs package` and the previews on a real folder: a template, its Compose
//! file, `.env`, an env file, a config file, a secret file and build contexts, with a stub
//! `docker` on `PATH` that records its arguments and standard input (CI has no Docker
//! engine). The secret's value must appear only in the parameters file.
//!
//! The `end_to_end_*` tests expand what the package step wrote; they need the converter
//! to consume `Package` (branches `local-core`: env files, configs, secret files, builds)
//! and pass once that is merged.
//!
//! This file is the harness (the project folder, the stub docker, running the CLI); the
//! tests are in the files of what they check: `builds.rs`, `outputs.rs`, `refusals.rs`,
//! `previews.rs`, `platforms.rs`, `digests.rs`.

mod builds;
mod digests;
mod outputs;
mod platforms;
mod previews;
mod refusals;

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

fn one_error(p: &Project, args: &[&str], docker: bool) -> String {
    let (code, stdout, stderr) = p.run(args, docker);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert!(!stderr.contains(SECRET));
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    errors[0].to_string()
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
