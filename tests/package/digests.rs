//! Digests: from `RepoDigests` when `docker push` prints none, and
//! `--resolve-image-digests` pinning the images named by tag.

use super::*;

/// When `docker push` prints no digest, the pushed image's `RepoDigests` give it.
#[test]
fn the_digest_comes_from_repo_digests_when_push_prints_none() {
    let p = Project::new();
    let (code, _, stderr) = p.run_env(
        &[
            "package",
            "template.yaml",
            "-o",
            "packaged.json",
            "--format",
            "json",
            "--parameters-out",
            "params.json",
            "--image-repository",
            REPO,
        ],
        true,
        &[("STUB_PUSH_QUIET", "1")],
    );
    assert_eq!(code, 0, "{stderr}");
    let pushed = p.pushed();
    assert_eq!(
        p.images()["web"],
        json!(format!("{REPO}@{}", pushed_digest(&pushed[1])))
    );
    let inspections = p
        .read("docker.log")
        .lines()
        .filter(|l| l.starts_with("docker image inspect "))
        .count();
    assert_eq!(
        inspections, 4,
        "before the push, and after it for the digest"
    );
}

/// `--resolve-image-digests`: images named by tag are written by the registry's digest
/// (the multi-arch index), and their configuration for the task's platform is recorded.
#[test]
fn resolve_image_digests_pins_images_named_by_tag() {
    let p = Project::new();
    p.package(&[]);
    assert!(
        !p.read("docker.log").contains("imagetools"),
        "only on request"
    );
    assert!(p.images().get("db").is_none());

    fs::remove_file(p.path("docker.log")).unwrap();
    p.package(&["--resolve-image-digests"]);
    let image = "public.ecr.aws/docker/library/postgres:16";
    assert!(
        p.read("docker.log").contains(&format!(
            "docker buildx imagetools inspect --format {{\"manifest\":{{{{json .Manifest}}}},\"image\":{{{{json .Image}}}}}} {image}\n"
        )),
        "{}",
        p.read("docker.log")
    );
    use sha2::{Digest, Sha256};
    let index: String = Sha256::digest(image.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let pinned = format!("public.ecr.aws/docker/library/postgres@sha256:{index}");
    assert_eq!(p.images()["db"], json!(pinned));
    let package = &p.packaged()["Resources"]["Shop"]["Properties"]["Package"];
    assert_eq!(
        package["ImageConfig"]["db"],
        json!({"ExposedPorts": ["5432/tcp"], "User": "postgres", "Architecture": "amd64"})
    );
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
    let t: Value = serde_json::from_str(&stdout).unwrap();
    assert!(expanded_images(&t).contains(&pinned));
    // The helper image (db's secret and config files) is pinned the same way.
    let helper = "public.ecr.aws/docker/library/python:3.12-alpine3.21";
    let helper_index: String = Sha256::digest(helper.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let helper_pinned = format!("public.ecr.aws/docker/library/python@sha256:{helper_index}");
    assert_eq!(package["InitImage"], json!(helper_pinned));
    assert!(
        expanded_images(&t).contains(&helper_pinned),
        "{:?}",
        expanded_images(&t)
    );
    assert!(!stdout.contains(helper), "no helper by tag is left");

    // An image without the task's platform is refused.
    p.write(
        "app/compose.yaml",
        &COMPOSE.replace(
            "  db:\n    image:",
            "  db:\n    platform: linux/arm64\n    image:",
        ),
    );
    let (code, _, stderr) = p.run_env(
        &[FULL, &["--resolve-image-digests"]].concat(),
        true,
        &[("STUB_AMD64_ONLY", "1")],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error: services.db.image: `public.ecr.aws/docker/library/postgres:${PG_TAG:-15}` is for `linux/amd64` only, and the task runs `linux/arm64`; set `platform: linux/amd64`, or use a multi-arch image"), "{stderr}");
}
