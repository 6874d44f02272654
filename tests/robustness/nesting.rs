//! Deep nesting: ten thousand levels in Compose text, in the event's mapping, in the event
//! itself and in a template given to the CLI.

use super::*;

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
