//! The VPC (created when none is given: two public subnets, or in private mode two more
//! private subnets behind NAT, and DHCP options whose search domain is the project's
//! namespace) and one security group per Compose network.

use super::context::Context;
use crate::cfn::intrinsics::{get_att, ref_, sub};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::{Nat, NetworkMode};
use serde_json::{json, Value};

/// Uses the given VPC and subnets, or creates a VPC with two public subnets in two AZs.
pub fn vpc(ctx: &mut Context) {
    if let (Some(vpc), Some(subnets)) = (&ctx.placement.vpc, &ctx.placement.subnets) {
        ctx.vpc = vpc.clone();
        ctx.subnets = subnets.clone();
        return;
    }
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
                "Tags": name_tags(ctx, ""),
            }),
        ),
    );
    ctx.out.add(
        igw.clone(),
        Resource::new(
            "AWS::EC2::InternetGateway",
            json!({"Tags": name_tags(ctx, "")}),
        ),
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
            json!({"VpcId": ref_(&vpc_id), "Tags": name_tags(ctx, "-public")}),
        ),
    );
    ctx.out.add(
        route.clone(),
        Resource::new(
            "AWS::EC2::Route",
            json!({"RouteTableId": ref_(&table), "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": ref_(&igw)}),
        )
        .depends_on(attachment.clone()),
    );
    let mut subnets = Vec::new();
    let mut ready = vec![route];
    // EC2 instances reach ECS, the registries and CloudWatch through the internet
    // gateway: they get public addresses (and accept nothing from outside; see
    // docs/compute.md).
    // In private mode the instances sit in the private subnets, behind NAT.
    let private = private_subnets(ctx);
    let public_ips = ctx.valid.plan().ec2.is_some() && private.is_none();
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
        props["Tags"] = Value::Array(name_tags(ctx, &format!("-public-{i}")));
        ctx.out
            .add(subnet.clone(), Resource::new("AWS::EC2::Subnet", props));
        associate(ctx, &assoc, &subnet, &table);
        subnets.push(ref_(&subnet));
        ready.push(assoc);
    }
    ctx.vpc = ref_(&vpc_id);
    ctx.subnets = Value::Array(subnets);
    if let Some(nat) = private {
        let (subnets, routes) = nat_and_private_subnets(ctx, nat, &attachment);
        ctx.subnets = Value::Array(subnets);
        ready.extend(routes);
    }
    ready.push(dhcp_options(ctx, &vpc_id));
    ctx.network_ready = ready;
    let vpc_out = ctx.id("VpcId");
    ctx.out
        .output(vpc_out, "VPC created for the project", ref_(&vpc_id));
}

/// `<P>DhcpOptions`, associated with the created VPC: the search domain is the project's
/// Cloud Map namespace, so a short name (`db`) resolves to `db.<project>.local` on any
/// port, for tasks in `awsvpc` mode (ECS gives each task's network interface the VPC's
/// DHCP domain as its DNS search list: `DomainNameSearchList` in the task metadata) and
/// for the instances, whose `bridge` and `host` containers use their resolver. One domain:
/// several (space-separated) reach Amazon Linux 2023 as one mangled search entry. Returns
/// the association, which tasks and instances wait for.
fn dhcp_options(ctx: &mut Context, vpc_id: &str) -> String {
    let options = ctx.id("DhcpOptions");
    let association = ctx.id("DhcpOptionsAssociation");
    ctx.out.add(
        options.clone(),
        Resource::new(
            "AWS::EC2::DHCPOptions",
            json!({
                "DomainName": super::discovery::namespace_name(ctx),
                "DomainNameServers": ["AmazonProvidedDNS"],
                "Tags": name_tags(ctx, ""),
            }),
        ),
    );
    ctx.out.add(
        association.clone(),
        Resource::new(
            "AWS::EC2::VPCDHCPOptionsAssociation",
            json!({"VpcId": ref_(vpc_id), "DhcpOptionsId": ref_(&options)}),
        ),
    );
    association
}

/// `x-aws-private_subnets` (or the `PrivateSubnets` property), for a VPC the project
/// creates.
pub fn private_subnets(ctx: &Context) -> Option<Nat> {
    ctx.placement.private_subnets
}

/// The load balancer's subnets: the project's, except that in private mode an
/// internet-facing load balancer sits in the public subnets, alone there.
pub fn balancer_subnets(ctx: &Context, internal: bool) -> Value {
    match private_subnets(ctx) {
        Some(_) if !internal => json!([
            ref_(&ctx.id("PublicSubnet1")),
            ref_(&ctx.id("PublicSubnet2"))
        ]),
        _ => ctx.subnets.clone(),
    }
}

/// Private mode: a NAT gateway (with its Elastic IP) in the first public subnet, or one
/// in each; two private subnets, each with a route table sending the internet through its
/// zone's NAT gateway (the first one when there is one). Returns the private subnets and
/// what services must wait for.
fn nat_and_private_subnets(
    ctx: &mut Context,
    nat: Nat,
    attachment: &str,
) -> (Vec<Value>, Vec<String>) {
    let vpc_id = ctx.id("Vpc");
    let gateways = match nat {
        Nat::Single => 1,
        Nat::PerAz => 2,
    };
    for i in 1..=gateways {
        let eip = ctx.id(&format!("NatEip{i}"));
        ctx.out.add(
            eip.clone(),
            Resource::new(
                "AWS::EC2::EIP",
                json!({"Domain": "vpc", "Tags": name_tags(ctx, &format!("-nat-{i}"))}),
            )
            .depends_on(attachment.to_string()),
        );
        ctx.out.add(
            ctx.id(&format!("NatGateway{i}")),
            Resource::new(
                "AWS::EC2::NatGateway",
                json!({
                    "AllocationId": get_att(&eip, "AllocationId"),
                    "SubnetId": ref_(&ctx.id(&format!("PublicSubnet{i}"))),
                    "Tags": name_tags(ctx, &format!("-nat-{i}")),
                }),
            ),
        );
    }
    let mut subnets = Vec::new();
    let mut ready = Vec::new();
    for (i, cidr) in [(1, "10.0.128.0/18"), (2, "10.0.192.0/18")] {
        let subnet = ctx.id(&format!("PrivateSubnet{i}"));
        let table = ctx.id(&format!("PrivateRouteTable{i}"));
        let route = ctx.id(&format!("PrivateRoute{i}"));
        let assoc = ctx.id(&format!("PrivateSubnet{i}RouteTableAssociation"));
        let gateway = ctx.id(&format!("NatGateway{}", i.min(gateways)));
        ctx.out.add(
            subnet.clone(),
            Resource::new(
                "AWS::EC2::Subnet",
                json!({
                    "VpcId": ref_(&vpc_id),
                    "CidrBlock": cidr,
                    "AvailabilityZone": {"Fn::Select": [i - 1, {"Fn::GetAZs": ""}]},
                    "Tags": name_tags(ctx, &format!("-private-{i}")),
                }),
            ),
        );
        ctx.out.add(
            table.clone(),
            Resource::new(
                "AWS::EC2::RouteTable",
                json!({"VpcId": ref_(&vpc_id), "Tags": name_tags(ctx, &format!("-private-{i}"))}),
            ),
        );
        ctx.out.add(
            route.clone(),
            Resource::new(
                "AWS::EC2::Route",
                json!({"RouteTableId": ref_(&table), "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": ref_(&gateway)}),
            ),
        );
        associate(ctx, &assoc, &subnet, &table);
        subnets.push(ref_(&subnet));
        ready.push(route);
        ready.push(assoc);
    }
    (subnets, ready)
}

/// The project's tags and a `Name` tag: `<stack>-<project><suffix>`.
fn name_tags(ctx: &Context, suffix: &str) -> Vec<Value> {
    let mut t = ctx.project_tags();
    let name = &ctx.project().name;
    t.push(json!({"Key": "Name", "Value": sub(&format!("${{AWS::StackName}}-{name}{suffix}"))}));
    t
}

/// `id`: the association of `subnet` with route table `table`.
fn associate(ctx: &mut Context, id: &str, subnet: &str, table: &str) {
    ctx.out.add(
        id.to_string(),
        Resource::new(
            "AWS::EC2::SubnetRouteTableAssociation",
            json!({"SubnetId": ref_(subnet), "RouteTableId": ref_(table)}),
        ),
    );
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
