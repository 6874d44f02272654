//! The previews resolve as `package` does without running docker, and the packaged
//! template expands with the secret as a parameter value only.

use super::*;

/// A preview resolves as `package` does, but never runs docker, and the secret's value
/// goes in as its parameter's value: it reaches neither the output nor a diagnostic.
#[test]
fn previews_never_run_docker_nor_show_the_secret() {
    let p = Project::new();
    for args in [
        vec!["expand", "template.yaml", "--image-repository", REPO],
        vec!["convert", "app/compose.yaml", "--image-repository", REPO],
    ] {
        let (code, stdout, stderr) = p.run(&args, true);
        assert!(code == 0 || code == 1, "{stderr}");
        assert!(!stdout.contains(SECRET));
        assert!(!stderr.contains(SECRET));
    }
    assert_eq!(p.read("docker.log"), "");
}

fn find_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| find_strings(i, out)),
        Value::Object(m) => m.values().for_each(|i| find_strings(i, out)),
        _ => {}
    }
}

fn check_expanded(stdout: &str, images: &Value, pg: &str) {
    let t: Value = serde_json::from_str(stdout).unwrap();
    assert!(!stdout.contains(SECRET));
    let got = expanded_images(&t);
    for s in ["tool", "web", "worker"] {
        assert!(
            got.contains(&images[s].as_str().unwrap().to_string()),
            "{got:?}"
        );
    }
    assert!(
        got.contains(&format!("public.ecr.aws/docker/library/postgres:{pg}")),
        "{got:?}"
    );
    let mut strings = Vec::new();
    find_strings(&t, &mut strings);
    assert!(strings.contains(&"POSTGRES_DB"), "the env file's variable");
    assert!(
        stdout.contains(r#""Ref": "ShopDbpasswordSecretValue""#),
        "the secret is referenced"
    );
}

/// The packaged template expands (the macro's path, with the secret as a parameter
/// value), and the preview gives the same images by tag without building (the digest
/// exists once pushed).
#[test]
fn end_to_end_package_then_expand() {
    let p = Project::new();
    p.package(&[]);
    let images = p.images();
    let tags: Value = p
        .pushed()
        .into_iter()
        .map(|t| {
            let service = t.rsplit_once(':').unwrap().1.rsplit_once('-').unwrap().0;
            (service.to_string(), Value::String(t))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    let (code, stdout, stderr) = p.run(
        &[
            "expand",
            "packaged.json",
            "--param",
            &format!("ShopDbpasswordSecretValue={SECRET}"),
        ],
        true,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains(SECRET));
    check_expanded(&stdout, &images, "16");

    fs::remove_file(p.path("docker.log")).unwrap();
    let (code, stdout, stderr) = p.run(
        &["expand", "template.yaml", "--image-repository", REPO],
        true,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains(SECRET));
    check_expanded(&stdout, &tags, "16");
    assert_eq!(p.read("docker.log"), "");

    let (code, stdout, stderr) = p.run(
        &[
            "expand",
            "template.yaml",
            "--image-repository",
            REPO,
            "--env-file",
            "prod.env",
        ],
        true,
    );
    assert_eq!(code, 0, "{stderr}");
    check_expanded(&stdout, &tags, "17");
}
