//! The data-driven golden test: every folder under `tests/fixtures/` is a case.
//!
//! - `input.yaml`: a CloudFormation template using `Transform: ComposeToECS`.
//! - `expected.json`: the processed template, exactly; or `expected.err`: the diagnostics,
//!   exactly (`error: ...` / `warning: ...` lines, as the CLI prints them).
//! - `assertions.yaml` (optional): JSON-pointer facts that must hold in the output (the
//!   assertions of compose-cli's own tests, on our prefixed IDs).
//! - `expects.txt` (optional, error cases): substrings the diagnostics must contain.
//! - `params.txt` (optional): `KEY=VALUE` template parameter values, one per line.
//!
//! `UPDATE_FIXTURES=1 cargo test --test fixtures` rewrites `expected.*` from the current
//! output; review the diff before committing.

use compose_to_ecs::cfn::input;
use compose_to_ecs::expand;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("input.yaml").exists())
        .collect();
    dirs.sort();
    dirs
}

/// Runs one case: the pretty JSON output, or the diagnostics text.
pub fn run(dir: &Path) -> Result<String, String> {
    let text = fs::read_to_string(dir.join("input.yaml")).unwrap();
    let template = input::parse_template(&text).map_err(|e| format!("error: {e}\n"))?;
    let params: Vec<(String, String)> = fs::read_to_string(dir.join("params.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let request = input::request(template, &params).map_err(|e| format!("error: {e}\n"))?;
    match expand(&request) {
        Ok(expanded) => Ok(serde_json::to_string_pretty(&expanded.fragment).unwrap() + "\n"),
        Err(diags) => {
            let mut out = String::new();
            for e in diags.errors() {
                out.push_str(&format!("error: {e}\n"));
            }
            for w in diags.warnings() {
                out.push_str(&format!("warning: {w}\n"));
            }
            Err(out)
        }
    }
}

fn check_assertions(dir: &Path, output: &Value) -> Vec<String> {
    let path = dir.join("assertions.yaml");
    let Ok(text) = fs::read_to_string(&path) else {
        return Vec::new();
    };
    let list: Vec<Value> = serde_yaml_ng::from_str(&text).expect("assertions.yaml is a YAML list");
    assert!(!list.is_empty(), "{}: empty assertions", path.display());
    let mut failures = Vec::new();
    for a in list {
        if let Some(pointer) = a.get("pointer").and_then(Value::as_str) {
            let found = output.pointer(pointer);
            if let Some(expected) = a.get("equals") {
                let ok = match (found, expected) {
                    (Some(Value::Number(f)), Value::Number(e)) => f.as_f64() == e.as_f64(),
                    (Some(f), e) => f == e,
                    (None, _) => false,
                };
                if !ok {
                    failures.push(format!("{pointer}: expected {expected}, found {found:?}"));
                }
            }
            if let Some(exists) = a.get("exists").and_then(Value::as_bool) {
                if found.is_some() != exists {
                    failures.push(format!("{pointer}: expected exists={exists}"));
                }
            }
        } else if let Some(kind) = a.get("no_resource_of_type").and_then(Value::as_str) {
            let resources = output["Resources"].as_object().cloned().unwrap_or_default();
            for (id, r) in resources {
                if r["Type"] == kind {
                    failures.push(format!("resource {id} has type {kind}"));
                }
            }
        } else if let Some(tag) = a.get("every_tag") {
            let (key, value) = (&tag["key"], &tag["value"]);
            let mut seen = 0;
            let resources = output["Resources"].as_object().cloned().unwrap_or_default();
            for (id, r) in resources {
                for t in r["Properties"]["Tags"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                {
                    if &t["Key"] == key {
                        seen += 1;
                        if &t["Value"] != value {
                            failures.push(format!("{id}: tag {key} is {}", t["Value"]));
                        }
                    }
                }
            }
            if seen == 0 {
                failures.push(format!("no resource has tag {key}"));
            }
        } else {
            panic!("{}: unknown assertion {a}", path.display());
        }
    }
    failures
}

#[test]
fn fixtures() {
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty(), "no fixtures found");
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (file, actual, other) = match run(dir) {
            Ok(json) => ("expected.json", json, "expected.err"),
            Err(err) => ("expected.err", err, "expected.json"),
        };
        if update {
            fs::write(dir.join(file), &actual).unwrap();
            let _ = fs::remove_file(dir.join(other));
        } else {
            match fs::read_to_string(dir.join(file)) {
                Ok(expected) if expected == actual => {}
                Ok(expected) => failures.push(format!(
                    "{name}: {file} differs (UPDATE_FIXTURES=1 to accept)\n{}",
                    first_difference(&expected, &actual)
                )),
                Err(_) => failures.push(format!(
                    "{name}: produced {file}, but the case has {}",
                    if dir.join(other).exists() {
                        other
                    } else {
                        "no expected file"
                    }
                )),
            }
        }
        if file == "expected.json" {
            let output: Value = serde_json::from_str(&actual).unwrap();
            for f in check_assertions(dir, &output) {
                failures.push(format!("{name}: {f}"));
            }
        } else if let Ok(expects) = fs::read_to_string(dir.join("expects.txt")) {
            for line in expects.lines().filter(|l| !l.trim().is_empty()) {
                if !actual.contains(line.trim()) {
                    failures.push(format!(
                        "{name}: diagnostics do not mention `{}`",
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n- {e}\n+ {a}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}

#[test]
fn expanding_twice_gives_identical_bytes() {
    for dir in cases() {
        assert_eq!(run(&dir), run(&dir), "{}", dir.display());
    }
}

/// Properties every processed template must have, checked on the output of every fixture
/// and example rather than on golden bytes, so that accepting a regenerated golden file
/// cannot accept a regression of them.
#[test]
fn structural_invariants() {
    let mut failures = Vec::new();
    let mut outputs = 0;
    for dir in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if let Ok(json) = run(&dir) {
            let output: Value = serde_json::from_str(&json).unwrap();
            failures.extend(
                invariant_failures(&output)
                    .into_iter()
                    .map(|f| format!("{name}: {f}")),
            );
            outputs += 1;
        }
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let params = [
        ("VpcId", "vpc-0123456789abcdef0"),
        (
            "SubnetIds",
            "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        ),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    for entry in fs::read_dir(examples).expect("examples/ exists") {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let template = input::parse_template(&text).unwrap();
        // The VPC parameters, to the examples that declare them (the others create theirs).
        let declared: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| template["Parameters"].get(k).is_some())
            .cloned()
            .collect();
        let request = input::request(template, &declared).unwrap();
        let output = match expand(&request) {
            Ok(expanded) => expanded.fragment,
            Err(d) => panic!("{}: {}", path.display(), d.summary()),
        };
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        failures.extend(
            invariant_failures(&output)
                .into_iter()
                .map(|f| format!("{name}: {f}")),
        );
        outputs += 1;
    }
    assert!(outputs > 0, "no fixture produced a template");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn invariant_failures(output: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let resources = output["Resources"].as_object().unwrap_or(&empty);
    let of_type = |kind: &'static str| {
        resources
            .iter()
            .filter(move |(_, r)| r["Type"] == kind)
            .map(|(id, r)| (id.as_str(), r))
    };
    let mut failures = Vec::new();

    // 1. An ECS service behind a load balancer waits for every listener (or listener rule)
    //    that forwards to its target groups: ECS refuses a target group that no listener uses.
    let mut forwarders: Vec<(&str, Vec<String>)> = Vec::new();
    for kind in [
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
    ] {
        for (id, r) in of_type(kind) {
            let actions = &r["Properties"][if kind.ends_with("Rule") {
                "Actions"
            } else {
                "DefaultActions"
            }];
            forwarders.push((id, refs_in(actions)));
        }
    }
    for (id, service) in of_type("AWS::ECS::Service") {
        let depends = depends_on(service);
        for lb in service["Properties"]["LoadBalancers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let Some(tg) = lb["TargetGroupArn"]["Ref"].as_str() else {
                continue;
            };
            for (listener, targets) in &forwarders {
                if targets.iter().any(|t| t == tg) && !depends.iter().any(|d| d == listener) {
                    failures.push(format!("{id} uses {tg} but does not depend on {listener}"));
                }
            }
        }
    }

    // 2. Fargate task sizes are combinations Fargate accepts (AWS ECS developer guide,
    //    "Task CPU and memory"), written out here independently of src/validate/fargate.rs.
    for (id, task) in of_type("AWS::ECS::TaskDefinition") {
        let p = &task["Properties"];
        if !is_fargate(p) {
            continue;
        }
        let (Some(cpu), Some(memory)) = (number(&p["Cpu"]), number(&p["Memory"])) else {
            failures.push(format!("{id}: a Fargate task needs literal Cpu and Memory"));
            continue;
        };
        if !fargate_accepts(cpu, memory) {
            failures.push(format!(
                "{id}: Fargate has no {cpu} CPU / {memory} MiB size"
            ));
        }
    }

    // 3. Nothing is open to the internet but the load balancer's published ports.
    let balancer_groups: Vec<String> = of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
        .flat_map(|(_, r)| refs_in(&r["Properties"]["SecurityGroups"]))
        .collect();
    let open = |rule: &Value| rule["CidrIp"] == "0.0.0.0/0" || rule["CidrIpv6"] == "::/0";
    for (id, group) in of_type("AWS::EC2::SecurityGroup") {
        let rules = group["Properties"]["SecurityGroupIngress"].as_array();
        if rules.into_iter().flatten().any(open) && !balancer_groups.iter().any(|g| g == id) {
            failures.push(format!(
                "{id} is open to the internet but is no load balancer's group"
            ));
        }
    }
    for (id, rule) in of_type("AWS::EC2::SecurityGroupIngress") {
        let group = rule["Properties"]["GroupId"]["Ref"]
            .as_str()
            .unwrap_or_default();
        if open(&rule["Properties"]) && !balancer_groups.iter().any(|g| g == group) {
            failures.push(format!("{id} opens {group} to the internet"));
        }
    }

    // 4. Only listener ports face the allowed sources: an address range or prefix list
    //    reaches a load balancer's group only, on a port one of its listeners listens on.
    let listener_ports: Vec<(String, u64)> = of_type("AWS::ElasticLoadBalancingV2::Listener")
        .filter_map(|(_, l)| {
            let lb = l["Properties"]["LoadBalancerArn"]["Ref"].as_str()?;
            let port = l["Properties"]["Port"].as_u64()?;
            Some((lb.to_string(), port))
        })
        .collect();
    let lb_of_group = |group: &str| -> Option<String> {
        of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
            .find(|(_, r)| {
                refs_in(&r["Properties"]["SecurityGroups"])
                    .iter()
                    .any(|g| g == group)
            })
            .map(|(id, _)| id.to_string())
    };
    let from_addresses = |rule: &Value| {
        ["CidrIp", "CidrIpv6", "SourcePrefixListId"]
            .iter()
            .any(|k| rule.get(*k).is_some())
    };
    let mut address_rules: Vec<(String, &str, &Value)> = Vec::new();
    for (id, group) in of_type("AWS::EC2::SecurityGroup") {
        for rule in group["Properties"]["SecurityGroupIngress"]
            .as_array()
            .into_iter()
            .flatten()
        {
            address_rules.push((format!("{id} (inline)"), id, rule));
        }
    }
    for (id, rule) in of_type("AWS::EC2::SecurityGroupIngress") {
        let group = rule["Properties"]["GroupId"]["Ref"]
            .as_str()
            .unwrap_or_default();
        address_rules.push((id.to_string(), group, &rule["Properties"]));
    }
    for (id, group, rule) in address_rules.iter().filter(|(_, _, r)| from_addresses(r)) {
        let Some(lb) = lb_of_group(group) else {
            failures.push(format!(
                "{id} lets addresses into {group}, which is no load balancer's group"
            ));
            continue;
        };
        let (from, to) = (rule["FromPort"].as_u64(), rule["ToPort"].as_u64());
        let listens = from == to
            && listener_ports
                .iter()
                .any(|(l, port)| *l == lb && Some(*port) == from);
        if !listens {
            failures.push(format!(
                "{id} opens {from:?}-{to:?} of {group}, where no listener of {lb} listens"
            ));
        }
    }

    // 5. Tasks accept only the load balancer on their container ports: a rule whose source
    //    is a load balancer's group opens a target group's port or health-check port (the
    //    ephemeral range only where targets are instances in `bridge` mode).
    let balancer_sources: Vec<Value> = balancer_groups
        .iter()
        .map(|g| serde_json::json!({"Ref": g}))
        .collect();
    let groups_ports: Vec<(u64, bool)> = of_type("AWS::ElasticLoadBalancingV2::TargetGroup")
        .flat_map(|(_, tg)| {
            let p = &tg["Properties"];
            let instance = p["TargetType"] == "instance";
            let mut ports = vec![(p["Port"].as_u64().unwrap_or(0), instance)];
            if let Some(h) = number(&p["HealthCheckPort"]) {
                ports.push((h, instance));
            }
            ports
        })
        .collect();
    for (id, rule) in of_type("AWS::EC2::SecurityGroupIngress") {
        let p = &rule["Properties"];
        let source = &p["SourceSecurityGroupId"];
        // A literal source is an existing load balancer's group (`LoadBalancer.SecurityGroup`).
        let from_balancer = balancer_sources.contains(source) || source.is_string();
        if !from_balancer {
            continue;
        }
        let (from, to) = (
            p["FromPort"].as_u64().unwrap_or(0),
            p["ToPort"].as_u64().unwrap_or(0),
        );
        let ok = if from == to {
            groups_ports.iter().any(|(port, _)| *port == from)
        } else {
            groups_ports.iter().any(|(_, instance)| *instance)
        };
        if !ok {
            failures.push(format!(
                "{id} lets the load balancer into {from}-{to}, which no target group uses"
            ));
        }
    }

    // 7. No privileged or host-reaching task on Fargate: host features, host paths and
    //    capabilities beyond `SYS_PTRACE` are for EC2 capacity only. `PidMode: task` (the
    //    containers of one task share their processes) is Fargate's too; `IpcMode` is not.
    for (id, task) in of_type("AWS::ECS::TaskDefinition") {
        let p = &task["Properties"];
        if !is_fargate(p) {
            continue;
        }
        let host_volume = p["Volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v.get("Host").is_some());
        let pid_host = p.get("PidMode").is_some_and(|m| m != "task");
        if host_volume || pid_host || p.get("IpcMode").is_some() {
            failures.push(format!("{id}: a Fargate task reaches into a host"));
        }
        for c in p["ContainerDefinitions"].as_array().into_iter().flatten() {
            let linux = &c["LinuxParameters"];
            let caps_ok = linux["Capabilities"]["Add"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|cap| cap == "SYS_PTRACE");
            let host = ["Privileged", "DockerSecurityOptions", "ExtraHosts"]
                .iter()
                .any(|k| c.get(*k).is_some())
                || linux.get("Devices").is_some()
                || linux.get("SharedMemorySize").is_some();
            if host || !caps_ok {
                failures.push(format!(
                    "{id}: container {} asks Fargate for host features",
                    c["Name"]
                ));
            }
        }
    }

    // 8. A `DAEMON` service has neither a desired count nor a capacity provider strategy
    //    (ECS refuses both) and runs on EC2.
    for (id, service) in of_type("AWS::ECS::Service") {
        let p = &service["Properties"];
        if p["SchedulingStrategy"] == "DAEMON"
            && (p.get("DesiredCount").is_some()
                || p.get("CapacityProviderStrategy").is_some()
                || p["LaunchType"] != "EC2")
        {
            failures.push(format!(
                "{id}: a daemon service needs `LaunchType: EC2` alone"
            ));
        }
    }

    // 9. With a NAT gateway (private mode), nothing but the load balancer is public: no
    //    subnet assigns public addresses, no task asks for one, and tasks and instances
    //    run in subnets whose route to the internet is a NAT gateway.
    if of_type("AWS::EC2::NatGateway").next().is_some() {
        let public_tables: Vec<&str> = of_type("AWS::EC2::Route")
            .filter(|(_, r)| r["Properties"].get("GatewayId").is_some())
            .filter_map(|(_, r)| r["Properties"]["RouteTableId"]["Ref"].as_str())
            .collect();
        let public_subnets: Vec<String> = of_type("AWS::EC2::SubnetRouteTableAssociation")
            .filter(|(_, a)| {
                a["Properties"]["RouteTableId"]["Ref"]
                    .as_str()
                    .is_some_and(|t| public_tables.contains(&t))
            })
            .flat_map(|(_, a)| refs_in(&a["Properties"]["SubnetId"]))
            .collect();
        for (id, subnet) in of_type("AWS::EC2::Subnet") {
            if subnet["Properties"]["MapPublicIpOnLaunch"] == true {
                failures.push(format!("{id} assigns public addresses in private mode"));
            }
        }
        for (id, service) in of_type("AWS::ECS::Service") {
            let vpc = &service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"];
            if vpc["AssignPublicIp"] == "ENABLED" {
                failures.push(format!(
                    "{id}: a task gets a public address in private mode"
                ));
            }
            if refs_in(&vpc["Subnets"])
                .iter()
                .any(|s| public_subnets.contains(s))
            {
                failures.push(format!(
                    "{id}: tasks run in a public subnet in private mode"
                ));
            }
        }
        for (id, group) in of_type("AWS::AutoScaling::AutoScalingGroup") {
            if refs_in(&group["Properties"]["VPCZoneIdentifier"])
                .iter()
                .any(|s| public_subnets.contains(s))
            {
                failures.push(format!(
                    "{id}: instances run in a public subnet in private mode"
                ));
            }
        }
        for (id, nat) in of_type("AWS::EC2::NatGateway") {
            if !refs_in(&nat["Properties"]["SubnetId"])
                .iter()
                .all(|s| public_subnets.contains(s))
            {
                failures.push(format!("{id} is not in a public subnet"));
            }
        }
    }

    // 6. No IAM statement allows every action.
    for (id, r) in resources {
        for statement in statements(&r["Properties"]) {
            let actions = &statement["Action"];
            if actions == "*"
                || actions
                    .as_array()
                    .is_some_and(|a| a.iter().any(|a| a == "*"))
            {
                failures.push(format!("{id}: a policy statement allows every action"));
            }
        }
    }

    // 7. No `NoEcho` parameter is readable in a task definition after deploy: outside a
    //    container's `Secrets` (which name a secret, not its value), no `Ref` to one and no
    //    `${Param}` in an `Fn::Sub`.
    let noecho: Vec<&String> = output["Parameters"]
        .as_object()
        .map(|p| {
            p.iter()
                .filter(|(_, p)| p["NoEcho"] == true || p["NoEcho"] == "true")
                .map(|(k, _)| k)
                .collect()
        })
        .unwrap_or_default();
    for (id, r) in of_type("AWS::ECS::TaskDefinition") {
        let mut definition = r["Properties"].clone();
        for c in definition["ContainerDefinitions"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if let Some(c) = c.as_object_mut() {
                c.remove("Secrets");
            }
        }
        let refs = refs_in(&definition);
        let subs = subs_in(&definition);
        for p in &noecho {
            if refs.contains(p) || subs.iter().any(|t| t.contains(&format!("${{{p}}}"))) {
                failures.push(format!(
                    "{id}: the NoEcho parameter `{p}` is readable in the task definition"
                ));
            }
        }
    }
    failures.extend(alarm_failures(output));
    failures
}

/// Every `Fn::Sub` template in `value`.
fn subs_in(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                match map.get("Fn::Sub") {
                    Some(Value::String(t)) => out.push(t.clone()),
                    Some(Value::Array(a)) => {
                        out.extend(a.first().and_then(Value::as_str).map(String::from))
                    }
                    _ => {}
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// True when a task definition's properties ask for Fargate.
fn is_fargate(p: &Value) -> bool {
    p["RequiresCompatibilities"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c == "FARGATE"))
}

/// The logical IDs named by `Ref` anywhere in `value`.
fn refs_in(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(id)) = map.get("Ref") {
                    out.push(id.clone());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

fn depends_on(resource: &Value) -> Vec<String> {
    match &resource["DependsOn"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Every IAM policy statement under a resource's properties.
fn statements(value: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::Array(statements)) = map.get("Statement") {
                    out.extend(statements);
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

fn number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

fn fargate_accepts(cpu: u64, memory: u64) -> bool {
    let gib = |n: u64| n * 1024;
    match cpu {
        256 => [512, 1024, 2048].contains(&memory),
        512 => (1..=4).map(gib).any(|m| m == memory),
        1024 => (2..=8).map(gib).any(|m| m == memory),
        2048 => (4..=16).map(gib).any(|m| m == memory),
        4096 => (8..=30).map(gib).any(|m| m == memory),
        8192 => (16..=60).step_by(4).map(gib).any(|m| m == memory),
        16384 => (32..=120).step_by(8).map(gib).any(|m| m == memory),
        _ => false,
    }
}

/// 7. Every CloudWatch alarm watches real metrics of the template's resources: each
///    dimension names, with the attribute CloudWatch expects, a resource of the right type
///    (or the existing cluster or load balancer the project was given); the namespace fits
///    the dimensions and the load balancer's type; a target group alarm pairs the load
///    balancer with a target group one of its listeners forwards to and a service uses;
///    alarms notify a topic of the template (or a given ARN); every deployment alarm a
///    service names is an alarm of the template.
fn alarm_failures(output: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let resources = output["Resources"].as_object().unwrap_or(&empty);
    let parameters = output["Parameters"].as_object().unwrap_or(&empty);
    let kind = |id: &str| resources.get(id).and_then(|r| r["Type"].as_str());
    let get_att = |v: &Value, attr: &str, want: &str| -> Option<String> {
        let pair = v["Fn::GetAtt"].as_array()?;
        let id = pair.first()?.as_str()?;
        (pair.get(1)? == attr && kind(id) == Some(want)).then(|| id.to_string())
    };
    let mut failures = Vec::new();
    let mut names = Vec::new();
    for (id, alarm) in resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
    {
        let p = &alarm["Properties"];
        names.push(p["AlarmName"].clone());
        // The project's own alarms are named `${AWS::StackName} <project> ...`; an alarm a
        // user adds through an overlay notifies whom it says, or no one.
        let generated = p["AlarmName"]["Fn::Sub"]
            .as_str()
            .is_some_and(|n| n.starts_with("${AWS::StackName} "));
        for action in ["AlarmActions", "OKActions"] {
            let targets = p[action].as_array().cloned().unwrap_or_default();
            if targets.is_empty() && generated {
                failures.push(format!("{id}: no {action}"));
            }
            for t in targets {
                let ok = match t["Ref"].as_str() {
                    Some(topic) => {
                        kind(topic) == Some("AWS::SNS::Topic") || parameters.contains_key(topic)
                    }
                    None => t
                        .as_str()
                        .is_some_and(|a| a.starts_with("arn:") && a.contains(":sns:")),
                };
                if !ok {
                    failures.push(format!("{id}: {action} names no SNS topic: {t}"));
                }
            }
        }
        // (namespace, dimensions) of the alarm itself and of each metric it computes on.
        let mut watched = Vec::new();
        if let Some(ns) = p["Namespace"].as_str() {
            watched.push((ns.to_string(), p["Dimensions"].clone()));
        }
        for m in p["Metrics"].as_array().into_iter().flatten() {
            let metric = &m["MetricStat"]["Metric"];
            if let Some(ns) = metric["Namespace"].as_str() {
                watched.push((ns.to_string(), metric["Dimensions"].clone()));
            }
        }
        if watched.is_empty() {
            failures.push(format!("{id}: watches no metric"));
        }
        for (ns, dims) in watched {
            let dims: Vec<(String, Value)> = dims
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    (
                        d["Name"].as_str().unwrap_or("").to_string(),
                        d["Value"].clone(),
                    )
                })
                .collect();
            let names: Vec<&str> = dims.iter().map(|(n, _)| n.as_str()).collect();
            let value = |n: &str| dims.iter().find(|(k, _)| k == n).map(|(_, v)| v);
            match ns.as_str() {
                "AWS/ECS" | "ECS/ContainerInsights" => {
                    if names != ["ClusterName", "ServiceName"] {
                        failures.push(format!(
                            "{id}: {ns} needs ClusterName and ServiceName, found {names:?}"
                        ));
                        continue;
                    }
                    let Some(service) =
                        get_att(value("ServiceName").unwrap(), "Name", "AWS::ECS::Service")
                    else {
                        failures.push(format!(
                            "{id}: ServiceName is not the name of a service of the template"
                        ));
                        continue;
                    };
                    let cluster = value("ClusterName").unwrap();
                    let runs_in = &resources[&service]["Properties"]["Cluster"];
                    let ok = match (cluster, runs_in) {
                        (Value::Object(_), _) if cluster["Ref"].is_string() => {
                            let c = cluster["Ref"].as_str().unwrap();
                            (kind(c) == Some("AWS::ECS::Cluster") || parameters.contains_key(c))
                                && runs_in == cluster
                        }
                        (Value::String(name), Value::String(given)) => {
                            given.rsplit('/').next() == Some(name.as_str())
                        }
                        _ => false,
                    };
                    if !ok {
                        failures.push(format!("{id}: ClusterName {cluster} is not the cluster {service} runs in ({runs_in})"));
                    }
                }
                "AWS/ApplicationELB" | "AWS/NetworkELB" => {
                    let Some(lb) = value("LoadBalancer") else {
                        failures.push(format!("{id}: {ns} without a LoadBalancer dimension"));
                        continue;
                    };
                    if names
                        .iter()
                        .any(|n| !matches!(*n, "LoadBalancer" | "TargetGroup"))
                    {
                        failures.push(format!("{id}: {ns} with dimensions {names:?}"));
                    }
                    // The load balancer's ARN value, as listeners name it.
                    let arn = match get_att(
                        lb,
                        "LoadBalancerFullName",
                        "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    ) {
                        Some(lb_id) => {
                            let want = if ns == "AWS/ApplicationELB" {
                                "application"
                            } else {
                                "network"
                            };
                            if resources[&lb_id]["Properties"]["Type"] != want {
                                failures.push(format!(
                                    "{id}: {ns} on a load balancer that is not {want}"
                                ));
                            }
                            serde_json::json!({"Ref": lb_id})
                        }
                        None => {
                            match lb["Fn::Select"].as_array().map(Vec::as_slice) {
                                Some([i, split])
                                    if i == 1 && split["Fn::Split"][0] == "loadbalancer/" =>
                                {
                                    split["Fn::Split"][1].clone()
                                }
                                _ => {
                                    failures.push(format!("{id}: LoadBalancer {lb} is not a load balancer's full name"));
                                    continue;
                                }
                            }
                        }
                    };
                    let Some(tg) = value("TargetGroup") else {
                        continue;
                    };
                    let Some(tg) = get_att(
                        tg,
                        "TargetGroupFullName",
                        "AWS::ElasticLoadBalancingV2::TargetGroup",
                    ) else {
                        failures.push(format!("{id}: TargetGroup is not the full name of a target group of the template"));
                        continue;
                    };
                    let forwards = resources.values().any(|r| {
                        let props = &r["Properties"];
                        match r["Type"].as_str() {
                            Some("AWS::ElasticLoadBalancingV2::Listener") => {
                                props["LoadBalancerArn"] == arn
                                    && refs_in(&props["DefaultActions"]).contains(&tg)
                            }
                            Some("AWS::ElasticLoadBalancingV2::ListenerRule") => {
                                refs_in(&props["Actions"]).contains(&tg)
                                    && props["ListenerArn"]["Ref"].as_str().is_some_and(|l| {
                                        resources[l]["Properties"]["LoadBalancerArn"] == arn
                                    })
                            }
                            _ => false,
                        }
                    });
                    let used = resources.values().any(|r| {
                        r["Type"] == "AWS::ECS::Service"
                            && refs_in(&r["Properties"]["LoadBalancers"]).contains(&tg)
                    });
                    if !forwards || !used {
                        failures.push(format!("{id}: target group {tg} is not behind the alarm's load balancer, or no service uses it"));
                    }
                }
                "AWS/SQS" => {
                    if names != ["QueueName"]
                        || get_att(value("QueueName").unwrap(), "QueueName", "AWS::SQS::Queue")
                            .is_none()
                    {
                        failures.push(format!(
                            "{id}: AWS/SQS needs QueueName, the name of a queue of the template"
                        ));
                    }
                }
                other => failures.push(format!("{id}: unexpected namespace {other}")),
            }
        }
    }
    for (id, service) in resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::ECS::Service")
    {
        let listed = &service["Properties"]["DeploymentConfiguration"]["Alarms"]["AlarmNames"];
        for name in listed.as_array().into_iter().flatten() {
            if !names.contains(name) {
                failures.push(format!(
                    "{id}: deployment alarm {name} is not an alarm of the template"
                ));
            }
        }
    }
    failures
}
