//! "Will it run?": what the CLI prints after a conversion's resource count, read from the
//! emitted template (what CloudFormation will create) and the warnings: the services with
//! a public endpoint (port, protocol, the load balancer, the output holding the URL), the
//! services only other services reach (the `name:port` Service Connect gives them), the
//! jobs (run once in each deployment, or on a schedule), where each mounted path keeps its
//! data, and the warnings counted by how much they matter.

use super::{rank, Rank};
use crate::diagnostics::Diagnostics;
use serde_json::Value;
use std::collections::BTreeMap;

/// The summary's lines, each ending with a line break: `will it run?` then one indented
/// line per topic.
pub fn text(template: &Value, warnings: &[&Diagnostics]) -> String {
    lines(template, warnings)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The summary of a packaged template (`compose-to-ecs package`), whose projects are still
/// `ComposeToECS::Project` resources: the template the macro will make of it, expanded here
/// with the secret values the step read and the template's parameter defaults. Nothing
/// when it cannot be expanded without other values (a parameter without a default).
pub fn of_packaged(
    fragment: &Value,
    secrets: &BTreeMap<String, crate::package::SecretValue>,
    warnings: &Diagnostics,
) -> String {
    let given: Vec<(String, String)> = secrets
        .iter()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    match crate::cfn::input::request(fragment.clone(), &given).map(|r| crate::expand(&r)) {
        Ok(Ok(expanded)) => text(&expanded.fragment, &[warnings]),
        _ => String::new(),
    }
}

/// The summary's lines.
pub fn lines(template: &Value, warnings: &[&Diagnostics]) -> Vec<String> {
    let resources = template
        .get("Resources")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let of_type = |t: &str| -> Vec<(&String, &Value)> {
        resources
            .iter()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(t))
            .collect()
    };
    let main_container = |task: Option<&Value>| -> Option<String> {
        let id = task?.get("Ref")?.as_str()?;
        let containers = resources
            .get(id)?
            .pointer("/Properties/ContainerDefinitions")?
            .as_array()?;
        containers
            .iter()
            .find(|c| c.get("Essential").and_then(Value::as_bool) != Some(false))
            .or(containers.first())?
            .get("Name")?
            .as_str()
            .map(String::from)
    };

    let mut out = vec!["will it run?".to_string()];

    // Public endpoints: the outputs `Where service <s> is published on port <p>`.
    let mut published: Vec<String> = Vec::new();
    let mut public_services: Vec<String> = Vec::new();
    for (key, output) in template
        .get("Outputs")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some((service, port)) = output
            .get("Description")
            .and_then(Value::as_str)
            .and_then(|d| d.strip_prefix("Where service "))
            .and_then(|d| d.split_once(" is published on port "))
        else {
            continue;
        };
        let value = match output.get("Value") {
            Some(Value::String(s)) => s.as_str(),
            Some(v) => v.get("Fn::Sub").and_then(Value::as_str).unwrap_or(""),
            None => "",
        };
        let protocol = if value.starts_with("https://") {
            "HTTPS"
        } else if value.starts_with("http://") {
            "HTTP"
        } else {
            let bare = key
                .trim_end_matches("Endpoint")
                .trim_end_matches(|c: char| c.is_ascii_digit());
            ["TCPUDP", "TCP", "UDP"]
                .into_iter()
                .find(|p| bare.ends_with(p))
                .map_or("TCP", |p| if p == "TCPUDP" { "TCP and UDP" } else { p })
        };
        published.push(format!(
            "{service} on port {port} ({protocol}, URL in output `{key}`)"
        ));
        if !public_services.iter().any(|s| s == service) {
            public_services.push(service.to_string());
        }
    }
    let balancer = of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
        .first()
        .map(|(_, lb)| {
            let kind = match lb.pointer("/Properties/Type").and_then(Value::as_str) {
                Some("network") => "Network Load Balancer",
                _ => "Application Load Balancer",
            };
            match lb.pointer("/Properties/Scheme").and_then(Value::as_str) {
                Some("internal") => (false, format!("the internal {kind}")),
                _ => (true, format!("the internet-facing {kind}")),
            }
        })
        .unwrap_or((true, "the given load balancer".to_string()));
    out.push(if published.is_empty() {
        "  public: none (no published port)".to_string()
    } else {
        let label = if balancer.0 {
            "public"
        } else {
            "in the VPC only"
        };
        format!(
            "  {label}: {}, through {}",
            published.join(", "),
            balancer.1
        )
    });

    // Internal-only services: ECS services without an endpoint, with their aliases.
    let mut internal: Vec<String> = Vec::new();
    for (_, service) in of_type("AWS::ECS::Service") {
        let Some(name) = main_container(service.pointer("/Properties/TaskDefinition")) else {
            continue;
        };
        if public_services.contains(&name) {
            continue;
        }
        let aliases: Vec<String> = service
            .pointer("/Properties/ServiceConnectConfiguration/Services")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|s| {
                s.get("ClientAliases")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|a| {
                let host = a.get("DnsName")?.as_str()?.to_string();
                Some(format!("{host}:{}", a.get("Port")?))
            })
            .collect();
        internal.push(if aliases.is_empty() {
            format!("{name} (no port other services reach)")
        } else {
            format!("{name} at {}", aliases.join(", "))
        });
    }
    out.push(format!(
        "  internal only: {}",
        if internal.is_empty() {
            "none".to_string()
        } else {
            internal.join("; ")
        }
    ));

    // Tasks that hold several services' containers (`network_mode: service:X`,
    // `volumes_from`): the root's task, with its members (the helper containers aside).
    let mut shared: Vec<String> = Vec::new();
    for (_, service) in of_type("AWS::ECS::Service") {
        let Some(containers) = service
            .pointer("/Properties/TaskDefinition/Ref")
            .and_then(Value::as_str)
            .and_then(|id| resources.get(id))
            .and_then(|t| t.pointer("/Properties/ContainerDefinitions"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let names: Vec<String> = containers
            .iter()
            .filter_map(|c| {
                let name = c.get("Name")?.as_str()?;
                if name.ends_with("_InitContainer") {
                    return None;
                }
                Some(
                    if c.get("Essential").and_then(Value::as_bool) == Some(false) {
                        format!("{name} (not essential)")
                    } else {
                        name.to_string()
                    },
                )
            })
            .collect();
        if let [root, members @ ..] = &names[..] {
            if !members.is_empty() {
                shared.push(format!("{root}'s task also runs {}", members.join(", ")));
            }
        }
    }
    if !shared.is_empty() {
        out.push(format!("  shared tasks: {}", shared.join("; ")));
    }

    // Jobs: run once in each deployment, or on a schedule.
    let mut jobs: Vec<String> = Vec::new();
    for (_, job) in of_type("Custom::ComposeToECSJob") {
        if let Some(name) = main_container(job.pointer("/Properties/TaskDefinition")) {
            jobs.push(format!("{name} runs once in each deployment"));
        }
    }
    for (_, schedule) in of_type("AWS::Scheduler::Schedule") {
        let task = schedule.pointer("/Properties/Target/EcsParameters/TaskDefinitionArn");
        let Some(name) = main_container(task) else {
            continue;
        };
        let when = schedule
            .pointer("/Properties/ScheduleExpression")
            .and_then(Value::as_str)
            .unwrap_or("on its schedule");
        let zone = schedule
            .pointer("/Properties/ScheduleExpressionTimezone")
            .and_then(Value::as_str)
            .map(|z| format!(" {z}"))
            .unwrap_or_default();
        jobs.push(format!("{name} runs on `{when}`{zone}"));
    }
    out.push(format!(
        "  jobs: {}",
        if jobs.is_empty() {
            "none".to_string()
        } else {
            jobs.join("; ")
        }
    ));

    // Where the data of each mounted path lives.
    let mut places: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, task) in of_type("AWS::ECS::TaskDefinition") {
        let props = task.get("Properties").unwrap_or(&Value::Null);
        let containers = props
            .get("ContainerDefinitions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let volumes = props
            .get("Volumes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mounts = |c: &Value| -> Vec<(String, String)> {
            c.get("MountPoints")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| {
                    Some((
                        m.get("SourceVolume")?.as_str()?.to_string(),
                        m.get("ContainerPath")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        };
        let essential = |c: &Value| c.get("Essential").and_then(Value::as_bool) != Some(false);
        let written: Vec<String> = containers
            .iter()
            .filter(|c| !essential(c))
            .flat_map(|c| mounts(c).into_iter().map(|m| m.0))
            .collect();
        for c in containers.iter().filter(|c| essential(c)) {
            let name = c.get("Name").and_then(Value::as_str).unwrap_or("?");
            for (volume, path) in mounts(c) {
                let config = volumes
                    .iter()
                    .find(|v| v.get("Name").and_then(Value::as_str) == Some(volume.as_str()));
                let place = where_data_lives(config, written.contains(&volume), &resources);
                places
                    .entry(place)
                    .or_default()
                    .push(format!("{name}:{path}"));
            }
        }
    }
    if places.is_empty() {
        out.push("  volumes: none".to_string());
    }
    for (place, paths) in places {
        out.push(format!("  volumes: {place}: {}", paths.join(", ")));
    }

    // Warnings by how much they matter.
    let mut counts: BTreeMap<Rank, usize> = BTreeMap::new();
    for diags in warnings {
        for w in diags.warnings() {
            *counts.entry(rank(w)).or_default() += 1;
        }
    }
    let count = |r: Rank, one: &str, many: &str| {
        let n = counts.get(&r).copied().unwrap_or(0);
        format!("{n} {}", if n == 1 { one } else { many })
    };
    out.push(format!(
        "  warnings: {}, {}, {}",
        count(Rank::RunTime, "run-time risk", "run-time risks"),
        count(Rank::Behaviour, "behaviour change", "behaviour changes"),
        count(Rank::Ignored, "key ignored", "keys ignored"),
    ));
    out
}

/// Where a task volume keeps its data: an EFS file system (kept or not when the stack is
/// deleted), the EC2 instance, files a helper container writes at start, or the task's
/// ephemeral storage.
fn where_data_lives(
    config: Option<&Value>,
    written: bool,
    resources: &serde_json::Map<String, Value>,
) -> String {
    let config = config.unwrap_or(&Value::Null);
    if let Some(efs) = config.get("EFSVolumeConfiguration") {
        let id = efs
            .get("FilesystemId")
            .or(efs.get("FileSystemId"))
            .and_then(|f| f.get("Ref"))
            .and_then(Value::as_str);
        return match id {
            Some(id) => {
                let kept = resources
                    .get(id)
                    .and_then(|r| r.get("DeletionPolicy"))
                    .and_then(Value::as_str)
                    .is_some_and(|p| p == "Retain" || p == "Snapshot");
                let when = if kept {
                    "kept when the stack is deleted"
                } else {
                    "deleted with the stack"
                };
                format!("Amazon EFS file system `{id}` ({when})")
            }
            None => "an existing Amazon EFS file system".to_string(),
        };
    }
    if let Some(path) = config.pointer("/Host/SourcePath").and_then(Value::as_str) {
        return format!("the EC2 instance's `{path}` (lost if the instance is replaced)");
    }
    if config.get("DockerVolumeConfiguration").is_some() {
        return "a Docker volume on the EC2 instance".to_string();
    }
    if written {
        "files written into the task when it starts (secrets, configs, project files)".to_string()
    } else {
        "the task's ephemeral storage (lost when the task stops)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Value {
        json!({
            "Resources": {
                "ShopLoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "internet-facing"}},
                "ShopWebService": {"Type": "AWS::ECS::Service", "Properties": {
                    "TaskDefinition": {"Ref": "ShopWebTaskDefinition"},
                    "ServiceConnectConfiguration": {"Services": [{"ClientAliases": [{"DnsName": "web", "Port": 8000}]}]}}},
                "ShopWebTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
                    "ContainerDefinitions": [{"Name": "web", "MountPoints": [{"SourceVolume": "scratch-1", "ContainerPath": "/tmp"}]}],
                    "Volumes": [{"Name": "scratch-1"}]}},
                "ShopDbService": {"Type": "AWS::ECS::Service", "Properties": {
                    "TaskDefinition": {"Ref": "ShopDbTaskDefinition"},
                    "ServiceConnectConfiguration": {"Services": [{"ClientAliases": [{"DnsName": "db", "Port": 5432}]}]}}},
                "ShopDbTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
                    "ContainerDefinitions": [
                        {"Name": "Db_Secrets_InitContainer", "Essential": false, "MountPoints": [{"SourceVolume": "compose_files_0", "ContainerPath": "/compose-files/0"}]},
                        {"Name": "db", "Essential": true, "MountPoints": [
                            {"SourceVolume": "Dbdata", "ContainerPath": "/var/lib/postgresql/data"},
                            {"SourceVolume": "compose_files_0", "ContainerPath": "/run/secrets"}]}],
                    "Volumes": [
                        {"Name": "Dbdata", "EFSVolumeConfiguration": {"FilesystemId": {"Ref": "ShopDbdataFilesystem"}}},
                        {"Name": "compose_files_0"}]}},
                "ShopDbdataFilesystem": {"Type": "AWS::EFS::FileSystem", "DeletionPolicy": "Retain"},
                "ShopMigrateJob": {"Type": "Custom::ComposeToECSJob", "Properties": {"TaskDefinition": {"Ref": "ShopMigrateTaskDefinition"}}},
                "ShopMigrateTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "migrate"}]}},
                "ShopReportSchedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {
                    "ScheduleExpression": "cron(0 3 * * ? *)", "ScheduleExpressionTimezone": "Europe/Paris",
                    "Target": {"EcsParameters": {"TaskDefinitionArn": {"Ref": "ShopReportTaskDefinition"}}}}},
                "ShopReportTaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "report"}]}}
            },
            "Outputs": {
                "ShopWebTCP80Endpoint": {"Description": "Where service web is published on port 80", "Value": {"Fn::Sub": "http://${ShopLoadBalancer.DNSName}"}},
                "ShopWebTCP9000Endpoint": {"Description": "Where service web is published on port 9000", "Value": {"Fn::Sub": "${ShopLoadBalancer.DNSName}:9000"}},
                "ShopClusterName": {"Description": "ECS cluster running the project", "Value": {"Ref": "ShopCluster"}}
            }
        })
    }

    #[test]
    fn it_answers_will_it_run() {
        let mut warnings = Diagnostics::new();
        warnings.warn(
            "services.db.volumes[0]",
            "`db` keeps a database on Amazon EFS",
        );
        warnings.warn("services.web.restart", "ignored: ECS restarts tasks");
        warnings.warn("services.api.restart", "ignored: ECS restarts tasks");
        assert_eq!(
            lines(&template(), &[&warnings, &Diagnostics::new()]),
            [
                "will it run?",
                "  public: web on port 80 (HTTP, URL in output `ShopWebTCP80Endpoint`), web on port 9000 (TCP, URL in output `ShopWebTCP9000Endpoint`), through the internet-facing Application Load Balancer",
                "  internal only: db at db:5432",
                "  jobs: migrate runs once in each deployment; report runs on `cron(0 3 * * ? *)` Europe/Paris",
                "  volumes: Amazon EFS file system `ShopDbdataFilesystem` (kept when the stack is deleted): db:/var/lib/postgresql/data",
                "  volumes: files written into the task when it starts (secrets, configs, project files): db:/run/secrets",
                "  volumes: the task's ephemeral storage (lost when the task stops): web:/tmp",
                "  warnings: 1 run-time risk, 0 behaviour changes, 2 keys ignored",
            ]
        );
    }

    #[test]
    fn an_empty_project_says_none() {
        let t = json!({"Resources": {"ShopWorkerService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
            "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [{"Name": "worker"}]}}}});
        assert_eq!(
            lines(&t, &[]),
            [
                "will it run?",
                "  public: none (no published port)",
                "  internal only: worker (no port other services reach)",
                "  jobs: none",
                "  volumes: none",
                "  warnings: 0 run-time risks, 0 behaviour changes, 0 keys ignored",
            ]
        );
    }

    #[test]
    fn an_internal_load_balancer_is_not_public() {
        let mut t = template();
        t["Resources"]["ShopLoadBalancer"]["Properties"]["Scheme"] = json!("internal");
        t["Resources"]["ShopLoadBalancer"]["Properties"]["Type"] = json!("network");
        let l = lines(&t, &[]);
        assert!(
            l[1].starts_with("  in the VPC only: web on port 80")
                && l[1].ends_with("through the internal Network Load Balancer"),
            "{l:?}"
        );
    }

    #[test]
    fn a_task_shared_by_services_names_its_members() {
        let t = json!({"Resources": {"MediaVpnService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
            "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [
                {"Name": "vpn"}, {"Name": "vpn_Secrets_InitContainer", "Essential": false},
                {"Name": "init", "Essential": false}, {"Name": "torrent"}]}}}});
        assert_eq!(
            lines(&t, &[])[3],
            "  shared tasks: vpn's task also runs init (not essential), torrent"
        );
    }
}
