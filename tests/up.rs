//! `up`, `down`, `ps` and `logs` against a real AWS API endpoint on this machine: moto in
//! server mode (installed into `.venv` by `scripts/tools-venv.sh`; started through
//! `scripts/moto_server.py`, which adds the CloudFormation resource types moto lacks), on a
//! free port of 127.0.0.1, stopped when the test ends.
//! Nothing is mocked inside the code: the CLI's AWS SDK speaks HTTP to moto, found through
//! `AWS_ENDPOINT_URL`, with dummy credentials. moto's CloudFormation does not create every
//! resource type (docs/up.md); the flow (change sets, events, outputs, deletion) is real.
#![cfg(feature = "aws")]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_compose-to-ecs");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The real applications' folder (`../shared/corpus/apps`, or `SHARED_DIR`).
fn apps() -> PathBuf {
    let shared = std::env::var_os("SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    shared.join("corpus/apps")
}

/// A stand-in for docker, as `scripts/apps.py` uses: records the invocation, reads a
/// Dockerfile given on stdin, succeeds (there is no Docker engine on CI).
const STUB_DOCKER: &str = "#!/bin/sh
printf '%s\\n' \"docker $*\" >> \"$(dirname \"$0\")/docker.log\"
case \" $* \" in *\" -f - \"*) cat > /dev/null ;; esac
echo \"stub docker: $1\"
";

/// A moto server on a free port of 127.0.0.1, killed on drop; and a folder with the stub
/// `docker`, first on the CLI's PATH.
struct Moto {
    child: Child,
    url: String,
    bin: tempfile::TempDir,
}

impl Moto {
    fn start() -> Moto {
        // moto with the CloudFormation support it lacks for a Compose project
        // (scripts/moto_server.py says what and why), in the venv scripts/tools-venv.sh makes.
        let python = std::env::var_os("MOTO_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join(".venv/bin/python"));
        assert!(
            root().join(".venv/bin/moto_server").is_file() || std::env::var_os("MOTO_PYTHON").is_some(),
            "moto is not installed: run `bash scripts/tools-venv.sh` (installs moto[server] into .venv), or set MOTO_PYTHON to a python that has it"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(&python)
            .arg(root().join("scripts/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("moto starts");
        let bin = tempfile::tempdir().unwrap();
        let docker = bin.path().join("docker");
        std::fs::write(&docker, STUB_DOCKER).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            bin,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not listen on port {port} within 60 s: {}",
                std::fs::read_to_string(log.path()).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        moto
    }

    /// The CLI with moto as its AWS, in `dir`, standard input not a terminal.
    fn cli(&self, dir: &Path, args: &[&str]) -> (i32, String, String) {
        let path = std::env::join_paths(std::iter::once(self.bin.path().to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let out = Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .env("PATH", path)
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROFILES")
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        eprintln!("$ compose-to-ecs {}\n{stdout}{stderr}", args.join(" "));
        (out.status.code().unwrap_or(-1), stdout, stderr)
    }

    /// The SDK's configuration for the test's own calls.
    fn config(&self) -> aws_config::SdkConfig {
        let creds = aws_sdk_cloudformation::config::Credentials::new(
            "testing", "testing", None, None, "test",
        );
        runtime().block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(&self.url)
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(creds)
                .http_client(
                    aws_smithy_http_client::Builder::new()
                        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                        ))
                        .build_https(),
                )
                .load(),
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A copy of a real application's folder, under a folder of the same name (the project
/// name), with a stub `docker` on PATH as `scripts/apps.py` uses.
fn app(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&apps().join(name), &dir);
    (tmp, dir)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{}: {e} (the shared corpus of apps)", from.display()))
    {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn stack_exists(cfn: &aws_sdk_cloudformation::Client, name: &str) -> bool {
    runtime()
        .block_on(cfn.describe_stacks().stack_name(name).send())
        .ok()
        .and_then(|o| o.stacks)
        .and_then(|s| s.into_iter().next())
        .is_some_and(|s| {
            s.stack_status.map(|s| s.as_str().to_string()) != Some("DELETE_COMPLETE".into())
        })
}

/// From a folder to a stack and back: create (endpoints printed, the template the macro
/// would produce), a re-run with no change, an update, `ps`, `logs`, `down`.
#[test]
fn up_no_change_update_ps_logs_down() {
    let moto = Moto::start();
    let config = moto.config();
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let (_tmp, dir) = app("wordpress-mysql");
    let stack = "wordpress-mysql";

    // Without a terminal, `up` asks for --yes before it touches anything.
    let (code, _, err) = moto.cli(&dir, &["up"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pass --yes"), "{err}");
    assert!(!stack_exists(&cfn, stack));

    // Create.
    let (code, out, err) = moto.cli(&dir, &["up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("create stack wordpress-mysql:"), "{out}");
    assert!(
        out.contains("  add     WordpressmysqlWordpressService (AWS::ECS::Service)"),
        "{out}"
    );
    assert!(
        out.contains("stack wordpress-mysql: CREATE_COMPLETE"),
        "{out}"
    );
    assert!(out.contains("endpoints:"), "{out}");
    assert!(
        out.contains("WordpressmysqlWordpressTCP80Endpoint: http://"),
        "{out}"
    );
    assert!(stack_exists(&cfn, stack));

    // The stack's template is the expansion `convert` previews (the macro's fragment).
    let (code, preview, err) = moto.cli(&dir, &["convert", "-q"]);
    assert_eq!(code, 0, "{err}");
    let body = runtime()
        .block_on(cfn.get_template().stack_name(stack).send())
        .unwrap()
        .template_body
        .unwrap();
    let deployed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let previewed: serde_json::Value = serde_json::from_str(&preview).unwrap();
    assert_eq!(deployed, previewed);
    assert!(deployed.get("Transform").is_none());

    // No change: said, and nothing executed.
    let (code, out, err) = moto.cli(&dir, &["up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("stack wordpress-mysql is up to date: no changes to deploy"),
        "{out}"
    );
    assert!(!out.contains("UPDATE_"), "{out}");
    assert!(
        out.contains("WordpressmysqlWordpressTCP80Endpoint: http://"),
        "{out}"
    );

    // A change: shown as a modification, then executed.
    let compose = dir.join("compose.yaml");
    let text = std::fs::read_to_string(&compose).unwrap();
    std::fs::write(&compose, text.replace("wordpress:latest", "wordpress:6.7")).unwrap();
    let (code, out, err) = moto.cli(&dir, &["up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("update stack wordpress-mysql:"), "{out}");
    assert!(
        out.contains("  modify  WordpressmysqlWordpressTaskDefinition")
            || out.contains("  replace WordpressmysqlWordpressTaskDefinition"),
        "{out}"
    );
    assert!(
        out.contains("stack wordpress-mysql: UPDATE_COMPLETE"),
        "{out}"
    );

    // ps: the services and the endpoints.
    let (code, out, err) = moto.cli(&dir, &["ps"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("stack wordpress-mysql: UPDATE_COMPLETE\nSERVICE"),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with("db ")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("wordpress ")), "{out}");
    assert!(
        out.contains("WordpressmysqlWordpressTCP80Endpoint: http://"),
        "{out}"
    );

    // logs: a line written to the project's log group, as the awslogs driver names it.
    let group = runtime()
        .block_on(cfn.describe_stack_resources().stack_name(stack).send())
        .unwrap()
        .stack_resources
        .unwrap()
        .into_iter()
        .find(|r| r.resource_type.as_deref() == Some("AWS::Logs::LogGroup"))
        .and_then(|r| r.physical_resource_id)
        .expect("the project's log group");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let stream = "wordpress-mysql/wordpress/0123456789abcdef0123456789abcdef";
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    runtime().block_on(async {
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name(stream)
            .send()
            .await
            .unwrap();
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name(stream)
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(now)
                    .message("GET / HTTP/1.1 200")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    let (code, out, err) = moto.cli(&dir, &["logs"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "wordpress/01234567 | GET / HTTP/1.1 200\n");
    let (code, out, _) = moto.cli(&dir, &["logs", "wordpress", "--since", "1h"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "wordpress/01234567 | GET / HTTP/1.1 200\n")
    );
    let (code, out, _) = moto.cli(&dir, &["logs", "db"]);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, _, err) = moto.cli(&dir, &["logs", "--since", "yesterday"]);
    assert_eq!(code, 2);
    assert!(err.contains("--since `yesterday`"), "{err}");

    // down: asks for --yes without a terminal, then deletes; no stack is left.
    let (code, _, err) = moto.cli(&dir, &["down"]);
    assert_eq!(code, 2, "{err}");
    assert!(stack_exists(&cfn, stack));
    let (code, out, err) = moto.cli(&dir, &["down", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("stack wordpress-mysql deleted"), "{out}");
    assert!(!stack_exists(&cfn, stack));
    let (code, _, err) = moto.cli(&dir, &["ps"]);
    assert_eq!(code, 1);
    assert!(err.contains("no stack wordpress-mysql"), "{err}");
    let (code, out, _) = moto.cli(&dir, &["down", "--yes"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "no stack wordpress-mysql: nothing to delete\n")
    );
}

/// A deployment that fails prints CloudFormation's reason, exits 1 and leaves no stack.
/// Here the project names a cluster that does not exist (`x-aws-cluster`): moto refuses the
/// service (its CloudFormation reports a failing resource from `ExecuteChangeSet`).
#[test]
fn a_failing_deploy_says_why() {
    let moto = Moto::start();
    let cfn = aws_sdk_cloudformation::Client::new(&moto.config());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("broken");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "x-aws-cluster: no-such-cluster\nservices:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.27\n",
    )
    .unwrap();
    let (code, out, err) = moto.cli(&dir, &["up", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("  add     BrokenWebService (AWS::ECS::Service)"),
        "{out}"
    );
    assert!(
        err.contains("error: the change set for stack broken was not executed:"),
        "{err}"
    );
    assert!(err.contains("Cluster not found"), "{err}");
    assert!(!stack_exists(&cfn, "broken"));

    // A project with errors never reaches AWS: diagnostics in Compose paths, exit 1.
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80\", \"80:80\"]\n",
    )
    .unwrap();
    let (code, _, err) = moto.cli(&dir, &["up", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: compose.yaml: services.web.ports")
            || err.contains("error: services.web.ports"),
        "{err}"
    );
    assert!(!stack_exists(&cfn, "broken"));
}

/// `--s3-bucket` always uploads; without it a template over 51,200 bytes goes to the
/// account's `compose-to-ecs-<account>-<region>` bucket, created on first use.
#[test]
fn templates_go_through_s3() {
    let moto = Moto::start();
    let config = moto.config();
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let keys = |bucket: &str| -> Vec<String> {
        runtime()
            .block_on(s3.list_objects_v2().bucket(bucket).send())
            .map(|o| o.contents.unwrap_or_default())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| o.key)
            .collect()
    };
    runtime()
        .block_on(s3.create_bucket().bucket("my-artifacts").send())
        .unwrap();
    let (_tmp, dir) = app("wordpress-mysql");
    let (code, out, err) = moto.cli(
        &dir,
        &[
            "up",
            "--yes",
            "--s3-bucket",
            "my-artifacts",
            "--stack-name",
            "wp",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("uploaded to s3://my-artifacts/compose-to-ecs/wp/"),
        "{err}"
    );
    assert!(out.contains("stack wp: CREATE_COMPLETE"), "{out}");
    assert_eq!(keys("my-artifacts").len(), 1);
    assert!(stack_exists(&cfn, "wp"));

    // A large project (20 services: about 65 KB of JSON): the default bucket, created once.
    let tmp2 = tempfile::tempdir().unwrap();
    let big = tmp2.path().join("many");
    std::fs::create_dir_all(&big).unwrap();
    let mut compose = String::from("services:\n");
    for i in 0..20 {
        compose.push_str(&format!(
            "  svc{i}:\n    image: public.ecr.aws/nginx/nginx:1.27\n    environment:\n      ROLE: worker{i}\n"
        ));
    }
    std::fs::write(big.join("compose.yaml"), compose).unwrap();
    let (code, out, err) = moto.cli(&big, &["up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("created the template bucket compose-to-ecs-123456789012-us-east-1"),
        "{err}"
    );
    assert_eq!(keys("compose-to-ecs-123456789012-us-east-1").len(), 1);
    assert!(out.contains("stack many: CREATE_COMPLETE"), "{out}");
    // Reused, not created again, by the next large template.
    let text = std::fs::read_to_string(big.join("compose.yaml")).unwrap();
    std::fs::write(
        big.join("compose.yaml"),
        text.replace("worker0", "worker-zero"),
    )
    .unwrap();
    let (code, out, err) = moto.cli(&big, &["up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("created the template bucket"), "{err}");
    assert_eq!(keys("compose-to-ecs-123456789012-us-east-1").len(), 2);
}
