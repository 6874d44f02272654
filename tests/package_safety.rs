//! Issue 21, the package step's own outputs and checks: the parameters file never follows a
//! symbolic link and is created owner-only (item 6); neither it nor `-o` may lie in a build
//! context `docker build` sends whole (item 5); `package` refuses, with the macro's own
//! diagnostics, what the macro would refuse, and prints the macro's warnings (item 8).

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_compose-to-ecs");
const SECRET: &str = "s3cr3t-MARKER-only-in-params";
const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop";

/// A stand-in for docker: records its arguments; `image inspect` and `push` answer in
/// docker's formats (an amd64 image; the pushed digest), as tests/package/'s fuller one.
const STUB: &str = r#"#!/bin/sh
echo "docker $*" >> "$(dirname "$0")/docker.log"
case " $* " in *" -f - "*) cat > /dev/null ;; esac
case "$1" in
  image) printf '[{"Id":"sha256:00","RepoTags":["%s"],"RepoDigests":[],"Architecture":"amd64","Os":"linux","Config":{}}]\n' "$3" ;;
  push) echo "${2##*:}: digest: sha256:0000000000000000000000000000000000000000000000000000000000000001 size: 1570" ;;
esac
"#;

struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new(compose: &str) -> Folder {
        let f = Folder {
            dir: tempfile::tempdir().unwrap(),
        };
        f.write("compose.yaml", compose);
        f.write("password.txt", SECRET);
        f.write("Dockerfile", "FROM scratch\nCOPY . /app\n");
        f.write("bin/docker", STUB);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(f.path("bin/docker"), fs::Permissions::from_mode(0o755)).unwrap();
        }
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env("PATH", path)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

const WITH_SECRET: &str = "services:\n  db:\n    image: postgres\n    secrets: [pw]\nsecrets:\n  pw:\n    file: ./password.txt\n";

#[cfg(unix)]
#[test]
fn the_parameters_file_never_follows_a_link() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let f = Folder::new(WITH_SECRET);
    f.write("victim.txt", "keep me\n");
    fs::set_permissions(f.path("victim.txt"), fs::Permissions::from_mode(0o644)).unwrap();
    symlink(f.path("victim.txt"), f.path("params.json")).unwrap();
    symlink(f.path("nowhere/else.json"), f.path("dangling.json")).unwrap();
    for out in ["params.json", "dangling.json"] {
        let (code, stdout, stderr) =
            f.run(&["package", "-o", "packaged.yaml", "--parameters-out", out]);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
        let meta = fs::symlink_metadata(f.path(out)).unwrap();
        assert!(meta.file_type().is_file(), "{out} is now a file of its own");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert!(f.read(out).contains(SECRET));
    }
    assert_eq!(
        f.read("victim.txt"),
        "keep me\n",
        "the link's target is untouched"
    );
    let mode = fs::metadata(f.path("victim.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644, "and keeps its mode");
    assert!(!f.path("nowhere").exists());
    assert!(!f.read("packaged.yaml").contains(SECRET));
    // No temporary file is left behind.
    let left: Vec<String> = fs::read_dir(f.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

const BUILT: &str = "services:\n  web:\n    build: .\n    secrets: [pw]\nsecrets:\n  pw:\n    file: ./password.txt\n";

#[test]
fn outputs_inside_a_build_context_are_refused() {
    let f = Folder::new(BUILT);
    let args = [
        "package",
        "-o",
        "packaged.yaml",
        "--parameters-out",
        "params.json",
        "--image-repository",
        REPO,
    ];
    let (code, stdout, stderr) = f.run(&args);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors, [
        "error: services.web.build: `--parameters-out params.json` lies inside the build context `.` of service `web`, which `docker build` sends whole: a `COPY` would put it into the pushed image; write it outside the context, or add `params.json` to the context's `.dockerignore`",
        "error: services.web.build: `-o packaged.yaml` lies inside the build context `.` of service `web`, which `docker build` sends whole: a `COPY` would put it into the pushed image; write it outside the context, or add `packaged.yaml` to the context's `.dockerignore`",
    ], "{stderr}");
    assert_eq!(f.read("bin/docker.log"), "", "nothing built");
    assert!(!f.path("params.json").exists());
    assert!(!stderr.contains(SECRET));

    // Left out by `.dockerignore`, or written elsewhere: fine.
    f.write(".dockerignore", "params.json\n*.yaml\n!compose.yaml\n");
    let (code, _, stderr) = f.run(&args);
    assert_eq!(code, 0, "{stderr}");
    fs::remove_file(f.path(".dockerignore")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let params = out.path().join("params.json");
    let packaged = out.path().join("packaged.yaml");
    let (code, _, stderr) = f.run(&[
        "package",
        "-o",
        packaged.to_str().unwrap(),
        "--parameters-out",
        params.to_str().unwrap(),
        "--image-repository",
        REPO,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(fs::read_to_string(params).unwrap().contains(SECRET));
}

#[test]
fn package_refuses_what_the_macro_refuses_and_shows_its_warnings() {
    let compose = "services:\n  web:\n    image: nginx\n    network_mode: host\n    ports: [\"80:80\"]\n  app:\n    image: nginx\n    volumes: [\"/etc/localtime:/etc/localtime:ro\"]\n";
    let f = Folder::new(compose);
    let (code, _, converted) = f.run(&["convert", "-o", "converted.json"]);
    assert_eq!(code, 1);
    let (code, stdout, stderr) = f.run(&["package", "-o", "packaged.yaml"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert!(!f.path("packaged.yaml").exists(), "nothing written");
    let diags = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("error:") || l.starts_with("warning:"))
            .map(String::from)
            .collect()
    };
    assert_eq!(diags(&stderr), diags(&converted));
    assert!(
        stderr.contains("error: services.web.network_mode: `host` networking needs EC2"),
        "{stderr}"
    );

    // Accepted: the macro's warnings are printed, and counted in the summary.
    f.write(
        "compose.yaml",
        "services:\n  app:\n    image: nginx\n    volumes: [\"/etc/localtime:/etc/localtime:ro\"]\n",
    );
    let (code, _, stderr) = f.run(&["package", "-o", "packaged.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: services.app.volumes[0]: dropped: `/etc/localtime`"),
        "{stderr}"
    );
    assert!(stderr.contains("; 1 warning"), "{stderr}");
}
