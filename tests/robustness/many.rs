//! 10,000 services: as a mapping and as text, chained by `depends_on` and by `extends`,
//! and cycles through them all.

use super::*;

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
