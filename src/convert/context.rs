//! The context every area file of `convert/` shares: the project, its validated plan, where
//! it runs ([`Placement`]), and the template being written.

use crate::cfn::intrinsics::ref_;
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Generated;
use crate::compose::model::{Project, Service};
use crate::compose::operations::Limit;
use crate::diagnostics::Diagnostics;
use crate::validate::Valid;
use serde_json::{json, Value};

/// Where the project runs, from the resource's properties and the `x-aws-*` extensions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// An existing VPC id (or intrinsic); `None` to create one.
    pub vpc: Option<Value>,
    /// Existing subnets: a list, or an intrinsic giving a list.
    pub subnets: Option<Value>,
    /// Fargate tasks' `AssignPublicIp`: `DISABLED` in the user's subnets (they may be
    /// private, with NAT), `ENABLED` in the project's own public subnets, or what the
    /// `AssignPublicIp` property says.
    pub assign_public_ip: Value,
    /// An existing ECS cluster (name or ARN); `None` to create one.
    pub cluster: Option<Value>,
    /// An existing load balancer ARN; `None` to create one when ports are published.
    pub load_balancer: Option<Value>,
    /// The existing load balancer's security group, which tasks accept traffic from.
    pub load_balancer_security_group: Option<Value>,
    /// ACM certificate ARNs of HTTPS and TLS listeners (the first is the default).
    pub certificates: Vec<Value>,
    /// The load balancer is internal.
    pub internal: bool,
    /// CIDR blocks and prefix lists allowed to reach the listeners (empty: the default).
    pub sources: Vec<Value>,
    /// Existing listeners by published port.
    pub listeners: std::collections::BTreeMap<u16, Value>,
    /// Private subnets behind NAT in the created VPC (`PrivateSubnets`,
    /// `x-aws-private_subnets`).
    pub private_subnets: Option<crate::compose::model::Nat>,
    /// Where alarms notify (`Alarms`, `x-aws-alarms`); `None`: alarms are off.
    pub alerting: Option<Alerting>,
    /// The hosted zone of the project's domains (`HostedZoneId`, `x-aws-hosted_zone`).
    pub hosted_zone: Option<crate::compose::domains::Zone>,
}

/// Everything the area converters share.
pub struct Context<'a> {
    /// The validated project.
    pub valid: &'a Valid,
    /// The project's logical ID: prefix of every generated ID.
    pub prefix: &'a str,
    /// Where the project runs.
    pub placement: &'a Placement,
    /// What has been generated so far.
    pub out: Generated,
    /// Warnings found while converting.
    pub diags: &'a mut Diagnostics,
    /// The VPC id value.
    pub vpc: Value,
    /// The subnets value (a list or an intrinsic).
    pub subnets: Value,
    /// Resources every ECS service must wait for (the created VPC's routes).
    pub network_ready: Vec<String>,
}

impl<'a> Context<'a> {
    /// The project (borrowed from the validated project, not from the context, so that
    /// converters may hold it while they add resources).
    pub fn project(&self) -> &'a Project {
        self.valid.project()
    }

    /// `<Prefix><name>`.
    pub fn id(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    /// `<Prefix><Service><suffix>`, the service part normalised.
    pub fn service_id(&self, service: &Service, suffix: &str) -> String {
        format!("{}{}{}", self.prefix, normalize(&service.name), suffix)
    }

    /// The tags every resource of the project carries.
    pub fn project_tags(&self) -> Vec<Value> {
        vec![json!({"Key": "com.docker.compose.project", "Value": self.project().name})]
    }

    /// Project tags plus the service tag.
    pub fn service_tags(&self, service: &Service) -> Vec<Value> {
        let mut tags = self.project_tags();
        tags.push(json!({"Key": "com.docker.compose.service", "Value": service.name}));
        tags
    }

    /// The value naming the ECS cluster services run in.
    pub fn cluster(&self) -> Value {
        match &self.placement.cluster {
            Some(c) => c.clone(),
            None => ref_(&self.id("Cluster")),
        }
    }
}

/// Where the project's alarms notify: the `Alarms` property, else `x-aws-alarms`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Alerting {
    /// Addresses subscribed to the topic.
    pub emails: Vec<Value>,
    /// An existing topic ARN (`None`: the project creates `<P>AlarmTopic`).
    pub topic: Option<Value>,
    /// Services roll a deployment back when their alarms fire (unless a service says).
    pub rollback: bool,
    /// Minutes a condition must last (unless a service says).
    pub periods: u32,
    /// The load balancer's own 5XX responses per minute.
    pub load_balancer_5xx: Limit,
}
