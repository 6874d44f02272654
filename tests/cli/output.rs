//! What the CLI prints: the format following the output's extension, the summary line
//! (will it run, a template too large to pass inline), one warning line per cause.

use super::*;

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
