//! Huge values: ten-megabyte image names, environment values, service names and
//! interpolations; Compose text over its cap; logical IDs over 255 characters.

use super::*;

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
