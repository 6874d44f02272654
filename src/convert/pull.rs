//! Images can be pulled: where each image of the project comes from, and whether the
//! tasks can reach it. A task without a public IP address and without a NAT gateway
//! reaches only what VPC endpoints serve: the account's private ECR (endpoints `ecr.api`,
//! `ecr.dkr` and the S3 gateway), never Docker Hub, ECR Public ("VPC endpoints currently
//! don't support Amazon ECR Public repositories", Amazon ECR User Guide, "Amazon ECR
//! interface VPC endpoints") or another public registry. The helper image (secret and
//! config files) counts like the services' own.

use crate::compose::model::{Project, Service, Text};
use crate::diagnostics::{Diagnostics, Path};
use serde_json::Value;
use std::collections::BTreeMap;

/// The most images a message names; the rest are counted.
const MAX_NAMED: usize = 6;

/// The registry an image reference names, in words: `Docker Hub`, `ECR Public`, `ECR`
/// (a private registry `<account>.dkr.ecr.<region>.amazonaws.com`) or the host
/// (`ghcr.io`).
pub fn registry(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let host = if image.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost")
    {
        first.to_ascii_lowercase()
    } else {
        return "Docker Hub".into();
    };
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "Docker Hub".into(),
        "public.ecr.aws" => "ECR Public".into(),
        h if h.contains(".dkr.ecr.")
            && (h.ends_with(".amazonaws.com") || h.ends_with(".amazonaws.com.cn")) =>
        {
            "ECR".into()
        }
        h => format!("`{h}`"),
    }
}

/// The images of the project that only the internet serves, by registry: `(image, who)`
/// pairs, in service order. Images given by an intrinsic function are not known here.
pub fn internet_images(project: &Project) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut add = |image: &str, who: String| {
        let r = registry(image);
        if r != "ECR" {
            let list = out.entry(r).or_default();
            if !list.iter().any(|(i, w)| i == image && *w == who) {
                list.push((image.to_string(), who));
            }
        }
    };
    for s in project.services.values() {
        if let Some(Text::Lit(image)) = &s.image {
            add(image, format!("`{}`", s.name));
        }
        if has_helper(s) {
            match &project.init_image {
                Some(Text::Lit(image)) => add(image, format!("the helper of `{}`", s.name)),
                Some(_) => {}
                None => add(
                    super::secrets::INIT_IMAGE,
                    format!("the helper of `{}`", s.name),
                ),
            }
        }
    }
    out
}

/// True when the service's task has the helper container (`convert::secrets::files`).
fn has_helper(s: &Service) -> bool {
    !(s.secrets.is_empty() && s.configs.is_empty() && s.files.is_empty())
}

/// `` `nginx:1.27` (Docker Hub) for `web`, `ghcr.io/a/b` (`ghcr.io`) for `api` ``.
fn listed(images: &BTreeMap<String, Vec<(String, String)>>) -> String {
    let all: Vec<String> = images
        .iter()
        .flat_map(|(registry, list)| {
            list.iter()
                .map(move |(image, who)| format!("`{image}` ({registry}) for {who}"))
        })
        .collect();
    let mut text = all
        .iter()
        .take(MAX_NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > MAX_NAMED {
        text.push_str(&format!(" and {} more", all.len() - MAX_NAMED));
    }
    text
}

/// The ways out, for images the tasks cannot reach.
fn way_out(images: &BTreeMap<String, Vec<(String, String)>>) -> String {
    let helper = images
        .values()
        .flatten()
        .any(|(_, who)| who.starts_with("the helper"));
    format!(
        "or copy them into your ECR (an ECR pull-through cache rule serves Docker Hub, ECR Public, Quay, GitHub and others as `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<image>`; its first pull needs a NAT gateway) and name them so{}",
        if helper {
            ", the helper image with `x-aws-init_image`"
        } else {
            ""
        }
    )
}

/// In the subnets the user gives, without `AssignPublicIp: true`: the warning that says
/// what the tasks then need, naming the images only the internet serves. With `explicit`
/// (`AssignPublicIp: false` written), only when there are such images.
pub fn own_subnets_warning(project: &Project, explicit: bool, path: Path, diags: &mut Diagnostics) {
    let images = internet_images(project);
    if images.is_empty() && explicit {
        return;
    }
    if images.is_empty() {
        diags.warn(
            path,
            "Fargate tasks get no public IP address in the subnets you give: they reach ECR, CloudWatch Logs and Secrets Manager through a NAT gateway or VPC endpoints; for public subnets without NAT, set `AssignPublicIp: true`",
        );
        return;
    }
    diags.warn(
        path,
        format!(
            "Fargate tasks get no public IP address in the subnets you give: they reach ECR, CloudWatch Logs and Secrets Manager through a NAT gateway or VPC endpoints, and VPC endpoints serve no public registry, so only a NAT gateway brings {}; for public subnets without NAT, set `AssignPublicIp: true`, {}",
            listed(&images),
            way_out(&images)
        ),
    );
}

/// In the VPC the project creates, `AssignPublicIp: false` without private subnets leaves
/// Fargate tasks with no route out: no image, not even from ECR, and no logs. An error.
pub fn no_route_error(project: &Project, path: Path, diags: &mut Diagnostics) {
    let images = internet_images(project);
    let named = if images.is_empty() {
        String::new()
    } else {
        format!(": {}", listed(&images))
    };
    diags.error(
        path,
        format!(
            "Fargate tasks get no public IP address in the public subnets the project creates, which have no NAT gateway and no VPC endpoints: they could send no logs and pull no image, not even from ECR{named}; set `PrivateSubnets: true` to run them in private subnets behind a NAT gateway, or drop `AssignPublicIp`"
        ),
    );
}

/// True when `v` is `AssignPublicIp`'s literal `DISABLED`.
pub fn disabled(v: &Value) -> bool {
    v.as_str() == Some("DISABLED")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_by_reference() {
        for (image, want) in [
            ("nginx", "Docker Hub"),
            ("nginx:1.27", "Docker Hub"),
            ("bitnami/redis:7", "Docker Hub"),
            ("docker.io/library/postgres:16", "Docker Hub"),
            ("public.ecr.aws/docker/library/python:3.12", "ECR Public"),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:00",
                "ECR",
            ),
            ("ghcr.io/immich-app/immich-server:release", "`ghcr.io`"),
            ("localhost:5000/app", "`localhost:5000`"),
            ("quay.io/prometheus/node-exporter", "`quay.io`"),
        ] {
            assert_eq!(registry(image), want, "{image}");
        }
    }
}
