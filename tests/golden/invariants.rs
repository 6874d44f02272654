//! The structural invariants: properties every processed template must have, checked on
//! the output of every fixture and example (dependencies on listeners, Fargate sizes and
//! host features, what faces the internet, IAM, daemons, private mode, `NoEcho`); the
//! alarms' in `alarms.rs`.

use super::alarms::alarm_failures;
use super::json::{depends_on, fargate_accepts, is_fargate, number, refs_in, statements, subs_in};
use super::{cases, run};
use compose_to_ecs::cfn::input;
use compose_to_ecs::expand;
use serde_json::Value;
use std::fs;
use std::path::Path;

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
