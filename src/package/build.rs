//! Images for services with `build` and no `image`: the content digest that names them,
//! the build context as `docker build` sees it (`.dockerignore`), the platform each is
//! built for, and the `docker build` arguments (`docker.rs` runs docker).

use crate::compose::local::Build;
use crate::diagnostics::Diagnostics;
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

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
        let kind = std::fs::symlink_metadata(&full)?.file_type();
        if kind.is_symlink() {
            field(
                &mut h,
                "link",
                std::fs::read_link(&full)?.to_string_lossy().as_bytes(),
            );
        } else if kind.is_file() {
            hash_file(&mut h, "file", &full)?;
        } else {
            // A FIFO, a socket or a device: never opened (a FIFO would wait for a writer).
            field(&mut h, "special", b"");
        }
    }
    match dockerfile {
        Dockerfile::Inline(text) => field(&mut h, "dockerfile_inline", text.as_bytes()),
        Dockerfile::File(path) => hash_file(&mut h, "dockerfile", path)?,
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

/// Hashes a regular file's content as a field, streamed (a build context may hold large
/// files), opened without waiting on a FIFO and checked to be a regular file on the handle.
fn hash_file(h: &mut Sha256, tag: &str, path: &Path) -> io::Result<()> {
    let file = super::files::open_regular(path).map_err(|r| match r {
        super::files::Refusal::Io(e) => e,
        other => io::Error::other(other.message()),
    })?;
    let len = file.metadata()?.len();
    h.update(tag.as_bytes());
    h.update(len.to_be_bytes());
    let mut reader = io::Read::take(file, len);
    let copied = io::copy(&mut reader, h)?;
    if copied != len {
        return Err(io::Error::other("changed while it was read"));
    }
    Ok(())
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
        match super::files::read_bytes(&context.join(".dockerignore"), 1 << 20) {
            Ok(bytes) => Ok(Ignore::parse(&String::from_utf8_lossy(&bytes))),
            Err(super::files::Refusal::Io(e)) if e.kind() == io::ErrorKind::NotFound => {
                Ok(Ignore::default())
            }
            Err(super::files::Refusal::Io(e)) => Err(e),
            Err(other) => Err(io::Error::other(format!(
                "`.dockerignore` {}",
                other.message()
            ))),
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

/// The platform a service's image is built for and its task runs: the service's
/// `platform` (the spellings `validate` accepts), else `linux/amd64`.
pub fn platform(raw: Option<&str>) -> Result<&'static str, String> {
    match raw {
        None | Some("" | "linux/amd64" | "linux/x86_64" | "amd64") => Ok("linux/amd64"),
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

    #[test]
    fn platforms_as_ecs_runs_them() {
        assert_eq!(platform(None), Ok("linux/amd64"));
        assert_eq!(platform(Some("arm64")), Ok("linux/arm64"));
        assert_eq!(platform(Some("linux/arm64/v8")), Ok("linux/arm64"));
        assert!(platform(Some("linux/arm/v7")).is_err());
        assert_eq!(architecture("linux/arm64"), "arm64");
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
