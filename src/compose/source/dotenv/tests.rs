use super::*;
use serde_json::json;

fn given() -> Variables {
    let mut v = Variables::new();
    v.insert("TAG".into(), Variable::Text("1.27".into()));
    v.insert(
        "PW".into(),
        Variable::Secret {
            parameter: "DbPassword".into(),
            value: "hunter2".into(),
        },
    );
    v
}

fn vars(text: &str) -> Variables {
    parse(
        ".env",
        text,
        Format::Dotenv,
        &given(),
        &mut Budget::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .variables
}

fn text(v: &Variables, key: &str) -> String {
    match v.get(key) {
        Some(Variable::Text(t)) => t.clone(),
        other => panic!("{key}: {other:?}"),
    }
}

fn err(text: &str) -> String {
    parse(
        ".env",
        text,
        Format::Dotenv,
        &given(),
        &mut Budget::default(),
    )
    .unwrap_err()
}

#[test]
fn plain_lines_export_comments_and_blank_lines() {
    let v = vars(
        "# a comment\n\nA=1\n  export B=two\nC = spaced  \nD:yaml\n   # indented comment\nE=\n",
    );
    assert_eq!(text(&v, "A"), "1");
    assert_eq!(text(&v, "B"), "two");
    assert_eq!(text(&v, "C"), "spaced");
    assert_eq!(text(&v, "D"), "yaml");
    assert_eq!(text(&v, "E"), "");
    assert_eq!(v.len(), 5);
}

#[test]
fn inline_comments_only_after_unquoted_values() {
    let v =
        vars("A=value # comment\nB=va#lue\nC=\"quoted # kept\" # comment\nD='x' #c\nE=#start\n");
    assert_eq!(text(&v, "A"), "value");
    assert_eq!(text(&v, "B"), "va#lue");
    assert_eq!(text(&v, "C"), "quoted # kept");
    assert_eq!(text(&v, "D"), "x");
    assert_eq!(text(&v, "E"), "#start");
}

#[test]
fn single_quotes_are_literal() {
    let v = vars("A='$TAG \\n ${X}'\nB='it\\'s'\n");
    assert_eq!(text(&v, "A"), "$TAG \\n ${X}");
    assert_eq!(text(&v, "B"), "it's");
}

#[test]
fn double_quotes_expand_escapes_and_span_lines() {
    let v = vars("A=\"a\\nb\\tc\\\\d\\\"e\\$TAG\"\nB=\"first\nsecond\"\nC=\"\\x\\0101\"\nD=1\n");
    assert_eq!(text(&v, "A"), "a\nb\tc\\d\"e$TAG");
    assert_eq!(text(&v, "B"), "first\nsecond");
    assert_eq!(text(&v, "C"), "\\xA");
    assert_eq!(text(&v, "D"), "1");
}

#[test]
fn interpolation_from_given_variables_then_earlier_lines() {
    let v = vars("TAG=2\nA=${TAG}\nB=$A-x\nC=\"${UNSET:-d}\"\nD=${A:+set}\nE='${A}'\n");
    assert_eq!(text(&v, "TAG"), "2", "the file's own value is kept");
    assert_eq!(text(&v, "A"), "1.27", "the given variable wins in lookups");
    assert_eq!(text(&v, "B"), "1.27-x");
    assert_eq!(text(&v, "C"), "d");
    assert_eq!(text(&v, "D"), "set");
    assert_eq!(text(&v, "E"), "${A}");
    let v = vars("X=1\nX=2\nY=$X\n");
    assert_eq!(text(&v, "Y"), "2", "a later line wins");
}

#[test]
fn a_noecho_parameter_stays_a_reference() {
    let v = vars("URL=postgres://u:${PW}@db\nP=$PW\n");
    assert_eq!(
        v["URL"],
        Variable::Expr(json!({"Fn::Sub": "postgres://u:${DbPassword}@db"}))
    );
    assert_eq!(v["P"], Variable::Expr(json!({"Ref": "DbPassword"})));
}

#[test]
fn a_bare_key_comes_from_the_given_variables() {
    let v = vars("TAG\nNOPE\nA=1\n");
    assert_eq!(text(&v, "TAG"), "1.27");
    assert!(!v.contains_key("NOPE"));
    let v = vars("A=1\nTAG");
    assert_eq!(text(&v, "TAG"), "1.27");
}

#[test]
fn unset_variables_warn_with_the_line() {
    let p = parse(
        ".env",
        "A=1\nB=${NOPE}x\n",
        Format::Dotenv,
        &given(),
        &mut Budget::default(),
    )
    .unwrap();
    assert_eq!(text(&p.variables, "B"), "x");
    assert_eq!(
        p.warnings,
        vec![".env:2: variable `NOPE` is not set: substituting an empty string"]
    );
}

#[test]
fn errors_name_the_line_never_the_value() {
    assert_eq!(
        err("A=1\nB=\"s3cret\nC=2\n"),
        ".env:2: the quoted value of `B` is not closed: a `\"` opens it and none closes it"
    );
    assert_eq!(
            err("\n\nPASSWORD=s3cr$1t\n"),
            ".env:3: invalid interpolation in the value of `PASSWORD` at character 5: a `$` must start a variable (`$VAR`, `${VAR}`) or be doubled as `$$`"
        );
    assert_eq!(
            err("PASSWORD=${X!s3cret}\n"),
            ".env:1: invalid interpolation in the value of `PASSWORD` at character 1: unexpected text after `${X`; expected `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`"
        );
    assert_eq!(
        err("A B=1\n"),
        ".env:1: a variable name cannot contain spaces"
    );
    assert_eq!(
        err("=s3cret\n"),
        ".env:1: expected `KEY=VALUE`, found no variable name before `=`"
    );
    assert_eq!(
        err("A=\"x\" s3cret\n"),
        ".env:1: unexpected text after the closing quote of `A`'s value; put a comment after ` #`"
    );
    assert!(err("A$=1").starts_with(".env:1: unexpected character `$`"));
    assert_eq!(
        err("A=\"multi\nline\" s3cret\n"),
        ".env:2: unexpected text after the closing quote of `A`'s value; put a comment after ` #`"
    );
    assert_eq!(
        err("A=${NOPE:?needed}\n"),
        ".env:1: required variable `NOPE` is not set and non-empty: needed"
    );
}

#[test]
fn windows_line_endings_and_a_byte_order_mark() {
    let v = vars("\u{feff}A=1\r\nB=\"x\"\r\n");
    assert_eq!(text(&v, "A"), "1");
    assert_eq!(text(&v, "B"), "x");
}

#[test]
fn raw_lines_are_literal() {
    let p = parse(
        "app.env",
        "# c\n  A=\"quoted\" # not a comment\nB=${TAG} \nTAG\nNOPE\n\n",
        Format::Raw,
        &given(),
        &mut Budget::default(),
    )
    .unwrap();
    let v = p.variables;
    assert_eq!(text(&v, "A"), "\"quoted\" # not a comment");
    assert_eq!(text(&v, "B"), "${TAG} ");
    assert_eq!(text(&v, "TAG"), "1.27");
    assert!(!v.contains_key("NOPE"));
    assert_eq!(
        parse(
            "app.env",
            "A B=1",
            Format::Raw,
            &given(),
            &mut Budget::default()
        )
        .unwrap_err(),
        "app.env:1: a variable name cannot contain spaces"
    );
}
#[test]
fn statements_are_located() {
    let text = "# c\nexport A=1 # x\nB=\"two\nlines\"\nREGION\n\nC='3'";
    let p = parse(
        ".env",
        text,
        Format::Dotenv,
        &given(),
        &mut Budget::default(),
    )
    .unwrap();
    let spans: Vec<(&str, &str)> = p
        .statements
        .iter()
        .map(|(k, r)| (k.as_str(), &text[r.clone()]))
        .collect();
    assert_eq!(
        spans,
        [
            ("A", "export A=1 # x"),
            ("B", "B=\"two\nlines\""),
            ("REGION", "REGION"),
            ("C", "C='3'"),
        ]
    );
}

#[test]
fn no_input_panics() {
    for text in [
        "\"",
        "'",
        "A=\"\\",
        "A='",
        "export",
        "export ",
        "#",
        "A",
        "A=",
        "=",
        ":",
        "A:\"",
        "A=\"\\0\"",
        "A=\"\\07777\"",
        "ü=1",
        "A=é # ü",
        "\n\n\n",
    ] {
        let _ = parse(
            ".env",
            text,
            Format::Dotenv,
            &given(),
            &mut Budget::default(),
        );
        let _ = parse(".env", text, Format::Raw, &given(), &mut Budget::default());
    }
}
