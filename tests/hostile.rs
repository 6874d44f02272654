//! Hostile local files and documents (issue 21, items 3, 4, 7, 9, 10, 11): every test
//! feeds a marker value (a secret, the content of a file outside the project) through a
//! path and asserts it appears nowhere: not in the output, standard output, standard
//! error, nor the macro's response. Real temporary folders, FIFOs (`mkfifo`) and symbolic
//! links; every run has a time limit, so a hang fails instead of blocking the suite.

#![cfg(unix)]

use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_compose-to-ecs");
const MARKER: &str = "MARKER-7f3a-never-in-any-output";

/// What one run of the CLI answered.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Files the run wrote (`-o`), read back.
    output: String,
}

impl Run {
    /// Asserts the marker is nowhere in what the run printed or wrote.
    fn clean(&self) -> &Self {
        for (what, text) in [
            ("stdout", &self.stdout),
            ("stderr", &self.stderr),
            ("output", &self.output),
        ] {
            assert!(!text.contains(MARKER), "the marker reached {what}:\n{text}");
        }
        self
    }

    fn failed_with(&self, needle: &str) -> &Self {
        assert_eq!(self.code, Some(1), "stderr:\n{}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "expected `{needle}` in:\n{}",
            self.stderr
        );
        self
    }
}

/// Runs the CLI in `dir` with a time limit of 60 s (output goes to files, so a large
/// answer never blocks on a pipe); `HOME` is `dir/home`, or `dir/../home` for a
/// project folder `app`.
fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let home = if dir.ends_with("app") {
        dir.parent().unwrap().join("home")
    } else {
        dir.join("home")
    };
    let out_dir = tempfile::tempdir().unwrap();
    let (so, se) = (out_dir.path().join("stdout"), out_dir.path().join("stderr"));
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(fs::File::create(&so).unwrap())
        .stderr(fs::File::create(&se).unwrap())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`compose-to-ecs {}` ran for more than 60 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = args
        .iter()
        .position(|a| *a == "-o")
        .and_then(|i| fs::read_to_string(dir.join(args[i + 1])).ok())
        .unwrap_or_default();
    Run {
        code: status.code(),
        stdout: fs::read_to_string(so).unwrap(),
        stderr: fs::read_to_string(se).unwrap(),
        output,
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A `.env` of nested expansions: each line eight references to the one before, the
/// first holding the marker (about 500 bytes; unbounded, 32 × 8^11 bytes once expanded).
fn dotenv_bomb() -> String {
    let mut lines = vec![format!("A={MARKER}xxxxxx")];
    let mut prev = "A".to_string();
    for i in 1..=11 {
        let name = format!("V{i}");
        lines.push(format!("{name}={}", format!("${{{prev}}}").repeat(8)));
        prev = name;
    }
    lines.join("\n") + "\n"
}

/// A macro event for a template (JSON), as CloudFormation sends it.
fn event(fragment: serde_json::Value) -> String {
    serde_json::json!({
        "region": "us-east-1",
        "accountId": "123456789012",
        "requestId": "hostile",
        "transformId": "123456789012::ComposeToECS",
        "params": {},
        "templateParameterValues": {},
        "fragment": fragment,
    })
    .to_string()
}

/// Runs the macro on an event: the response must be a `failure` naming `needle`, the
/// process must exit 0 (a crash would be a Lambda error), the marker nowhere.
fn macro_fails_with(event: &str, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), &["macro"], Some(event));
    r.clean();
    assert_eq!(r.code, Some(0), "stderr:\n{}", r.stderr);
    let response: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(response["status"], "failure", "{}", r.stdout);
    let message = response["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains(needle),
        "expected `{needle}` in: {message}"
    );
}

// --- item 3: bounded expansion -------------------------------------------------------

#[test]
fn a_dotenv_bomb_is_refused_by_the_cli_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", &dotenv_bomb());
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      X: ${V11}\n",
    );
    run(dir.path(), &["convert", "compose.yaml", "-o", "out.json"], None)
        .failed_with(".env:5: substituting `V3` takes the variables substituted into the value of `V4` past 65536 bytes")
        .clean();
    // `package` reads the same `.env` to find the document's references: bounded too (it
    // carries the file itself, which is item 2's to turn into secrets).
    let r = run(dir.path(), &["package", "-o", "packaged.yaml"], None);
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
    assert!(!r.stderr.contains(MARKER));
}

#[test]
fn a_dotenv_bomb_in_a_macro_event_is_a_failure_response() {
    let template = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {
            "Compose": "services:\n  web:\n    image: nginx:1.27\n    environment:\n      X: ${V11}\n",
            "Package": {"Files": {".env": dotenv_bomb()}, "EnvFiles": [".env"]},
        }}},
    });
    macro_fails_with(&event(template), "substituting `V3`");
}

#[test]
fn a_compose_document_multiplying_a_long_variable_is_refused() {
    // 60 KB of variable used 20 times in one value, then in 40 values (2.4 MB).
    let big = format!("{MARKER}{}", "x".repeat(60_000));
    let one_value = format!(
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      X: \"{}\"\n",
        "${BIG}".repeat(20)
    );
    let many_values = format!(
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n{}",
        (0..40)
            .map(|i| format!("      X{i}: ${{BIG}}\n"))
            .collect::<String>()
    );
    for (compose, needle) in [
        (one_value, "services.web.environment.X: substituting `BIG` takes the variables substituted into this value past 65536 bytes"),
        (many_values, "substituting `BIG` takes the variables substituted in this file past 1048576 bytes"),
    ] {
        let template = serde_json::json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {
                "Compose": compose, "Variables": {"BIG": big},
            }}},
        });
        macro_fails_with(&event(template), needle);
    }
}

#[test]
fn a_service_env_file_named_again_and_again_is_bounded() {
    // One 100 KB env file named by one service 100 times: 10 MB of reading.
    let env = format!("A={MARKER}{}\n", "y".repeat(100_000));
    let list: String = (0..100).map(|_| "      - app.env\n").collect();
    let template = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {
            "Compose": format!("services:\n  web:\n    image: nginx:1.27\n    env_file:\n{list}"),
            "Package": {"Files": {"app.env": env}},
        }}},
    });
    macro_fails_with(
        &event(template),
        "take more than 4194304 bytes to read and expand",
    );
}

// --- item 7: hostile files -------------------------------------------------------------

#[test]
fn dotenv_linked_to_dev_zero_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    symlink("/dev/zero", dir.path().join(".env")).unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    run(dir.path(), &["package", "-o", "packaged.yaml"], None)
        .failed_with("`.env` is outside the project folder (it is `/dev/zero`");
    run(
        dir.path(),
        &[
            "package",
            "-o",
            "packaged.yaml",
            "--allow-outside",
            "/dev/zero",
        ],
        None,
    )
    .failed_with("`.env` is not a regular file");
}

#[test]
fn fifos_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("app.env"));
    mkfifo(&dir.path().join(".env"));
    fs::create_dir_all(dir.path().join("conf")).unwrap();
    mkfifo(&dir.path().join("conf/pipe.conf"));
    mkfifo(&dir.path().join("proxy.conf"));
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    env_file: app.env\n    volumes:\n      - ./conf:/etc/nginx/conf.d:ro\n    configs: [proxy]\nconfigs:\n  proxy:\n    file: ./proxy.conf\n",
    );
    run(dir.path(), &["package", "-o", "packaged.yaml"], None)
        .failed_with("error: `.env` is not a regular file");
    fs::remove_file(dir.path().join(".env")).unwrap();
    let r = run(dir.path(), &["package", "-o", "packaged.yaml"], None);
    r.failed_with("services.web.env_file: `app.env` is not a regular file");
    r.failed_with("configs.proxy.file: `proxy.conf` is not a regular file");
    r.failed_with("`conf/pipe.conf` is neither a file nor a folder");
}

#[test]
fn symbolic_link_loops_in_a_mounted_folder_end_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    fs::create_dir_all(conf.join("sub")).unwrap();
    write(dir.path(), "conf/a.conf", "a");
    // Each link doubles the walk: 2^32 paths without memory of the folders visited.
    for name in ["l1", "l2", "sub/up1", "sub/up2"] {
        symlink(&conf, conf.join(name)).unwrap();
    }
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./conf:/etc/nginx/conf.d:ro\n",
    );
    let start = Instant::now();
    run(dir.path(), &["package", "-o", "packaged.yaml"], None)
        .failed_with("`conf/l1` is a folder the walk already read");
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_hundred_megabyte_config_is_refused_without_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let big = fs::File::create(dir.path().join("big.conf")).unwrap();
    big.set_len(100 << 20).unwrap(); // sparse: 100 MB of NUL bytes
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    configs: [big]\nconfigs:\n  big:\n    file: ./big.conf\n",
    );
    run(dir.path(), &["package", "-o", "packaged.yaml"], None).failed_with(
        "`big.conf` (104857600 bytes) takes the project's files past the 524288 bytes",
    );
    // The reader itself stops at the cap plus one byte.
    let refused = compose_to_ecs::package::files::read_bytes(&dir.path().join("big.conf"), 1000);
    assert!(matches!(
        refused,
        Err(compose_to_ecs::package::files::Refusal::TooLarge(1000))
    ));
}

// --- item 4: reads outside the project folder ------------------------------------------

/// A project folder `app/` beside a folder `outside/` holding the marker, and a home
/// folder with `.aws/credentials`.
fn outside_layout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "outside/secret.env", &format!("LEAK={MARKER}\n"));
    write(d, "outside/db.txt", MARKER);
    write(
        d,
        "outside/base.yaml",
        &format!(
            "services:\n  base:\n    image: nginx:1.27\n    environment:\n      LEAK: {MARKER}\n"
        ),
    );
    write(d, "outside/nginx.conf", MARKER);
    write(
        d,
        "home/.aws/credentials",
        &format!("[default]\naws_secret_access_key={MARKER}\n"),
    );
    fs::create_dir_all(d.join("app")).unwrap();
    dir
}

#[test]
fn files_outside_the_project_folder_are_refused() {
    let dir = outside_layout();
    let d = dir.path();
    symlink(d.join("outside/nginx.conf"), d.join("app/linked.conf")).unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "    env_file: ../outside/secret.env\n",
            "services.web.env_file: `../outside/secret.env` is outside the project folder",
        ),
        (
            "    env_file: ~/.aws/credentials\n",
            "services.web.env_file: `~/.aws/credentials` is outside the project folder",
        ),
        (
            "    volumes:\n      - ./linked.conf:/etc/nginx/nginx.conf:ro\n",
            "`linked.conf` is outside the project folder",
        ),
        (
            "    volumes:\n      - ../outside/nginx.conf:/etc/nginx/nginx.conf:ro\n",
            "`../outside/nginx.conf` is outside the project folder",
        ),
        (
            "    extends:\n      file: ../outside/base.yaml\n      service: base\n",
            "services.web.extends.file: `../outside/base.yaml` is outside the project folder",
        ),
        (
            "    secrets: [db]\nsecrets:\n  db:\n    file: ../outside/db.txt\n",
            "secrets.db.file: `../outside/db.txt` is outside the project folder",
        ),
    ];
    for (service, needle) in cases {
        let compose = format!("services:\n  web:\n    image: nginx:1.27\n{service}");
        write(d, "app/compose.yaml", &compose);
        let r = run(
            &d.join("app"),
            &[
                "package",
                "-o",
                "packaged.yaml",
                "--parameters-out",
                "params.json",
            ],
            None,
        );
        r.failed_with(needle)
            .failed_with("pass `--allow-outside ")
            .clean();
        let r = run(&d.join("app"), &["convert", "-o", "out.json"], None);
        r.failed_with(needle).clean();
    }
}

#[test]
fn allow_outside_reads_what_it_names_and_verbose_lists_every_file() {
    let dir = outside_layout();
    let d = dir.path();
    write(
        d,
        "app/compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    secrets: [db]\nsecrets:\n  db:\n    file: ../outside/db.txt\n",
    );
    write(d, "app/.env", "TAG=1\n");
    let outside = d.join("outside");
    let r = run(
        &d.join("app"),
        &[
            "package",
            "-o",
            "packaged.yaml",
            "--parameters-out",
            "params.json",
            "--allow-outside",
            outside.to_str().unwrap(),
            "--verbose",
        ],
        None,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.clean();
    let real = |p: &str| fs::canonicalize(d.join(p)).unwrap().display().to_string();
    for file in ["app/compose.yaml", "app/.env", "outside/db.txt"] {
        assert!(
            r.stderr.contains(&format!("read {}", real(file))),
            "{file} not listed:\n{}",
            r.stderr
        );
    }
    let params = fs::read_to_string(d.join("app/params.json")).unwrap();
    assert!(
        params.contains(MARKER),
        "the secret goes to the parameters file only"
    );
}

#[test]
fn a_template_cannot_name_a_compose_file_outside_its_folder() {
    let dir = outside_layout();
    let d = dir.path();
    write(
        d,
        "outside/compose.yaml",
        &format!("services:\n  web:\n    image: nginx:1.27\n# {MARKER}\n"),
    );
    for (file, needle) in [
        (
            d.join("outside/compose.yaml").display().to_string(),
            "is outside the template's folder",
        ),
        (
            "../outside/compose.yaml".to_string(),
            "is outside the template's folder",
        ),
        (
            "/etc/passwd".to_string(),
            "`/etc/passwd` is outside the template's folder",
        ),
    ] {
        write(
            d,
            "app/template.yaml",
            &format!("Transform: ComposeToECS\nResources:\n  Shop:\n    Type: ComposeToECS::Project\n    Properties:\n      ComposeFile: {file}\n"),
        );
        run(
            &d.join("app"),
            &["package", "template.yaml", "-o", "packaged.yaml"],
            None,
        )
        .failed_with(needle)
        .clean();
    }
    // Named on the command line, it is the user's own choice.
    let r = run(
        &d.join("app"),
        &[
            "package",
            "-f",
            "../outside/compose.yaml",
            "-o",
            "packaged.yaml",
        ],
        None,
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

// --- item 11: diagnostics never quote what a variable substituted ------------------------

#[test]
fn diagnostics_name_the_variable_never_its_value() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", &format!("V={MARKER}\n"));
    let fields = [
        ("ports: [\"${V}:80\"]", "invalid port `${V}:80`"),
        ("ports: [\"80:${V}\"]", "`80:${V}`"),
        ("expose: [\"${V}\"]", "`${V}`"),
        ("cap_add: [\"${V}\"]", "the capability `${V}`"),
        ("environment: [\"${V}\"]", "services.web.environment.${V}"),
        ("cpus: ${V}", "services.web.cpus"),
        ("mem_limit: ${V}", "services.web.mem_limit"),
        ("depends_on: [\"${V}\"]", "services.web.depends_on"),
        ("restart: ${V}", "services.web.restart"),
        ("stop_grace_period: ${V}", "services.web.stop_grace_period"),
        ("network_mode: ${V}", "services.web.network_mode"),
        (
            "healthcheck: {test: [\"CMD\", \"true\"], interval: \"${V}\"}",
            "services.web.healthcheck.interval",
        ),
        (
            "deploy: {replicas: \"${V}\"}",
            "services.web.deploy.replicas",
        ),
        ("volumes: [\"${V}:/x\"]", "services.web.volumes[0]"),
        ("extra_hosts: [\"${V}\"]", "services.web.extra_hosts[0]"),
        ("platform: ${V}", "services.web.platform"),
        ("networks: [\"${V}\"]", "services.web.networks"),
        ("secrets: [\"${V}\"]", "services.web.secrets[0]"),
    ];
    for (field, needle) in fields {
        write(
            dir.path(),
            "compose.yaml",
            &format!("services:\n  web:\n    image: nginx:1.27\n    {field}\n"),
        );
        let r = run(
            dir.path(),
            &["convert", "compose.yaml", "-o", "out.json"],
            None,
        );
        r.clean();
        assert!(
            r.stderr.contains(needle),
            "{field}: expected `{needle}` in:\n{}",
            r.stderr
        );
    }
    // The package step's own diagnostics about a path filled from a variable.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    env_file: ${V}\n    volumes: [\"./${V}.conf:/etc/x.conf:ro\"]\n",
    );
    for args in [
        &["package", "-o", "packaged.yaml"][..],
        &["convert", "-o", "out.json"][..],
    ] {
        run(dir.path(), args, None)
            .failed_with("services.web.env_file: `${V}` does not exist")
            .failed_with("services.web.volumes[0]: `./${V}.conf:/etc/x.conf:ro` does not exist")
            .clean();
    }
    // The macro alone: the value of a `Variables` entry.
    let template = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {
            "Compose": "services:\n  web:\n    image: nginx:1.27\n    ports: [\"${V}:80\"]\n",
            "Variables": {"V": MARKER},
        }}},
    });
    macro_fails_with(&event(template), "invalid port `${V}:80`");
}
