//! `<P>Dashboard` (`x-aws-dashboard`, docs/operations.md): the project's alarms, per
//! service CPU, memory and tasks, per load balancer requests, response time and 5XX (an
//! Application Load Balancer) or flows and bytes (a Network Load Balancer). The body is
//! JSON text built in a fixed order, every name in it an `Fn::Sub` reference (the region,
//! the cluster, each service's name, the load balancer's full name, each alarm's ARN):
//! nothing of an account or a region is written into it.

use super::autoscaling::cluster_name;
use super::context::Context;
use super::loadbalancer::{full_name, is_application};
use crate::cfn::intrinsics::{get_att, sub, sub_with};
use crate::cfn::template::Resource;
use crate::compose::operations::Insights;
use serde_json::{json, Map, Value};

/// Widgets per row, and a widget's size in the dashboard's 24-column grid.
const PER_ROW: u64 = 2;
const WIDTH: u64 = 12;
const HEIGHT: u64 = 6;

/// True when the project gets a dashboard: `x-aws-dashboard`, else when alarms are on.
pub fn wanted(ctx: &Context) -> bool {
    ctx.project()
        .operations
        .dashboard
        .unwrap_or(ctx.placement.alerting.is_some())
}

/// `${...}` text for a value: a resource's `Ref` or `GetAtt` as is, anything else through
/// a variable named `var`.
fn placeholder(value: Value, var: &str, variables: &mut Map<String, Value>) -> String {
    if let Some(id) = value.get("Ref").and_then(Value::as_str) {
        return format!("${{{id}}}");
    }
    if let Some([id, attr]) = value
        .get("Fn::GetAtt")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        if let (Some(id), Some(attr)) = (id.as_str(), attr.as_str()) {
            return format!("${{{id}.{attr}}}");
        }
    }
    variables.insert(var.into(), value);
    format!("${{{var}}}")
}

/// A metric widget.
fn metric_widget(title: String, metrics: Vec<Value>, stat: &str, percent: bool) -> Value {
    let mut properties = json!({
        "title": title,
        "region": "${AWS::Region}",
        "view": "timeSeries",
        "stat": stat,
        "period": 60,
        "metrics": metrics,
    });
    if percent {
        properties["yAxis"] = json!({"left": {"min": 0, "max": 100}});
    }
    json!({"type": "metric", "properties": properties})
}

/// `<P>Dashboard` and the `<P>DashboardUrl` output.
pub fn dashboard(ctx: &mut Context) {
    if !wanted(ctx) {
        return;
    }
    let mut variables = Map::new();
    let cluster = placeholder(cluster_name(ctx), "ClusterName", &mut variables);
    let insights = ctx.placement.cluster.is_some()
        || ctx.project().operations.insights != Some(Insights::Disabled);
    let mut widgets = Vec::new();
    for s in ctx
        .project()
        .services
        .values()
        .filter(|s| s.job.is_none() && s.schedule.is_none())
        .filter(|s| !crate::compose::groups::is_member(s))
    {
        let service = placeholder(
            get_att(&ctx.service_id(s, "Service"), "Name"),
            "ServiceName",
            &mut variables,
        );
        let dims = ["ClusterName", &cluster, "ServiceName", &service];
        let line = |namespace: &str, metric: &str| {
            let mut m = vec![json!(namespace), json!(metric)];
            m.extend(dims.iter().map(|d| json!(d)));
            Value::Array(m)
        };
        widgets.push(metric_widget(
            format!("{}: CPU and memory (%)", s.name),
            vec![
                line("AWS/ECS", "CPUUtilization"),
                line("AWS/ECS", "MemoryUtilization"),
            ],
            "Average",
            true,
        ));
        if insights {
            widgets.push(metric_widget(
                format!("{}: tasks", s.name),
                vec![
                    line("ECS/ContainerInsights", "RunningTaskCount"),
                    line("ECS/ContainerInsights", "DesiredTaskCount"),
                ],
                "Average",
                false,
            ));
        }
    }
    if ctx.valid.balancer().is_some() {
        let lb = placeholder(full_name(ctx), "LoadBalancerFullName", &mut variables);
        let line = |namespace: &str, metric: &str, extra: Option<Value>| {
            let mut m = vec![
                json!(namespace),
                json!(metric),
                json!("LoadBalancer"),
                json!(lb),
            ];
            m.extend(extra);
            Value::Array(m)
        };
        if is_application(ctx) {
            let ns = "AWS/ApplicationELB";
            widgets.push(metric_widget(
                "Load balancer: requests".into(),
                vec![line(ns, "RequestCount", None)],
                "Sum",
                false,
            ));
            widgets.push(metric_widget(
                "Load balancer: target response time (s)".into(),
                vec![
                    line(ns, "TargetResponseTime", Some(json!({"stat": "p50"}))),
                    line(ns, "TargetResponseTime", Some(json!({"stat": "p95"}))),
                ],
                "p95",
                false,
            ));
            widgets.push(metric_widget(
                "Load balancer: 5XX responses".into(),
                vec![
                    line(ns, "HTTPCode_ELB_5XX_Count", None),
                    line(ns, "HTTPCode_Target_5XX_Count", None),
                ],
                "Sum",
                false,
            ));
        } else {
            let ns = "AWS/NetworkELB";
            widgets.push(metric_widget(
                "Load balancer: connections".into(),
                vec![
                    line(ns, "NewFlowCount", None),
                    line(ns, "ActiveFlowCount", None),
                ],
                "Sum",
                false,
            ));
            widgets.push(metric_widget(
                "Load balancer: bytes".into(),
                vec![line(ns, "ProcessedBytes", None)],
                "Sum",
                false,
            ));
        }
    }
    // Place the widgets: the alarms across the top, then two metric widgets a row.
    let alarms: Vec<Value> = ctx
        .out
        .resources
        .iter()
        .filter(|(_, r)| r.kind == "AWS::CloudWatch::Alarm")
        .map(|(id, r)| match r.properties["AlarmName"]["Fn::Sub"].as_str() {
            // An alarm's ARN is its name's: no reference, so the dashboard does not wait
            // for (or depend on) the alarms.
            Some(name) => json!(format!(
                "arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{name}"
            )),
            None => json!(format!("${{{id}.Arn}}")),
        })
        .collect();
    let mut placed = Vec::new();
    let mut top = 0;
    if !alarms.is_empty() {
        let height = 2 + (alarms.len() as u64).div_ceil(4);
        placed.push(json!({
            "type": "alarm",
            "x": 0, "y": 0, "width": 24, "height": height,
            "properties": {"title": "Alarms", "alarms": alarms},
        }));
        top = height;
    }
    for (i, w) in widgets.into_iter().enumerate() {
        let i = i as u64;
        let mut w = w;
        let properties = w["properties"].take();
        placed.push(json!({
            "type": w["type"].take(),
            "x": (i % PER_ROW) * WIDTH,
            "y": top + (i / PER_ROW) * HEIGHT,
            "width": WIDTH,
            "height": HEIGHT,
            "properties": properties,
        }));
    }
    let body = json!({"widgets": placed}).to_string();
    let project = ctx.project().name.clone();
    let id = ctx.id("Dashboard");
    let mut dashboard = Resource::new(
        "AWS::CloudWatch::Dashboard",
        json!({
            "DashboardName": sub(&format!("${{AWS::StackName}}-{project}")),
            "DashboardBody": sub_with(&body, variables),
        }),
    );
    // After the services. CloudFormation orders it so already (the body reads their names;
    // cfn-lint notes the redundancy as W3005), but the offline emulator resolves those
    // names by creating a service before its listener unless told: the explicit order
    // costs nothing and lets the project deploy there.
    dashboard.depends_on = ctx
        .out
        .resources
        .iter()
        .filter(|(_, r)| r.kind == "AWS::ECS::Service")
        .map(|(id, _)| id.clone())
        .collect();
    ctx.out.add(id.clone(), dashboard);
    ctx.out.output(
        ctx.id("DashboardUrl"),
        "CloudWatch dashboard of the project",
        sub(&format!(
            "https://console.aws.amazon.com/cloudwatch/home?region=${{AWS::Region}}#dashboards:name=${{{id}}}"
        )),
    );
}
