//! The CLI's contract: `macro` answers byte for byte as the Lambda, exit statuses, a bare
//! Compose file wrapped, examples in every subcommand's help.

use super::*;

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
