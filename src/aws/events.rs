//! A stack operation followed to its end: the stack's events as they come, a progress
//! count, and on failure the resources that failed with CloudFormation's reasons, plus the
//! stopped tasks of a failing ECS service with ECS's reasons (shared by `up` and `down`).

use super::{error_text, Clients};
use aws_sdk_cloudformation::types::{ResourceStatus, StackEvent, StackStatus};
use std::collections::{BTreeSet, HashSet};

/// How many resources of the operation have finished.
pub struct Progress {
    total: usize,
    done: BTreeSet<String>,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            done: BTreeSet::new(),
        }
    }

    fn note(&mut self, e: &StackEvent) {
        let complete = e
            .resource_status
            .as_ref()
            .is_some_and(|s| s.as_str().ends_with("_COMPLETE") || s.as_str().ends_with("_SKIPPED"));
        let is_stack = e.physical_resource_id.is_some() && e.physical_resource_id == e.stack_id;
        if complete && !is_stack {
            if let Some(id) = &e.logical_resource_id {
                self.done.insert(id.clone());
            }
        }
    }

    fn text(&self) -> String {
        if self.total == 0 {
            String::new()
        } else {
            format!("[{}/{}] ", self.done.len().min(self.total), self.total)
        }
    }
}

/// The ids of the stack's events so far (the ones not to print again).
pub async fn event_ids(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<HashSet<String>, String> {
    let (events, _) = new_events(cfn, stack, &HashSet::new()).await?;
    Ok(events.into_iter().filter_map(|e| e.event_id).collect())
}

/// The events not in `seen`, oldest first (events come newest first: read pages until a
/// seen one). The flag says the stack is gone (a deleted stack named by name).
async fn new_events(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    seen: &HashSet<String>,
) -> Result<(Vec<StackEvent>, bool), String> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = match cfn
            .describe_stack_events()
            .stack_name(stack)
            .set_next_token(token)
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => {
                let text = error_text(&e);
                if text.contains("does not exist") {
                    return Ok((out, true));
                }
                return Err(format!("cannot read the events of stack {stack}: {text}"));
            }
        };
        let mut reached = false;
        for e in page.stack_events.unwrap_or_default() {
            if e.event_id.as_ref().is_some_and(|id| seen.contains(id)) {
                reached = true;
                break;
            }
            out.push(e);
        }
        token = page.next_token;
        if reached || token.is_none() {
            break;
        }
    }
    out.reverse();
    Ok((out, false))
}

/// One event as a line: time, status, resource, reason.
fn line(e: &StackEvent) -> String {
    let time = e
        .timestamp
        .and_then(|t| {
            t.fmt(aws_sdk_cloudformation::primitives::DateTimeFormat::DateTime)
                .ok()
        })
        .map(|t| t.get(11..19).unwrap_or(&t).to_string())
        .unwrap_or_default();
    let status = e
        .resource_status
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let id = e.logical_resource_id.as_deref().unwrap_or("");
    let kind = e.resource_type.as_deref().unwrap_or("");
    let reason = match e.resource_status_reason.as_deref() {
        Some(r) if !r.is_empty() => format!(": {r}"),
        _ => String::new(),
    };
    format!("{time}  {status:<20} {id} ({kind}){reason}")
}

/// Prints the stack's new events until its status is final; returns that status and the
/// operation's events. A stack that disappears (deleted, followed by name) is
/// `DELETE_COMPLETE`.
pub async fn follow(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    mut seen: HashSet<String>,
    progress: &mut Progress,
) -> Result<(StackStatus, Vec<StackEvent>), String> {
    let mut all = Vec::new();
    let mut backoff = super::Backoff::new();
    loop {
        // Status first, then events: the last events are printed before returning.
        let status = match super::describe_stack(cfn, stack).await? {
            Some(s) => s
                .stack_status
                .unwrap_or_else(|| StackStatus::from("UNKNOWN")),
            None => StackStatus::DeleteComplete,
        };
        let (events, gone) = new_events(cfn, stack, &seen).await?;
        for e in events {
            if let Some(id) = &e.event_id {
                seen.insert(id.clone());
            }
            progress.note(&e);
            println!("{}{}", progress.text(), line(&e));
            if let Some(record) = e
                .resource_status_reason
                .as_deref()
                .and_then(validation_record)
            {
                println!("{record}");
            }
            all.push(e);
        }
        if gone {
            return Ok((StackStatus::DeleteComplete, all));
        }
        if super::is_terminal(&status) {
            return Ok((status, all));
        }
        backoff.wait().await;
    }
}

/// The DNS record a certificate waits for, from the event CloudFormation writes while an
/// `AWS::CertificateManager::Certificate` is pending validation ("Content of DNS Record
/// is: {Name: _x1.shop.example.com.,Type: CNAME,Value: _x2.acm-validations.aws.}"), as
/// what to do. `None` for any other reason.
pub fn validation_record(reason: &str) -> Option<String> {
    let (_, rest) = reason.split_once("Content of DNS Record is: {")?;
    let body = rest.split('}').next()?;
    let field = |key: &str| {
        body.split(',')
            .find_map(|part| part.trim().strip_prefix(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let (name, kind, value) = (field("Name:")?, field("Type:")?, field("Value:")?);
    Some(format!("  → the certificate waits for this DNS record; add it to your domain's DNS: {name} {kind} {value}"))
}

/// Whether an event is a resource failing for a reason of its own (not one cancelled
/// because another failed).
fn is_cause(e: &StackEvent) -> bool {
    let failed = matches!(
        e.resource_status,
        Some(
            ResourceStatus::CreateFailed
                | ResourceStatus::UpdateFailed
                | ResourceStatus::DeleteFailed
                | ResourceStatus::ImportFailed
        )
    );
    let reason = e.resource_status_reason.as_deref().unwrap_or("");
    let is_stack = e.physical_resource_id.is_some() && e.physical_resource_id == e.stack_id;
    failed && !is_stack && !reason.contains("cancelled")
}

/// Prints why an operation failed: each failing resource with its reason, and the stopped
/// tasks of failing ECS services.
pub async fn report_failure(clients: &Clients, events: &[StackEvent]) {
    let causes: Vec<&StackEvent> = events.iter().filter(|e| is_cause(e)).collect();
    if causes.is_empty() {
        let reason = events
            .iter()
            .rev()
            .find_map(|e| e.resource_status_reason.clone())
            .unwrap_or_else(|| "CloudFormation gave no reason".into());
        eprintln!("  {reason}");
    }
    for e in &causes {
        eprintln!(
            "  {} ({}): {}",
            e.logical_resource_id.as_deref().unwrap_or("?"),
            e.resource_type.as_deref().unwrap_or("?"),
            e.resource_status_reason
                .as_deref()
                .unwrap_or("no reason given")
        );
    }
    for e in causes {
        if e.resource_type.as_deref() != Some("AWS::ECS::Service") {
            continue;
        }
        let Some((cluster, service)) = e
            .physical_resource_id
            .as_deref()
            .and_then(service_arn_parts)
        else {
            continue;
        };
        for line in stopped_tasks(clients, &cluster, &service).await {
            eprintln!("    {line}");
        }
    }
}

/// The cluster and service names in a service ARN (`arn:aws:ecs:R:A:service/CLUSTER/NAME`).
pub fn service_arn_parts(arn: &str) -> Option<(String, String)> {
    let rest = arn.split_once(":service/")?.1;
    let (cluster, name) = rest.split_once('/')?;
    (!cluster.is_empty() && !name.is_empty()).then(|| (cluster.to_string(), name.to_string()))
}

/// Why the service's last tasks stopped (ECS keeps stopped tasks for about an hour).
pub async fn stopped_tasks(clients: &Clients, cluster: &str, service: &str) -> Vec<String> {
    let tasks = super::service_tasks(clients, cluster, service, true, 5)
        .await
        .unwrap_or_default();
    let mut lines = Vec::new();
    for t in tasks {
        let id = super::task_id(&t).to_string();
        lines.push(format!(
            "stopped task {id}: {}",
            t.stopped_reason.as_deref().unwrap_or("no reason given")
        ));
        for c in t.containers.unwrap_or_default() {
            let mut parts = Vec::new();
            if let Some(r) = c.reason.as_deref().filter(|r| !r.is_empty()) {
                parts.push(r.to_string());
            }
            if let Some(code) = c.exit_code {
                parts.push(format!("exit code {code}"));
            }
            if !parts.is_empty() {
                lines.push(format!(
                    "  container {}: {}",
                    c.name.as_deref().unwrap_or("?"),
                    parts.join(", ")
                ));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_arns_name_their_cluster() {
        assert_eq!(
            service_arn_parts(
                "arn:aws:ecs:us-east-1:123456789012:service/shop-cluster/shop-Web-1AB"
            ),
            Some(("shop-cluster".into(), "shop-Web-1AB".into()))
        );
        // The old format has no cluster.
        assert_eq!(
            service_arn_parts("arn:aws:ecs:us-east-1:123456789012:service/web"),
            None
        );
    }

    #[test]
    fn events_read_as_lines_and_count_progress() {
        let e = StackEvent::builder()
            .stack_id("arn:stack")
            .event_id("1")
            .stack_name("shop")
            .timestamp(aws_sdk_cloudformation::primitives::DateTime::from_secs(
                3723,
            ))
            .logical_resource_id("ShopWebService")
            .physical_resource_id("arn:aws:ecs:us-east-1:1:service/c/s")
            .resource_type("AWS::ECS::Service")
            .resource_status(ResourceStatus::CreateComplete)
            .build();
        assert_eq!(
            line(&e),
            "01:02:03  CREATE_COMPLETE      ShopWebService (AWS::ECS::Service)"
        );
        let mut progress = Progress::new(2);
        progress.note(&e);
        progress.note(&e);
        assert_eq!(progress.text(), "[1/2] ");
    }

    #[test]
    fn certificate_validation_records_are_read_from_the_reason() {
        let reason = "Content of DNS Record is: {Name: _1a2b.shop.example.com.,Type: CNAME,Value: _3c4d.acm-validations.aws.}";
        assert_eq!(
            validation_record(reason).as_deref(),
            Some("  → the certificate waits for this DNS record; add it to your domain's DNS: _1a2b.shop.example.com. CNAME _3c4d.acm-validations.aws.")
        );
        assert_eq!(validation_record("Resource creation Initiated"), None);
        assert_eq!(
            validation_record("Content of DNS Record is: {Name: x}"),
            None
        );
    }

    #[test]
    fn cancelled_resources_are_not_causes() {
        let failed = |reason: &str| {
            StackEvent::builder()
                .stack_id("arn:stack")
                .event_id("1")
                .stack_name("s")
                .timestamp(aws_sdk_cloudformation::primitives::DateTime::from_secs(0))
                .logical_resource_id("Web")
                .physical_resource_id("")
                .resource_status(ResourceStatus::CreateFailed)
                .resource_status_reason(reason)
                .build()
        };
        assert!(is_cause(&failed("Invalid request provided")));
        assert!(!is_cause(&failed("Resource creation cancelled")));
    }
}
