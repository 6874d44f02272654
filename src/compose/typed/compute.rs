//! The Compose keys that choose compute: `deploy.x-aws-autoscaling`, GPU reservations
//! (`devices` with `capabilities: [gpu]`, `generic_resources`), placement constraints
//! (`node.machine`, `node.ami`, as compose-cli read them), `x-aws-capacity` and
//! `network_mode`. Each reader checks types and ranges; cross-field rules (a GPU needs EC2,
//! `bridge` needs EC2, replicas within the autoscaling range) live in `validate::compute`.

use super::model::{Autoscaling, Compute, GpuCount, NetworkMode, Provider, ScaleMetric, Share};
use super::reader::Reader;
use crate::cfn::intrinsics::is_intrinsic;
use crate::compose::source::tree::kind;
use crate::diagnostics::Path;
use serde_json::{Map, Value};

impl Reader<'_> {
    /// A number (integer or decimal), as a literal.
    fn number(&mut self, v: &Value, path: &Path) -> Option<f64> {
        match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s.trim().parse::<f64>().is_ok() => s.trim().parse().ok(),
            _ if is_intrinsic(v) => {
                self.not_literal(path);
                None
            }
            _ => {
                self.expected(path, "a number", v);
                None
            }
        }
    }

    /// `deploy.x-aws-autoscaling: {min, max, cpu | memory | requests, scale_in_cooldown,
    /// scale_out_cooldown}`.
    pub(super) fn autoscaling(&mut self, v: &Value, path: &Path) -> Option<Autoscaling> {
        let Value::Object(map) = v else {
            self.diags.error(
                path,
                format!(
                    "expected a mapping with `min`, `max` and a target (`cpu`, `memory` or `requests`), found {}",
                    kind(v)
                ),
            );
            return None;
        };
        let mut ok = true;
        let min = match map.get("min") {
            Some(m) => self.uint(m, &path.key("min")),
            None => Some(0),
        };
        let max = match map.get("max") {
            Some(m) => self.uint(m, &path.key("max")),
            None => {
                self.diags.error(
                    path,
                    "`max` is required: the most tasks the service may scale out to",
                );
                ok = false;
                None
            }
        };
        let (Some(min), Some(max)) = (min, max) else {
            return None;
        };
        if max == 0 || max > 5000 {
            self.diags.error(
                path.key("max"),
                format!("expected 1 to 5000 tasks, found `{max}`"),
            );
            ok = false;
        }
        if min > max {
            self.diags.error(
                path.key("min"),
                format!("`min: {min}` is above `max: {max}`"),
            );
            ok = false;
        }
        let mut metrics = Vec::new();
        for (key, make, limit) in [
            (
                "cpu",
                ScaleMetric::Cpu as fn(f64) -> ScaleMetric,
                Some(100.0),
            ),
            ("memory", ScaleMetric::Memory, Some(100.0)),
            ("requests", ScaleMetric::Requests, None),
        ] {
            let Some(value) = map.get(key) else { continue };
            let p = path.key(key);
            let Some(n) = self.number(value, &p) else {
                ok = false;
                continue;
            };
            let bad = n <= 0.0 || limit.is_some_and(|l| n > l);
            if bad {
                let expected = match limit {
                    Some(_) => "a utilisation target above 0 and at most 100 (percent)",
                    None => "a number of requests per task above 0",
                };
                self.diags
                    .error(&p, format!("expected {expected}, found `{n}`"));
                ok = false;
                continue;
            }
            metrics.push((key, make(n)));
        }
        let metric = match metrics.as_slice() {
            [] => {
                if ok {
                    self.diags.error(
                        path,
                        "a target is required: set one of `cpu` or `memory` (average utilisation in percent) or `requests` (load balancer requests per task)",
                    );
                }
                None
            }
            [(_, m)] => Some(*m),
            many => {
                let keys: Vec<String> = many.iter().map(|(k, _)| format!("`{k}`")).collect();
                self.diags.error(
                    path,
                    format!(
                        "one target per service: found {}; keep one of them",
                        keys.join(" and ")
                    ),
                );
                None
            }
        };
        let mut cooldown = |key: &str| map.get(key).and_then(|c| self.uint(c, &path.key(key)));
        let scale_in_cooldown = cooldown("scale_in_cooldown");
        let scale_out_cooldown = cooldown("scale_out_cooldown");
        if !ok {
            return None;
        }
        Some(Autoscaling {
            min: min as u32,
            max: max as u32,
            metric: metric?,
            scale_in_cooldown,
            scale_out_cooldown,
            path: path.to_string(),
        })
    }

    /// The provider named by `x-aws-capacity`.
    fn provider(&mut self, v: &Value, path: &Path) -> Option<Provider> {
        let text = self.literal(v, path)?;
        match text.to_ascii_lowercase().replace('-', "_").as_str() {
            "fargate" => Some(Provider::Fargate),
            "fargate_spot" | "spot" => Some(Provider::FargateSpot),
            "ec2" => Some(Provider::Ec2),
            _ => {
                self.diags.error(
                    path,
                    format!("expected `fargate`, `fargate_spot` or `ec2`, found `{text}`"),
                );
                None
            }
        }
    }

    /// `x-aws-capacity`: `fargate`, `fargate_spot`, `ec2`, or a list of
    /// `{provider, weight, base}`.
    pub(super) fn capacity(&mut self, v: &Value, path: &Path) -> Option<Vec<Share>> {
        let shares = match v {
            Value::Array(items) => {
                let mut shares = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let p = path.index(i);
                    let Value::Object(m) = item else {
                        self.diags.error(
                            &p,
                            format!(
                                "expected a mapping with `provider`, `weight` and `base`, found {}",
                                kind(item)
                            ),
                        );
                        ok = false;
                        continue;
                    };
                    for key in m.keys() {
                        if !matches!(key.as_str(), "provider" | "weight" | "base") {
                            self.diags.error(
                                p.key(key),
                                format!(
                                    "unknown key `{key}`: expected `provider`, `weight` or `base`"
                                ),
                            );
                            ok = false;
                        }
                    }
                    let Some(pv) = m.get("provider") else {
                        self.diags.error(
                            &p,
                            "`provider` is required: `fargate`, `fargate_spot` or `ec2`",
                        );
                        ok = false;
                        continue;
                    };
                    let provider = self.provider(pv, &p.key("provider"));
                    let weight = match m.get("weight") {
                        Some(w) => self.uint(w, &p.key("weight")),
                        None => Some(1),
                    };
                    let base = match m.get("base") {
                        Some(b) => self.uint(b, &p.key("base")),
                        None => Some(0),
                    };
                    match (provider, weight, base) {
                        (Some(provider), Some(weight), Some(base)) => {
                            if weight > 1000 {
                                self.diags.error(
                                    p.key("weight"),
                                    format!("expected 0 to 1000, found `{weight}`"),
                                );
                                ok = false;
                            }
                            if base > 100_000 {
                                self.diags.error(
                                    p.key("base"),
                                    format!("expected 0 to 100000, found `{base}`"),
                                );
                                ok = false;
                            }
                            if shares.iter().any(|s: &Share| s.provider == provider) {
                                self.diags
                                    .error(p.key("provider"), "this provider is already listed");
                                ok = false;
                            }
                            shares.push(Share {
                                provider,
                                weight: weight as u32,
                                base: base as u32,
                            });
                        }
                        _ => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                if shares.is_empty() {
                    self.diags.error(path, "expected at least one provider");
                    return None;
                }
                if shares.iter().filter(|s| s.base > 0).count() > 1 {
                    self.diags.error(
                        path,
                        "only one provider of a strategy can have a `base`; keep the base on one of them",
                    );
                    return None;
                }
                if shares.iter().all(|s| s.weight == 0) {
                    self.diags
                        .error(path, "at least one provider needs a `weight` above 0");
                    return None;
                }
                let ec2 = shares.iter().any(|s| s.provider == Provider::Ec2);
                if ec2 && shares.len() > 1 {
                    self.diags.error(
                        path,
                        "ECS cannot mix EC2 capacity with Fargate in one strategy; use `ec2` alone, or Fargate providers only",
                    );
                    return None;
                }
                shares
            }
            _ => vec![Share {
                provider: self.provider(v, path)?,
                weight: 1,
                base: 0,
            }],
        };
        Some(shares)
    }

    /// `network_mode`.
    pub(super) fn network_mode(&mut self, v: &Value, path: &Path) -> Option<NetworkMode> {
        let text = self.literal(v, path)?;
        match text.as_str() {
            "awsvpc" => Some(NetworkMode::Awsvpc),
            "bridge" => Some(NetworkMode::Bridge),
            "host" => Some(NetworkMode::Host),
            "none" => {
                self.diags.error(path, "a task without a network cannot be placed behind a load balancer or reached by other services; drop `network_mode`");
                None
            }
            // Another service's network: its task's (`compose::groups`).
            other if other.starts_with("service:") => None,
            other if other.starts_with("container:") => {
                self.diags.error(path, format!("ECS knows only the containers of the same task, and `{other}` names a container outside the project; join a service of the project (`network_mode: service:<name>`), or drop `network_mode` and reach it by its name"));
                None
            }
            other => {
                self.diags.error(
                    path,
                    format!("expected `awsvpc`, `bridge` or `host`, found `{other}`"),
                );
                None
            }
        }
    }

    /// GPU reservations under `deploy.resources.reservations`: `devices` and
    /// `generic_resources`. Counts add up; `all` wins.
    pub(super) fn gpus(&mut self, reservations: &Map<String, Value>, path: &Path, c: &mut Compute) {
        let mut total: Option<GpuCount> = None;
        let mut add = |n: GpuCount| {
            total = Some(match (total, n) {
                (Some(GpuCount::All), _) | (_, GpuCount::All) => GpuCount::All,
                (Some(GpuCount::Count(a)), GpuCount::Count(b)) => {
                    GpuCount::Count(a.saturating_add(b))
                }
                (None, n) => n,
            });
        };
        let mut first_path: Option<Path> = None;
        if let Some(v) = reservations.get("devices") {
            let dp = path.key("devices");
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let p = dp.index(i);
                        let Value::Object(d) = item else {
                            self.diags.error(
                                &p,
                                format!(
                                    "expected a mapping with `capabilities`, found {}",
                                    kind(item)
                                ),
                            );
                            continue;
                        };
                        let caps: Vec<String> = match d.get("capabilities") {
                            Some(Value::Array(cs)) => cs
                                .iter()
                                .enumerate()
                                .filter_map(|(j, c)| {
                                    self.literal(c, &p.key("capabilities").index(j))
                                })
                                .collect(),
                            Some(other) => {
                                self.diags.error(
                                    p.key("capabilities"),
                                    format!("expected a list like `[gpu]`, found {}", kind(other)),
                                );
                                continue;
                            }
                            None => {
                                self.diags
                                    .error(&p, "`capabilities` is required: `[gpu]` reserves GPUs");
                                continue;
                            }
                        };
                        if !caps.iter().any(|c| c == "gpu") {
                            self.diags.error(
                                p.key("capabilities"),
                                format!("only GPUs can be reserved on ECS: expected `gpu` among the capabilities, found {}", caps.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")),
                            );
                            continue;
                        }
                        if let Some(driver) = d
                            .get("driver")
                            .and_then(|x| self.literal(x, &p.key("driver")))
                        {
                            if driver != "nvidia" {
                                self.diags.error(p.key("driver"), format!("ECS GPU instances run the NVIDIA driver: expected `nvidia`, found `{driver}`"));
                                continue;
                            }
                        }
                        let count = d.get("count");
                        let ids = d.get("device_ids");
                        let n = match (count, ids) {
                            (Some(_), Some(_)) => {
                                self.diags.error(
                                    &p,
                                    "`count` and `device_ids` exclude each other; keep one of them",
                                );
                                continue;
                            }
                            (Some(Value::String(s)), None) if s == "all" => GpuCount::All,
                            (Some(v), None) => match self.uint(v, &p.key("count")) {
                                Some(0) => {
                                    self.diags
                                        .error(p.key("count"), "expected at least 1 GPU, or `all`");
                                    continue;
                                }
                                Some(n) if n <= 64 => GpuCount::Count(n as u32),
                                Some(n) => {
                                    self.diags.error(
                                        p.key("count"),
                                        format!("expected at most 64 GPUs, found `{n}`"),
                                    );
                                    continue;
                                }
                                None => continue,
                            },
                            (None, Some(Value::Array(list))) if !list.is_empty() => {
                                self.diags.warn(
                                    p.key("device_ids"),
                                    format!("ECS cannot pin GPUs by id: the task reserves {} GPU(s) and ECS chooses which", list.len()),
                                );
                                GpuCount::Count(list.len() as u32)
                            }
                            (None, Some(other)) => {
                                self.diags.error(
                                    p.key("device_ids"),
                                    format!(
                                        "expected a non-empty list of GPU ids, found {}",
                                        kind(other)
                                    ),
                                );
                                continue;
                            }
                            // The Compose specification: neither `count` nor `device_ids`
                            // means every GPU of the host.
                            (None, None) => GpuCount::All,
                        };
                        first_path.get_or_insert(p);
                        add(n);
                    }
                }
                other => self.diags.error(
                    &dp,
                    format!("expected a list of devices, found {}", kind(other)),
                ),
            }
        }
        if let Some(v) = reservations.get("generic_resources") {
            let gp = path.key("generic_resources");
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let p = gp.index(i).key("discrete_resource_spec");
                        let Some(Value::Object(spec)) = item.get("discrete_resource_spec") else {
                            self.diags.error(gp.index(i), "expected a mapping with `discrete_resource_spec: {kind: gpu, value: N}`");
                            continue;
                        };
                        let kind_text = spec
                            .get("kind")
                            .and_then(|k| self.literal(k, &p.key("kind")));
                        match kind_text.as_deref() {
                            Some("gpu" | "gpus" | "GPU" | "NVIDIA-GPU") => {}
                            Some(other) => {
                                self.diags.error(p.key("kind"), format!("only GPUs can be reserved on ECS: expected `gpu`, found `{other}`"));
                                continue;
                            }
                            None => continue,
                        }
                        match spec
                            .get("value")
                            .and_then(|x| self.uint(x, &p.key("value")))
                        {
                            Some(n) if (1..=64).contains(&n) => {
                                first_path.get_or_insert(p);
                                add(GpuCount::Count(n as u32));
                            }
                            Some(n) => self.diags.error(
                                p.key("value"),
                                format!("expected 1 to 64 GPUs, found `{n}`"),
                            ),
                            None => {}
                        }
                    }
                }
                other => self
                    .diags
                    .error(&gp, format!("expected a list, found {}", kind(other))),
            }
        }
        if let Some(p) = first_path {
            c.gpus = total;
            c.gpus_path = p.to_string();
        }
    }

    /// `deploy.placement.constraints`: `node.machine == <type>` and `node.ami == <id>` choose
    /// the EC2 instances; other constraints are ignored with a warning.
    pub(super) fn constraints(&mut self, v: &Value, path: &Path, c: &mut Compute) {
        let Value::Array(items) = v else {
            self.diags.error(
                path,
                format!("expected a list of constraints, found {}", kind(v)),
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(text) = self.literal(item, &p) else {
                continue;
            };
            let parsed = text
                .split_once("==")
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()));
            match parsed {
                Some((key, value)) if key == "node.machine" && !value.is_empty() => {
                    c.machine = Some(value)
                }
                Some((key, value)) if key == "node.ami" && !value.is_empty() => {
                    if !value.starts_with("ami-") {
                        self.diags.error(&p, format!("expected an AMI id like `ami-0abc123`, found `{value}`"));
                    } else {
                        c.ami = Some(value)
                    }
                }
                _ => self.diags.warn(
                    &p,
                    format!("ignored: only `node.machine == <instance type>` and `node.ami == <AMI id>` choose where tasks run, found `{text}`"),
                ),
            }
        }
    }
}
