//! Domains (docs/load-balancing.md, "Domains"): the ACM certificate of the project's
//! domain names (DNS validation; in the hosted zone, CloudFormation writes the validation
//! records itself) and a Route 53 alias record per name to the load balancer. The HTTPS
//! listener, its host rules and the redirect are `loadbalancer`'s (`compose::domains`
//! turned each domain port into an HTTPS port routed by its names); the listener's
//! certificate is this one (`placement`).

use super::context::Context;
use crate::cfn::intrinsics::{get_att, ref_};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::domains::{parse_zone, Zone, MAX_COMMON_NAME};
use crate::compose::model::{Project, Text};
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{json, Value};

/// The certificate's logical ID part: `<Project>Certificate`.
pub const CERTIFICATE: &str = "Certificate";

/// Where the project's domains live, from the `HostedZoneId` property (which wins) or
/// `x-aws-hosted_zone`; and the checks against the `LoadBalancer` property, which the
/// Compose side cannot see. `props` is the path of the resource's `Properties`.
pub fn zone(
    spec: &crate::embed::ProjectSpec,
    project: &Project,
    props: &Path,
    diags: &mut Diagnostics,
) -> Option<Zone> {
    let domains = &project.domains;
    let zone = match &spec.hosted_zone {
        Some(Value::String(text)) => match parse_zone(text) {
            Ok(Zone::Id(id)) => Some(Zone::Id(id)),
            Ok(Zone::Name(_)) => {
                diags.error(
                    props.key("HostedZoneId"),
                    "expected a hosted zone ID like `Z0123456789ABCDEFGHIJ`; a zone name goes in `x-aws-hosted_zone`",
                );
                None
            }
            Err(e) => {
                diags.error(props.key("HostedZoneId"), e);
                None
            }
        },
        Some(v) => Some(Zone::Id(Text::Expr(v.clone()))),
        None => domains.zone.clone(),
    };
    let Some(first) = domains.names.first() else {
        if zone.is_some() {
            let at = if spec.hosted_zone.is_some() {
                props.key("HostedZoneId")
            } else {
                Path::new("x-aws-hosted_zone")
            };
            diags.warn(
                at,
                "no service has `x-aws-domain`: the hosted zone is not used",
            );
        }
        return None;
    };
    if !spec.load_balancing.certificates.is_empty() {
        diags.error(
            props.key("LoadBalancer").key("Certificate"),
            format!("`x-aws-domain` (at `{}`) creates the HTTPS listener's certificate and validates it: neither wins; drop `Certificate`, or drop `x-aws-domain` and route your certificate's names with `x-aws-routing.hosts`", first.path),
        );
    }
    if spec.load_balancer.is_some() {
        diags.error(
            props.key("LoadBalancer"),
            format!("`x-aws-domain` (at `{}`) gets its certificate, HTTPS listener and records on the load balancer the project creates, not on an existing one: attach a certificate for the name to your listener and route it with `x-aws-routing.hosts`", first.path),
        );
    }
    zone
}

/// The certificate, when the project has domains: `Ref` gives its ARN.
pub fn certificate_ref(prefix: &str, project: &Project) -> Option<Value> {
    (!project.domains.names.is_empty()).then(|| ref_(&format!("{prefix}{CERTIFICATE}")))
}

/// The certificate and the alias records of the project's domains.
pub fn domains(ctx: &mut Context) {
    let names = &ctx.project().domains.names;
    let Some(first) = names.first() else {
        return;
    };
    if ctx.placement.load_balancer.is_some() {
        return;
    }
    let zone = ctx.placement.hosted_zone.clone();
    // The first name short enough to be the Common Name; the others are alternative names.
    let common = names
        .iter()
        .position(|d| d.name.len() <= MAX_COMMON_NAME)
        .unwrap_or(0);
    let mut props = json!({
        "DomainName": names[common].name,
        "ValidationMethod": "DNS",
        "Tags": ctx.project_tags(),
    });
    let others: Vec<String> = (0..names.len())
        .filter(|&i| i != common)
        .map(|i| names[i].name.clone())
        .collect();
    if !others.is_empty() {
        props["SubjectAlternativeNames"] = json!(others);
    }
    match &zone {
        Some(Zone::Id(id)) => {
            // CloudFormation writes each name's validation record (a CNAME) in the zone
            // and waits until ACM has issued the certificate.
            props["DomainValidationOptions"] = json!(names
                .iter()
                .map(|d| json!({"DomainName": d.name, "HostedZoneId": id.to_json()}))
                .collect::<Vec<_>>());
        }
        Some(Zone::Name(zone)) => ctx.diags.warn(
            "x-aws-hosted_zone",
            format!("a zone name places the alias records in `{zone}`, but CloudFormation writes certificate validation records only into a zone given by ID: the stack waits at the certificate until you add its validation record (the stack event \"Content of DNS Record is\", which `compose-to-ecs up` prints); give the zone's ID to have it written for you"),
        ),
        None => ctx.diags.warn(
            &first.path,
            "no hosted zone (`x-aws-hosted_zone` or the `HostedZoneId` property): the stack waits at the certificate until you add its validation record to your DNS (the stack event \"Content of DNS Record is\", which `compose-to-ecs up` prints), and you point each name at the load balancer's DNS name (output `LoadBalancerDnsName`) yourself",
        ),
    }
    if ctx.placement.internal {
        ctx.diags.warn(
            &first.path,
            "the load balancer is internal: the names resolve to its private addresses, reachable from the VPC and networks connected to it only; the certificate is still validated through public DNS",
        );
    }
    let id = ctx.id(CERTIFICATE);
    ctx.out.add(
        id,
        Resource::new("AWS::CertificateManager::Certificate", props),
    );
    let Some(zone) = zone else {
        return;
    };
    let lb = ctx.id("LoadBalancer");
    for d in names {
        // A only: the load balancer is IPv4 (no `IpAddressType: dualstack`), and an AAAA
        // alias to it answers no address (docs/load-balancing.md, "Domains").
        let mut record = json!({
            "Name": format!("{}.", d.name),
            "Type": "A",
            "AliasTarget": {
                "DNSName": get_att(&lb, "DNSName"),
                "HostedZoneId": get_att(&lb, "CanonicalHostedZoneID"),
                "EvaluateTargetHealth": false,
            },
        });
        match &zone {
            Zone::Id(id) => record["HostedZoneId"] = id.to_json(),
            Zone::Name(name) => record["HostedZoneName"] = json!(name),
        }
        let id = ctx.id(&format!("{}Record", record_part(&d.name)));
        ctx.out
            .add(id, Resource::new("AWS::Route53::RecordSet", record));
    }
}

/// The logical ID part of a name's record: `shop.example.com` → `ShopExampleCom`,
/// `*.example.com` → `WildcardExampleCom`.
fn record_part(name: &str) -> String {
    name.split('.')
        .map(|label| {
            if label == "*" {
                "Wildcard".to_string()
            } else {
                normalize(label)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_keep_every_label() {
        assert_eq!(record_part("shop.example.com"), "ShopExampleCom");
        assert_eq!(record_part("*.example.com"), "WildcardExampleCom");
        assert_eq!(record_part("a-b.example.com"), "AbExampleCom");
    }
}
