//! What CloudFormation sends the provider and what it answers: the custom resource request,
//! the job's properties (as CloudFormation passes them: every scalar a string), the state a
//! run hands to the next invocation, and the response document.

use serde_json::{json, Map, Value};

/// A custom resource request.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// `Create`, `Update` or `Delete`.
    pub kind: Kind,
    /// The pre-signed S3 URL the answer is PUT to.
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_id: String,
    /// Update and Delete: the physical ID the provider answered before.
    pub physical_id: Option<String>,
    /// `ResourceProperties`.
    pub properties: Map<String, Value>,
}

/// The request type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Create,
    Update,
    Delete,
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Request {
    /// Reads a request; `Err` names what is missing (the response cannot be sent without
    /// `ResponseURL`, so that one is a Lambda error).
    pub fn parse(event: &Value) -> Result<Request, String> {
        let map = event
            .as_object()
            .ok_or("the event is not a custom resource request")?;
        let field = |key: &str| text(map, key).ok_or(format!("the request has no `{key}`"));
        let kind = match field("RequestType")?.as_str() {
            "Create" => Kind::Create,
            "Update" => Kind::Update,
            "Delete" => Kind::Delete,
            _ => return Err("unknown `RequestType`".into()),
        };
        Ok(Request {
            kind,
            response_url: field("ResponseURL")?,
            stack_id: field("StackId")?,
            request_id: field("RequestId")?,
            logical_id: field("LogicalResourceId")?,
            physical_id: text(map, "PhysicalResourceId"),
            properties: map
                .get("ResourceProperties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        })
    }

    /// The request as CloudFormation sent it (kept in the hand-over state).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        let kind = match self.kind {
            Kind::Create => "Create",
            Kind::Update => "Update",
            Kind::Delete => "Delete",
        };
        map.insert("RequestType".into(), json!(kind));
        map.insert("ResponseURL".into(), json!(self.response_url));
        map.insert("StackId".into(), json!(self.stack_id));
        map.insert("RequestId".into(), json!(self.request_id));
        map.insert("LogicalResourceId".into(), json!(self.logical_id));
        if let Some(p) = &self.physical_id {
            map.insert("PhysicalResourceId".into(), json!(p));
        }
        map.insert(
            "ResourceProperties".into(),
            Value::Object(self.properties.clone()),
        );
        Value::Object(map)
    }
}

/// A capacity provider share.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    pub provider: String,
    pub weight: i32,
    pub base: i32,
}

/// The job's properties (`convert::jobs`).
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub cluster: String,
    pub task_definition: String,
    /// The container whose exit code is the job's.
    pub container: String,
    pub launch_type: Option<String>,
    pub strategy: Vec<Share>,
    pub platform_version: Option<String>,
    /// `awsvpc`: subnets, security groups, public IP.
    pub network: Option<(Vec<String>, Vec<String>, bool)>,
    /// Further runs after a failed one.
    pub retries: u32,
    pub log_group: Option<String>,
    pub log_stream_prefix: Option<String>,
    /// Seconds CloudFormation waits (`ServiceTimeout`).
    pub timeout_seconds: u64,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn number(map: &Map<String, Value>, key: &str) -> Result<Option<i64>, String> {
    match text(map, key) {
        None => Ok(None),
        Some(t) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("`{key}` is not a number")),
    }
}

impl Job {
    /// Reads the properties; `Err` says which one is wrong.
    pub fn parse(p: &Map<String, Value>) -> Result<Job, String> {
        let need = |key: &str| text(p, key).ok_or(format!("the property `{key}` is missing"));
        let strategy = match p.get("CapacityProviderStrategy") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    let m = i
                        .as_object()
                        .ok_or("`CapacityProviderStrategy` holds a non-mapping")?;
                    Ok(Share {
                        provider: text(m, "CapacityProvider")
                            .ok_or("a capacity provider share has no `CapacityProvider`")?,
                        weight: number(m, "Weight")?.unwrap_or(0) as i32,
                        base: number(m, "Base")?.unwrap_or(0) as i32,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?,
            _ => Vec::new(),
        };
        let network = p
            .get("NetworkConfiguration")
            .and_then(|n| n.get("AwsvpcConfiguration"))
            .and_then(Value::as_object)
            .map(|a| {
                (
                    strings(a.get("Subnets")),
                    strings(a.get("SecurityGroups")),
                    text(a, "AssignPublicIp").as_deref() == Some("ENABLED"),
                )
            });
        let retries = number(p, "Retries")?.unwrap_or(0);
        let timeout = number(p, "ServiceTimeout")?.unwrap_or(3600);
        Ok(Job {
            cluster: need("Cluster")?,
            task_definition: need("TaskDefinition")?,
            container: need("Container")?,
            launch_type: text(p, "LaunchType"),
            strategy,
            platform_version: text(p, "PlatformVersion"),
            network,
            retries: retries.clamp(0, 100) as u32,
            log_group: text(p, "LogGroup"),
            log_stream_prefix: text(p, "LogStreamPrefix"),
            timeout_seconds: timeout.clamp(1, 3600) as u64,
        })
    }

    /// The awslogs stream of the job's container in task `task_arn`:
    /// `<prefix>/<container>/<task id>`.
    pub fn log_stream(&self, task_arn: &str) -> Option<String> {
        let group = self.log_group.as_ref()?;
        let prefix = self.log_stream_prefix.as_ref()?;
        let id = task_arn.rsplit('/').next().unwrap_or(task_arn);
        Some(format!(
            "log group `{group}`, stream `{prefix}/{}/{id}`",
            self.container
        ))
    }
}

/// The physical ID of a run: `<task ARN>|<task definition>`, so that an Update asking again
/// for the task definition that last completed (CloudFormation rolling back a failed
/// update) is answered without running it again.
pub fn physical_id(task_arn: &str, task_definition: &str) -> String {
    format!("{task_arn}|{task_definition}")
}

/// The (task ARN, task definition) of a physical ID this provider gave.
pub fn parse_physical_id(id: &str) -> Option<(&str, &str)> {
    let (task, definition) = id.split_once('|')?;
    task.contains(":task/").then_some((task, definition))
}

/// CloudFormation keeps a response's reason short: the start of a long one.
pub const MAX_REASON: usize = 1500;

/// The response document.
pub fn response(
    request: &Request,
    success: bool,
    reason: &str,
    physical_id: &str,
    data: Map<String, Value>,
) -> Value {
    let reason: String = if reason.chars().count() > MAX_REASON {
        let mut r: String = reason.chars().take(MAX_REASON - 1).collect();
        r.push('…');
        r
    } else {
        reason.to_string()
    };
    json!({
        "Status": if success { "SUCCESS" } else { "FAILED" },
        "Reason": reason,
        "PhysicalResourceId": physical_id,
        "StackId": request.stack_id,
        "RequestId": request.request_id,
        "LogicalResourceId": request.logical_id,
        "NoEcho": false,
        "Data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_arrive_as_strings() {
        let p = json!({
            "ServiceToken": "arn", "Cluster": "c", "TaskDefinition": "arn:td", "Container": "migrate",
            "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE_SPOT", "Weight": "2", "Base": "1"}],
            "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ["s1", "s2"], "SecurityGroups": ["g"], "AssignPublicIp": "ENABLED"}},
            "Retries": "3", "ServiceTimeout": "3600", "LogGroup": "lg", "LogStreamPrefix": "shop",
        });
        let job = Job::parse(p.as_object().unwrap()).unwrap();
        assert_eq!(job.retries, 3);
        assert_eq!(job.strategy[0].weight, 2);
        assert_eq!(job.strategy[0].base, 1);
        assert_eq!(
            job.network,
            Some((vec!["s1".into(), "s2".into()], vec!["g".into()], true))
        );
        assert_eq!(
            job.log_stream("arn:aws:ecs:r:1:task/c/abc").unwrap(),
            "log group `lg`, stream `shop/migrate/abc`"
        );
        let bad =
            json!({"Cluster": "c", "TaskDefinition": "t", "Container": "x", "Retries": "many"});
        assert!(Job::parse(bad.as_object().unwrap())
            .unwrap_err()
            .contains("Retries"));
        assert!(Job::parse(&Map::new()).unwrap_err().contains("Cluster"));
    }

    #[test]
    fn physical_ids_round_trip() {
        let id = physical_id("arn:aws:ecs:r:1:task/c/abc", "arn:td:3");
        assert_eq!(
            parse_physical_id(&id),
            Some(("arn:aws:ecs:r:1:task/c/abc", "arn:td:3"))
        );
        assert_eq!(parse_physical_id("Migrate-123"), None);
    }

    #[test]
    fn long_reasons_are_cut() {
        let r = Request::parse(&json!({"RequestType": "Create", "ResponseURL": "u", "StackId": "s", "RequestId": "r", "LogicalResourceId": "l"})).unwrap();
        let long = "x".repeat(5000);
        let doc = response(&r, false, &long, "p", Map::new());
        assert_eq!(doc["Reason"].as_str().unwrap().chars().count(), MAX_REASON);
        assert_eq!(doc["Status"], "FAILED");
        assert_eq!(Request::parse(&r.to_json()).unwrap(), r);
    }
}
