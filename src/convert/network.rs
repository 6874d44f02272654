//! The VPC (created when none is given) and one security group per Compose network.

use super::Context;
use crate::cfn::intrinsics::{ref_, sub};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::NetworkMode;
use serde_json::{json, Value};

/// Uses the given VPC and subnets, or creates a VPC with two public subnets in two AZs.
pub fn vpc(ctx: &mut Context) {
    if let (Some(vpc), Some(subnets)) = (&ctx.placement.vpc, &ctx.placement.subnets) {
        ctx.vpc = vpc.clone();
        ctx.subnets = subnets.clone();
        return;
    }
    let name = ctx.project().name.clone();
    let tags = |suffix: &str, ctx: &Context| {
        let mut t = ctx.project_tags();
        t.push(
            json!({"Key": "Name", "Value": sub(&format!("${{AWS::StackName}}-{name}{suffix}"))}),
        );
        t
    };
    let vpc_id = ctx.id("Vpc");
    let igw = ctx.id("InternetGateway");
    let attachment = ctx.id("VpcGatewayAttachment");
    let table = ctx.id("PublicRouteTable");
    let route = ctx.id("PublicRoute");
    ctx.out.add(
        vpc_id.clone(),
        Resource::new(
            "AWS::EC2::VPC",
            json!({
                "CidrBlock": "10.0.0.0/16",
                "EnableDnsHostnames": true,
                "EnableDnsSupport": true,
                "Tags": tags("", ctx),
            }),
        ),
    );
    ctx.out.add(
        igw.clone(),
        Resource::new("AWS::EC2::InternetGateway", json!({"Tags": tags("", ctx)})),
    );
    ctx.out.add(
        attachment.clone(),
        Resource::new(
            "AWS::EC2::VPCGatewayAttachment",
            json!({"VpcId": ref_(&vpc_id), "InternetGatewayId": ref_(&igw)}),
        ),
    );
    ctx.out.add(
        table.clone(),
        Resource::new(
            "AWS::EC2::RouteTable",
            json!({"VpcId": ref_(&vpc_id), "Tags": tags("-public", ctx)}),
        ),
    );
    ctx.out.add(
        route.clone(),
        Resource::new(
            "AWS::EC2::Route",
            json!({"RouteTableId": ref_(&table), "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": ref_(&igw)}),
        )
        .depends_on(attachment),
    );
    let mut subnets = Vec::new();
    let mut ready = vec![route];
    // EC2 instances reach ECS, the registries and CloudWatch through the internet
    // gateway: they get public addresses (and accept nothing from outside; see
    // docs/compute.md).
    let public_ips = ctx.valid.plan().ec2.is_some();
    for (i, cidr) in [(1, "10.0.0.0/18"), (2, "10.0.64.0/18")] {
        let subnet = ctx.id(&format!("PublicSubnet{i}"));
        let assoc = ctx.id(&format!("PublicSubnet{i}RouteTableAssociation"));
        let mut props = json!({
            "VpcId": ref_(&vpc_id),
            "CidrBlock": cidr,
            "AvailabilityZone": {"Fn::Select": [i - 1, {"Fn::GetAZs": ""}]},
        });
        if public_ips {
            props["MapPublicIpOnLaunch"] = json!(true);
        }
        props["Tags"] = Value::Array(tags(&format!("-public-{i}"), ctx));
        ctx.out
            .add(subnet.clone(), Resource::new("AWS::EC2::Subnet", props));
        ctx.out.add(
            assoc.clone(),
            Resource::new(
                "AWS::EC2::SubnetRouteTableAssociation",
                json!({"SubnetId": ref_(&subnet), "RouteTableId": ref_(&table)}),
            ),
        );
        subnets.push(ref_(&subnet));
        ready.push(assoc);
    }
    ctx.vpc = ref_(&vpc_id);
    ctx.subnets = Value::Array(subnets);
    ctx.network_ready = ready;
    let vpc_out = ctx.id("VpcId");
    ctx.out
        .output(vpc_out, "VPC created for the project", ref_(&vpc_id));
}

/// `<P><Net>Network` and its self-referencing ingress, for each network the project
/// creates; external networks are existing security groups, left untouched.
pub fn security_groups(ctx: &mut Context) {
    let networks: Vec<(String, crate::compose::model::Network)> = ctx
        .project()
        .networks
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let project = ctx.project().name.clone();
    for (key, network) in networks {
        if network.external.is_some() {
            continue;
        }
        // Tasks in `bridge`/`host` mode use the instances' group, not the networks'.
        let used = ctx.project().services.values().any(|s| {
            s.networks.contains(&key)
                && ctx
                    .valid
                    .service_plan(&s.name)
                    .is_none_or(|p| p.network_mode == NetworkMode::Awsvpc)
        });
        if !used {
            continue;
        }
        let sg = network_id(ctx, &key);
        let mut tags = ctx.project_tags();
        tags.push(json!({"Key": "com.docker.compose.network", "Value": network.name}));
        for (k, v) in &network.labels {
            tags.push(json!({"Key": k, "Value": v}));
        }
        ctx.out.add(
            sg.clone(),
            Resource::new(
                "AWS::EC2::SecurityGroup",
                json!({
                    "GroupDescription": format!("{project} Security Group for {key} network"),
                    "VpcId": ctx.vpc.clone(),
                    "Tags": tags,
                }),
            ),
        );
        ctx.out.add(
            format!("{sg}Ingress"),
            Resource::new(
                "AWS::EC2::SecurityGroupIngress",
                json!({
                    "Description": format!("Allow communication within network {key}"),
                    "GroupId": ref_(&sg),
                    "IpProtocol": "-1",
                    "SourceSecurityGroupId": ref_(&sg),
                }),
            ),
        );
    }
}

/// `<P><Net>Network`.
pub fn network_id(ctx: &Context, key: &str) -> String {
    ctx.id(&format!("{}Network", normalize(key)))
}

/// The security group value for network `key`: the created group, or the external id.
pub fn security_group(ctx: &Context, key: &str) -> Value {
    match ctx
        .project()
        .networks
        .get(key)
        .and_then(|n| n.external.clone())
    {
        Some(external) => external.to_json(),
        None => ref_(&network_id(ctx, key)),
    }
}
