//! Hostile input: YAML bombs, deep nesting, huge strings, many services, odd keys. Each case
//! must end with a clear diagnostic (or a clean success), never a panic, a stack overflow,
//! a hang or unbounded memory.
//!
//! Every case runs in its own thread with an 8 MiB stack, the size of the main thread the
//! Lambda runs the handler on (debug builds use more stack per frame than the release
//! Lambda, so this errs on the safe side). The join timeout is a hang guard only, not a
//! performance assertion.

use compose_to_ecs::macro_::handle_bytes;
use compose_to_ecs::{expand, Request};
use serde_json::{json, Map, Value};
use std::sync::mpsc;
use std::time::Duration;

/// The stack of the Lambda's main thread.
const STACK: usize = 8 << 20;
/// Generous: only a guard against hangs.
const HANG_GUARD: Duration = Duration::from_secs(300);

/// Runs `f` in a thread with the Lambda's stack size; fails if it panics or hangs.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn");
    match rx.recv_timeout(HANG_GUARD) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer after {HANG_GUARD:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the case panicked"),
    }
}

fn template(compose: Value) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"App": {"Type": "ComposeToECS::Project", "Properties": {"Compose": compose}}},
    })
}

/// Expands a one-project template; the errors as `path: message` lines, or `Ok`.
fn run(compose: Value) -> Result<Value, Vec<String>> {
    guarded(move || {
        let request = Request {
            fragment: template(compose),
            template_parameter_values: Map::new(),
            params: Map::new(),
        };
        expand(&request)
            .map(|e| e.fragment)
            .map_err(|d| d.errors().iter().map(|e| e.to_string()).collect())
    })
}

/// The macro's answer to raw bytes, parsed.
fn handle(bytes: Vec<u8>) -> Value {
    let text = guarded(move || handle_bytes(&bytes).0);
    serde_json::from_str(&text).expect("the response is JSON")
}

fn errors(compose: Value) -> Vec<String> {
    match run(compose) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e,
    }
}

/// The one error of a failed expansion.
fn error(compose: Value) -> String {
    let e = errors(compose);
    assert_eq!(e.len(), 1, "{e:?}");
    e.into_iter().next().unwrap()
}

/// The number in `message` once the rest matches `pattern` (`{}` stands for the number).
fn number_in(message: &str, pattern: &str) -> usize {
    let (before, after) = pattern.split_once("{}").unwrap();
    let n = message
        .strip_prefix(before)
        .and_then(|m| m.strip_suffix(after))
        .unwrap_or_else(|| panic!("`{message}` does not read `{pattern}`"));
    n.parse().unwrap()
}

const TOO_MANY_BYTES: &str = "the processed template would be {} bytes, over CloudFormation's limit of 1048576 bytes; split the project across stacks";

/// `n` services named `s0`..: `each(i)` gives service `i`'s mapping.
fn services(n: usize, each: impl Fn(usize) -> Value) -> Value {
    let map: Map<String, Value> = (0..n).map(|i| (format!("s{i}"), each(i))).collect();
    json!({ "services": map })
}

/// The one error of a project of `n` services, more than a stack holds: refused before
/// anything is built (8,000 services used to peak at 270 MB building a template that the
/// 500-resource check then refused).
fn assert_too_many_services(e: &[String], n: usize) {
    assert_eq!(
        e,
        [format!("services: {n} services give at least {} resources, over CloudFormation's limit of 500 (each service has at least a task definition, an ECS service and an execution role); split the project across stacks, at most 166 services each", 3 * n)]
    );
}

const COMPOSE: &str = "Resources.App.Properties.Compose";

// ---------------------------------------------------------------------------------------
// YAML bombs

#[test]
fn yaml_bomb_of_nested_aliases() {
    // "Billion laughs": 12 levels of ten aliases each would be 10^12 values.
    let mut text = String::from("x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "x-a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("services: {web: {image: nginx}}\n");
    assert_eq!(
        error(Value::String(text)),
        format!("{COMPOSE}: the Compose document is too large once its YAML aliases are expanded: aliases are followed more than 100 times per node of the text")
    );
}

#[test]
fn yaml_bomb_of_merge_keys() {
    // Merge keys merge the aliases the parser expanded (and bounded): nested merges of ten
    // aliases each, and one large anchor merged into many mappings.
    let mut text = String::from(
        "x-a0: &a0 {image: nginx, a: [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]}\n",
    );
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "x-a{i}: &a{i} {{<<: [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}], k{i}: [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}]}}\n"
        ));
    }
    text.push_str("services: {web: {<<: *a11}}\n");
    assert_eq!(
        error(Value::String(text)),
        format!("{COMPOSE}: the Compose document is too large once its YAML aliases are expanded: aliases are followed more than 100 times per node of the text")
    );
    // 20,000 keys merged into 100 mappings: 2,000,000 values from 40,000 in the text (the
    // text itself stays under the pre-scan's bound on values).
    let keys: Vec<String> = (0..20_000).map(|i| format!("k{i}: x")).collect();
    let text = format!(
        "x-a: &a {{{}}}\nx-b: [{}]\nservices: {{web: {{image: nginx}}}}\n",
        keys.join(","),
        vec!["{<<: *a}"; 100].join(",")
    );
    assert_eq!(
        error(Value::String(text)),
        format!("{COMPOSE}: the Compose document is too large once its YAML aliases are expanded: more than 1000000 values")
    );
}

#[test]
fn yaml_bomb_of_one_anchor_used_many_times() {
    // 100 KB of text, 20,000 aliases of a 20,000-item list: 400 million values, within the
    // parser's own bound on alias jumps. Found by this test: it ran out of memory.
    let n = 20_000;
    let text = format!(
        "x-a: &a [{}]\nx-b: [{}]\nservices: {{web: {{image: nginx}}}}\n",
        vec!["x"; n].join(","),
        vec!["*a"; n].join(",")
    );
    assert_eq!(
        error(Value::String(text)),
        format!("{COMPOSE}: the Compose document is too large once its YAML aliases are expanded: more than 1000000 values")
    );
}

#[test]
fn yaml_bomb_of_a_long_string_used_many_times() {
    let text = format!(
        "x-a: &a {}\nx-b: [{}]\nservices: {{web: {{image: nginx}}}}\n",
        "x".repeat(1 << 19),
        vec!["*a"; 200].join(",")
    );
    assert_eq!(
        error(Value::String(text)),
        format!("{COMPOSE}: the Compose document is too large once its YAML aliases are expanded: more than 67108864 bytes of text")
    );
}

#[test]
fn yaml_bomb_through_the_macro() {
    let n = 20_000;
    let text = format!(
        "x-a: &a [{}]\nx-b: [{}]\n",
        vec!["x"; n].join(","),
        vec!["*a"; n].join(",")
    );
    let event = json!({"requestId": "r-1", "fragment": template(Value::String(text))});
    assert_eq!(
        handle(serde_json::to_vec(&event).unwrap()),
        json!({"requestId": "r-1", "status": "failure", "errorMessage": format!("ComposeToECS: 1 error: {COMPOSE}: the Compose document is too large once its YAML aliases are expanded: more than 1000000 values")})
    );
}

#[test]
fn extends_bomb() {
    // 1,000 services extending one base of 2,000 variables: 2 million values once
    // resolved, from 40 KB of text.
    let env: Map<String, Value> = (0..2_000).map(|i| (format!("V{i}"), json!("x"))).collect();
    let mut compose = services(1_000, |_| json!({"extends": "base"}));
    compose["services"]["base"] = json!({"image": "nginx", "environment": env});
    assert_eq!(
        error(compose),
        "services: the services are too large once `extends` is resolved: more than 1000000 values; extend smaller base services"
    );
}

// ---------------------------------------------------------------------------------------
// Deep nesting

#[test]
fn compose_text_nested_ten_thousand_levels() {
    let deep = |open: &str, close: &str| {
        format!(
            "services: {{web: {{image: nginx, x-deep: {}1{}}}}}\n",
            open.repeat(10_000),
            close.repeat(10_000)
        )
    };
    assert_eq!(
        error(Value::String(deep("[", "]"))),
        format!("{COMPOSE}: the Compose document is nested too deeply: more than 128 levels at line 1 column 166")
    );
    assert_eq!(
        error(Value::String(deep("{a: ", "}"))),
        format!("{COMPOSE}: the Compose document is nested too deeply: more than 128 levels at line 1 column 544")
    );
    // Block style: `- - - 1`, one level per dash.
    let text = format!(
        "services:\n  web:\n    image: nginx\n    x-deep:\n      {}1\n",
        "- ".repeat(10_000)
    );
    assert_eq!(
        error(Value::String(text)),
        format!("{COMPOSE}: the Compose document is nested too deeply: more than 128 levels at line 5 column 257")
    );
}

#[test]
fn compose_mapping_nested_ten_thousand_levels_in_the_event() {
    // A mapping reaches the macro as JSON, whose parser stops at 128 levels; the request
    // id is still found and answered.
    let deep = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let event = format!(
        r#"{{"requestId":"r-1","fragment":{{"Resources":{{"App":{{"Type":"ComposeToECS::Project","Properties":{{"Compose":{{"services":{{"web":{{"image":"nginx","x-deep":{deep}}}}}}}}}}}}}}}}}"#
    );
    assert_eq!(
        handle(event.into_bytes()),
        json!({"requestId": "r-1", "status": "failure", "errorMessage": "ComposeToECS: malformed request: nested too deeply: more than 127 levels at line 1 column 747"})
    );
}

#[test]
fn event_nested_ten_thousand_levels() {
    for (open, close) in [("[", "]"), (r#"{"fragment":"#, "}")] {
        let event = format!("{}1{}", open.repeat(10_000), close.repeat(10_000));
        let response = handle(event.into_bytes());
        let message = response["errorMessage"].as_str().unwrap();
        let column = number_in(
            message,
            "ComposeToECS: malformed request: nested too deeply: more than 127 levels at line 1 column {}",
        );
        assert_eq!(column, 127 * open.len() + 1, "{message}");
        assert_eq!(response["status"], "failure");
    }
}

#[test]
fn template_nested_ten_thousand_levels_for_the_cli() {
    let text = format!("Resources: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        guarded(move || compose_to_ecs::cfn::input::parse_template(&text)),
        Err("nested too deeply: more than 128 levels at line 1 column 140".to_string())
    );
}

// ---------------------------------------------------------------------------------------
// Huge strings

const TEN_MB: usize = 10 << 20;

#[test]
fn ten_megabyte_image_name() {
    let e = error(json!({"services": {"web": {"image": "a".repeat(TEN_MB)}}}));
    assert!(number_in(&e, TOO_MANY_BYTES) > TEN_MB);
}

#[test]
fn ten_megabyte_image_name_in_compose_text() {
    let e = error(Value::String(format!(
        "services:\n  web:\n    image: {}\n",
        "a".repeat(TEN_MB)
    )));
    assert_eq!(e, format!("{COMPOSE}: {}", too_long(TEN_MB + 29)));
}

/// The error for Compose text of `bytes` bytes, over the 1 MiB cap.
fn too_long(bytes: usize) -> String {
    format!("the Compose document is {} KiB, over the 1024 KiB a template can hold (CloudFormation reads templates of at most 1 MB); split the project across stacks", bytes.div_ceil(1024))
}

#[test]
fn compose_text_over_one_mebibyte() {
    // At the cap, read; one byte over, refused before parsing.
    let head = "services:\n  web:\n    image: nginx\n    x-pad: ";
    let at_cap = format!("{head}{}", "a".repeat((1 << 20) - head.len()));
    assert!(run(Value::String(at_cap.clone())).is_ok());
    let over = at_cap + "a";
    assert_eq!(
        error(Value::String(over)),
        format!("{COMPOSE}: {}", too_long((1 << 20) + 1))
    );
}

#[test]
fn flow_nesting_is_refused_in_linear_time() {
    // 40,000 levels of `{a: ` (160 KB) took 20 s in the YAML scanner before its own depth
    // bound applied; refused now before the parser runs. Timings: docs/robustness.md.
    for n in [20_000, 40_000, 200_000] {
        let text = format!("services: {}1{}", "{a: ".repeat(n), "}".repeat(n));
        assert_eq!(
            error(Value::String(text)),
            format!("{COMPOSE}: the Compose document is nested too deeply: more than 128 levels at line 1 column 523")
        );
    }
}

#[test]
fn ten_megabyte_environment_value() {
    let e = error(
        json!({"services": {"web": {"image": "nginx", "environment": {"BIG": "v".repeat(TEN_MB)}}}}),
    );
    assert!(number_in(&e, TOO_MANY_BYTES) > TEN_MB);
}

#[test]
fn ten_megabyte_service_name() {
    // Found by this test: the name became logical IDs of 10 MB each, and a 157 MB
    // template was built before the size check rejected it.
    let name = "a".repeat(TEN_MB);
    let e = error(json!({"services": {name.clone(): {"image": "nginx"}}}));
    assert_eq!(
        e,
        format!("services.{name}: the service name is {TEN_MB} characters long, and CloudFormation logical IDs have at most 255; shorten it")
    );
}

#[test]
fn names_that_give_logical_ids_over_255_characters() {
    // Valid on their own, too long with the project's ID and a suffix (five: one of them
    // the service's `RunTaskCommand` output).
    let name = "a".repeat(250);
    let e = error(json!({"services": {name: {"image": "nginx"}}}));
    assert_eq!(
        e,
        format!("5 generated logical IDs are longer than CloudFormation's limit of 255 characters, the longest `AppAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…` with 274; shorten the project's logical ID or the service and network names")
    );
}

#[test]
fn ten_megabyte_interpolation() {
    let big = "a".repeat(TEN_MB);
    let e = error(json!({"services": {"web": {"image": format!("${{{big}")}}}));
    assert_eq!(
        e,
        "services.web.image: invalid interpolation at character 1: `${` is not closed by `}`"
    );
}

#[test]
fn ten_megabyte_compose_text_that_is_not_a_mapping() {
    assert_eq!(
        error(Value::String("a".repeat(TEN_MB))),
        format!("{COMPOSE}: {}", too_long(TEN_MB))
    );
    assert_eq!(
        error(Value::String("a".repeat(1 << 20))),
        format!("{COMPOSE}: expected the Compose document to be a mapping, found a string")
    );
}

// ---------------------------------------------------------------------------------------
// 10,000 services

#[test]
fn ten_thousand_services() {
    assert_too_many_services(
        &errors(services(10_000, |_| json!({"image": "nginx"}))),
        10_000,
    );
}

#[test]
fn ten_thousand_services_in_compose_text() {
    let mut text = String::from("services:\n");
    for i in 0..10_000 {
        let port = 1_000 + i;
        text.push_str(&format!(
            "  s{i}: {{image: nginx, ports: ['{port}:{port}']}}\n"
        ));
    }
    assert_too_many_services(&errors(Value::String(text)), 10_000);
}

#[test]
fn ten_thousand_services_chained_by_depends_on() {
    // Found by this test: the cycle search recursed once per service and overflowed the
    // stack.
    let n = 10_000;
    let compose = services(
        n,
        |i| json!({"image": "nginx", "depends_on": if i + 1 < n { vec![format!("s{}", i + 1)] } else { vec![] }}),
    );
    assert_too_many_services(&errors(compose), n);
}

#[test]
fn dependency_cycle_through_ten_thousand_services() {
    let n = 10_000;
    let compose = services(
        n,
        |i| json!({"image": "nginx", "depends_on": [format!("s{}", (i + 1) % n)]}),
    );
    assert_too_many_services(&errors(compose), n);
    // The cycle search itself keeps an explicit stack (it overflowed on a 10,000-service
    // chain once); at the most services a project may have:
    let n = 166;
    let compose = services(
        n,
        |i| json!({"image": "nginx", "depends_on": [format!("s{}", (i + 1) % n)]}),
    );
    let cycle: Vec<String> = (0..=n).map(|i| format!("`s{}`", i % n)).collect();
    assert_eq!(
        error(compose),
        format!(
            "services.s0.depends_on: dependency cycle: {}",
            cycle.join(" → ")
        )
    );
}

#[test]
fn ten_thousand_services_chained_by_extends() {
    // Found by this test: `extends` was resolved recursively and overflowed the stack.
    let n = 10_000;
    let compose = services(n, |i| {
        if i + 1 < n {
            json!({"extends": format!("s{}", i + 1)})
        } else {
            json!({"image": "nginx"})
        }
    });
    assert_too_many_services(&errors(compose), n);
}

#[test]
fn extends_cycle_through_ten_thousand_services() {
    // One message; each service used to report the cycle from itself: 10,000 messages of
    // 10,000 names.
    let n = 10_000;
    let compose = services(
        n,
        |i| json!({"image": "nginx", "extends": format!("s{}", (i + 1) % n)}),
    );
    let cycle: Vec<String> = (0..=n).map(|i| format!("`s{}`", i % n)).collect();
    let e = errors(compose);
    assert_eq!(
        e.len(),
        2,
        "one message for the cycle, one for the service count"
    );
    assert!(
        e[1] == format!(
            "services.s0.extends: `extends` cycle: {}",
            cycle.join(" → ")
        ),
        "unexpected: {}…",
        e[1].chars().take(200).collect::<String>()
    );
}

// ---------------------------------------------------------------------------------------
// Keys with odd characters

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

// ---------------------------------------------------------------------------------------
// Logical ID collisions

#[test]
fn networks_and_ports_whose_ingress_ids_meet() {
    // Found while auditing generated names after fuzzing: network `front` with port 180
    // and network `front1` with port 80 both named their load balancer ingress rule
    // `AppFront180Ingress`; the converter's duplicate check panicked (the CLI crashed, the
    // macro answered "internal error").
    let compose = json!({
        "services": {
            "a": {"image": "nginx", "ports": ["180:180"], "networks": ["front"]},
            "b": {"image": "nginx", "ports": ["80:80"], "networks": ["front1"]},
        },
        "networks": {"front": {}, "front1": {}},
    });
    let message = "services.b.ports[0]: network `front1` and port `80` give the logical ID part `Front180Ingress`, as network `front` and port `180` of service `a` do; rename one of the networks";
    assert_eq!(error(compose.clone()), message);
    let event = json!({"requestId": "r-1", "fragment": template(compose)});
    assert_eq!(
        handle(serde_json::to_vec(&event).unwrap()),
        json!({"requestId": "r-1", "status": "failure", "errorMessage": format!("ComposeToECS: 1 error: {message}")})
    );
    // UDP rules carry their own suffix and do not meet TCP ones. (A UDP target group is
    // health-checked over TCP, on port 8080 here, so that rule is `Front8080Ingress`.)
    let ok = run(json!({
        "services": {
            "a": {"image": "nginx", "ports": [{"target": 180, "published": 180, "protocol": "udp", "x-aws-healthcheck": {"port": 8080}}], "networks": ["front"]},
            "b": {"image": "nginx", "ports": ["80:80"], "networks": ["front1"]},
        },
        "networks": {"front": {}, "front1": {}},
    }));
    assert!(ok.is_ok(), "{ok:?}");
}
