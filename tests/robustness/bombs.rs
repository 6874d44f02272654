//! YAML bombs (nested aliases, merge keys, an anchor or a long string used many times,
//! through the macro too) and an `extends` bomb.

use super::*;

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
