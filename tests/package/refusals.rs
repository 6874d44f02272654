//! What `package` refuses, each with one diagnostic naming the property: secrets without
//! a parameters file, builds without a repository or docker, files a template cannot
//! carry.

use super::*;

#[test]
fn secrets_need_a_parameters_file() {
    let p = Project::new();
    let e = one_error(
        &p,
        &["package", "template.yaml", "--image-repository", REPO],
        true,
    );
    assert_eq!(e, "error: secrets.db-password.file: the value of secret `db-password` must go to a parameters file, never into the template: pass `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`");
    assert_eq!(p.read("docker.log"), "", "nothing built after an error");
}

#[test]
fn builds_need_a_repository_and_docker() {
    let p = Project::new();
    let e = one_error(
        &p,
        &[
            "package",
            "template.yaml",
            "--parameters-out",
            "params.json",
        ],
        true,
    );
    assert_eq!(e, "error: services.tool.build: services `tool`, `web`, `worker` have `build` and no `image`: pass `--image-repository <ECR repository URI>` to build and push them with docker, or set `image`");
    let e = one_error(&p, FULL, false);
    assert_eq!(e, "error: services.tool.build: services `tool`, `web`, `worker` need images built with `docker`, which is not on PATH; install Docker, or build and push the images yourself and set `image`");
    let (code, _, stderr) = p.run(
        &["package", "template.yaml", "--image-repository", "x/Shop:1"],
        true,
    );
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn files_the_template_cannot_carry() {
    let p = Project::new();
    fs::write(p.path("app/proxy.conf"), [0x89, b'P', b'N', b'G', 0, 1]).unwrap();
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: configs.proxy.file: `proxy.conf` is not UTF-8 text: the package step carries text files only; bake it into the image instead (a `COPY` in a Dockerfile)");
    p.write("app/proxy.conf", &"x".repeat(600 * 1024));
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: configs.proxy.file: `proxy.conf` (614400 bytes) takes the project's files past the 524288 bytes the package step writes into the template; bake it into the image instead (a `COPY` in a Dockerfile)");
}

#[test]
fn template_level_problems_name_the_property() {
    let p = Project::new();
    p.write(
        "template.yaml",
        &TEMPLATE.replace("app/compose.yaml", "app/missing.yaml"),
    );
    let e = one_error(&p, &["package", "template.yaml"], true);
    assert!(
        e.starts_with(
            "error: Resources.Shop.Properties.ComposeFile: `app/missing.yaml` does not exist (looked for `"
        ),
        "{e}"
    );
    p.write(
        "template.yaml",
        &TEMPLATE.replace(
            "Resources:",
            "Parameters:\n  ShopDbpasswordSecretValue: {Type: String}\nResources:",
        ),
    );
    let e = one_error(&p, FULL, true);
    assert_eq!(e, "error: secrets.db-password.file: the package step names the parameter of secret `db-password` `ShopDbpasswordSecretValue`, and the template already declares a parameter of that name; rename that parameter");
    fs::remove_file(p.path("app/db/password.txt")).unwrap();
    p.write("template.yaml", TEMPLATE);
    let e = one_error(&p, FULL, true);
    assert_eq!(
        e,
        "error: secrets.db-password.file: `db/password.txt` does not exist in the project folder"
    );
}
