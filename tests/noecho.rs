//! A `NoEcho` parameter's value never reaches the processed template, the diagnostics or
//! the macro's response.

use compose_to_ecs::macro_::handle;
use serde_json::json;

const SECRET: &str = "s3cr3t-VALUE-4242";

fn event(compose: serde_json::Value) -> serde_json::Value {
    json!({
        "region": "us-east-1",
        "accountId": "123456789012",
        "transformId": "123456789012::ComposeToECS",
        "requestId": "r-1",
        "params": {},
        "templateParameterValues": {"DbPassword": SECRET, "Tag": "1.27"},
        "fragment": {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {
                "DbPassword": {"Type": "String", "NoEcho": true},
                "Tag": {"Type": "String"}
            },
            "Resources": {"Shop": {"Type": "ComposeToECS::Project", "Properties": {"Compose": compose}}}
        }
    })
}

#[test]
fn success_references_the_parameter() {
    let compose = json!({"services": {
        "db": {"image": "postgres:${Tag}", "environment": {"POSTGRES_PASSWORD": "${DbPassword}", "URL": "postgres://u:${DbPassword}@db/x", "SET": "${DbPassword:+yes}"}},
        "web": {"image": "nginx", "environment": ["PW=${DbPassword}"]}
    }});
    let (response, _) = handle(event(compose));
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "success", "{text}");
    assert!(!text.contains(SECRET), "the secret leaked: {text}");
    let resources = &response["fragment"]["Resources"];
    // Delivered from secrets the project creates, whose values are the references.
    assert_eq!(
        resources["ShopDbPOSTGRESPASSWORDEnvironmentSecret"]["Properties"]["SecretString"],
        json!({"Ref": "DbPassword"})
    );
    assert_eq!(
        resources["ShopDbURLEnvironmentSecret"]["Properties"]["SecretString"],
        json!({"Fn::Sub": "postgres://u:${DbPassword}@db/x"})
    );
    assert_eq!(
        resources["ShopWebPWEnvironmentSecret"]["Properties"]["SecretString"],
        json!({"Ref": "DbPassword"})
    );
    let db = &resources["ShopDbTaskDefinition"]["Properties"]["ContainerDefinitions"][0];
    assert_eq!(db["Environment"], json!([{"Name": "SET", "Value": "yes"}]));
    assert_eq!(
        db["Secrets"],
        json!([
            {"Name": "POSTGRES_PASSWORD", "ValueFrom": {"Ref": "ShopDbPOSTGRESPASSWORDEnvironmentSecret"}},
            {"Name": "URL", "ValueFrom": {"Ref": "ShopDbURLEnvironmentSecret"}}
        ])
    );
}

/// In a command, entrypoint, label or health check, ECS cannot read a value from a secret:
/// a `NoEcho` parameter there is refused rather than left readable after deploy.
#[test]
fn noecho_parameters_outside_the_environment_are_refused() {
    let compose = json!({"services": {
        "web": {"image": "nginx", "command": ["echo", "${DbPassword}"], "labels": {"pw": "$DbPassword"}}
    }});
    let (response, _) = handle(event(compose));
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "failure", "{text}");
    assert!(!text.contains(SECRET), "the secret leaked: {text}");
    assert!(
        text.contains("services.web.command[1]: holds the `NoEcho` parameter `DbPassword`"),
        "{text}"
    );
    assert!(
        text.contains("services.web.labels.pw: holds the `NoEcho` parameter `DbPassword`"),
        "{text}"
    );
}

#[test]
fn failures_do_not_quote_the_value() {
    let compose = json!({"services": {
        "db": {"image": "postgres", "ports": ["${DbPassword}:80"], "deploy": {"replicas": "${DbPassword}"},
               "environment": {"X": "${NOPE:?needs ${DbPassword}}"}, "platform": "${DbPassword}"}
    }});
    let (response, _) = handle(event(compose));
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "failure");
    assert!(!text.contains(SECRET), "the secret leaked: {text}");
    assert!(text.contains("services.db.ports[0]"), "{text}");
}

#[test]
fn a_template_of_200_services_breaks_the_500_resource_limit_clearly() {
    let services: serde_json::Map<String, serde_json::Value> = (0..200)
        .map(|i| (format!("s{i}"), json!({"image": "nginx"})))
        .collect();
    let (response, _) = handle(event(json!({"services": services})));
    let message = response["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("resources, over CloudFormation's limit of 500"),
        "{message}"
    );
}

/// Secrets: a `NoEcho` parameter's value, and every value reaching a secret through
/// `Variables`, appear nowhere in the processed template, its warnings, the response or the
/// summary the Lambda logs.
#[test]
fn secret_values_reach_neither_template_nor_warnings_nor_logs() {
    const TOKEN: &str = "t0ken-VALUE-9191";
    let compose = json!({
        "services": {
            "db": {
                "image": "postgres",
                "secrets": ["db_password", {"source": "api_token", "target": "/etc/app/token"}],
                "configs": [{"source": "dsn", "target": "/etc/app/dsn"}],
                "x-aws-secrets": {"API_TOKEN": "api_token"},
                "environment": {"UNSET": "${NOT_SET_ANYWHERE}"}
            }
        },
        "secrets": {
            "db_password": {"environment": "DbPassword"},
            "api_token": {"environment": "API_TOKEN"}
        },
        "configs": {"dsn": {"content": "postgres://app:${DbPassword}@db/app"}}
    });
    let mut request = event(compose);
    request["templateParameterValues"]["ApiToken"] = json!(TOKEN);
    request["fragment"]["Parameters"]["ApiToken"] = json!({"Type": "String", "NoEcho": true});
    request["fragment"]["Resources"]["Shop"]["Properties"]["Variables"] =
        json!({"API_TOKEN": {"Ref": "ApiToken"}});
    let (response, summary) = handle(request.clone());
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "success", "{text}");
    let warnings = &response["fragment"]["Metadata"]["ComposeToECS"]["Warnings"];
    assert!(
        warnings.as_array().is_some_and(|w| w.len() >= 2),
        "{warnings}"
    );
    for value in [SECRET, TOKEN] {
        assert!(!text.contains(value), "a secret value leaked: {text}");
        assert!(!format!("{summary:?}").contains(value));
    }
    let resources = &response["fragment"]["Resources"];
    assert_eq!(
        resources["ShopDbpasswordSecret"]["Properties"]["SecretString"],
        json!({"Ref": "DbPassword"})
    );
    assert_eq!(
        resources["ShopApitokenSecret"]["Properties"]["SecretString"],
        json!({"Ref": "ApiToken"})
    );

    // The same template through the CLI: neither stdout nor stderr (the warnings) shows them.
    let dir = std::env::temp_dir().join(format!("noecho-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("template.json");
    std::fs::write(&file, request["fragment"].to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_compose-to-ecs"))
        .args(["expand", file.to_str().unwrap()])
        .args(["--param", &format!("DbPassword={SECRET}")])
        .args(["--param", &format!("ApiToken={TOKEN}")])
        .args(["--param", "Tag=1.27"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning:"), "{stderr}");
    for value in [SECRET, TOKEN] {
        assert!(!stdout.contains(value) && !stderr.contains(value));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A plain-text value given through `Variables` cannot become a secret: the error names the
/// variable, never its value.
#[test]
fn a_plain_variable_cannot_become_a_secret() {
    const PLAIN: &str = "plain-VALUE-5151";
    let compose = json!({
        "services": {"web": {"image": "nginx", "secrets": ["token"], "x-aws-secrets": {"X": "token"}}},
        "secrets": {"token": {"environment": "TOKEN"}}
    });
    let mut request = event(compose);
    request["fragment"]["Resources"]["Shop"]["Properties"]["Variables"] = json!({"TOKEN": PLAIN});
    let (response, summary) = handle(request.clone());
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "failure");
    assert!(text.contains("secrets.token.environment"), "{text}");
    assert!(!text.contains(PLAIN), "the value leaked: {text}");
    assert!(!format!("{summary:?}").contains(PLAIN));
}

/// A secret file, packaged: its value is the `NoEcho` parameter `compose-to-ecs package`
/// made of it (`Package.Secrets`), and it appears in no template, warning, error or log,
/// even where an env file or `.env` uses the parameter, or fails next to it.
#[test]
fn a_packaged_secret_file_value_reaches_no_output() {
    const FILE_SECRET: &str = "f1le-SECRET-6464";
    let compose = json!({
        "services": {"db": {
            "image": "postgres",
            "secrets": ["db-password"],
            "env_file": ["./db.env"],
            "environment": {"FROM_DOTENV": "${DOTENV_URL}"}
        }},
        "secrets": {"db-password": {"file": "./db/password.txt"}}
    });
    let package = |db_env: &str| {
        json!({
            "Files": {"db.env": db_env, ".env": "DOTENV_URL=\"postgres://u:${ShopDbPasswordSecret}@db\"\n"},
            "Secrets": {"db-password": "ShopDbPasswordSecret"}
        })
    };
    let mut request = event(compose);
    request["templateParameterValues"]["ShopDbPasswordSecret"] = json!(FILE_SECRET);
    request["fragment"]["Parameters"]["ShopDbPasswordSecret"] =
        json!({"Type": "String", "NoEcho": true});
    request["fragment"]["Resources"]["Shop"]["Properties"]["Package"] =
        package("DB_PASSWORD=${ShopDbPasswordSecret}\nURL=\"u:${ShopDbPasswordSecret}@db\"\n");
    let (response, summary) = handle(request.clone());
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "success", "{text}");
    assert!(!text.contains(FILE_SECRET), "the secret leaked: {text}");
    assert!(!format!("{summary:?}").contains(FILE_SECRET));
    let resources = &response["fragment"]["Resources"];
    assert_eq!(
        resources["ShopDbpasswordSecret"]["Properties"]["SecretString"],
        json!({"Ref": "ShopDbPasswordSecret"})
    );
    // The env file's credential is a reference, delivered from a secret: no plain-text
    // warning (issue 21: `package` writes such references for every credential).
    assert!(
        !text.contains("`DB_PASSWORD` looks like a credential"),
        "{text}"
    );

    // Failures next to the parameter name the line, never a value.
    request["fragment"]["Resources"]["Shop"]["Properties"]["Package"] =
        package("A=${ShopDbPasswordSecret:?x}\nB=\"${ShopDbPasswordSecret}\nC=${NOPE:?${ShopDbPasswordSecret}}\n");
    let (response, summary) = handle(request);
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "failure");
    assert!(text.contains("./db.env:2:"), "{text}");
    assert!(!text.contains(FILE_SECRET), "the secret leaked: {text}");
    assert!(!format!("{summary:?}").contains(FILE_SECRET));
}

/// No diagnostic quotes the value of an environment variable, a label, a config, a secret
/// or a variable: a marker value that breaks interpolation (a `$` in a password inlined
/// from an env file, as the error's own advice used to suggest) goes through every path,
/// and the errors name the key and a position instead.
#[test]
fn no_diagnostic_quotes_a_value() {
    const HEAD: &str = "qU0te-MARK";
    const TAIL: &str = "ER-7373";
    let marker = format!("{HEAD}$({TAIL}");
    let compose = json!({
        "services": {"web": {
            "image": "nginx",
            "environment": {"A": marker, "C": "${V}", "D": "${V:?set V}"},
            "labels": {"l": marker},
            "env_file": ["./web.env"],
            "configs": [{"source": "conf", "target": "/etc/app/conf"}],
            "secrets": ["plain"]
        },
        "api": {"image": "nginx", "environment": [format!("B={marker}")]}},
        "configs": {"conf": {"content": marker}},
        "secrets": {"plain": {"environment": "V"}}
    });
    let mut request = event(compose);
    request["fragment"]["Resources"]["Shop"]["Properties"]["Variables"] = json!({"V": marker});
    request["fragment"]["Resources"]["Shop"]["Properties"]["Package"] = json!({
        "Files": {"web.env": format!("Y={marker}\n"), ".env": format!("X={marker}\n")}
    });
    // Every error, as the CLI prints them; the response keeps the most important ones
    // within its budget (`and N more`).
    let every = compose_to_ecs::expand(&compose_to_ecs::Request {
        fragment: request["fragment"].clone(),
        template_parameter_values: Default::default(),
        params: Default::default(),
    })
    .unwrap_err();
    let all: Vec<String> = every.errors().iter().map(|d| d.to_string()).collect();
    let all = all.join("\n");
    let (response, summary) = handle(request);
    let text = serde_json::to_string(&response).unwrap();
    assert_eq!(response["status"], "failure", "{text}");
    for part in [HEAD, TAIL] {
        assert!(!all.contains(part), "a value was quoted: {all}");
    }
    for path in [
        "services.web.environment.A",
        "services.api.environment[0]",
        "services.web.labels.l",
        "configs.conf.content",
        "./web.env:1",
        ".env:1",
        "secrets.plain.environment",
    ] {
        assert!(all.contains(path), "{path} not reported: {all}");
    }
    for part in [HEAD, TAIL] {
        assert!(!text.contains(part), "a value was quoted: {text}");
        assert!(!format!("{summary:?}").contains(part));
    }
}
