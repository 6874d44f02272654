//! Volumes on ECS: one encrypted EFS file system per top-level volume a service mounts
//! (retained on stack deletion), mount targets in the project's subnets behind an NFS
//! security group that admits only the services mounting it, an access point per
//! identity, and task-local scratch space for anonymous volumes and tmpfs.

use super::context::Context;
use crate::cfn::intrinsics::{get_att, ref_, sub, sub_with};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::{Mount, MountSource, NetworkMode, Service, Text, Volume};
use crate::validate::volumes::{
    access, has_mount_targets, needs_client_group, task_volume_name, volumes_of, Access,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// NFS, the only port the file systems' security groups open.
pub const NFS_PORT: u16 = 2049;

/// `<P><Vol>Filesystem`.
fn file_system_id(ctx: &Context, key: &str) -> String {
    ctx.id(&format!("{}Filesystem", normalize(key)))
}

/// `<P><Vol>NFSSecurityGroup`.
fn nfs_group_id(ctx: &Context, key: &str) -> String {
    ctx.id(&format!("{}NFSSecurityGroup", normalize(key)))
}

/// `<P><Svc>EFSClientSecurityGroup`.
pub fn client_group_id(ctx: &Context, s: &Service) -> String {
    // A container of another service's task uses that task's group.
    let s = crate::compose::groups::root_of(ctx.project(), s);
    ctx.service_id(s, "EFSClientSecurityGroup")
}

/// `<P><Vol>AccessPoint` for the volume's own identity (its `driver_opts`, or none);
/// `<P><Vol>User<uid>[Group<gid>]AccessPoint` for one taken from a service's `user:`;
/// `<P><Vol>Owner<uid>[Group<gid>]AccessPoint` for one that creates the directory for the
/// user a container is known to run as. A mount's `subpath` adds `Sub<Path>` after the
/// volume (`<P><Vol>SubLogsAccessPoint`).
fn access_point_id(ctx: &Context, key: &str, a: &Access) -> String {
    let vol = task_volume_name(key, a.subpath.as_deref());
    let named = |kind: &str, (uid, gid): (u32, u32)| {
        let group = if gid == uid {
            String::new()
        } else {
            format!("Group{gid}")
        };
        ctx.id(&format!("{vol}{kind}{uid}{group}AccessPoint"))
    };
    match (a.user, a.owner) {
        (Some(ids), _) if a.from_service => named("User", ids),
        (None, Some(ids)) => named("Owner", ids),
        _ => ctx.id(&format!("{vol}AccessPoint")),
    }
}

/// The file system id value.
fn fs_id(ctx: &Context, key: &str, volume: &Volume) -> Value {
    match &volume.external {
        Some(id) => id.to_json(),
        None => ref_(&file_system_id(ctx, key)),
    }
}

/// The file system ARN value, for the task role.
fn fs_arn(ctx: &Context, key: &str, volume: &Volume) -> Value {
    const ARN: &str =
        "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}:file-system/";
    match &volume.external {
        Some(Text::Lit(id)) => sub(&format!("{ARN}{id}")),
        Some(Text::Expr(e)) => {
            let mut vars = Map::new();
            vars.insert("FileSystemId".into(), e.clone());
            sub_with(&format!("{ARN}${{FileSystemId}}"), vars)
        }
        None => get_att(&file_system_id(ctx, key), "Arn"),
    }
}

/// The subnets that get a mount target, each with its logical ID suffix: the subnets of
/// a literal list (named by their id or `Ref`), or the first two of a list parameter.
pub fn mount_subnets(ctx: &Context) -> Vec<(String, Value)> {
    match &ctx.subnets {
        Value::Array(items) => {
            let named: Vec<(String, Value)> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let name = match item {
                        Value::String(s) => normalize(s),
                        other => match other.get("Ref").and_then(Value::as_str) {
                            Some(r) => normalize(r.strip_prefix(ctx.prefix).unwrap_or(r)),
                            None => String::new(),
                        },
                    };
                    let name = if name.is_empty() {
                        format!("Subnet{}", i + 1)
                    } else {
                        name
                    };
                    (name, item.clone())
                })
                .collect();
            let distinct: BTreeSet<&String> = named.iter().map(|(n, _)| n).collect();
            if distinct.len() == named.len() {
                named
            } else {
                named
                    .into_iter()
                    .enumerate()
                    .map(|(i, (_, v))| (format!("Subnet{}", i + 1), v))
                    .collect()
            }
        }
        list => (0..2)
            .map(|i| {
                (
                    format!("Subnet{}", i + 1),
                    json!({"Fn::Select": [i, list.clone()]}),
                )
            })
            .collect(),
    }
}

/// True when the service's tasks use the EC2 instance's network (`bridge` or `host`): they
/// have no security group of their own, so NFS is admitted from the instances' group.
pub fn on_instance_network(ctx: &Context, s: &Service) -> bool {
    ctx.valid
        .service_plan(&s.name)
        .is_some_and(|p| p.network_mode != NetworkMode::Awsvpc)
}

/// The subnets a service that mounts volumes runs in: the project's, or, when they come
/// from a list parameter, the two that have the mount targets.
pub fn service_subnets(ctx: &Context, s: &Service) -> Value {
    if ctx.subnets.is_array() || !needs_client_group(ctx.project(), s) {
        return ctx.subnets.clone();
    }
    Value::Array(mount_subnets(ctx).into_iter().map(|(_, v)| v).collect())
}

fn mount_target_ids(ctx: &Context, key: &str) -> Vec<String> {
    mount_subnets(ctx)
        .into_iter()
        .map(|(suffix, _)| ctx.id(&format!("{}NFSMountTargetOn{suffix}", normalize(key))))
        .collect()
}

/// The mount targets the service must wait for.
pub fn mount_targets_of(ctx: &Context, s: &Service) -> Vec<String> {
    let project = ctx.project();
    let volumes: BTreeSet<&str> = crate::compose::groups::task_services(project, s)
        .into_iter()
        .flat_map(volumes_of)
        .collect();
    volumes
        .into_iter()
        .filter(|v| project.volumes.get(*v).is_some_and(has_mount_targets))
        .flat_map(|v| mount_target_ids(ctx, v))
        .collect()
}

/// The file systems, their security groups, mount targets and access points, and the
/// services' EFS client security groups.
pub fn file_systems(ctx: &mut Context) {
    let project = ctx.project();
    // volume → services mounting it
    let mut users: BTreeMap<&str, Vec<&Service>> = BTreeMap::new();
    for s in project.services.values() {
        for v in volumes_of(s) {
            users.entry(v).or_default().push(s);
        }
    }
    for s in project.services.values() {
        if needs_client_group(project, s) && !on_instance_network(ctx, s) {
            let id = client_group_id(ctx, s);
            let props = json!({
                "GroupDescription": format!("{} {} service: EFS client", project.name, s.name),
                "VpcId": ctx.vpc.clone(),
                "Tags": ctx.service_tags(s),
            });
            ctx.out
                .add(id, Resource::new("AWS::EC2::SecurityGroup", props));
        }
    }
    for (key, services) in users {
        let Some(volume) = project.volumes.get(key) else {
            continue;
        };
        let mut tags = ctx.project_tags();
        tags.push(json!({"Key": "com.docker.compose.volume", "Value": key}));
        tags.push(json!({"Key": "Name", "Value": volume.name}));
        for (k, v) in &volume.labels {
            tags.push(json!({"Key": k, "Value": v}));
        }
        if volume.external.is_none() {
            let fs = &volume.fs;
            let mut props = json!({"Encrypted": true});
            if let Some(k) = &fs.kms_key_id {
                props["KmsKeyId"] = json!(k);
            }
            if let Some(m) = &fs.performance_mode {
                props["PerformanceMode"] = json!(m);
            }
            if let Some(m) = &fs.throughput_mode {
                props["ThroughputMode"] = json!(m);
            }
            if let Some(t) = fs.provisioned_throughput {
                props["ProvisionedThroughputInMibps"] = json!(t);
            }
            if let Some(p) = &fs.lifecycle_policy {
                props["LifecyclePolicies"] = json!([{"TransitionToIA": p}]);
            }
            if let Some(b) = &fs.backup_policy {
                props["BackupPolicy"] = json!({"Status": b});
            }
            // Without a file system policy EFS lets any client that reaches a mount target
            // in, IAM or not: this one allows no one (the task roles' own policies grant
            // each service its access point) and refuses clients without TLS.
            props["FileSystemPolicy"] = json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "RefuseClientsWithoutTls",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "elasticfilesystem:ClientMount",
                        "elasticfilesystem:ClientWrite",
                        "elasticfilesystem:ClientRootAccess",
                    ],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }],
            });
            props["FileSystemTags"] = Value::Array(tags.clone());
            let mut resource = Resource::new("AWS::EFS::FileSystem", props);
            resource.retain = true;
            let id = file_system_id(ctx, key);
            ctx.out.add(id, resource);
        }
        if has_mount_targets(volume) {
            let sg = nfs_group_id(ctx, key);
            // One rule per source group: a service's own client group, or the EC2
            // instances' group for the services that share the instance's network.
            let mut sources: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            for s in &services {
                let source = if on_instance_network(ctx, s) {
                    super::capacity::instance_group(ctx)
                } else {
                    client_group_id(ctx, s)
                };
                sources.entry(source).or_default().push(&s.name);
            }
            let ingress: Vec<Value> = sources
                .into_iter()
                .map(|(source, names)| {
                    json!({
                        "Description": format!("NFS from the {} service{}", names.join(", "), if names.len() > 1 { "s" } else { "" }),
                        "IpProtocol": "tcp",
                        "FromPort": NFS_PORT,
                        "ToPort": NFS_PORT,
                        "SourceSecurityGroupId": ref_(&source),
                    })
                })
                .collect();
            let mut sg_tags = ctx.project_tags();
            sg_tags.push(json!({"Key": "com.docker.compose.volume", "Value": key}));
            let props = json!({
                "GroupDescription": format!("{} {key} volume: NFS from the services that mount it", project.name),
                "VpcId": ctx.vpc.clone(),
                "SecurityGroupIngress": ingress,
                "Tags": sg_tags,
            });
            ctx.out
                .add(sg.clone(), Resource::new("AWS::EC2::SecurityGroup", props));
            let ids = mount_target_ids(ctx, key);
            for (id, (_, subnet)) in ids.into_iter().zip(mount_subnets(ctx)) {
                let props = json!({
                    "FileSystemId": fs_id(ctx, key, volume),
                    "SubnetId": subnet,
                    "SecurityGroups": [ref_(&sg)],
                });
                ctx.out
                    .add(id, Resource::new("AWS::EFS::MountTarget", props));
            }
        }
        let points: BTreeSet<Access> = services
            .iter()
            .flat_map(|s| {
                s.mounts
                    .iter()
                    .filter(|m| m.source == MountSource::Volume(key.to_string()))
                    .map(|m| access(volume, s, m.subpath.as_deref()))
            })
            .collect();
        for a in points {
            let mut props = json!({"FileSystemId": fs_id(ctx, key, volume)});
            if let Some((uid, gid)) = a.user {
                props["PosixUser"] = json!({"Uid": uid.to_string(), "Gid": gid.to_string()});
            }
            let mut root = json!({"Path": a.root});
            if a.root != "/" {
                let (uid, gid) = a.creation_owner();
                root["CreationInfo"] = json!({
                    "OwnerUid": uid.to_string(),
                    "OwnerGid": gid.to_string(),
                    "Permissions": a.permissions,
                });
            }
            props["RootDirectory"] = root;
            props["AccessPointTags"] = Value::Array(tags.clone());
            let id = access_point_id(ctx, key, &a);
            ctx.out
                .add(id, Resource::new("AWS::EFS::AccessPoint", props));
        }
    }
}

/// The task definition's `Volumes`: one per top-level volume the service mounts, then
/// one scratch volume per anonymous volume or tmpfs mount, then one per host path (EC2).
pub fn task_volumes(ctx: &Context, s: &Service) -> Vec<Value> {
    let project = ctx.project();
    let mut out = Vec::new();
    let mounted: BTreeSet<(&str, Option<&str>)> = s
        .mounts
        .iter()
        .filter_map(|m| match &m.source {
            MountSource::Volume(key) => Some((key.as_str(), m.subpath.as_deref())),
            MountSource::Scratch | MountSource::Host(_) => None,
        })
        .collect();
    for (key, subpath) in mounted {
        let Some(volume) = project.volumes.get(key) else {
            continue;
        };
        let a = access(volume, s, subpath);
        out.push(json!({
            "Name": task_volume_name(key, subpath),
            "EFSVolumeConfiguration": {
                "FilesystemId": fs_id(ctx, key, volume),
                "TransitEncryption": "ENABLED",
                "AuthorizationConfig": {
                    "AccessPointId": ref_(&access_point_id(ctx, key, &a)),
                    "IAM": "ENABLED",
                },
            },
        }));
    }
    let scratch = s
        .mounts
        .iter()
        .filter(|m| m.source == MountSource::Scratch)
        .count();
    for i in 1..=scratch {
        out.push(json!({"Name": format!("scratch-{i}")}));
    }
    let hosts = s.mounts.iter().filter_map(|m| match &m.source {
        MountSource::Host(path) => Some(path),
        _ => None,
    });
    for (i, path) in hosts.enumerate() {
        out.push(json!({"Name": format!("host-{}", i + 1), "Host": {"SourcePath": path}}));
    }
    out
}

/// The container's `MountPoints`, in declaration order.
pub fn mount_points(s: &Service) -> Vec<Value> {
    let (mut scratch, mut host) = (0, 0);
    s.mounts
        .iter()
        .map(|m| {
            let name = match &m.source {
                MountSource::Volume(key) => task_volume_name(key, m.subpath.as_deref()),
                MountSource::Scratch => {
                    scratch += 1;
                    format!("scratch-{scratch}")
                }
                MountSource::Host(_) => {
                    host += 1;
                    format!("host-{host}")
                }
            };
            json!({"ContainerPath": m.target, "ReadOnly": m.read_only, "SourceVolume": name})
        })
        .collect()
}

/// The task role's inline policies: `<Svc><Vol>VolumeMountPolicy` per volume, allowing
/// the mount through its access point only; writing unless every mount of the volume is
/// read-only; root access only when the container may act as root (the access point sets
/// no user, or root, and the container's user is not known to be another).
pub fn mount_policies(ctx: &Context, s: &Service) -> Vec<Value> {
    let project = ctx.project();
    let mut out = Vec::new();
    for key in volumes_of(s) {
        let Some(volume) = project.volumes.get(key) else {
            continue;
        };
        let mounts: Vec<&Mount> = s
            .mounts
            .iter()
            .filter(|m| m.source == MountSource::Volume(key.to_string()))
            .collect();
        let points: BTreeSet<Access> = mounts
            .iter()
            .map(|m| access(volume, s, m.subpath.as_deref()))
            .collect();
        let mut actions = vec!["elasticfilesystem:ClientMount"];
        if mounts.iter().any(|m| !m.read_only) {
            actions.push("elasticfilesystem:ClientWrite");
        }
        // EFS squashes root to 65534 for an IAM-authorised client without this grant
        // (EFS User Guide, "Using IAM to control access to file systems"): an entrypoint
        // that starts as root and owns its data directory (postgres, mysql) needs it.
        if points.iter().any(Access::root_access) {
            actions.push("elasticfilesystem:ClientRootAccess");
        }
        let mut arns: Vec<Value> = points
            .iter()
            .map(|a| get_att(&access_point_id(ctx, key, a), "Arn"))
            .collect();
        let arns = if arns.len() == 1 {
            arns.remove(0)
        } else {
            Value::Array(arns)
        };
        let mut statement = json!({
            "Effect": "Allow",
            "Action": actions,
            "Resource": fs_arn(ctx, key, volume),
        });
        statement["Condition"] = json!({"StringEquals": {
            "elasticfilesystem:AccessPointArn": arns,
        }});
        out.push(json!({
            "PolicyName": format!("{}{}VolumeMountPolicy", normalize(&s.name), normalize(key)),
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        }));
    }
    out
}
