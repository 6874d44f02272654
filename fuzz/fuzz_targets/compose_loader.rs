//! Arbitrary text as the `Compose` string of a one-project template, through the whole
//! transform: it succeeds or fails with diagnostics, and never panics.
#![no_main]

use compose_to_ecs::{expand, Request};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map};

fuzz_target!(|text: &str| {
    let request = Request {
        fragment: json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"App": {"Type": "ComposeToECS::Project", "Properties": {"Compose": text}}},
        }),
        template_parameter_values: Map::new(),
        params: Map::new(),
    };
    if let Err(diags) = expand(&request) {
        assert!(diags.has_errors(), "a failure without an error");
    }
});
