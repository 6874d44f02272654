//! The alarms' invariant: every CloudWatch alarm watches real metrics of the template's
//! resources and notifies a real topic.

use super::json::refs_in;
use serde_json::Value;

/// 7. Every CloudWatch alarm watches real metrics of the template's resources: each
///    dimension names, with the attribute CloudWatch expects, a resource of the right type
///    (or the existing cluster or load balancer the project was given); the namespace fits
///    the dimensions and the load balancer's type; a target group alarm pairs the load
///    balancer with a target group one of its listeners forwards to and a service uses;
///    alarms notify a topic of the template (or a given ARN); every deployment alarm a
///    service names is an alarm of the template.
pub fn alarm_failures(output: &Value) -> Vec<String> {
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
