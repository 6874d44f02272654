//! Issue 21, items 1 and 2: credentials from `.env`, env files and the Compose file travel
//! as `NoEcho` parameters, and a secret's file never enters a template. Each marker value
//! is fed through one path; none may appear in the packaged template, the expanded one,
//! the macro's response, standard output or standard error: only in the parameters file.

use compose_to_ecs::macro_::handle;
use serde_json::{json, Value};
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_compose-to-ecs");

/// Each marker and the path it takes.
const MARKERS: &[(&str, &str)] = &[
    (
        "M1-dotenv-password",
        ".env credential by name, `${VAR}` in environment",
    ),
    (
        "M2-dsn-from-url",
        ".env credential by shape (a URL with a password)",
    ),
    ("M3-unused-secret", ".env credential nobody uses"),
    ("M4-unused-plain", ".env variable nobody uses"),
    ("M5-envfile-token", "a service's env file"),
    ("M6-literal-map", "a literal in environment (mapping)"),
    ("M7-literal-list", "a literal in environment (list)"),
    (
        "M8-secret-env",
        "a variable named by a secret's `environment:`",
    ),
    (
        "M9-secret-file",
        "a secret file, also bind-mounted and in a mounted folder",
    ),
];

const COMPOSE: &str = r#"services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
      DATABASE_URL: postgres://app:${POSTGRES_PASSWORD}@db/app
      MYSQL_PASSWORD: M6-literal-map
    secrets: [dbpw, token]
  api:
    image: nginx
    env_file: api.env
    environment:
      - REDIS_PASS=M7-literal-list
      - UPSTREAM=${UPSTREAM_URL}
      - TAG=${TAG}
    command: ["serve", "--auth", "${CMD_TOKEN}"]
    volumes:
      - ./secret/pw.txt:/run/app/pw.txt:ro
      - ./secret:/etc/app/conf:ro
secrets:
  dbpw:
    environment: DB_SECRET_VALUE
  token:
    file: ./secret/pw.txt
"#;

const DOTENV: &str = "TAG=1.0\n\
POSTGRES_PASSWORD=M1-dotenv-password\n\
UPSTREAM_URL=https://user:M2-dsn-from-url@upstream.example.com/v1\n\
UNUSED_API_TOKEN=M3-unused-secret\n\
UNUSED=M4-unused-plain\n\
DB_SECRET_VALUE=M8-secret-env\n\
CMD_TOKEN=stays-in-text-with-a-warning\n";

struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        let f = Folder {
            dir: tempfile::tempdir().unwrap(),
        };
        f.write("compose.yaml", COMPOSE);
        f.write(".env", DOTENV);
        f.write("api.env", "API_TOKEN=M5-envfile-token\nPLAIN=visible\n");
        f.write("secret/pw.txt", "M9-secret-file");
        f.write("secret/app.conf", "listen 80;\n");
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn assert_no_marker(what: &str, text: &str) {
    for (m, path) in MARKERS {
        assert!(
            !text.contains(m),
            "{what} holds the marker of {path}:\n{text}"
        );
    }
}

#[test]
fn credentials_arrive_only_in_the_parameters_file() {
    let f = Folder::new();
    let (code, stdout, stderr) = f.run(&[
        "package",
        "-o",
        "packaged.json",
        "--format",
        "json",
        "--parameters-out",
        "params.json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_no_marker("package's output", &stdout);
    assert_no_marker("package's diagnostics", &stderr);
    let packaged_text = f.read("packaged.json");
    assert_no_marker("the packaged template", &packaged_text);

    // The parameters file holds every used credential, under deterministic names.
    let params: Vec<Value> = serde_json::from_str(&f.read("params.json")).unwrap();
    let given: Vec<(String, String)> = params
        .iter()
        .map(|p| {
            (
                p["ParameterKey"].as_str().unwrap().to_string(),
                p["ParameterValue"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let keys: Vec<&str> = given.iter().map(|(k, _)| k.as_str()).collect();
    let project = keys[0].split("Env").next().unwrap().to_string();
    let p = |s: &str| format!("{project}{s}");
    for k in [
        p("EnvPOSTGRESPASSWORD"),
        p("EnvUPSTREAMURL"),
        p("EnvDBSECRETVALUE"),
        p("EnvAPITOKEN"),
        p("EnvMYSQLPASSWORD"),
        p("EnvREDISPASS"),
        p("TokenSecretValue"),
    ] {
        assert!(keys.contains(&k.as_str()), "{k} in {keys:?}");
    }
    let values: Vec<&str> = given.iter().map(|(_, v)| v.as_str()).collect();
    for m in ["M1", "M2", "M5", "M6", "M7", "M8", "M9"] {
        assert!(values.iter().any(|v| v.contains(m)), "{m}: {values:?}");
    }
    for m in ["M3", "M4"] {
        assert!(!values.iter().any(|v| v.contains(m)), "unused {m}");
    }
    let packaged: Value = serde_json::from_str(&packaged_text).unwrap();
    for (k, _) in &given {
        assert_eq!(packaged["Parameters"][k]["NoEcho"], json!(true), "{k}");
    }
    // `.env` keeps only what is used; the credentials as references.
    let files = &packaged["Resources"][&project]["Properties"]["Package"]["Files"];
    let dotenv = files[".env"].as_str().unwrap();
    assert!(dotenv.contains("TAG=1.0\n"), "{dotenv}");
    assert!(
        dotenv.contains(&format!(
            "POSTGRES_PASSWORD=${{{}}}",
            p("EnvPOSTGRESPASSWORD")
        )),
        "{dotenv}"
    );
    assert!(!dotenv.contains("UNUSED"), "{dotenv}");
    assert!(files["api.env"].as_str().unwrap().contains("PLAIN=visible"));
    // The secret file is in no `Files` entry, neither alone nor in its folder.
    assert!(files.get("secret/pw.txt").is_none(), "{files}");

    // The credential in a command stays text, with a warning naming variable and field.
    assert!(
        stderr.contains("warning: services.api.command: uses `CMD_TOKEN` from `.env`, which looks like a credential"),
        "{stderr}"
    );
    assert!(!stderr.contains("stays-in-text-with-a-warning"));

    // Expanded (the CLI) and as a macro event: still no marker.
    let mut args = vec!["expand".to_string(), "packaged.json".to_string()];
    for (k, v) in &given {
        args.push("--param".into());
        args.push(format!("{k}={v}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = f.run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_no_marker("the expanded template", &stdout);
    assert_no_marker("expand's diagnostics", &stderr);
    let expanded: Value = serde_json::from_str(&stdout).unwrap();
    let secrets_of = |svc: &str| -> Vec<String> {
        expanded["Resources"][format!("{project}{svc}TaskDefinition")]["Properties"]
            ["ContainerDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["Secrets"].as_array().cloned().unwrap_or_default())
            .map(|s| s["Name"].as_str().unwrap().to_string())
            .collect()
    };
    let db = secrets_of("Db");
    for v in ["POSTGRES_PASSWORD", "DATABASE_URL", "MYSQL_PASSWORD"] {
        assert!(db.contains(&v.to_string()), "{v}: {db:?}");
    }
    let api = secrets_of("Api");
    for v in ["REDIS_PASS", "UPSTREAM", "API_TOKEN"] {
        assert!(api.contains(&v.to_string()), "{v}: {api:?}");
    }

    // The secret's file, bind-mounted alone and inside its folder, is written by the
    // helper from the secret at both places; the folder's other file stays a file.
    let helper = expanded["Resources"][format!("{project}ApiTaskDefinition")]["Properties"]
        ["ContainerDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == "Api_Secrets_InitContainer")
        .cloned()
        .unwrap();
    let manifest = helper["Environment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Name"] == "COMPOSE_FILES")
        .unwrap()["Value"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest: Vec<Value> = serde_json::from_str(&manifest).unwrap();
    let pw: Vec<&Value> = manifest
        .iter()
        .filter(|m| m["path"].as_str().unwrap().ends_with("/pw.txt"))
        .collect();
    assert_eq!(pw.len(), 2, "{manifest:?}");
    assert!(pw
        .iter()
        .all(|m| m["var"].as_str().unwrap().starts_with("COMPOSE_SECRET_")));

    let mut fragment = packaged.clone();
    fragment.as_object_mut().unwrap().remove("Transform");
    let values: serde_json::Map<String, Value> = given
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let (response, _) = handle(json!({
        "region": "us-east-1", "accountId": "123456789012",
        "transformId": "123456789012::ComposeToECS", "requestId": "r-1", "params": {},
        "templateParameterValues": values, "fragment": fragment,
    }));
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "success", "{text}");
    assert_no_marker("the macro's response", &text);

    // The previews show none either.
    for args in [vec!["convert"], vec!["convert", "--format", "yaml"]] {
        let (code, stdout, stderr) = f.run(&args);
        assert_eq!(code, 0, "{stderr}");
        assert_no_marker("convert's output", &stdout);
        assert_no_marker("convert's diagnostics", &stderr);
    }
}

/// Any other way a secret's file would enter the template is refused, naming where.
#[test]
fn a_secret_file_used_as_text_is_refused() {
    let f = Folder::new();
    f.write(
        "compose.yaml",
        "services:\n  api:\n    image: nginx\n    env_file: secret/pw.txt\n    configs: [{source: conf, target: /etc/app/app.conf}]\n    volumes: [\"./alias.txt:/etc/x/pw.txt:ro\"]\n    secrets: [token]\nconfigs:\n  conf:\n    file: ./secret/pw.txt\nsecrets:\n  token:\n    file: ./secret/pw.txt\n",
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(f.path("secret/pw.txt"), f.path("alias.txt")).unwrap();
    let (code, stdout, stderr) = f.run(&[
        "package",
        "-o",
        "out.yaml",
        "--parameters-out",
        "params.json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert_no_marker("the diagnostics", &stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    let mut expected = vec![
        "error: configs.conf.file: `secret/pw.txt` is the file of secret `token`, and a config's content is written into the template in plain text; list `token` under the service's `secrets:` (with `target:` for its path) instead",
        "error: services.api.env_file: `secret/pw.txt` is the file of secret `token`, and an env file's values would be written into the template; keep that file for the secret alone",
    ];
    if cfg!(unix) {
        expected.push("error: services.api.volumes[0]: `alias.txt` is the file of secret `token` (`secret/pw.txt`) under another name; a secret's file reaches a container only through the secret: mount `secret/pw.txt` itself (it is then delivered through the secret), or list `token` under the service's `secrets:`");
    }
    assert_eq!(errors, expected, "{stderr}");
    assert!(!f.path("out.yaml").exists());
    assert!(!f.path("params.json").exists());
}

/// A URL built from a credential is a reference, not a second parameter; a raw env file
/// is never rewritten (its lines are literal) and keeps the converter's warning; a literal
/// the step cannot rewrite (flow style) stays, with a warning naming the key, never the
/// value.
#[test]
fn derived_values_raw_files_and_what_stays_text() {
    let f = Folder::new();
    f.write(
        "compose.yaml",
        "services:\n  api:\n    image: nginx\n    environment: {DATABASE_URL: \"${DATABASE_URL}\", DB_PASSWORD: flow-style-value}\n    env_file: [{path: raw.env, format: raw}]\n",
    );
    f.write(
        ".env",
        "PW=derived-secret\nDATABASE_URL=postgres://app:${PW}@db/app\n",
    );
    f.write("raw.env", "API_TOKEN=raw-token\n");
    let (code, stdout, stderr) = f.run(&[
        "package",
        "-o",
        "packaged.json",
        "--format",
        "json",
        "--parameters-out",
        "params.json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    let params: Vec<Value> = serde_json::from_str(&f.read("params.json")).unwrap();
    let keys: Vec<&str> = params
        .iter()
        .map(|p| p["ParameterKey"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].ends_with("EnvPW"), "{keys:?}");
    assert_eq!(params[0]["ParameterValue"], "derived-secret");
    let packaged = f.read("packaged.json");
    assert!(!packaged.contains("derived-secret"));
    assert!(
        packaged.contains("DATABASE_URL=postgres://app:${PW}@db/app"),
        "the line is kept as written"
    );
    assert!(
        packaged.contains("API_TOKEN=raw-token"),
        "a raw file is literal"
    );
    for w in [
        "warning: services.api.environment.DB_PASSWORD: looks like a credential, and its value stays in the template in plain text",
        "warning: services.api.env_file[0].path: `API_TOKEN` looks like a credential",
    ] {
        assert!(stderr.contains(w), "{w}\n{stderr}");
    }
    for v in ["derived-secret", "flow-style-value", "raw-token"] {
        assert!(!stderr.contains(v), "{v}: {stderr}");
    }
}

/// `.env` that is also a service's `env_file`: every credential line becomes a reference
/// (the container gets them all), except one a health check uses, which stays text (warned)
/// rather than make the macro refuse the health check.
#[test]
fn dotenv_as_a_service_env_file() {
    let f = Folder::new();
    f.write(
        "compose.yaml",
        "services:\n  app:\n    image: nginx\n    env_file: .env\n    environment:\n      DB_PASSWORD: 123456\n    healthcheck:\n      test: [\"CMD-SHELL\", \"check --pw ${HC_SECRET}\"]\n",
    );
    f.write(
        ".env",
        "HC_SECRET=hc-value\nOTHER=1\nAPI_TOKEN=env-file-token\n",
    );
    let (code, _, stderr) = f.run(&[
        "package",
        "-o",
        "packaged.json",
        "--format",
        "json",
        "--parameters-out",
        "params.json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let packaged: Value = serde_json::from_str(&f.read("packaged.json")).unwrap();
    let project = packaged["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let dotenv = packaged["Resources"][&project]["Properties"]["Package"]["Files"][".env"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        dotenv,
        format!("HC_SECRET=hc-value\nOTHER=1\nAPI_TOKEN=${{{project}EnvAPITOKEN}}\n")
    );
    let text = f.read("packaged.json");
    assert!(!text.contains("env-file-token") && !text.contains("123456"));
    assert!(stderr.contains("warning: services.app.healthcheck: uses `HC_SECRET` from `.env`"));
    assert!(
        !stderr.contains("`API_TOKEN`"),
        "a reference gets no plain-text warning: {stderr}"
    );
    assert!(!stderr.contains("hc-value"));
}

/// Credentials need a parameters file, as secret files do: one error, no value.
#[test]
fn credentials_need_a_parameters_file() {
    let f = Folder::new();
    f.write(
        "compose.yaml",
        "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n",
    );
    let (code, stdout, stderr) = f.run(&["package", "-o", "packaged.yaml"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty());
    assert_no_marker("the diagnostics", &stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors, ["error: .env: variable `POSTGRES_PASSWORD` looks like a credential, whose value must go to a parameters file, never into the template: pass `--parameters-out params.json` and deploy with `--parameter-overrides file://params.json`"]);
    assert!(!f.path("packaged.yaml").exists());
}
