//! IAM: each service's execution role (pull the image, write its logs, read exactly the
//! secrets and parameters the service uses: nothing else) and,
//! when `x-aws-role` or `x-aws-policies` ask for one, its task role.

use super::Context;
use crate::cfn::intrinsics::{arn, get_att, ref_, sub};
use crate::cfn::template::Resource;
use crate::compose::model::{Service, Text};
use crate::validate::volumes::volumes_of;
use serde_json::{json, Map, Value};

fn assume_role() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ref_("AWS::AccountId")}},
        }],
    })
}

/// Where an image lives, for the pull permissions it needs.
#[derive(Debug, PartialEq)]
enum Registry {
    /// A public registry (Docker Hub, ECR Public, GHCR...): no IAM needed.
    Public,
    /// A private ECR repository: its ARN.
    Ecr(Value),
    /// Unknown at transform time (an intrinsic we cannot read): any ECR repository.
    Unknown,
}

/// Reads `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>[:tag|@digest]`.
fn registry(image: &Text) -> Registry {
    let text = match image {
        Text::Lit(s) => s.as_str(),
        Text::Expr(e) => match e.get("Fn::Sub").and_then(Value::as_str) {
            Some(s) => s,
            None => return Registry::Unknown,
        },
    };
    let Some((host, rest)) = text.split_once('/') else {
        return Registry::Public;
    };
    let host_parts: Vec<&str> = host.split('.').collect();
    let is_ecr = host_parts.len() >= 6
        && host_parts[1] == "dkr"
        && host_parts[2] == "ecr"
        && host_parts[4] == "amazonaws";
    if !is_ecr {
        return Registry::Public;
    }
    let (account, region) = (host_parts[0], host_parts[3]);
    let repo = rest.split(['@']).next().unwrap_or(rest);
    let repo = match repo.rsplit_once(':') {
        Some((r, _tag)) if !_tag.contains('/') => r,
        _ => repo,
    };
    if repo.contains("${") || repo.is_empty() {
        return Registry::Unknown;
    }
    Registry::Ecr(arn(&format!("ecr:{region}:{account}:repository/{repo}")))
}

/// `<P><Svc>TaskExecutionRole`.
pub fn execution_role(ctx: &mut Context, s: &Service) {
    let mut log_groups = vec![get_att(&ctx.id("LogGroup"), "Arn")];
    if let Some(Text::Lit(group)) = s.log_options.get("awslogs-group") {
        log_groups = vec![sub(&format!(
            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{group}:*"
        ))];
    } else if let Some(Text::Expr(_)) = s.log_options.get("awslogs-group") {
        log_groups = vec![sub(
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
        )];
    }
    let mut log_actions = vec!["logs:CreateLogStream", "logs:PutLogEvents"];
    if s.log_options
        .get("awslogs-create-group")
        .and_then(Text::as_lit)
        == Some("true")
    {
        log_actions.insert(0, "logs:CreateLogGroup");
    }
    let mut statements = vec![json!({
        "Sid": "WriteLogs",
        "Effect": "Allow",
        "Action": log_actions,
        "Resource": log_groups,
    })];
    // The service's image, and the helper's when it writes secret and config files.
    let helper = (!s.secrets.is_empty() || !s.configs.is_empty())
        .then(|| ctx.project().init_image.as_ref())
        .flatten();
    let mut repos: Vec<Value> = Vec::new();
    for image in s.image.iter().chain(helper) {
        let repo = match registry(image) {
            Registry::Ecr(repo) => repo,
            Registry::Unknown => Value::String("*".into()),
            Registry::Public => continue,
        };
        if !repos.contains(&repo) {
            repos.push(repo);
        }
    }
    if repos.iter().any(|r| r == "*") {
        repos = vec![Value::String("*".into())];
    }
    let pull = (!repos.is_empty()).then_some(repos);
    if let Some(repos) = pull {
        statements.push(json!({
            "Sid": "AuthenticateToEcr",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        }));
        statements.push(json!({
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": repos,
        }));
    }
    statements.extend(super::secrets::grants(ctx, s).statements());
    // Values are moved in, not embedded in `json!` (which copies them through serde).
    let mut document = json!({"Version": "2012-10-17"});
    document["Statement"] = Value::Array(statements);
    let mut policy = json!({"PolicyName": "TaskExecution"});
    policy["PolicyDocument"] = document;
    let mut props = Map::new();
    props.insert("AssumeRolePolicyDocument".into(), assume_role());
    props.insert("Policies".into(), Value::Array(vec![policy]));
    props.insert("Tags".into(), Value::Array(ctx.service_tags(s)));
    let role = Resource::new("AWS::IAM::Role", Value::Object(props));
    let id = ctx.service_id(s, "TaskExecutionRole");
    ctx.out.add(id, role);
}

/// True when the service gets a task role.
pub fn has_task_role(s: &Service) -> bool {
    s.role.is_some() || !s.policies.is_empty() || !volumes_of(s).is_empty() || s.operations.exec
}

/// `<P><Svc>TaskRole`, from `x-aws-role`, `x-aws-policies`, the volumes it mounts and
/// ECS Exec.
pub fn task_role(ctx: &mut Context, s: &Service) {
    if !has_task_role(s) {
        return;
    }
    let mut props = json!({});
    props["AssumeRolePolicyDocument"] = assume_role();
    props["Tags"] = Value::Array(ctx.service_tags(s));
    if let Some(doc) = &s.role {
        let mut doc = doc.clone();
        if doc.get("Version").is_none() {
            doc["Version"] = json!("2012-10-17");
        }
        props["Policies"] = json!([{
            "PolicyName": format!("{}Policy", crate::cfn::logical_id::normalize(&s.name)),
            "PolicyDocument": doc,
        }]);
    }
    let mut mounts = super::volumes::mount_policies(ctx, s);
    if s.operations.exec {
        mounts.push(super::exec::policy(ctx));
    }
    if !mounts.is_empty() {
        match props.get_mut("Policies").and_then(Value::as_array_mut) {
            Some(list) => list.extend(mounts),
            None => props["Policies"] = Value::Array(mounts),
        }
    }
    if !s.policies.is_empty() {
        props["ManagedPolicyArns"] = Value::Array(s.policies.iter().map(Text::to_json).collect());
    }
    let id = ctx.service_id(s, "TaskRole");
    ctx.out.add(id, Resource::new("AWS::IAM::Role", props));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ecr_repositories() {
        let lit = |s: &str| Text::Lit(s.into());
        assert_eq!(registry(&lit("nginx:1.27")), Registry::Public);
        assert_eq!(
            registry(&lit("public.ecr.aws/docker/library/nginx:1")),
            Registry::Public
        );
        assert_eq!(
            registry(&lit(
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1"
            )),
            Registry::Ecr(arn("ecr:eu-west-1:123456789012:repository/team/app"))
        );
        assert_eq!(
            registry(&Text::Expr(
                json!({"Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app@sha256:abc"})
            )),
            Registry::Ecr(arn("ecr:${AWS::Region}:${AWS::AccountId}:repository/app"))
        );
        assert_eq!(
            registry(&Text::Expr(json!({"Ref": "Image"}))),
            Registry::Unknown
        );
    }
}
