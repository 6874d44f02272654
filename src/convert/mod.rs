//! Validated Compose project → CloudFormation resources. The only module that speaks both
//! languages; one file per AWS area, all sharing one [`Context`].

mod cluster;
mod discovery;
mod iam;
mod loadbalancer;
mod logs;
mod network;
mod service;
mod task;

use crate::cfn::intrinsics::ref_;
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Generated;
use crate::compose::model::{Project, Service};
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
    /// An existing ECS cluster (name or ARN); `None` to create one.
    pub cluster: Option<Value>,
    /// An existing load balancer ARN; `None` to create one when ports are published.
    pub load_balancer: Option<Value>,
    /// The existing load balancer's security group, which tasks accept traffic from.
    pub load_balancer_security_group: Option<Value>,
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

impl Context<'_> {
    /// The project.
    pub fn project(&self) -> &Project {
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

/// Converts a validated project. Warnings go to `diags`.
pub fn convert(
    valid: &Valid,
    prefix: &str,
    placement: &Placement,
    diags: &mut Diagnostics,
) -> Generated {
    let mut ctx = Context {
        valid,
        prefix,
        placement,
        out: Generated::default(),
        diags,
        vpc: Value::Null,
        subnets: Value::Null,
        network_ready: Vec::new(),
    };
    network::vpc(&mut ctx);
    network::security_groups(&mut ctx);
    cluster::cluster(&mut ctx);
    logs::log_group(&mut ctx);
    discovery::namespace(&mut ctx);
    loadbalancer::load_balancer(&mut ctx);
    let services: Vec<Service> = ctx.project().services.values().cloned().collect();
    for s in &services {
        iam::execution_role(&mut ctx, s);
        iam::task_role(&mut ctx, s);
        task::task_definition(&mut ctx, s);
        discovery::entry(&mut ctx, s);
        let listeners = loadbalancer::listeners(&mut ctx, s);
        service::service(&mut ctx, s, &listeners);
    }
    ctx.out
}
