//! The project beyond its files: its name (flag, environment, env file, document, folder),
//! profiles, `--param` as Compose variables, and diagnostics in Compose paths.

use super::*;

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

/// A credential of a service a profile leaves out (outline's compose file: its app behind
/// the `ecr` profile, `DATABASE_URL` with a password) declares no parameter in what
/// `convert` writes, nor a value in `--parameters-out`; with the profile, it does.
#[test]
fn credentials_of_services_left_out_by_a_profile_declare_no_parameter() {
    let text = "services:\n  app:\n    image: nginx\n    profiles: [\"app\"]\n    environment:\n      DATABASE_URL: postgres://user:pass@db:5432/x\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: pass\n";
    let (_tmp, dir) = project(&[("compose.yaml", text)]);
    let params = |t: &serde_json::Value| -> Vec<String> {
        t["Parameters"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (code, out, stderr) = run_in(
        &dir,
        &[
            "convert",
            "-q",
            "-p",
            "p",
            "--parameters-out",
            "params.json",
        ],
        None,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(params(&template(&out)), vec!["PEnvPOSTGRESPASSWORD"]);
    let written = std::fs::read_to_string(dir.join("params.json")).unwrap();
    assert!(written.contains("PEnvPOSTGRESPASSWORD"), "{written}");
    assert!(!written.contains("DATABASEURL"), "{written}");
    let (code, out, stderr) = run_in(
        &dir,
        &["convert", "-q", "-p", "p", "--profile", "app"],
        None,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        params(&template(&out)),
        vec!["PEnvDATABASEURL", "PEnvPOSTGRESPASSWORD"]
    );
}
