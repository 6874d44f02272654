//! The CLI end to end: exit statuses, and `macro` answering exactly as the Lambda does.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_compose-to-ecs");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    run_in(root(), args, stdin, &[])
}

/// `compose-to-ecs macro` writes exactly what the Lambda handler returns.
#[test]
fn macro_subcommand_answers_like_the_lambda() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("events")).unwrap() {
        let path = entry.unwrap().path();
        let input = std::fs::read(&path).unwrap();
        let (code, stdout, _) = run(&["macro"], Some(&input));
        assert_eq!(code, 0);
        // The Lambda serialises the same `handle` result with serde_json.
        let request: serde_json::Value = serde_json::from_slice(&input).unwrap();
        let (response, _) = compose_to_ecs::macro_::handle(request.clone());
        assert_eq!(
            stdout,
            serde_json::to_string(&response).unwrap(),
            "{}",
            path.display()
        );
        let response: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(response["requestId"], request["requestId"]);
        let name = path.file_name().unwrap().to_string_lossy();
        let expected = if name.starts_with("failure") {
            "failure"
        } else {
            "success"
        };
        assert_eq!(response["status"], expected, "{name}: {stdout}");
        seen += 1;
    }
    assert!(seen >= 3);
}

#[test]
fn exit_statuses() {
    // Success.
    let (code, stdout, _) = run(
        &[
            "expand",
            "examples/nginx.yaml",
            "--param",
            "VpcId=vpc-0123456789abcdef0",
            "--param",
            "SubnetIds=subnet-0a,subnet-0b",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("NginxWebService"), "{stdout}");
    // Diagnostics: one per line on stderr, exit 1.
    let (code, _, stderr) = run(
        &[
            "convert",
            "tests/fixtures/binds_host_path_fargate/input.yaml",
        ],
        None,
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("error: ") || l.starts_with("warning: ")),
        "{stderr}"
    );
    // Usage and I/O errors: exit 2.
    assert_eq!(run(&["expand", "does-not-exist.yaml"], None).0, 2);
    assert_eq!(run(&["expand"], None).0, 2);
    assert_eq!(
        run(&["expand", "examples/nginx.yaml"], None).0,
        2,
        "a parameter without default and no --param"
    );
}

#[test]
fn convert_wraps_a_bare_compose_file() {
    let dir = std::env::temp_dir().join(format!("c2e-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("compose.yaml");
    std::fs::write(
        &file,
        "name: demo\nservices:\n  web:\n    image: nginx\n    ports: ['80:80']\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(
        &["convert", file.to_str().unwrap(), "--format", "yaml"],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("DemoWebService:"), "{stdout}");
    assert!(!stdout.contains("Transform"));
}

// ---- Compose files as `docker compose` takes them (issue 17) ----

/// Runs the CLI in `dir` with a clean Compose environment plus `env`.
fn run_in(
    dir: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "COMPOSE_FILE",
        "COMPOSE_PATH_SEPARATOR",
        "COMPOSE_PROJECT_NAME",
        "COMPOSE_PROFILES",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BASE: &str =
    "services:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.25\n    ports: ['80:80']\n";
/// An override that changes the image and adds a port.
const OVERRIDE: &str =
    "services:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.27\n    ports: ['8080:8080']\n";

/// A project folder `shop` with the given files, and the temporary folder holding it.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (tmp, dir)
}

fn template(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Image and container ports of service `web` of project `id`.
fn web(t: &serde_json::Value, id: &str) -> (String, Vec<u64>) {
    let c =
        &t["Resources"][format!("{id}WebTaskDefinition")]["Properties"]["ContainerDefinitions"][0];
    let ports = c["PortMappings"]
        .as_array()
        .map(|p| {
            p.iter()
                .map(|m| m["ContainerPort"].as_u64().unwrap())
                .collect()
        })
        .unwrap_or_default();
    (c["Image"].as_str().unwrap().to_string(), ports)
}

#[test]
fn repeated_f_merges_an_override_that_changes_the_image_and_adds_a_port() {
    let (_tmp, dir) = project(&[("compose.yaml", BASE), ("compose.prod.yaml", OVERRIDE)]);
    let (code, stdout, stderr) = run_in(
        &dir,
        &[
            "convert",
            "-q",
            "-f",
            "compose.yaml",
            "-f",
            "compose.prod.yaml",
        ],
        None,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    let t = template(&stdout);
    assert_eq!(
        web(&t, "Shop"),
        (
            "public.ecr.aws/nginx/nginx:1.27".to_string(),
            vec![80, 8080]
        )
    );
    // `--file` is the same flag; a lone `-f` file takes no override.
    let (code, stdout, _) = run_in(
        &dir,
        &["convert", "-q", "--file", "compose.yaml"],
        None,
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(
        web(&template(&stdout), "Shop"),
        ("public.ecr.aws/nginx/nginx:1.25".to_string(), vec![80])
    );
}

#[test]
fn discovery_finds_compose_yaml_and_its_override_here_or_in_a_parent() {
    let (_tmp, dir) = project(&[
        ("compose.yaml", BASE),
        ("compose.override.yaml", OVERRIDE),
        ("src/app/.keep", ""),
    ]);
    for cwd in [dir.clone(), dir.join("src/app")] {
        let (code, stdout, stderr) = run_in(&cwd, &["convert", "-q"], None, &[]);
        assert_eq!(code, 0, "{stderr}");
        // The project folder (and so the name) is the Compose file's, not the current one.
        assert_eq!(
            web(&template(&stdout), "Shop"),
            (
                "public.ecr.aws/nginx/nginx:1.27".to_string(),
                vec![80, 8080]
            ),
            "{}",
            cwd.display()
        );
    }
}

#[test]
fn discovery_takes_the_first_default_name_and_says_so() {
    let (_tmp, dir) = project(&[
        ("docker-compose.yml", OVERRIDE),
        ("compose.yml", BASE),
        (
            "docker-compose.override.yml",
            "services:\n  web:\n    ports: ['9000:9000']\n",
        ),
    ]);
    let (code, stdout, stderr) = run_in(&dir, &["convert", "-q"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "warning: found `compose.yml` and `docker-compose.yml`; using `compose.yml` (name the file with `-f` to choose)\n"
    );
    assert_eq!(
        web(&template(&stdout), "Shop"),
        (
            "public.ecr.aws/nginx/nginx:1.25".to_string(),
            vec![80, 9000]
        )
    );
    // `docker-compose.yaml` alone is found too.
    let (_tmp2, dir2) = project(&[("docker-compose.yaml", BASE)]);
    let (code, stdout, _) = run_in(&dir2, &["convert", "-q"], None, &[]);
    assert_eq!(code, 0);
    assert_eq!(web(&template(&stdout), "Shop").1, vec![80]);
}

#[test]
fn no_compose_file_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("empty");
    std::fs::create_dir_all(&dir).unwrap();
    let (code, _, stderr) = run_in(&dir, &["convert"], None, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: no Compose file: looked for `compose.yaml`, `compose.yml`, `docker-compose.yaml` and `docker-compose.yml` in `"),
        "{stderr}"
    );
    let (code, _, stderr) = run_in(&dir, &["convert", "-f", "missing.yaml"], None, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: cannot read missing.yaml: "),
        "{stderr}"
    );
}

#[test]
fn standard_input_is_a_compose_file() {
    let (_tmp, dir) = project(&[("compose.override.yaml", OVERRIDE)]);
    // Alone: the project folder is the current one.
    let (code, stdout, stderr) = run_in(
        &dir,
        &["convert", "-q", "-f", "-"],
        Some(BASE.as_bytes()),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        web(&template(&stdout), "Shop"),
        ("public.ecr.aws/nginx/nginx:1.25".to_string(), vec![80])
    );
    // Merged with a file; a diagnostic names standard input.
    let (code, stdout, stderr) = run_in(
        &dir,
        &["convert", "-q", "-f", "-", "-f", "compose.override.yaml"],
        Some(BASE.as_bytes()),
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(web(&template(&stdout), "Shop").1, vec![80, 8080]);
    let (code, _, stderr) = run_in(
        &dir,
        &["convert", "-f", "compose.override.yaml", "-f", "-"],
        Some(b"services:\n  web:\n    ports: ['53:53/sctp']\n"),
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: standard input: services.web.ports[1]: invalid port `53:53/sctp`: expected protocol `tcp` or `udp`, found `sctp`\n"
    );
}

#[test]
fn compose_file_and_path_separator_from_the_environment() {
    let (_tmp, dir) = project(&[
        ("compose.yaml", BASE),
        ("prod.yaml", OVERRIDE),
        (
            "compose.override.yaml",
            "services:\n  web:\n    ports: ['9000:9000']\n",
        ),
    ]);
    // COMPOSE_FILE replaces discovery: no override is added.
    let (code, stdout, stderr) = run_in(
        &dir,
        &["convert", "-q"],
        None,
        &[("COMPOSE_FILE", "compose.yaml:prod.yaml")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(web(&template(&stdout), "Shop").1, vec![80, 8080]);
    let (code, stdout, _) = run_in(
        &dir,
        &["convert", "-q"],
        None,
        &[
            ("COMPOSE_FILE", "compose.yaml;compose.override.yaml"),
            ("COMPOSE_PATH_SEPARATOR", ";"),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(web(&template(&stdout), "Shop").1, vec![80, 9000]);
    // `-f` wins over COMPOSE_FILE.
    let (code, stdout, _) = run_in(
        &dir,
        &["convert", "-q", "-f", "compose.yaml"],
        None,
        &[("COMPOSE_FILE", "prod.yaml")],
    );
    assert_eq!(code, 0);
    assert_eq!(web(&template(&stdout), "Shop").1, vec![80]);
}

#[test]
fn project_name_from_flag_environment_env_file_document_and_folder() {
    let named = "name: from-doc\nservices:\n  web:\n    image: nginx\n";
    let (_tmp, dir) = project(&[("compose.yaml", named)]);
    // The project name names the Cloud Map namespace; the logical IDs follow it.
    let cluster = |stdout: &str, id: &str| {
        let name =
            template(stdout)["Resources"][format!("{id}CloudMap")]["Properties"]["Name"].clone();
        name.as_str()
            .unwrap_or_default()
            .trim_end_matches(".local")
            .to_string()
    };
    let (_, out, _) = run_in(&dir, &["convert", "-q"], None, &[]);
    assert_eq!(cluster(&out, "Fromdoc"), "from-doc");
    let env = [("COMPOSE_PROJECT_NAME", "from-env")];
    let (_, out, _) = run_in(&dir, &["convert", "-q"], None, &env);
    assert_eq!(cluster(&out, "Fromenv"), "from-env");
    let (_, out, _) = run_in(&dir, &["convert", "-q", "-p", "flag"], None, &env);
    assert_eq!(cluster(&out, "Flag"), "flag");
    let (_, out, _) = run_in(
        &dir,
        &["convert", "-q", "--project-name", "flag2"],
        None,
        &[],
    );
    assert_eq!(cluster(&out, "Flag2"), "flag2");
    std::fs::write(dir.join(".env"), "COMPOSE_PROJECT_NAME=dotenv\n").unwrap();
    let (_, out, _) = run_in(&dir, &["convert", "-q"], None, &[]);
    assert_eq!(cluster(&out, "Dotenv"), "dotenv");
    std::fs::remove_file(dir.join(".env")).unwrap();
    std::fs::write(dir.join("compose.yaml"), BASE).unwrap();
    let (_, out, _) = run_in(&dir, &["convert", "-q"], None, &[]);
    assert_eq!(cluster(&out, "Shop"), "shop");
}

#[test]
fn a_bad_project_name_names_the_flag_not_a_template() {
    let (_tmp, dir) = project(&[("compose.yaml", BASE)]);
    let (code, stdout, stderr) = run_in(&dir, &["convert", "--project-name", "My App"], None, &[]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "error: --project-name `My App`: a project name has lower-case letters, digits, `-` and `_`, and starts with a letter or digit (as with `docker compose -p`)\n"
    );
    let (code, _, stderr) = run_in(
        &dir,
        &["convert"],
        None,
        &[("COMPOSE_PROJECT_NAME", "Bad Name")],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: COMPOSE_PROJECT_NAME `Bad Name`: "),
        "{stderr}"
    );
}

#[test]
fn convert_diagnostics_use_compose_paths_and_name_the_file() {
    let (_tmp, dir) = project(&[
        ("compose.yaml", BASE),
        (
            "compose.override.yaml",
            "services:\n  web:\n    privileged: true\n",
        ),
        ("broken.yaml", "services: [\n"),
    ]);
    let (code, _, stderr) = run_in(&dir, &["convert"], None, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "error: compose.override.yaml: services.web.privileged: Fargate runs no privileged containers; run the service on EC2 capacity: add `deploy.x-aws-capacity: ec2` to the service, or `x-aws-capacity: ec2` at the top level\n"
    );
    // One file: no file name before Compose paths; the document as a whole is the file.
    let (code, _, stderr) = run_in(&dir, &["convert", "-f", "broken.yaml"], None, &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: broken.yaml: the Compose document is not valid YAML: "),
        "{stderr}"
    );
    assert!(!stderr.contains("Resources"), "{stderr}");
}

#[test]
fn profiles_from_the_flag_or_compose_profiles() {
    let doc = "services:\n  web:\n    image: nginx\n  debug:\n    image: busybox\n    profiles: [debug]\n  tools:\n    image: busybox\n    profiles: [tools]\n";
    let (_tmp, dir) = project(&[("compose.yaml", doc)]);
    let services = |out: &str| {
        let t = template(out);
        let mut s: Vec<String> = t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.ends_with("Service") && !k.ends_with("DiscoveryService"))
            .cloned()
            .collect();
        s.sort();
        s
    };
    let (_, out, _) = run_in(&dir, &["convert", "-q"], None, &[]);
    assert_eq!(services(&out), ["ShopWebService"]);
    let env = [("COMPOSE_PROFILES", "debug,tools")];
    let (_, out, _) = run_in(&dir, &["convert", "-q"], None, &env);
    assert_eq!(
        services(&out),
        ["ShopDebugService", "ShopToolsService", "ShopWebService"]
    );
    // `--profile` wins over COMPOSE_PROFILES.
    let (_, out, _) = run_in(&dir, &["convert", "-q", "--profile", "tools"], None, &env);
    assert_eq!(services(&out), ["ShopToolsService", "ShopWebService"]);
}

#[test]
fn format_follows_the_output_extension_and_a_summary_follows_success() {
    let (_tmp, dir) = project(&[("compose.yaml", BASE)]);
    for (file, yaml) in [
        ("out.yaml", true),
        ("out.yml", true),
        ("out.json", false),
        ("out.txt", false),
    ] {
        let (code, stdout, stderr) = run_in(&dir, &["convert", "-o", file], None, &[]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(stdout, "");
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(!text.starts_with('{'), yaml, "{file}");
        let t: serde_json::Value = if yaml {
            serde_yaml_ng::from_str(&text).unwrap()
        } else {
            serde_json::from_str(&text).unwrap()
        };
        assert_eq!(stderr, expected_summary(&t), "{file}");
    }
    // `--format` wins over the extension; `--quiet` drops the summary.
    let (code, _, stderr) = run_in(
        &dir,
        &["convert", "-o", "out.yaml", "--format", "json", "--quiet"],
        None,
        &[],
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(std::fs::read_to_string(dir.join("out.yaml"))
        .unwrap()
        .starts_with('{'));
}

/// The summary line for this one-service project, its counts taken from the template.
fn expected_summary(t: &serde_json::Value) -> String {
    let mut kinds = std::collections::BTreeMap::new();
    for r in t["Resources"].as_object().unwrap().values() {
        let kind = r["Type"].as_str().unwrap().trim_start_matches("AWS::");
        *kinds.entry(kind.to_string()).or_insert(0usize) += 1;
    }
    let total: usize = kinds.values().sum();
    let mut kinds: Vec<(String, usize)> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    format!(
        "summary: {total} resources ({}); Application Load Balancer; endpoints http://${{ShopLoadBalancer.DNSName}}; 0 warnings\n{}",
        kinds.join(", "),
        "will it run?\n  public: web on port 80 (HTTP, URL in output `ShopWebTCP80Endpoint`), through the internet-facing Application Load Balancer\n  internal only: none\n  jobs: none\n  volumes: none\n  warnings: 0 run-time risks, 0 behaviour changes, 0 keys ignored\n"
    )
}

#[test]
fn the_summary_says_whether_it_will_run() {
    // A public web service, a database only other services reach, with its data on EFS,
    // a migration run once in each deployment, a nightly report, and warnings of two ranks.
    let doc = r#"services:
  web:
    image: public.ecr.aws/nginx/nginx:1.27
    ports: ["80:80"]
    stop_signal: SIGQUIT
    tmpfs: [/var/cache/nginx]
    depends_on:
      migrate: {condition: service_completed_successfully}
  db:
    image: public.ecr.aws/docker/library/postgres:16
    environment: {POSTGRES_HOST_AUTH_METHOD: trust}
    volumes: ["db_data:/var/lib/postgresql/data"]
    healthcheck: {test: ["CMD", "pg_isready"], interval: 2s}
  migrate:
    image: public.ecr.aws/docker/library/busybox:1.36
    command: ["true"]
    environment: {DATABASE_URL: "postgres://postgres@db:5432/shop"}
  report:
    image: public.ecr.aws/docker/library/busybox:1.36
    command: ["true"]
    deploy:
      x-aws-schedule: {expression: "cron(0 3 * * ? *)", timezone: Europe/Paris}
volumes:
  db_data: {}
"#;
    let (_tmp, dir) = project(&[("compose.yaml", doc)]);
    let (code, _, stderr) = run_in(&dir, &["convert", "-o", "out.json"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    let summary: Vec<&str> = stderr
        .lines()
        .skip_while(|l| *l != "will it run?")
        .collect();
    assert_eq!(
        summary,
        [
            "will it run?",
            "  public: web on port 80 (HTTP, URL in output `ShopWebTCP80Endpoint`), through the internet-facing Application Load Balancer",
            "  internal only: db at db:5432",
            "  jobs: migrate runs once in each deployment; report runs on `cron(0 3 * * ? *)` Europe/Paris",
            "  volumes: Amazon EFS file system `ShopDbdataFilesystem` (kept when the stack is deleted): db:/var/lib/postgresql/data",
            "  volumes: the task's ephemeral storage (lost when the task stops): web:/var/cache/nginx",
            "  warnings: 2 run-time risks, 1 behaviour change, 1 key ignored",
        ],
        "{stderr}"
    );
    // `package` answers the same, from the template the macro will make of its result.
    let (code, _, stderr) = run_in(&dir, &["package", "-o", "packaged.yaml"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    let packaged: Vec<&str> = stderr
        .lines()
        .skip_while(|l| *l != "will it run?")
        .collect();
    assert_eq!(packaged, summary, "{stderr}");
    // Nothing of it with `--quiet`.
    let (code, _, stderr) = run_in(&dir, &["convert", "-q", "-o", "out.json"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("will it run?"), "{stderr}");
}

#[test]
fn a_template_too_large_to_pass_inline_says_to_use_s3() {
    let mut doc = String::from("services:\n");
    for i in 0..40 {
        doc.push_str(&format!(
            "  s{i}:\n    image: public.ecr.aws/nginx/nginx:1.27\n    ports: ['{}:80']\n",
            8000 + i
        ));
    }
    let (_tmp, dir) = project(&[("compose.yaml", &doc)]);
    let (code, _, stderr) = run_in(&dir, &["convert", "-o", "big.json"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::metadata(dir.join("big.json")).unwrap().len();
    assert!(bytes > 51_200);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("summary: ") && l.ends_with(&format!("; {bytes} bytes, over the 51200 CloudFormation takes inline: deploy with `aws cloudformation deploy --s3-bucket BUCKET`"))),
        "{stderr}"
    );
}

#[test]
fn package_takes_compose_files_and_a_compose_file_list() {
    let (_tmp, dir) = project(&[("compose.yaml", BASE), ("compose.override.yaml", OVERRIDE)]);
    let (code, stdout, stderr) = run_in(&dir, &["package", "-q", "--format", "json"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    let packaged = template(&stdout);
    assert_eq!(
        packaged["Resources"]["Shop"],
        serde_json::json!({
            "Type": "ComposeToECS::Project",
            "Properties": {
                "Compose": [BASE, OVERRIDE],
                "ProjectName": "shop",
                "Package": {"ComposeFiles": ["compose.yaml", "compose.override.yaml"]},
            }
        })
    );
    // The macro merges the packaged list as the preview did.
    let request = compose_to_ecs::Request {
        fragment: packaged,
        ..Default::default()
    };
    let expanded = compose_to_ecs::expand(&request).unwrap();
    assert_eq!(web(&expanded.fragment, "Shop").1, vec![80, 8080]);

    // A template's `ComposeFile` may be a list, relative to the template.
    std::fs::write(
        dir.join("template.yaml"),
        "Transform: ComposeToECS\nResources:\n  App:\n    Type: ComposeToECS::Project\n    Properties:\n      ComposeFile: [compose.yaml, compose.override.yaml]\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run_in(&dir, &["expand", "-q", "template.yaml"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(web(&template(&stdout), "App").1, vec![80, 8080]);
    // A template and `-f` together is a usage error.
    let (code, _, _) = run_in(
        &dir,
        &["package", "template.yaml", "-f", "compose.yaml"],
        None,
        &[],
    );
    assert_eq!(code, 2);
}

#[test]
fn every_subcommand_has_examples_in_its_help() {
    let mut subs = vec!["convert", "package", "expand", "macro"];
    if cfg!(feature = "aws") {
        subs.extend(["up", "down", "ps", "logs"]);
    }
    for sub in subs {
        let (code, stdout, _) = run(&[sub, "--help"], None);
        assert_eq!(code, 0);
        assert!(stdout.contains("Example"), "{sub}: {stdout}");
        assert!(
            stdout.contains(&format!("compose-to-ecs {sub}")),
            "{sub}: {stdout}"
        );
    }
    let (_, stdout, _) = run(&["convert", "--help"], None);
    assert!(stdout.contains("not an AWS one"), "{stdout}");
    assert!(!stdout.contains("--region"), "{stdout}");
}

#[test]
fn convert_params_are_compose_variables() {
    let doc = "services:\n  web:\n    image: public.ecr.aws/nginx/nginx:${TAG:?the nginx tag}\n";
    let (_tmp, dir) = project(&[("compose.yaml", doc), (".env", "TAG=1.25\n")]);
    let (code, stdout, stderr) = run_in(&dir, &["convert", "-q", "--param", "TAG=1.27"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        web(&template(&stdout), "Shop").0,
        "public.ecr.aws/nginx/nginx:1.27"
    );
    let (code, stdout, _) = run_in(&dir, &["convert", "-q"], None, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        web(&template(&stdout), "Shop").0,
        "public.ecr.aws/nginx/nginx:1.25"
    );
}

#[test]
fn warnings_are_one_line_per_cause_and_speak_the_cli() {
    // Three services with the same ignored key: one line naming them; an unset variable
    // says how the CLI sets one, not the `Variables` property of a template never seen.
    let (_tmp, dir) = project(&[(
        "compose.yaml",
        "services:\n  a: {image: \"nginx:${TAG}\", cpuset: \"0\"}\n  b: {image: nginx, cpuset: \"0\"}\n  c: {image: nginx, cpuset: \"0\"}\n",
    )]);
    let (code, _, stderr) = run_in(&dir, &["convert", "-q", "-o", "out.json"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "warning: services.a.image: variable `TAG` is not set: substituting an empty string; set it in `.env`, in a file given with `--env-file`, or with `--param NAME=VALUE`",
            "warning: services.{a,b,c}.cpuset: ignored: Fargate does not pin tasks to CPUs",
        ],
        "{stderr}"
    );
    // `--verbose`: every occurrence.
    let (code, _, stderr) = run_in(&dir, &["convert", "-q", "-v", "-o", "out.json"], None, &[]);
    assert_eq!(code, 0, "{stderr}");
    let restarts = stderr
        .lines()
        .filter(|l| l.ends_with("Fargate does not pin tasks to CPUs"));
    assert_eq!(restarts.count(), 3, "{stderr}");
}
