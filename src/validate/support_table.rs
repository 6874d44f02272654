//! The support table: the decided fate of every key the Compose specification defines,
//! plus the `x-aws-*` extensions. `validate::support` walks a Compose document with it,
//! and `docs/compose-support.md` is rendered from it (a test keeps the two equal).
//!
//! Paths are written from the Compose root: `*` stands for a name the user chooses (a
//! service, a network, an environment variable...), `[]` for the items of a list. A key
//! whose value may be a string or a mapping (`ports`, `build`, `depends_on.*`, ...) lists
//! the keys of its mapping form under it.
//!
//! Fates are applied by presence: a key set to its Compose default (`false`, `0`, an empty
//! list or mapping, `null`) requests nothing and gets no diagnostic.

mod entry;
mod services;

use entry::{container, mapped, rejected, warned};
pub use entry::{Entry, Fate};
use services::{MODELS, SERVICES};

// Messages shared by a key and its sub-keys.
const INCLUDE: &str =
    "the macro cannot read other files; copy the included services into this document";
const IPAM: &str = "ignored: tasks get their addresses from the VPC's subnets";

/// Every key with its fate, in document order (top level, then each section).
pub static TABLE: &[Entry] = &concat::<{ TOP_LEVEL.len() + SERVICES.len() + RESOURCES.len() }>(&[
    TOP_LEVEL, SERVICES, RESOURCES,
]);

/// The top-level keys and their own sub-keys (`x-aws-*`, `include`, `models`), before the
/// services.
#[rustfmt::skip]
const TOP_LEVEL: &[Entry] = &[
    // Top level.
    warned("version", "obsolete: ignored, as `docker compose` ignores it"),
    mapped("name", "AWS::ECS::Cluster ClusterName", "project name: cluster name, task family prefix, Cloud Map namespace"),
    rejected("include", INCLUDE),
    mapped("services", "", "the project's services"),
    rejected("models", MODELS),
    mapped("networks", "AWS::EC2::SecurityGroup", "one security group per network; its members reach each other"),
    mapped("volumes", "AWS::EFS::FileSystem", "one Amazon EFS file system per volume a service mounts"),
    mapped("secrets", "AWS::SecretsManager::Secret", "existing secrets and parameters, or new secrets (see docs/secrets.md)"),
    mapped("configs", "", "file contents the services' helper containers write (see docs/secrets.md)"),
    mapped("x-aws-cluster", "AWS::ECS::Service Cluster", "an existing cluster (name or ARN) instead of a new one"),
    mapped("x-aws-vpc", "AWS::EC2::SecurityGroup VpcId", "an existing VPC instead of a new one"),
    mapped("x-aws-loadbalancer", "AWS::ElasticLoadBalancingV2::Listener LoadBalancerArn", "an existing load balancer instead of a new one"),
    mapped("x-aws-certificate", "AWS::ElasticLoadBalancingV2::Listener Certificates", "an ACM certificate ARN, or a list (the first is the default, the others are served by SNI): port 443 and `x-aws-protocol: https` become HTTPS listeners (docs/load-balancing.md)"),
    mapped("x-aws-loadbalancer_scheme", "AWS::ElasticLoadBalancingV2::LoadBalancer Scheme", "`internet-facing` (default) or `internal`: reachable from the VPC only"),
    mapped("x-aws-loadbalancer_sources", "AWS::EC2::SecurityGroup SecurityGroupIngress", "CIDR blocks and prefix lists allowed to reach the listener ports (default: anywhere; internal: the VPC)"),
    mapped("x-aws-listeners", "AWS::ElasticLoadBalancingV2::ListenerRule ListenerArn", "existing listeners of `x-aws-loadbalancer`, by published port: the services' routing rules are added to them"),
    mapped("x-aws-http_redirect", "AWS::ElasticLoadBalancingV2::Listener DefaultActions", "`false` keeps port 80 serving HTTP when port 443 is HTTPS (default: 80 redirects to HTTPS)"),
    mapped("x-aws-hosted_zone", "AWS::Route53::RecordSet HostedZoneId", "the Route 53 hosted zone of the services' `x-aws-domain` names: an ID (`Z0123...`; the certificate is validated in it automatically) or a zone name (`example.com.`; records only, validation by hand); the `HostedZoneId` property wins (docs/load-balancing.md, \"Domains\")"),
    mapped("x-aws-logs_retention", "AWS::Logs::LogGroup RetentionInDays", ""),
    mapped("x-aws-init_image", container!("Image"), "the image of the helper container that writes secret and config files (default: a multi-arch `python` image from ECR Public, pinned by tag; see docs/security.md); it needs `python3`; tasks without a NAT gateway need it in your ECR (a pull-through cache), named here"),
    mapped("x-aws-kms_key", "AWS::SecretsManager::Secret KmsKeyId", "the customer managed key (ARN or id) encrypting the secrets the project creates for environment variables and configs holding a `NoEcho` parameter (default: Secrets Manager's AWS managed key); execution roles may `kms:Decrypt` with exactly that key"),
    mapped("x-aws-capacity", "AWS::ECS::Service CapacityProviderStrategy", "every service's default: `fargate`, `fargate_spot`, `ec2`, or a list of `{provider, weight, base}` (docs/compute.md)"),
    mapped("x-aws-cloudformation", "the generated resources, by logical ID", "an overlay, as compose-cli's: a partial template merged onto the project's resources by compose-cli's logical IDs (`WebService`); lists merge by identity (docs/migrating-from-docker-ecs.md)"),
    mapped("x-aws-private_subnets", "AWS::EC2::NatGateway", "`true`: the VPC the project creates gets two private subnets behind one NAT gateway (`nat_per_az`: one per availability zone) for the tasks and instances, none of which gets a public address; the load balancer stays in the public subnets (docs/compute.md)"),
    mapped("x-aws-alarms", "AWS::CloudWatch::Alarm", "alarms to e-mail: an e-mail address, an SNS topic ARN, or a mapping; the `Alarms` property wins over it (docs/operations.md)"),
    mapped("x-aws-alarms.email", "AWS::SNS::Subscription Endpoint", "one address or a list, subscribed to the project's alarm topic (each confirms by e-mail)"),
    mapped("x-aws-alarms.topic", "AWS::CloudWatch::Alarm AlarmActions", "an existing SNS topic ARN alarms notify instead of a topic of the project's own"),
    mapped("x-aws-alarms.rollback", "AWS::ECS::Service DeploymentConfiguration.Alarms", "`true`: a deployment rolls back when the service's alarms fire (default `false`)"),
    mapped("x-aws-alarms.periods", "AWS::CloudWatch::Alarm EvaluationPeriods", "minutes a condition lasts before an alarm fires, default 5"),
    mapped("x-aws-alarms.load_balancer_5xx", "AWS::CloudWatch::Alarm Threshold", "the load balancer's own 5XX responses a minute, default 10; `false`: no such alarm"),
    mapped("x-aws-dashboard", "AWS::CloudWatch::Dashboard", "`true` or `false` (default: a dashboard when alarms are on)"),
    mapped("x-aws-exec", "AWS::ECS::Service EnableExecuteCommand", "`true`: every service accepts ECS Exec sessions (`aws ecs execute-command`), logged to the project's log group"),
    mapped("x-aws-container_insights", "AWS::ECS::Cluster ClusterSettings", "`enhanced` (default), `enabled` or `disabled`: Container Insights on the cluster the project creates"),
    rejected("include[]", INCLUDE),
    rejected("include[].path", INCLUDE),
    rejected("include[].env_file", INCLUDE),
    rejected("include[].project_directory", INCLUDE),
    rejected("models.*", MODELS),
    rejected("models.*.name", MODELS),
    rejected("models.*.model", MODELS),
    rejected("models.*.context_size", MODELS),
    rejected("models.*.runtime_flags", MODELS),
];

/// The keys of the top-level networks, volumes, secrets and configs, after the services.
#[rustfmt::skip]
const RESOURCES: &[Entry] = &[
    // Networks.
    mapped("networks.*", "AWS::EC2::SecurityGroup", ""),
    mapped("networks.*.name", "AWS::EC2::SecurityGroup Tags", "the `com.docker.compose.network` tag, or the security group id when `external`"),
    warned("networks.*.driver", "ignored: a network is a security group whose members reach each other"),
    warned("networks.*.driver_opts", "ignored: a network is a security group, which has no driver options"),
    warned("networks.*.ipam", IPAM),
    warned("networks.*.ipam.driver", IPAM),
    warned("networks.*.ipam.config", IPAM),
    warned("networks.*.ipam.config[]", IPAM),
    warned("networks.*.ipam.config[].subnet", IPAM),
    warned("networks.*.ipam.config[].ip_range", IPAM),
    warned("networks.*.ipam.config[].gateway", IPAM),
    warned("networks.*.ipam.config[].aux_addresses", IPAM),
    warned("networks.*.ipam.options", IPAM),
    mapped("networks.*.external", "", "an existing security group, whose id is `name`"),
    mapped("networks.*.external.name", "", "deprecated: the security group id; write `name` instead"),
    warned("networks.*.internal", "ignored: security groups isolate networks from each other, but egress to the internet is not restricted"),
    warned("networks.*.enable_ipv4", "ignored: tasks get IPv4 addresses from the VPC's subnets"),
    warned("networks.*.enable_ipv6", "ignored: tasks get IPv6 addresses only from subnets that have an IPv6 range"),
    warned("networks.*.attachable", "ignored: only the project's services join its security groups"),
    mapped("networks.*.labels", "AWS::EC2::SecurityGroup Tags", ""),
    mapped("networks.*.x-aws-securitygroup", "", "deprecated alias for `external: true` with `name: <security group id>`"),
    // Volumes.
    mapped("volumes.*", "AWS::EFS::FileSystem", "an encrypted file system, retained on stack deletion, when a service mounts the volume (see docs/volumes.md)"),
    mapped("volumes.*.name", "AWS::EFS::FileSystem FileSystemTags", "the `Name` tag; for an external volume, the file system id or ARN"),
    mapped("volumes.*.driver", "", "every volume is an Amazon EFS file system: `local` (Compose's default) is accepted silently, another driver is ignored with a warning"),
    mapped("volumes.*.driver_opts", "AWS::EFS::FileSystem", "`performance_mode`, `throughput_mode`, `provisioned_throughput`, `lifecycle_policy`, `backup_policy`, `kms_key_id` (file system); `uid`, `gid`, `permissions`, `root_directory` (access point); `-` or `_`"),
    mapped("volumes.*.external", "AWS::ECS::TaskDefinition Volumes[].EFSVolumeConfiguration.FilesystemId", "an existing file system, named by `name`; its mount targets must exist unless `x-aws-mount_targets`"),
    mapped("volumes.*.external.name", "AWS::ECS::TaskDefinition Volumes[].EFSVolumeConfiguration.FilesystemId", "deprecated form of `name`"),
    mapped("volumes.*.labels", "AWS::EFS::FileSystem FileSystemTags", ""),
    mapped("volumes.*.x-aws-mount_targets", "AWS::EFS::MountTarget", "`true`: create the mount targets of an external file system"),
    // Secrets.
    mapped("secrets.*", "", "an existing Secrets Manager secret or Systems Manager parameter, or a new secret; see docs/secrets.md"),
    mapped("secrets.*.name", "AWS::SecretsManager::Secret Name", "with `external: true`: the existing secret's ARN (compose-cli's form) or name, or the parameter's name or ARN; for a new secret, its name (default: one CloudFormation chooses)"),
    mapped("secrets.*.environment", "AWS::SecretsManager::Secret SecretString", "a new secret holding the template parameter (declare it `NoEcho`) or intrinsic the variable names: a `Ref`, never the value"),
    mapped("secrets.*.file", "AWS::SecretsManager::Secret SecretString", "with `compose-to-ecs package`: the file's value becomes a `NoEcho` template parameter, used as `environment: <PARAMETER>` is; never text in a template (see docs/local-files.md)"),
    mapped("secrets.*.external", "", "`true`: an existing Secrets Manager secret (`name`: ARN or name), or Systems Manager parameter (an `arn:...:ssm:...` name, or `x-aws-parameter: true`)"),
    mapped("secrets.*.external.name", "", "deprecated form of `name`"),
    warned("secrets.*.labels", "ignored: the secret's tags are the project's"),
    warned("secrets.*.driver", "ignored: secrets live in Secrets Manager or Parameter Store"),
    warned("secrets.*.driver_opts", "ignored: secrets live in Secrets Manager or Parameter Store"),
    rejected("secrets.*.template_driver", "secret templates are not supported: the value is written as it is stored"),
    mapped("secrets.*.x-aws-keys", "", "a JSON secret written as one file per key under `/run/secrets/<target>/` (a key, a list of keys, or `*` for all)"),
    mapped("secrets.*.x-aws-generate", "AWS::SecretsManager::Secret GenerateSecretString", "a new secret with a random value: `true`, or `{length, exclude_characters, exclude_punctuation, exclude_numbers, exclude_uppercase, exclude_lowercase, include_space, require_each_included_type, template, key}`"),
    mapped("secrets.*.x-aws-kms_key", "AWS::SecretsManager::Secret KmsKeyId", "the customer managed key (ARN or id) encrypting the secret; execution roles of the services using it may `kms:Decrypt` with exactly that key"),
    mapped("secrets.*.x-aws-parameter", "", "`true`: the external `name` is a Systems Manager parameter, not a Secrets Manager secret"),
    // Configs.
    mapped("configs.*", "", "a file's content, delivered by the helper container; see docs/secrets.md"),
    mapped("configs.*.name", "", "with `external: true`: the Systems Manager parameter's name or ARN"),
    mapped("configs.*.content", container!("Environment"), "the content (interpolated), passed to the helper container that writes the file: visible in the task definition, so not for secrets; content holding a `NoEcho` parameter goes through a secret the project creates (`<P><Key>ConfigSecret`)"),
    mapped("configs.*.environment", container!("Environment"), "the content from a variable, like `content`"),
    mapped("configs.*.file", container!("Environment"), "with `compose-to-ecs package`: the file's text, as `content` (at most 32 KiB; see docs/local-files.md)"),
    mapped("configs.*.external", container!("Secrets"), "`true`: a Systems Manager parameter (`name`: its name or ARN), read by ECS when the task starts"),
    mapped("configs.*.external.name", "", "deprecated form of `name`"),
    warned("configs.*.labels", "ignored: a config is delivered as a file, with no AWS resource to label"),
    rejected("configs.*.template_driver", "config templates are not supported: the content is written as it is"),
];

/// The sections one after the other, at compile time.
const fn concat<const N: usize>(parts: &[&[Entry]]) -> [Entry; N] {
    let mut out = [warned("", ""); N];
    let (mut i, mut n) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[n] = parts[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "the table's length is the sum of its sections'");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The path one level up: `a.b` → `a`, `a[]` → `a`, `a` → none.
    fn parent(path: &str) -> Option<&str> {
        if let Some(list) = path.strip_suffix("[]") {
            return Some(list);
        }
        path.rfind('.').map(|i| &path[..i])
    }

    #[test]
    fn parent_strips_one_segment() {
        assert_eq!(
            parent("services.*.ports[].host_ip"),
            Some("services.*.ports[]")
        );
        assert_eq!(parent("services.*.ports[]"), Some("services.*.ports"));
        assert_eq!(parent("services.*"), Some("services"));
        assert_eq!(parent("x-aws-vpc"), None);
    }

    #[test]
    fn paths_are_unique() {
        let mut seen = BTreeSet::new();
        let duplicates: Vec<&str> = TABLE
            .iter()
            .map(|e| e.path)
            .filter(|p| !seen.insert(*p))
            .collect();
        assert!(duplicates.is_empty(), "duplicate paths: {duplicates:?}");
    }

    #[test]
    fn every_parent_is_an_entry() {
        let paths: BTreeSet<&str> = TABLE.iter().map(|e| e.path).collect();
        let orphans: Vec<&str> = TABLE
            .iter()
            .map(|e| e.path)
            .filter(|p| parent(p).is_some_and(|up| !paths.contains(up)))
            .collect();
        assert!(
            orphans.is_empty(),
            "paths whose parent has no entry: {orphans:?}"
        );
    }

    #[test]
    fn messages_follow_the_house_style() {
        let bad: Vec<(&str, &str)> = TABLE
            .iter()
            .filter(|e| e.fate != Fate::Mapped)
            .filter(|e| {
                let first = e.note.chars().next();
                !first.is_some_and(|c| c.is_ascii_lowercase())
                    || e.note.ends_with('.')
                    || e.note.ends_with(' ')
            })
            .map(|e| (e.path, e.note))
            .collect();
        assert!(
            bad.is_empty(),
            "messages must start lower case and not end with a period: {bad:?}"
        );
    }

    #[test]
    fn warned_and_rejected_keys_name_no_target() {
        let bad: Vec<&str> = TABLE
            .iter()
            .filter(|e| e.fate != Fate::Mapped && !e.target.is_empty())
            .map(|e| e.path)
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
    }

    #[test]
    fn paths_use_the_notation() {
        let bad: Vec<&str> = TABLE
            .iter()
            .map(|e| e.path)
            .filter(|p| {
                p.is_empty()
                    || p.split('.').any(|segment| {
                        let name = segment.strip_suffix("[]").unwrap_or(segment);
                        name.is_empty()
                            || name.contains('[')
                            || !(name == "*"
                                || name.chars().all(|c| {
                                    c.is_ascii_lowercase()
                                        || c.is_ascii_digit()
                                        || c == '_'
                                        || c == '-'
                                }))
                    })
            })
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
    }
}
