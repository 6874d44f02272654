//! What `package` writes: the parameters file (never an open one), env files given in place
//! of `.env`, the template's format.

use super::*;

#[test]
fn parameters_file_replaces_an_open_file_with_an_owner_only_one() {
    let p = Project::new();
    p.write("params.json", "old");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(p.path("params.json"), fs::Permissions::from_mode(0o644)).unwrap();
        p.package(&[]);
        let mode = fs::metadata(p.path("params.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn env_files_given_replace_dot_env() {
    let p = Project::new();
    p.package(&["--env-file", "prod.env"]);
    let package = &p.packaged()["Resources"]["Shop"]["Properties"]["Package"];
    assert_eq!(package["EnvFiles"], json!(["../prod.env"]));
    assert_eq!(package["Files"]["../prod.env"], "PG_TAG=17\n");
    assert!(package["Files"].get(".env").is_none());
}

#[test]
fn yaml_in_yaml_out_by_default() {
    let p = Project::new();
    let (code, stdout, stderr) = p.run(FULL, true);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("AWSTemplateFormatVersion:"), "{stdout}");
    assert!(stdout.contains("Transform: ComposeToECS"));
    assert!(!stdout.contains(SECRET));
}
