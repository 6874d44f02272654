//! Images for services with `build` and no `image`: the content digest that names them,
//! the build context as `docker build` sees it (`.dockerignore`), and the `docker build` /
//! `docker push` invocations.

use crate::compose::local::Build;
use crate::compose::model::ImageConfig;
use crate::diagnostics::Diagnostics;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The digest of everything that goes into an image: the build context's files (paths and
/// contents, sorted, as `.dockerignore` leaves them), the Dockerfile (or
/// `dockerfile_inline`), `target`, `args` and the platform ([`platform`]). The first 12 hex
/// digits of a SHA-256: the same inputs always give the same tag.
pub fn digest(
    context: &Path,
    dockerfile: &Dockerfile,
    build: &Build,
    platform: &str,
) -> io::Result<String> {
    let mut h = Sha256::new();
    let field = |h: &mut Sha256, tag: &str, bytes: &[u8]| {
        h.update(tag.as_bytes());
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(&mut h, "compose-to-ecs image v2", b"");
    let ignore = Ignore::read(context)?;
    for (rel, full) in context_files(context, &ignore)? {
        field(&mut h, "path", rel.as_bytes());
        match std::fs::read_link(&full) {
            Ok(target) => field(&mut h, "link", target.to_string_lossy().as_bytes()),
            Err(_) => field(&mut h, "file", &std::fs::read(&full)?),
        }
    }
    match dockerfile {
        Dockerfile::Inline(text) => field(&mut h, "dockerfile_inline", text.as_bytes()),
        Dockerfile::File(path) => field(&mut h, "dockerfile", &std::fs::read(path)?),
    }
    if let Some(t) = &build.target {
        field(&mut h, "target", t.as_bytes());
    }
    for (k, v) in &build.args {
        field(&mut h, "arg", k.as_bytes());
        field(&mut h, "value", v.as_bytes());
    }
    // The platform the image is built for (not as written: `arm64` and `linux/arm64`
    // build the same image).
    field(&mut h, "platform", platform.as_bytes());
    let hex: String = h
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    Ok(hex[..12].to_string())
}

/// Where a build's Dockerfile comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Dockerfile {
    /// A file (`dockerfile`, relative to the context, or the context's `Dockerfile`).
    File(PathBuf),
    /// `dockerfile_inline`.
    Inline(String),
}

/// The image tag of a service: `<repository>:<service>-<digest>`, within Docker's 128
/// characters for a tag.
pub fn tag(repository: &str, service: &str, digest: &str) -> String {
    let room = 128 - digest.len() - 1;
    let name: String = service.chars().take(room).collect();
    format!("{repository}:{name}-{digest}")
}

/// The files of a build context `docker build` would send, `/`-separated and sorted,
/// without what `.dockerignore` excludes. Symbolic links are not followed (docker sends
/// them as links).
fn context_files(context: &Path, ignore: &Ignore) -> io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![(context.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if ignore.excludes(&rel) {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push((entry.path(), format!("{rel}/")));
            } else {
                out.push((rel, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The patterns of a context's `.dockerignore`: lines, `#` comments, `!` exceptions, the
/// last matching pattern wins, a pattern that matches a folder excludes what is under it;
/// `*` and `?` within a path segment, `**` across segments. Character classes (`[a-z]`)
/// and `\` escapes are read literally (documented in docs/local-files.md).
#[derive(Debug, Default)]
pub struct Ignore {
    patterns: Vec<(bool, Vec<String>)>,
}

impl Ignore {
    /// Reads `<context>/.dockerignore` (none: nothing excluded).
    pub fn read(context: &Path) -> io::Result<Ignore> {
        match std::fs::read_to_string(context.join(".dockerignore")) {
            Ok(text) => Ok(Ignore::parse(&text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Ignore::default()),
            Err(e) => Err(e),
        }
    }

    /// Parses the text of a `.dockerignore`.
    pub fn parse(text: &str) -> Ignore {
        let mut patterns = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (keep, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let Some(clean) = crate::compose::local::project_path(pattern.trim_start_matches('/'))
            else {
                continue;
            };
            if clean.is_empty() {
                continue;
            }
            patterns.push((keep, clean.split('/').map(String::from).collect()));
        }
        Ignore { patterns }
    }

    /// Whether `path` (relative to the context) is left out of the build context.
    pub fn excludes(&self, path: &str) -> bool {
        let segs: Vec<&str> = path.split('/').collect();
        let mut excluded = false;
        for (keep, pattern) in &self.patterns {
            // A pattern matches the path or one of its parent folders.
            let hit = (1..=segs.len()).any(|n| matches(pattern, &segs[..n]));
            if hit {
                excluded = !keep;
            }
        }
        excluded
    }
}

fn matches(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((p, rest)) if p == "**" => (0..=path.len()).any(|i| matches(rest, &path[i..])),
        Some((p, rest)) => {
            !path.is_empty()
                && segment(p.as_bytes(), path[0].as_bytes())
                && matches(rest, &path[1..])
        }
    }
}

fn segment(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| segment(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && segment(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && segment(rest, &s[1..]),
    }
}

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

/// The arguments of `docker build` for one image with its tags (one build, every service
/// that shares it): `build -t TAG... [-f DOCKERFILE | -f -] [--target T] [--build-arg
/// K=V]... --platform P CONTEXT`.
pub fn build_args(
    tags: &[String],
    context: &Path,
    dockerfile: &Dockerfile,
    b: &Build,
    platform: &str,
) -> Vec<String> {
    let mut args = vec!["build".to_string()];
    for t in tags {
        args.extend(["-t".to_string(), t.clone()]);
    }
    match dockerfile {
        Dockerfile::Inline(_) => args.extend(["-f".into(), "-".into()]),
        Dockerfile::File(p) if b.dockerfile.is_some() => {
            args.extend(["-f".into(), p.to_string_lossy().into_owned()])
        }
        Dockerfile::File(_) => {}
    }
    if let Some(t) = &b.target {
        args.extend(["--target".into(), t.clone()]);
    }
    for (k, v) in &b.args {
        args.extend(["--build-arg".into(), format!("{k}={v}")]);
    }
    // Always: docker builds for the machine it runs on otherwise (arm64 on Apple silicon),
    // and the task runs `platform` (default linux/amd64). `FROM --platform=$BUILDPLATFORM`
    // stages still run natively; the other stages, and the image, are for `platform`.
    args.extend(["--platform".into(), platform.to_string()]);
    args.push(context.to_string_lossy().into_owned());
    args
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

/// The platform a service's image is built for and its task runs: the service's
/// `platform` (the spellings `validate` accepts), else `linux/amd64`.
pub fn platform(raw: Option<&str>) -> Result<&'static str, String> {
    match raw {
        None | Some("linux/amd64" | "linux/x86_64" | "amd64") => Ok("linux/amd64"),
        Some("linux/arm64" | "linux/arm64/v8" | "linux/aarch64" | "arm64") => Ok("linux/arm64"),
        Some(other) => Err(format!(
            "expected `linux/amd64` or `linux/arm64` (what Fargate runs), found `{other}`"
        )),
    }
}

/// `amd64` / `arm64`: the architecture `docker image inspect` reports for a platform.
pub fn architecture(platform: &str) -> &str {
    platform.strip_prefix("linux/").unwrap_or(platform)
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

/// The `--platform` of the stage `docker build` produces (the `--target` stage, else the
/// last), when its `FROM` sets one or it starts from an earlier stage that does: `FROM
/// --platform=$BUILDPLATFORM ...` there makes an image for the machine that builds, not for
/// the task.
pub fn final_stage_platform(dockerfile: &str, target: Option<&str>) -> Option<String> {
    // Stage name → its platform, in order.
    let mut stages: Vec<(Option<String>, Option<String>)> = Vec::new();
    for line in dockerfile.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
        {
            continue;
        }
        let own = words
            .iter()
            .find_map(|w| w.strip_prefix("--platform="))
            .map(String::from);
        let base = words[1..]
            .iter()
            .find(|w| !w.starts_with("--"))
            .map(|w| w.to_ascii_lowercase());
        let inherited = base.and_then(|b| {
            stages
                .iter()
                .rev()
                .find(|(n, _)| n.as_deref() == Some(b.as_str()))
                .and_then(|(_, p)| p.clone())
        });
        let name = words
            .iter()
            .rposition(|w| w.eq_ignore_ascii_case("AS"))
            .and_then(|i| words.get(i + 1))
            .map(|n| n.to_ascii_lowercase());
        stages.push((name, own.or(inherited)));
    }
    let stage = match target {
        Some(t) => stages
            .iter()
            .find(|(n, _)| n.as_deref() == Some(t.to_ascii_lowercase().as_str())),
        None => stages.last(),
    };
    stage.and_then(|(_, p)| p.clone())
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

/// One `docker build`: every service whose build has the same inputs, with its tags.
#[derive(Clone, Debug)]
pub struct Group {
    pub build: Build,
    pub context: PathBuf,
    pub dockerfile: Dockerfile,
    /// `linux/amd64` or `linux/arm64` ([`platform`]).
    pub platform: &'static str,
    pub tags: Vec<String>,
    pub services: Vec<String>,
}

/// The platform `b`'s image is built for: the task's ([`platform`]), which must be one of
/// `build.platforms` when they are given. `at` prefixes a Compose path.
pub fn target_platform(
    b: &Build,
    at: &dyn Fn(&str) -> String,
    diags: &mut Diagnostics,
) -> Option<&'static str> {
    let service = format!("services.{}", b.service);
    let target = match platform(b.platform.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            diags.error(at(&format!("{service}.platform")), e);
            return None;
        }
    };
    if !b.platforms.is_empty()
        && !b
            .platforms
            .iter()
            .any(|p| platform(Some(p)).ok() == Some(target))
    {
        diags.error(
            at(&format!("{service}.build.platforms")),
            format!("the task runs `{target}` (the service's `platform`, default `linux/amd64`), which is not one of `build.platforms`; add it, or set `platform` to one of them"),
        );
        return None;
    }
    Some(target)
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

    #[test]
    fn dockerignore_patterns() {
        let ig = Ignore::parse("# c\nnode_modules\n*.log\n**/tmp\n!keep.log\n/dist/\n");
        assert!(ig.excludes("node_modules"));
        assert!(ig.excludes("node_modules/a/b.js"));
        assert!(ig.excludes("x.log"));
        assert!(!ig.excludes("keep.log"));
        assert!(!ig.excludes("sub/x.log"));
        assert!(ig.excludes("a/b/tmp/c"));
        assert!(ig.excludes("tmp"));
        assert!(ig.excludes("dist/app.js"));
        assert!(!ig.excludes("src/main.rs"));
    }

    const D: &str = "sha256:6e0d8f4b8c1e6b7a3d2c9f0e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";

    #[test]
    fn platforms_as_ecs_runs_them() {
        assert_eq!(platform(None), Ok("linux/amd64"));
        assert_eq!(platform(Some("arm64")), Ok("linux/arm64"));
        assert_eq!(platform(Some("linux/arm64/v8")), Ok("linux/arm64"));
        assert!(platform(Some("linux/arm/v7")).is_err());
        assert_eq!(architecture("linux/arm64"), "arm64");
    }

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

    #[test]
    fn the_stage_that_is_built() {
        let text = "FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine AS prod\nFROM --platform=$BUILDPLATFORM alpine AS debug\n";
        assert_eq!(final_stage_platform(text, Some("prod")), None);
        assert_eq!(
            final_stage_platform(text, None).as_deref(),
            Some("$BUILDPLATFORM")
        );
        assert_eq!(
            final_stage_platform(text, Some("build")).as_deref(),
            Some("$BUILDPLATFORM")
        );
        // A stage built on an earlier one inherits its platform.
        let angular = "FROM --platform=$BUILDPLATFORM node:17 as builder\nRUN npm ci\nFROM builder as dev-envs\nFROM nginx AS web\n";
        assert_eq!(
            final_stage_platform(angular, Some("dev-envs")).as_deref(),
            Some("$BUILDPLATFORM")
        );
        assert_eq!(final_stage_platform(angular, None), None);
    }

    #[test]
    fn tags_fit_docker() {
        let t = tag("r", &"s".repeat(200), "0123456789ab");
        assert_eq!(t.split_once(':').unwrap().1.len(), 128);
        assert_eq!(tag("r/x", "web", "0123456789ab"), "r/x:web-0123456789ab");
    }
}
