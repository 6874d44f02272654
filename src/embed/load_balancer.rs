//! The `LoadBalancer` property's settings besides the ARN: certificate, scheme, sources,
//! listeners.

use crate::cfn::intrinsics::is_intrinsic;
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{Map, Value};

/// The `LoadBalancer` property's settings for the project's load balancer (created or
/// existing); they win over the matching `x-aws-*` extensions (docs/load-balancing.md).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadBalancerProps {
    /// `Certificate`: one ACM certificate ARN or a list (the first is the default).
    pub certificates: Vec<Value>,
    /// `Scheme: internal` (`Some(false)`: `internet-facing`).
    pub internal: Option<bool>,
    /// `Sources`: CIDR blocks and prefix lists allowed to connect.
    pub sources: Option<Vec<Value>>,
    /// `Listeners`: existing listener ARNs by published port.
    pub listeners: std::collections::BTreeMap<u16, Value>,
}

pub(super) fn load_balancer_props(
    m: &Map<String, Value>,
    path: &Path,
    diags: &mut Diagnostics,
) -> LoadBalancerProps {
    let list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut out = LoadBalancerProps::default();
    for (key, value) in m {
        let p = path.key(key);
        match key.as_str() {
            "Arn" | "SecurityGroup" => {}
            "Certificate" => out.certificates = list(value),
            "Scheme" => match value.as_str() {
                Some("internal") => out.internal = Some(true),
                Some("internet-facing") => out.internal = Some(false),
                _ => diags.error(p, "expected `internet-facing` or `internal`"),
            },
            "Sources" => out.sources = Some(list(value)),
            "Listeners" => match value {
                Value::Object(ports) if !is_intrinsic(value) => {
                    for (port, arn) in ports {
                        match port.parse::<u16>() {
                            Ok(n) if n > 0 => {
                                out.listeners.insert(n, arn.clone());
                            }
                            _ => diags.error(
                                p.key(port),
                                format!("expected a published port (1-65535) as the key, found `{port}`"),
                            ),
                        }
                    }
                }
                _ => diags.error(
                    p,
                    "expected a mapping of published ports to listener ARNs, like `443: arn:aws:elasticloadbalancing:...`",
                ),
            },
            other => diags.error(
                p,
                format!("unknown setting `{other}`: expected `Arn`, `SecurityGroup`, `Listeners`, `Certificate`, `Scheme` or `Sources`"),
            ),
        }
    }
    out
}
