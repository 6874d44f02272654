//! The macro's own stack (`template.yaml`): least privilege for the function, a bound on
//! its concurrency, and the memory size `docs/robustness.md` measured for.

use compose_to_ecs::cfn::input::parse_template;
use serde_json::{json, Value};

fn template() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml"))
        .expect("template.yaml");
    parse_template(&text).expect("template.yaml parses")
}

fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|a| a.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn the_function_writes_only_its_own_log_group() {
    let t = template();
    let function = &t["Resources"]["ComposeToEcsFunction"]["Properties"];
    assert_eq!(
        function["Role"],
        json!({"Fn::GetAtt": ["ComposeToEcsFunctionRole", "Arn"]}),
        "SAM's default role (AWSLambdaBasicExecutionRole) may create any log group"
    );
    assert_eq!(
        function["LoggingConfig"]["LogGroup"],
        json!({"Ref": "ComposeToEcsLogGroup"})
    );
    let role = &t["Resources"]["ComposeToEcsFunctionRole"]["Properties"];
    assert!(role.get("ManagedPolicyArns").is_none(), "{role}");
    for policy in role["Policies"].as_array().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            assert_eq!(
                actions(statement),
                ["logs:CreateLogStream", "logs:PutLogEvents"]
            );
            assert_eq!(
                statement["Resource"],
                json!({"Fn::Sub": "${ComposeToEcsLogGroup.Arn}"})
            );
        }
    }
}

#[test]
fn concurrency_is_reserved_and_memory_sized() {
    let t = template();
    let function = &t["Resources"]["ComposeToEcsFunction"]["Properties"];
    assert_eq!(
        function["ReservedConcurrentExecutions"],
        json!({"Fn::If": ["Reserved", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]})
    );
    assert_eq!(t["Parameters"]["ReservedConcurrency"]["Default"], json!(10));
    // docs/robustness.md: the worst 1 MB Compose text peaks near 285 MB; CPU grows with
    // memory.
    assert_eq!(function["MemorySize"], json!(1024));
    assert_eq!(function["Timeout"], json!(30));
}

/// The job provider (`ComposeToECS-Jobs`, src/bin/jobs.rs): the fixed name users' stacks
/// name, the longest timeout, and a role that may do exactly what it does.
#[test]
fn the_job_provider_may_run_watch_and_stop_tasks_and_nothing_else() {
    let t = template();
    let function = &t["Resources"]["ComposeToEcsJobsFunction"];
    assert_eq!(function["Condition"], json!("Jobs"));
    let props = &function["Properties"];
    assert_eq!(props["FunctionName"], json!("ComposeToECS-Jobs"));
    assert_eq!(props["Timeout"], json!(900));
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"],
        json!("compose-to-ecs-jobs")
    );
    assert_eq!(
        props["Role"],
        json!({"Fn::GetAtt": ["ComposeToEcsJobsRole", "Arn"]})
    );
    let role = &t["Resources"]["ComposeToEcsJobsRole"]["Properties"];
    assert!(role.get("ManagedPolicyArns").is_none(), "{role}");
    let mut granted = Vec::new();
    for policy in role["Policies"].as_array().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            assert_ne!(statement["Resource"], json!("*"), "{statement}");
            if actions(statement) == ["iam:PassRole"] {
                assert_eq!(
                    statement["Condition"],
                    json!({"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})
                );
            }
            granted.extend(actions(statement));
        }
    }
    granted.sort();
    assert_eq!(
        granted,
        [
            "ecs:DescribeTasks",
            "ecs:RunTask",
            "ecs:StopTask",
            "iam:PassRole",
            "lambda:InvokeFunction",
            "logs:CreateLogStream",
            "logs:PutLogEvents"
        ]
    );
    // The name the converter writes into every job's ServiceToken.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/convert/jobs.rs"))
        .unwrap();
    assert!(text.contains("pub const PROVIDER_FUNCTION: &str = \"ComposeToECS-Jobs\";"));
}
