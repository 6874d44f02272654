//! Keys with odd characters: service, network, top-level, environment and label keys, in
//! the event and in Compose text.

use super::*;

const ODD_KEYS: &[&str] = &[
    "",
    ".",
    "a.b",
    "a[0]",
    "[",
    "]",
    "\"q\"",
    "'",
    "`",
    "é",
    "日本",
    "🚀",
    "a\u{0}b",
    "a\nb",
    "\t",
    "\u{7f}",
    "a b",
    "$",
    "${X}",
    "\u{202e}x",
    "\u{feff}",
    "-",
    "_",
    "a:b",
    "#",
    "*",
    "&",
    "!",
    "%",
    "{}",
    "\\",
];

/// `key` as a YAML double-quoted scalar, every character outside printable ASCII escaped.
fn yaml_quote(key: &str) -> String {
    let mut out = String::from('"');
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// True when Compose does not allow `key` as a service or network name.
fn odd(key: &str) -> bool {
    key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

#[test]
fn odd_service_and_network_names() {
    for &key in ODD_KEYS.iter().filter(|k| **k != "a.b") {
        let quoted = compose_to_ecs::diagnostics::Path::new("services").key(key);
        let e = errors(json!({"services": {key: {"image": "nginx"}}}));
        let expected = if odd(key) {
            format!("{quoted}: `{}` is not a valid service name: Compose allows letters, digits, `.`, `_` and `-`", key.escape_debug())
        } else if key.chars().any(|c| c.is_ascii_alphanumeric()) {
            panic!("{key:?} is a valid name: {e:?}")
        } else {
            format!("{quoted}: the service name has no letters or digits to build CloudFormation logical IDs from; rename it")
        };
        assert_eq!(e, [expected], "{key:?}");

        let quoted = compose_to_ecs::diagnostics::Path::new("networks").key(key);
        let e = errors(
            json!({"services": {"web": {"image": "nginx", "networks": ["front"]}}, "networks": {key: {}, "front": {}}}),
        );
        let expected = if odd(key) {
            format!("{quoted}: `{}` is not a valid network name: Compose allows letters, digits, `.`, `_` and `-`", key.escape_debug())
        } else {
            format!("{quoted}: the network name has no letters or digits to build CloudFormation logical IDs from; rename it")
        };
        assert_eq!(e, [expected], "{key:?}");
    }
    // Names Compose allows, with dots and dashes, convert.
    let ok = run(json!({"services": {"a.b": {"image": "nginx"}, "c-d_e": {"image": "nginx"}}}));
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn odd_top_level_keys() {
    for &key in ODD_KEYS {
        let quoted = compose_to_ecs::diagnostics::Path::new(key);
        let e = errors(json!({key: {}, "services": {"web": {"image": "nginx"}}}));
        assert_eq!(e, [format!("{quoted}: unknown key `{key}`")], "{key:?}");
    }
}

#[test]
fn odd_environment_and_label_keys() {
    for &key in ODD_KEYS {
        let r = run(
            json!({"services": {"web": {"image": "nginx", "environment": {key: "v"}, "labels": {key: "v"}}}}),
        );
        if key.is_empty() {
            assert_eq!(
                r.unwrap_err(),
                [
                    "services.web.environment: a variable name is empty",
                    "services.web.labels: a variable name is empty"
                ]
            );
        } else {
            let out = r.unwrap_or_else(|e| panic!("{key:?}: {e:?}"));
            let env = &out["Resources"]["AppWebTaskDefinition"]["Properties"]
                ["ContainerDefinitions"][0]["Environment"];
            assert!(
                env.as_array()
                    .unwrap()
                    .contains(&json!({"Name": key, "Value": "v"})),
                "{key:?}: {env}"
            );
        }
    }
}

#[test]
fn odd_keys_in_compose_text() {
    // The same keys written in YAML, quoted, through the text parser.
    for &key in ODD_KEYS.iter().filter(|k| **k != "a.b") {
        let text = format!("services:\n  {}:\n    image: nginx\n", yaml_quote(key));
        assert_eq!(
            errors(Value::String(text)),
            errors(json!({"services": {key: {"image": "nginx"}}})),
            "{key:?}"
        );
    }
}
