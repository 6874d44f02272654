//! Whether a task can reach the internet. ECS gives an `awsvpc` task on EC2 no public
//! address, so in public subnets its own outbound traffic goes nowhere ("To access the
//! internet, tasks that use the EC2 launch type must be launched in a private subnet that's
//! configured to use a NAT gateway",
//! https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-configure-network.html);
//! the instance still pulls the image and ships the logs. In the VPC the project creates
//! without private subnets, such a service is warned about: a VPN client (gluetun) or any
//! service calling an outside API would not work.

use super::context::Context;
use crate::compose::model::NetworkMode;
use crate::diagnostics::Path;

/// Warns for each EC2 service in `awsvpc` mode whose tasks have no route out.
pub fn awsvpc_on_ec2(ctx: &mut Context) {
    let p = ctx.placement;
    if p.vpc.is_some() || p.subnets.is_some() || p.private_subnets.is_some() {
        return;
    }
    let project = ctx.project();
    for s in project.services.values() {
        if crate::compose::groups::is_member(s) {
            continue;
        }
        let Some(plan) = ctx.valid.service_plan(&s.name) else {
            continue;
        };
        if !plan.ec2 || plan.network_mode != NetworkMode::Awsvpc {
            continue;
        }
        let path = Path::new("services").key(&s.name).key("network_mode");
        ctx.diags.warn(
            path,
            "an `awsvpc` task on EC2 gets no public address, and the public subnets the project creates have no NAT gateway: the containers cannot reach the internet (the instance still pulls the image and ships the logs); set `x-aws-private_subnets: true` to run the tasks behind a NAT gateway",
        );
    }
}
