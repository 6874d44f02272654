//! Capacity: the project's EC2 capacity (an Auto Scaling group of ECS-optimised instances
//! behind an ECS capacity provider with managed scaling) and the cluster's capacity
//! provider association (`FARGATE`, `FARGATE_SPOT`, the EC2 provider). Services with a
//! capacity provider strategy name their providers and wait for the association.

use super::context::Context;
use super::network::{network_id, security_group};
use crate::cfn::intrinsics::{arn, get_att, ref_, sub};
use crate::cfn::template::Resource;
use crate::compose::model::{NetworkMode, Provider, Share};
use crate::validate::compute::Ami;
use serde_json::{json, Value};

/// Size of the instances' encrypted root volume, GiB (GPU images are large).
pub const ROOT_VOLUME_GIB: u32 = 30;
/// Size of the GPU instances' root volume, GiB.
pub const GPU_ROOT_VOLUME_GIB: u32 = 100;
/// First port of the Linux ephemeral range ECS maps `bridge` ports to.
pub const EPHEMERAL_FROM: u16 = 32768;
/// Last port of the ephemeral range.
pub const EPHEMERAL_TO: u16 = 65535;

/// `<P>EC2InstanceSecurityGroup`: the group of the EC2 instances.
pub fn instance_group(ctx: &Context) -> String {
    ctx.id("EC2InstanceSecurityGroup")
}

/// `<P>ClusterCapacityProviders`, when the project creates the cluster.
pub fn association_id(ctx: &Context) -> Option<String> {
    let plan = ctx.valid.plan();
    (ctx.placement.cluster.is_none() && (plan.uses_strategies() || plan.ec2.is_some()))
        .then(|| ctx.id("ClusterCapacityProviders"))
}

/// The EC2 capacity: instance role and profile, security group, launch template, Auto
/// Scaling group and capacity provider. Nothing when no service runs on EC2.
pub fn ec2_capacity(ctx: &mut Context) {
    let Some(plan) = ctx.valid.plan().ec2.clone() else {
        return;
    };
    let project = ctx.project().name.clone();
    let role = ctx.id("EC2InstanceRole");
    let profile = ctx.id("EC2InstanceProfile");
    let group = instance_group(ctx);
    let template = ctx.id("LaunchTemplate");
    let asg = ctx.id("AutoscalingGroup");
    ctx.out.add(
        role.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }],
                },
                // Session Manager reaches the instances without SSH or open ports.
                "ManagedPolicyArns": [
                    arn("iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"),
                    arn("iam::aws:policy/AmazonSSMManagedInstanceCore"),
                ],
                "Tags": ctx.project_tags(),
            }),
        ),
    );
    ctx.out.add(
        profile.clone(),
        Resource::new("AWS::IAM::InstanceProfile", json!({"Roles": [ref_(&role)]})),
    );
    ctx.out.add(
        group.clone(),
        Resource::new(
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": format!("{project} EC2 container instances"),
                "VpcId": ctx.vpc.clone(),
                "Tags": ctx.project_tags(),
            }),
        ),
    );
    if plan.host_networking {
        // Tasks in `bridge`/`host` mode share the instances' network: services reach
        // each other from instance to instance.
        ctx.out.add(
            format!("{group}Ingress"),
            Resource::new(
                "AWS::EC2::SecurityGroupIngress",
                json!({
                    "Description": "Allow communication between the project's EC2 instances",
                    "GroupId": ref_(&group),
                    "IpProtocol": "-1",
                    "SourceSecurityGroupId": ref_(&group),
                }),
            ),
        );
    }
    network_bridges(ctx, &group);
    let image = match &plan.ami {
        Ami::Id(id) => json!(id),
        Ami::Ssm(parameter) => json!(format!("{{{{resolve:ssm:{parameter}}}}}")),
    };
    let volume = if plan.gpu {
        GPU_ROOT_VOLUME_GIB
    } else {
        ROOT_VOLUME_GIB
    };
    let mut instance_tags = ctx.project_tags();
    instance_tags
        .push(json!({"Key": "Name", "Value": sub(&format!("${{AWS::StackName}}-{project}"))}));
    ctx.out.add(
        template.clone(),
        Resource::new(
            "AWS::EC2::LaunchTemplate",
            json!({
                "LaunchTemplateData": {
                    "ImageId": image,
                    "InstanceType": plan.instance_type,
                    "IamInstanceProfile": {"Arn": get_att(&profile, "Arn")},
                    "SecurityGroupIds": [ref_(&group)],
                    // One hop: containers behind the instance's bridge (`bridge` mode)
                    // cannot reach the instance's credentials (docs/security.md).
                    "MetadataOptions": {"HttpEndpoint": "enabled", "HttpTokens": "required", "HttpPutResponseHopLimit": 1},
                    "BlockDeviceMappings": [{
                        "DeviceName": "/dev/xvda",
                        "Ebs": {"Encrypted": true, "VolumeSize": volume, "VolumeType": "gp3", "DeleteOnTermination": true},
                    }],
                    "UserData": {"Fn::Base64": sub(&format!(
                        "#!/bin/bash\necho ECS_CLUSTER=${{{}}} >> /etc/ecs/ecs.config\necho ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n{}",
                        ctx.id("Cluster"),
                        super::host::agent_config(ctx)
                    ))},
                    "TagSpecifications": [{"ResourceType": "instance", "Tags": instance_tags}],
                },
            }),
        ),
    );
    let tags: Vec<Value> = ctx
        .project_tags()
        .into_iter()
        .map(|mut t| {
            t["PropagateAtLaunch"] = json!(true);
            t
        })
        .collect();
    ctx.out.add(
        asg.clone(),
        Resource::new(
            "AWS::AutoScaling::AutoScalingGroup",
            json!({
                "MinSize": if plan.daemons { "1" } else { "0" },
                "MaxSize": plan.max_size.to_string(),
                "VPCZoneIdentifier": ctx.subnets.clone(),
                "LaunchTemplate": {
                    "LaunchTemplateId": ref_(&template),
                    "Version": get_att(&template, "LatestVersionNumber"),
                },
                "Tags": tags,
            }),
        )
        .depends_on_all(ctx.network_ready.clone()),
    );
    ctx.out.add(
        ctx.id("CapacityProvider"),
        Resource::new(
            "AWS::ECS::CapacityProvider",
            json!({
                "AutoScalingGroupProvider": {
                    "AutoScalingGroupArn": ref_(&asg),
                    "ManagedScaling": {"Status": "ENABLED", "TargetCapacity": 100},
                    "ManagedTerminationProtection": "DISABLED",
                },
                "Tags": ctx.project_tags(),
            }),
        ),
    );
}

/// `<P>ClusterCapacityProviders`: the providers the services' strategies name, on the
/// cluster the project creates; tasks without a strategy keep `LaunchType: FARGATE`.
pub fn association(ctx: &mut Context) {
    let Some(id) = association_id(ctx) else {
        return;
    };
    let mut providers = vec![json!("FARGATE")];
    if ctx.valid.plan().uses_spot() {
        providers.push(json!("FARGATE_SPOT"));
    }
    if ctx.valid.plan().ec2.is_some() {
        providers.push(ref_(&ctx.id("CapacityProvider")));
    }
    ctx.out.add(
        id,
        Resource::new(
            "AWS::ECS::ClusterCapacityProviderAssociations",
            json!({
                "Cluster": ref_(&ctx.id("Cluster")),
                "CapacityProviders": providers,
                "DefaultCapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Weight": 1}],
            }),
        ),
    );
}

/// A service's `CapacityProviderStrategy`.
pub fn strategy(ctx: &Context, shares: &[Share]) -> Value {
    Value::Array(
        shares
            .iter()
            .map(|s| {
                let provider = match s.provider {
                    Provider::Fargate => json!("FARGATE"),
                    Provider::FargateSpot => json!("FARGATE_SPOT"),
                    Provider::Ec2 => ref_(&ctx.id("CapacityProvider")),
                };
                json!({"CapacityProvider": provider, "Weight": s.weight, "Base": s.base})
            })
            .collect(),
    )
}

/// A Compose network whose members run both as `awsvpc` tasks (with the network's group)
/// and as `bridge`/`host` tasks (behind the instances' group): rules both ways, so that its
/// members reach each other as on a Compose network (`<P><Net>NetworkToInstancesIngress`,
/// `<P><Net>NetworkFromInstancesIngress`; an external group is left as it is).
fn network_bridges(ctx: &mut Context, group: &str) {
    let mut both = Vec::new();
    for key in ctx.project().networks.keys() {
        let modes: Vec<NetworkMode> = ctx
            .project()
            .services
            .values()
            .filter(|s| s.networks.contains(key))
            .map(|s| {
                ctx.valid
                    .service_plan(&s.name)
                    .map_or(NetworkMode::Awsvpc, |p| p.network_mode)
            })
            .collect();
        let awsvpc = modes.contains(&NetworkMode::Awsvpc);
        if awsvpc && modes.iter().any(|m| *m != NetworkMode::Awsvpc) {
            both.push(key.clone());
        }
    }
    for key in both {
        let external = ctx.project().networks[&key].external.is_some();
        let network = security_group(ctx, &key);
        let id = network_id(ctx, &key);
        ctx.out.add(
            format!("{id}ToInstancesIngress"),
            Resource::new(
                "AWS::EC2::SecurityGroupIngress",
                json!({
                    "Description": format!("Allow the awsvpc tasks of network {key} to reach its bridge and host tasks"),
                    "GroupId": ref_(group),
                    "IpProtocol": "-1",
                    "SourceSecurityGroupId": network,
                }),
            ),
        );
        if !external {
            ctx.out.add(
                format!("{id}FromInstancesIngress"),
                Resource::new(
                    "AWS::EC2::SecurityGroupIngress",
                    json!({
                        "Description": format!("Allow the bridge and host tasks of network {key} to reach its awsvpc tasks"),
                        "GroupId": ref_(&id),
                        "IpProtocol": "-1",
                        "SourceSecurityGroupId": ref_(group),
                    }),
                ),
            );
        }
    }
}
