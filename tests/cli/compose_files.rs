//! Compose files as `docker compose` takes them (issue 17): repeated `-f`, discovery here
//! or in a parent, standard input, `COMPOSE_FILE` and its separator, and `package` taking
//! the same.

use super::*;

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
