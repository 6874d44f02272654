//! `docker` itself: finding it, running it, and reading what it prints (`docker image
//! inspect`, `docker push`, `docker buildx imagetools inspect`, in the formats docker's
//! documentation shows); the build, check and push of one image, and the lookup of an
//! image named by tag (`--resolve-image-digests`).

use super::build::{architecture, build_args, final_stage_platform, platform, Dockerfile, Group};
use crate::compose::model::ImageConfig;
use crate::diagnostics::Diagnostics;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `docker` command on `PATH`, if there is one.
pub fn find_docker() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("docker"))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Runs `docker ARGS`, its output streamed to our standard error, `stdin` fed to it.
/// The exit status's description when it fails.
pub fn run_docker(docker: &Path, args: &[String], stdin: Option<&str>) -> Result<(), String> {
    let mut cmd = Command::new(docker);
    cmd.args(args)
        .stdout(Stdio::from(io::stderr()))
        .stderr(Stdio::inherit())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not be started: {}", super::files::io_message(&e)))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| format!("could not be given the Dockerfile: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("failed: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(match status.code() {
            Some(c) => format!("failed with exit status {c} (its output is above)"),
            None => "was killed by a signal".into(),
        })
    }
}

/// What `docker image inspect IMAGE` (a JSON list of one object) says of a built image.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inspected {
    /// `Architecture`, `Config.ExposedPorts`, `Config.User`.
    pub config: ImageConfig,
    /// `Os`.
    pub os: Option<String>,
    /// `RepoDigests`: `repo@sha256:...` of each repository the image was pushed to or
    /// pulled from.
    pub repo_digests: Vec<String>,
}

/// Reads `docker image inspect`'s output (see docs.docker.com, `docker image inspect`:
/// `[{"Id": ..., "RepoDigests": [...], "Architecture": "amd64", "Os": "linux",
/// "Config": {"ExposedPorts": {"80/tcp": {}}, "User": "nginx", ...}}]`).
pub fn parse_image_inspect(text: &str) -> Result<Inspected, String> {
    let v: Value = serde_json::from_str(text.trim())
        .map_err(|_| "printed something other than the JSON list it prints".to_string())?;
    let one = match &v {
        Value::Array(items) => items.first(),
        Value::Object(_) => Some(&v),
        _ => None,
    }
    .ok_or("printed no image")?;
    let repo_digests = field(one, "RepoDigests")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Ok(Inspected {
        config: config_of(one),
        os: field(one, "Os").and_then(Value::as_str).map(String::from),
        repo_digests,
    })
}

/// A key of docker's JSON (`Config`) or of an OCI image configuration (`config`).
fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(key).or_else(|| m.get(&key.to_ascii_lowercase()))
}

/// The configuration of one image: docker's inspect object or an OCI image config (the
/// same fields, `architecture` and `config` in lower case).
fn config_of(v: &Value) -> ImageConfig {
    let config = field(v, "Config");
    let exposed = config
        .and_then(|c| field(c, "ExposedPorts"))
        .and_then(Value::as_object)
        .map(|m| {
            m.keys()
                .filter_map(|k| crate::embed::exposed_port(k))
                .collect()
        })
        .unwrap_or_default();
    ImageConfig {
        exposed,
        user: config
            .and_then(|c| field(c, "User"))
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .map(String::from),
        architecture: field(v, "Architecture")
            .and_then(Value::as_str)
            .map(String::from),
    }
}

/// The digest `docker push` reports for `tag` on its last line, `<tag>: digest:
/// sha256:<64 hex> size: <bytes>`.
pub fn pushed_digest(output: &str, tag: &str) -> Option<String> {
    let short = tag.rsplit(':').next().unwrap_or(tag);
    output
        .lines()
        .filter(|l| l.trim_start().starts_with(&format!("{short}: digest: ")))
        .filter_map(|l| l.split_whitespace().find_map(sha256))
        .next_back()
}

/// `sha256:<64 hex>` when `word` is one.
fn sha256(word: &str) -> Option<String> {
    let hex = word.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}

/// The one `repository@sha256:...` of `RepoDigests` for `repository`.
pub fn repo_digest(repository: &str, repo_digests: &[String]) -> Result<String, String> {
    let mine: BTreeSet<String> = repo_digests
        .iter()
        .filter_map(|d| {
            let (repo, digest) = d.split_once('@')?;
            (repo == repository).then(|| sha256(digest))?
        })
        .collect();
    match mine.len() {
        1 => Ok(format!(
            "{repository}@{}",
            mine.first().map_or("", |d| d.as_str())
        )),
        0 => Err(format!("lists no digest for `{repository}`")),
        n => Err(format!(
            "lists {n} digests for `{repository}`, and `docker push` printed none"
        )),
    }
}

/// `docker buildx imagetools inspect --format FORMAT IMAGE`: the registry's descriptor of
/// the image (`{{json .Manifest}}`: an index's or a manifest's digest, with the platforms
/// of an index) and its configuration (`{{json .Image}}`: one OCI image config, or one per
/// platform by `os/arch`). It asks the registry, so it sees every platform of a multi-arch
/// image (`docker image inspect` sees the local copy only, and `docker manifest inspect`
/// prints no digest for an index).
pub const IMAGETOOLS_FORMAT: &str = r#"{"manifest":{{json .Manifest}},"image":{{json .Image}}}"#;

/// What `--resolve-image-digests` learns of an image named by tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// `sha256:...` of the index (multi-platform) or the manifest.
    pub digest: String,
    /// The configuration of the task's platform.
    pub config: ImageConfig,
}

/// Reads `docker buildx imagetools inspect --format IMAGETOOLS_FORMAT` for `platform`
/// (`linux/amd64`): the digest, and an error when the image has no variant for it.
pub fn parse_imagetools(text: &str, platform: &str) -> Result<Resolved, String> {
    let v: Value = serde_json::from_str(text.trim())
        .map_err(|_| "printed something other than the JSON it was asked for".to_string())?;
    let manifest = v.get("manifest").ok_or("printed no manifest")?;
    let digest = manifest
        .get("digest")
        .and_then(Value::as_str)
        .and_then(sha256)
        .ok_or("printed no digest")?;
    let arch = architecture(platform);
    let platforms: Vec<String> = manifest
        .get("manifests")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| {
                    let p = m.get("platform")?;
                    let os = p.get("os")?.as_str()?;
                    let a = p.get("architecture")?.as_str()?;
                    // Attestations are listed as `unknown/unknown`.
                    (os != "unknown").then(|| format!("{os}/{a}"))
                })
                .collect()
        })
        .unwrap_or_default();
    let image = v.get("image").unwrap_or(&Value::Null);
    let config = if manifest.get("manifests").is_some() {
        if !platforms.iter().any(|p| p == platform) {
            return Err(format!(
                "has no `{platform}` variant (it has {}); set `platform` to one of them, or use another image",
                if platforms.is_empty() {
                    "none".to_string()
                } else {
                    platforms.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                }
            ));
        }
        // By `os/arch[/variant]` (`linux/arm64/v8`).
        image
            .as_object()
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| *k == platform || k.starts_with(&format!("{platform}/")))
            })
            .map(|(_, c)| config_of(c))
            .unwrap_or_default()
    } else {
        let c = config_of(image);
        if let Some(a) = c.architecture.as_deref().filter(|a| *a != arch) {
            return Err(format!(
                "is for `linux/{a}` only, and the task runs `{platform}`; set `platform: linux/{a}`, or use a multi-arch image"
            ));
        }
        c
    };
    Ok(Resolved {
        digest,
        config: ImageConfig {
            architecture: config.architecture.or_else(|| Some(arch.to_string())),
            ..config
        },
    })
}

/// An image reference without its tag (`nginx:1.27` → `nginx`, `host:5000/a/b:v` →
/// `host:5000/a/b`); `None` when it already names a digest.
pub fn untagged(image: &str) -> Option<&str> {
    if image.contains('@') {
        return None;
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    Some(match image[slash..].rfind(':') {
        Some(i) => &image[..slash + i],
        None => image,
    })
}

/// Runs `docker ARGS` and returns its standard output, copied to our standard error when
/// `echo` (as [`run_docker`] streams it) or when it fails; its standard error goes to ours.
pub fn run_docker_output(docker: &Path, args: &[String], echo: bool) -> Result<String, String> {
    let out = Command::new(docker)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not be started: {}", super::files::io_message(&e)))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if echo || !out.status.success() {
        let _ = io::stderr().write_all(text.as_bytes());
    }
    if out.status.success() {
        Ok(text)
    } else {
        Err(match out.status.code() {
            Some(c) => format!("failed with exit status {c} (its output is above)"),
            None => "was killed by a signal".into(),
        })
    }
}

/// Builds one group's image for its platform, checks what was built is for that
/// architecture (`docker image inspect`), pushes every tag and returns the image by digest
/// (`repository@sha256:...`) with its configuration. Problems go to `diags` at `at`.
pub fn build_and_push(
    docker: &Path,
    g: &Group,
    repository: &str,
    at: &str,
    diags: &mut Diagnostics,
) -> Option<(String, ImageConfig)> {
    let args = build_args(&g.tags, &g.context, &g.dockerfile, &g.build, g.platform);
    let stdin = match &g.dockerfile {
        Dockerfile::Inline(t) => Some(t.as_str()),
        Dockerfile::File(_) => None,
    };
    let _ = writeln!(io::stderr(), "building {}", g.tags.join(", "));
    if let Err(e) = run_docker(docker, &args, stdin) {
        diags.error(at, format!("`docker build` {e}"));
        return None;
    }
    let first = g.tags.first()?;
    let inspect = || -> Result<Inspected, String> {
        let args = ["image", "inspect", first].map(String::from);
        run_docker_output(docker, &args, false).and_then(|out| parse_image_inspect(&out))
    };
    let built = match inspect() {
        Ok(i) => i,
        Err(e) => {
            diags.error(at, format!("`docker image inspect {first}` {e}"));
            return None;
        }
    };
    let want = architecture(g.platform);
    let found = built.config.architecture.as_deref();
    let os = built.os.as_deref().unwrap_or("linux");
    if found != Some(want) || os != "linux" {
        let text = match &g.dockerfile {
            Dockerfile::Inline(t) => t.clone(),
            Dockerfile::File(f) => std::fs::read_to_string(f).unwrap_or_default(),
        };
        let hint = match final_stage_platform(&text, g.build.target.as_deref()) {
            Some(p) => format!("the stage it builds says `FROM --platform={p}`, which is the machine that builds; keep `--platform=$BUILDPLATFORM` on the stages that compile and leave the last stage without it"),
            None => "can this docker build for it? (`docker buildx ls` lists each builder's platforms; other architectures need QEMU emulation or a remote builder)".to_string(),
        };
        diags.error(
            at,
            format!(
                "`docker build --platform {}` made an image for `{os}/{}`, which fails on the task's `{}` with `exec format error`; {hint}",
                g.platform,
                found.unwrap_or("an unknown architecture"),
                g.platform
            ),
        );
        return None;
    }
    let mut digest = None;
    for t in &g.tags {
        let _ = writeln!(io::stderr(), "pushing {t}");
        match run_docker_output(docker, &["push".into(), t.clone()], true) {
            Ok(out) => {
                if digest.is_none() {
                    digest = pushed_digest(&out, t);
                }
            }
            Err(e) => {
                diags.error(at, format!("`docker push {t}` {e}; is docker logged in to the repository (`aws ecr get-login-password | docker login ...`)?"));
                return None;
            }
        }
    }
    let image = match digest {
        Some(d) => format!("{repository}@{d}"),
        // After a push, the image's `RepoDigests` name the pushed manifest.
        None => match inspect().and_then(|i| repo_digest(repository, &i.repo_digests)) {
            Ok(image) => image,
            Err(e) => {
                diags.error(
                    at,
                    format!("the digest of the pushed image is unknown: `docker push` printed none, and `docker image inspect {first}` {e}; the template names images by digest, so that a new push rolls out"),
                );
                return None;
            }
        },
    };
    Some((image, built.config))
}

/// `--resolve-image-digests` for one image named by tag: `name@sha256:...` (the index of
/// a multi-arch image, so the task's platform is chosen at pull time) and the task
/// platform's configuration. `None` for an image already named by digest, or on a problem
/// (in `diags`).
pub fn resolve(
    docker: &Path,
    image: &str,
    platform_raw: Option<&str>,
    at: &str,
    diags: &mut Diagnostics,
) -> Option<(String, ImageConfig)> {
    let name = untagged(image)?;
    // A platform ECS does not run is the converter's error.
    let target = platform(platform_raw).ok()?;
    let args = [
        "buildx",
        "imagetools",
        "inspect",
        "--format",
        IMAGETOOLS_FORMAT,
        image,
    ]
    .map(String::from);
    let _ = writeln!(io::stderr(), "looking up {image}");
    let out = match run_docker_output(docker, &args, false) {
        Ok(out) => out,
        Err(e) => {
            diags.error(at, format!("`docker buildx imagetools inspect {image}` {e}; does the image exist, is docker logged in to its registry, and is buildx installed?"));
            return None;
        }
    };
    match parse_imagetools(&out, target) {
        Ok(r) => Some((format!("{name}@{}", r.digest), r.config)),
        Err(e) => {
            diags.error(at, format!("`{image}` {e}"));
            None
        }
    }
}

/// `Package.ImageConfig` as the package step writes it (read back by `embed`).
pub fn image_configs_json(configs: &BTreeMap<String, ImageConfig>) -> Value {
    let mut out = Map::new();
    for (service, c) in configs {
        let mut m = Map::new();
        m.insert(
            "ExposedPorts".into(),
            Value::Array(
                c.exposed
                    .iter()
                    .map(|(port, proto)| Value::String(format!("{port}/{}", proto.lower())))
                    .collect(),
            ),
        );
        if let Some(u) = &c.user {
            m.insert("User".into(), Value::String(u.clone()));
        }
        if let Some(a) = &c.architecture {
            m.insert("Architecture".into(), Value::String(a.clone()));
        }
        out.insert(service.clone(), Value::Object(m));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:6e0d8f4b8c1e6b7a3d2c9f0e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

    #[test]
    fn docker_image_inspect_output() {
        // The shape of `docker image inspect` (docs.docker.com, "docker image inspect").
        let text = format!(
            r#"[
    {{
        "Id": "sha256:aa",
        "RepoTags": ["r/shop:web-0123456789ab"],
        "RepoDigests": ["r/shop@{D}", "other/x@{D}"],
        "Architecture": "arm64",
        "Variant": "v8",
        "Os": "linux",
        "Config": {{"User": "1000:1000", "ExposedPorts": {{"8080/tcp": {{}}, "53/udp": {{}}, "9/sctp": {{}}}}, "Env": ["A=b"]}}
    }}
]"#
        );
        let i = parse_image_inspect(&text).unwrap();
        assert_eq!(i.config.architecture.as_deref(), Some("arm64"));
        assert_eq!(i.config.user.as_deref(), Some("1000:1000"));
        use crate::compose::values::Protocol;
        assert_eq!(
            i.config.exposed.iter().copied().collect::<Vec<_>>(),
            [(53, Protocol::Udp), (8080, Protocol::Tcp)]
        );
        assert_eq!(i.os.as_deref(), Some("linux"));
        assert_eq!(
            repo_digest("r/shop", &i.repo_digests),
            Ok(format!("r/shop@{D}"))
        );
        assert!(repo_digest("r/none", &i.repo_digests).is_err());
        assert!(parse_image_inspect("Error: No such image").is_err());
        assert!(parse_image_inspect("[]").is_err());
    }

    #[test]
    fn docker_push_output() {
        let out = format!(
            "The push refers to repository [r/shop]\n5f70bf18a086: Pushed\nweb-0123456789ab: digest: {D} size: 1570\n"
        );
        assert_eq!(
            pushed_digest(&out, "r/shop:web-0123456789ab").as_deref(),
            Some(D)
        );
        assert_eq!(pushed_digest(&out, "r/shop:worker-0123456789ab"), None);
        assert_eq!(
            pushed_digest("5f70bf18a086: Pushed\n", "r/shop:web-0123456789ab"),
            None
        );
    }

    #[test]
    fn imagetools_output() {
        let index = format!(
            r#"{{"manifest":{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{D}","manifests":[
                {{"digest":"sha256:1","platform":{{"architecture":"amd64","os":"linux"}}}},
                {{"digest":"sha256:2","platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}},
                {{"digest":"sha256:3","platform":{{"architecture":"unknown","os":"unknown"}}}}]}},
              "image":{{"linux/amd64":{{"architecture":"amd64","config":{{"User":"nginx","ExposedPorts":{{"80/tcp":{{}}}}}}}},
                        "linux/arm64/v8":{{"architecture":"arm64","config":{{"ExposedPorts":{{"81/tcp":{{}}}}}}}}}}}}"#
        );
        let amd = parse_imagetools(&index, "linux/amd64").unwrap();
        assert_eq!(amd.digest, D);
        assert_eq!(amd.config.user.as_deref(), Some("nginx"));
        let arm = parse_imagetools(&index, "linux/arm64").unwrap();
        assert_eq!(arm.digest, D, "the index, whatever the platform");
        assert_eq!(arm.config.architecture.as_deref(), Some("arm64"));
        assert_eq!(arm.config.exposed.len(), 1);
        let single = format!(
            r#"{{"manifest":{{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"{D}"}},"image":{{"architecture":"amd64","config":{{}}}}}}"#
        );
        assert!(parse_imagetools(&single, "linux/amd64").is_ok());
        assert_eq!(
            parse_imagetools(&single, "linux/arm64").unwrap_err(),
            "is for `linux/amd64` only, and the task runs `linux/arm64`; set `platform: linux/amd64`, or use a multi-arch image"
        );
        let amd_only = index.replace("\"arm64\",\"os\":\"linux\"", "\"ppc64le\",\"os\":\"linux\"");
        assert_eq!(
            parse_imagetools(&amd_only, "linux/arm64").unwrap_err(),
            "has no `linux/arm64` variant (it has `linux/amd64`, `linux/ppc64le`); set `platform` to one of them, or use another image"
        );
    }

    #[test]
    fn references_without_tags() {
        assert_eq!(untagged("nginx:1.27"), Some("nginx"));
        assert_eq!(untagged("nginx"), Some("nginx"));
        assert_eq!(untagged("host:5000/a/b:v1"), Some("host:5000/a/b"));
        assert_eq!(untagged("host:5000/a/b"), Some("host:5000/a/b"));
        assert_eq!(untagged("nginx@sha256:00"), None);
    }
}
