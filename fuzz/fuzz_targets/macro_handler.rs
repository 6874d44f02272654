//! Arbitrary bytes as a macro event: the handler answers with JSON whose `status` is
//! `success` or `failure`, and never panics (a caught panic would be a `failure` naming an
//! internal error, which is a bug too).
#![no_main]

use compose_to_ecs::macro_::handle_bytes;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (response, _) = handle_bytes(data);
    let response: Value = serde_json::from_str(&response).expect("the response is JSON");
    match response["status"].as_str() {
        Some("success") => assert!(
            response.get("fragment").is_some(),
            "a success without a fragment"
        ),
        Some("failure") => {
            let message = response["errorMessage"]
                .as_str()
                .expect("a failure has a message");
            assert!(
                !message.contains("internal error"),
                "a panic was caught: {message}"
            );
        }
        other => panic!("unexpected status {other:?}"),
    }
});
