//! IAM: each service's execution role (pull the image, write its logs, read exactly the
//! secrets and parameters the service uses: nothing else) and,
//! when `x-aws-role` or `x-aws-policies` ask for one, its task role.

use super::context::Context;
use crate::cfn::intrinsics::{get_att, ref_, sub, sub_with};
use crate::cfn::template::Resource;
use crate::compose::model::{Service, Text};
use crate::diagnostics::Path;
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
    /// Unknown at transform time (an intrinsic we cannot read): the account's ECR
    /// repositories in the stack's region.
    Unknown,
}

/// The repository whose `RepositoryUri` an image names: `!GetAtt Repo.RepositoryUri`, or
/// `!Sub ${Repo.RepositoryUri}:tag`.
fn repository_resource(image: &Value) -> Option<String> {
    match image.get("Fn::GetAtt") {
        Some(Value::Array(a)) if a.len() == 2 && a[1] == "RepositoryUri" => {
            return a[0].as_str().map(String::from)
        }
        Some(Value::String(s)) => return s.strip_suffix(".RepositoryUri").map(String::from),
        _ => {}
    }
    let text = match image.get("Fn::Sub")? {
        Value::String(s) => s,
        Value::Array(a) => a.first()?.as_str()?,
        _ => return None,
    };
    let rest = text.strip_prefix("${")?;
    let (inner, _) = rest.split_once('}')?;
    inner
        .strip_suffix(".RepositoryUri")
        .filter(|r| !r.is_empty() && !r.contains(['.', '$', '{']))
        .map(String::from)
}

/// Reads `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repo>[:tag|@digest]`, as text or
/// as an `Fn::Sub` whose variables carry into the repository's ARN.
fn registry(image: &Text) -> Registry {
    let (text, variables) = match image {
        Text::Lit(s) => (s.as_str(), None),
        Text::Expr(e) => {
            if let Some(repo) = repository_resource(e) {
                return Registry::Ecr(get_att(&repo, "Arn"));
            }
            match e.get("Fn::Sub") {
                Some(Value::String(s)) => (s.as_str(), None),
                Some(Value::Array(a)) if a.len() == 2 => match (&a[0], &a[1]) {
                    (Value::String(s), Value::Object(vars)) => (s.as_str(), Some(vars)),
                    _ => return Registry::Unknown,
                },
                _ => return Registry::Unknown,
            }
        }
    };
    let Some((host, rest)) = text.split_once('/') else {
        return Registry::Public;
    };
    let host_parts: Vec<&str> = host.split('.').collect();
    // `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`, or the dual-stack
    // `<account>.dkr-ecr[-fips].<region>.on.aws`.
    let is_ecr = (host_parts.len() >= 6
        && host_parts[1] == "dkr"
        && matches!(host_parts[2], "ecr" | "ecr-fips")
        && host_parts[4] == "amazonaws")
        || (host_parts.len() == 5
            && matches!(host_parts[1], "dkr-ecr" | "dkr-ecr-fips")
            && host_parts[3..] == ["on", "aws"]);
    if !is_ecr {
        return Registry::Public;
    }
    let (account, region) = match host_parts[1] {
        "dkr" => (host_parts[0], host_parts[3]),
        _ => (host_parts[0], host_parts[2]),
    };
    let repo = rest.split(['@']).next().unwrap_or(rest);
    let repo = match repo.rsplit_once(':') {
        Some((r, _tag)) if !_tag.contains('/') => r,
        _ => repo,
    };
    if repo.is_empty() || (matches!(image, Text::Lit(_)) && repo.contains("${")) {
        return Registry::Unknown;
    }
    let rest = format!("arn:${{AWS::Partition}}:ecr:{region}:{account}:repository/{repo}");
    Registry::Ecr(sub_with(&rest, variables.cloned().unwrap_or_default()))
}

/// The account's ECR repositories in the stack's region: what an image we cannot read may
/// be pulled from.
fn account_repositories() -> Value {
    sub("arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*")
}

/// `<P><Svc>TaskExecutionRole`: for a group's root, one policy per container's service
/// (`TaskExecution`, then `TaskExecution<Member>`).
pub fn execution_role(ctx: &mut Context, s: &Service) {
    let mut policies = Vec::new();
    let project = ctx.project();
    for (i, t) in crate::compose::groups::task_services(project, s)
        .into_iter()
        .enumerate()
    {
        // Values are moved in, not embedded in `json!` (which copies them through serde).
        let mut document = json!({"Version": "2012-10-17"});
        document["Statement"] = Value::Array(execution_statements(ctx, t));
        let name = match i {
            0 => "TaskExecution".to_string(),
            _ => format!(
                "TaskExecution{}",
                crate::cfn::logical_id::normalize(&t.name)
            ),
        };
        let mut policy = json!({"PolicyName": name});
        policy["PolicyDocument"] = document;
        policies.push(policy);
    }
    let mut props = Map::new();
    props.insert("AssumeRolePolicyDocument".into(), assume_role());
    props.insert("Policies".into(), Value::Array(policies));
    props.insert("Tags".into(), Value::Array(ctx.service_tags(s)));
    let role = Resource::new("AWS::IAM::Role", Value::Object(props));
    let id = ctx.service_id(s, "TaskExecutionRole");
    ctx.out.add(id, role);
}

/// What one service's containers need of the execution role: write their logs, pull their
/// images, read their secrets.
fn execution_statements(ctx: &mut Context, s: &Service) -> Vec<Value> {
    let group_arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:";
    let log_groups = match s.log_options.get("awslogs-group") {
        None => vec![get_att(&ctx.id("LogGroup"), "Arn")],
        // The name is checked (`[A-Za-z0-9_./#-]`): nothing in it means anything to Fn::Sub.
        Some(Text::Lit(group)) => vec![sub(&format!("{group_arn}{group}:*"))],
        // The group the intrinsic names, once CloudFormation resolves it.
        Some(Text::Expr(e)) => {
            let mut vars = Map::new();
            vars.insert("LogGroupName".into(), e.clone());
            vec![sub_with(&format!("{group_arn}${{LogGroupName}}:*"), vars)]
        }
    };
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
    let helper = (!s.secrets.is_empty() || !s.configs.is_empty() || !s.files.is_empty())
        .then(|| ctx.project().init_image.as_ref())
        .flatten();
    let service_image = Path::new("services").key(&s.name).key("image");
    let mut repos: Vec<Value> = Vec::new();
    let images = s.image.iter().map(|i| (i, service_image.clone()));
    for (image, path) in images.chain(helper.map(|i| (i, Path::new("x-aws-init_image")))) {
        let repo = match registry(image) {
            Registry::Ecr(repo) => repo,
            Registry::Unknown => {
                ctx.diags.warn(
                    path,
                    "the image is an intrinsic function whose registry cannot be read: the execution role may pull from this account's ECR repositories in the stack's region only; for a repository elsewhere, write the image as `!Sub <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` (or `!GetAtt <Repository>.RepositoryUri`)",
                );
                account_repositories()
            }
            Registry::Public => continue,
        };
        if !repos.contains(&repo) {
            repos.push(repo);
        }
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
    statements
}

/// True when the service's task gets a task role (for a group's root: some container of
/// its task asks for one).
pub fn has_task_role(ctx: &Context, s: &Service) -> bool {
    crate::compose::groups::task_services(ctx.project(), s)
        .into_iter()
        .any(crate::validate::instance_access::has_task_role)
}

/// `<P><Svc>TaskRole`, from `x-aws-role`, `x-aws-policies`, the volumes it mounts and
/// ECS Exec; for a group's root, those of every container of its task (one role a task).
pub fn task_role(ctx: &mut Context, s: &Service) {
    if !has_task_role(ctx, s) {
        return;
    }
    let mut props = json!({});
    props["AssumeRolePolicyDocument"] = assume_role();
    props["Tags"] = Value::Array(ctx.service_tags(s));
    let mut policies = Vec::new();
    let mut managed: Vec<Value> = Vec::new();
    let services = crate::compose::groups::task_services(ctx.project(), s);
    for t in &services {
        if let Some(doc) = &t.role {
            let mut doc = doc.clone();
            if doc.get("Version").is_none() {
                doc["Version"] = json!("2012-10-17");
            }
            policies.push(json!({
                "PolicyName": format!("{}Policy", crate::cfn::logical_id::normalize(&t.name)),
                "PolicyDocument": doc,
            }));
        }
    }
    for t in &services {
        policies.extend(super::volumes::mount_policies(ctx, t));
    }
    if s.operations.exec {
        policies.push(super::exec::policy(ctx));
    }
    for t in &services {
        for p in t.policies.iter().map(Text::to_json) {
            if !managed.contains(&p) {
                managed.push(p);
            }
        }
    }
    if !policies.is_empty() {
        props["Policies"] = Value::Array(policies);
    }
    if !managed.is_empty() {
        props["ManagedPolicyArns"] = Value::Array(managed);
    }
    let id = ctx.service_id(s, "TaskRole");
    ctx.out.add(id, Resource::new("AWS::IAM::Role", props));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::intrinsics::arn;

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
        for fips in [
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/team/app:v1",
            "123456789012.dkr-ecr-fips.us-east-1.on.aws/team/app:v1",
            "123456789012.dkr-ecr.us-east-1.on.aws/team/app@sha256:abc",
        ] {
            assert_eq!(
                registry(&lit(fips)),
                Registry::Ecr(arn("ecr:us-east-1:123456789012:repository/team/app")),
                "{fips}"
            );
        }
        assert_eq!(
            registry(&Text::Expr(json!({"Ref": "Image"}))),
            Registry::Unknown
        );
        // A repository of the template: its own ARN, not `*`.
        for image in [
            json!({"Fn::GetAtt": ["Repo", "RepositoryUri"]}),
            json!({"Fn::GetAtt": "Repo.RepositoryUri"}),
            json!({"Fn::Sub": "${Repo.RepositoryUri}:${Tag}"}),
            json!({"Fn::Sub": ["${Repo.RepositoryUri}@${Digest}", {"Digest": {"Ref": "D"}}]}),
        ] {
            assert_eq!(
                registry(&Text::Expr(image.clone())),
                Registry::Ecr(get_att("Repo", "Arn")),
                "{image}"
            );
        }
        // A repository named by a variable: the name resolved by `Fn::Sub`.
        assert_eq!(
            registry(&Text::Expr(json!({"Fn::Sub": [
                "${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/${Name}:1",
                {"Name": {"Ref": "RepoName"}}
            ]}))),
            Registry::Ecr(json!({"Fn::Sub": [
                "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/${Name}",
                {"Name": {"Ref": "RepoName"}}
            ]}))
        );
    }
}
