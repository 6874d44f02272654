use super::*;
use serde_json::json;

fn vars() -> Variables {
    let mut v = Variables::new();
    v.insert("TAG".into(), Variable::Text("1.27".into()));
    v.insert("EMPTY".into(), Variable::Text(String::new()));
    v.insert(
        "PW".into(),
        Variable::Secret {
            parameter: "DbPassword".into(),
            value: "hunter2".into(),
        },
    );
    v.insert(
        "HOST".into(),
        Variable::Expr(json!({"Fn::GetAtt": ["Db", "Endpoint.Address"]})),
    );
    v
}

fn run(text: &str) -> (Result<Value, String>, Diagnostics) {
    let vars = vars();
    let mut diags = Diagnostics::new();
    let mut state = State {
        variables: &vars,
        earlier: None,
        diags: &mut diags,
        unset: BTreeSet::new(),
        label: None,
        top: "",
        value_len: 0,
        file_left: MAX_FILE_BYTES,
        budget: None,
        over_file: false,
        substituted: None,
        taints: Vec::new(),
    };
    let r = interpolate_text(text, &mut state, &Path::new("x"));
    (r, diags)
}

fn ok(text: &str) -> Value {
    run(text).0.unwrap()
}

#[test]
fn forms() {
    assert_eq!(ok("nginx:${TAG}"), json!("nginx:1.27"));
    assert_eq!(ok("nginx:$TAG-x"), json!("nginx:1.27-x"));
    assert_eq!(ok("${EMPTY:-d}"), json!("d"));
    assert_eq!(ok("${EMPTY-d}"), json!(""));
    assert_eq!(ok("${UNSET-d}"), json!("d"));
    assert_eq!(ok("${TAG:+alt}"), json!("alt"));
    assert_eq!(ok("${EMPTY:+alt}"), json!(""));
    assert_eq!(ok("${EMPTY+alt}"), json!("alt"));
    assert_eq!(ok("${UNSET:-${TAG}}"), json!("1.27"));
    assert_eq!(ok("${UNSET:-a${UNSET2:-b}c}"), json!("abc"));
    assert_eq!(ok("$$HOME and $${X}"), json!("$HOME and ${X}"));
}

#[test]
fn required_variables() {
    assert_eq!(
        run("${UNSET:?tag of the API image}").0.unwrap_err(),
        "required variable `UNSET` is not set and non-empty: tag of the API image"
    );
    assert_eq!(
        run("${UNSET?}").0.unwrap_err(),
        "required variable `UNSET` is not set"
    );
    assert!(run("${EMPTY?x}").0.is_ok());
}

#[test]
fn unset_warns_once() {
    let (r, d) = run("$A-$A");
    assert_eq!(r.unwrap(), json!("-"));
    assert_eq!(d.warnings().len(), 1);
}

#[test]
fn secrets_become_references() {
    assert_eq!(ok("${PW}"), json!({"Ref": "DbPassword"}));
    assert_eq!(
        ok("postgres://u:${PW}@${HOST}/db $${x}"),
        json!({"Fn::Sub": ["postgres://u:${DbPassword}@${Var1}/db ${!x}", {"Var1": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}}]})
    );
    assert_eq!(ok("${PW:+set}"), json!("set"));
    assert!(!ok("a${PW}b").to_string().contains("hunter2"));
}

#[test]
fn errors_give_positions_never_the_text() {
    // A secret inlined from an env file, as a `$` in it invited.
    let value = "r(m)9nLGnz$(_q3N4z";
    let e = run(value).0.unwrap_err();
    assert_eq!(e, "invalid interpolation at character 11: a `$` must start a variable (`$VAR`, `${VAR}`) or be doubled as `$$`");
    for (text, message) in [
            ("sécret${", "invalid interpolation at character 7: `${` is not closed by `}`"),
            ("abc${1x}", "invalid interpolation at character 4: a `${...}` does not start with a variable name"),
            ("ab${TAG!x}", "invalid interpolation at character 3: unexpected text after `${TAG`; expected `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`"),
            ("${UNSET:-abc$}", "invalid interpolation at character 13: a `$` must start a variable (`$VAR`, `${VAR}`) or be doubled as `$$`"),
            ("${UNSET:?needs ${TAG}}", "required variable `UNSET` is not set and non-empty: needs ${TAG}"),
        ] {
            assert_eq!(run(text).0.unwrap_err(), message, "{text}");
        }
}

#[test]
fn invalid_forms() {
    assert!(run("${").0.is_err());
    assert!(run("$1").0.is_err());
    assert!(run("${1A}").0.is_err());
    assert!(run("${A:x}").0.is_err());
    assert!(run("tail $").0.is_err());
}

#[test]
fn substitution_is_bounded_per_value_and_per_file() {
    let mut vars = Variables::new();
    vars.insert("BIG".into(), Variable::Text("x".repeat(40_000)));
    let mut d = Diagnostics::new();
    let mut tree = json!({"a": "${BIG}", "b": "${BIG}${BIG}"});
    interpolate(&mut tree, &vars, &mut d);
    let errors: Vec<String> = d.errors().iter().map(|e| e.to_string()).collect();
    assert_eq!(errors, ["b: substituting `BIG` takes the variables substituted into this value past 65536 bytes, the most one value may receive (no task definition holds more)"]);
    let many: Map<String, Value> = (0..30)
        .map(|i| (format!("k{i:02}"), json!("${BIG}")))
        .collect();
    let mut tree = Value::Object(many);
    let mut d = Diagnostics::new();
    interpolate(&mut tree, &vars, &mut d);
    let errors: Vec<String> = d.errors().iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors.len(),
        1,
        "one error, then the walk stops: {errors:?}"
    );
    assert!(errors[0].starts_with(
        "k26: substituting `BIG` takes the variables substituted in this file past 1048576 bytes"
    ));
}

#[test]
fn redaction_quotes_the_string_as_written() {
    let taints = [Taint {
        path: "services.web.ports[0]".into(),
        raw: "${PORT}:80".into(),
        values: vec!["s3cret-x".into()],
    }];
    let redact = |path: &str, m: &str| redact(path, m, &taints);
    assert_eq!(
        redact(
            "services.web.ports[0]",
            "invalid port `s3cret-x:80`: `s3cret` is not a port"
        ),
        Some((
            "services.web.ports[0]".into(),
            "invalid port `${PORT}:80`: `${PORT}:80` is not a port".into()
        ))
    );
    assert_eq!(
        redact(
            "services.web.environment.s3cret-x",
            "`S3CRET-X` has no value"
        ),
        Some((
            "services.web.environment.${PORT}:80".into(),
            "`${PORT}:80` has no value".into()
        ))
    );
    assert_eq!(
        redact("services.db.ports[0]", "invalid port `s3cret-x`"),
        None,
        "another service"
    );
    assert_eq!(redact("services.web.ports[0]", "port `80` twice"), None);
}

#[test]
fn intrinsics_are_not_interpolated() {
    let vars = vars();
    let mut d = Diagnostics::new();
    let mut tree = json!({"a": {"Fn::Sub": "${AWS::Region}"}, "b": "${TAG}"});
    interpolate(&mut tree, &vars, &mut d);
    assert_eq!(
        tree,
        json!({"a": {"Fn::Sub": "${AWS::Region}"}, "b": "1.27"})
    );
}
