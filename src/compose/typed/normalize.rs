//! Raw tree → typed model: short syntax to long, spec defaults applied, every value
//! checked for its type and range. Problems are collected, never fatal one by one.

use super::model::*;
pub use super::reader::describe;
pub(super) use super::reader::Reader;
use crate::compose::source::files::Local;
use crate::compose::source::interpolate::Variables;
use crate::compose::source::tree::{as_mapping, kind};
use crate::compose::source::values::{self, Protocol};
use crate::diagnostics::{Diagnostics, Path};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Builds the typed project from the loaded tree.
pub fn normalize(
    tree: &Map<String, Value>,
    name: &str,
    variables: &Variables,
    local: Option<&Local>,
    diags: &mut Diagnostics,
) -> Project {
    // A secret's own file is delivered through the secret wherever it is bind-mounted.
    let with_secrets = local.map(|l| l.with_secret_files(tree));
    let mut r = Reader {
        diags,
        variables,
        local: with_secrets.as_ref(),
        budget: Default::default(),
    };
    let mut project = Project {
        name: name.to_string(),
        ..Project::default()
    };
    let root = Path::root();
    project.cluster = tree
        .get("x-aws-cluster")
        .and_then(|v| r.text(v, &root.key("x-aws-cluster")));
    project.vpc = tree
        .get("x-aws-vpc")
        .and_then(|v| r.text(v, &root.key("x-aws-vpc")));
    project.loadbalancer = tree
        .get("x-aws-loadbalancer")
        .and_then(|v| r.text(v, &root.key("x-aws-loadbalancer")));
    project.logs_retention = tree.get("x-aws-logs_retention").and_then(|v| {
        let path = root.key("x-aws-logs_retention");
        let days = r.uint(v, &path)?;
        if RETENTION_DAYS.contains(&days) {
            Some(days as u32)
        } else {
            r.diags.error(
                &path,
                format!(
                    "CloudWatch Logs keeps logs for one of {} days, found `{days}`",
                    RETENTION_DAYS
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            None
        }
    });

    project.overlay = tree
        .get("x-aws-cloudformation")
        .filter(|v| !v.is_null())
        .cloned();
    project.init_image = tree
        .get("x-aws-init_image")
        .and_then(|v| r.text(v, &root.key("x-aws-init_image")));
    // `package --resolve-image-digests`: the helper image by digest.
    if let Some(pinned) = local.and_then(|l| l.init_image.as_ref()) {
        if matches!(project.init_image, None | Some(Text::Lit(_))) {
            project.init_image = Some(Text::Lit(pinned.clone()));
        }
    }
    project.kms_key = tree
        .get("x-aws-kms_key")
        .and_then(|v| r.text(v, &root.key("x-aws-kms_key")))
        .filter(|k| r.no_wildcard(k, &root.key("x-aws-kms_key"), "a KMS key"));
    // Secrets and configs.
    if let Some(Value::Object(secrets)) = tree.get("secrets") {
        for (key, value) in secrets {
            if let Some(secret) = r.secret(key, value, &root.key("secrets").key(key)) {
                project.secrets.insert(key.clone(), secret);
            }
        }
    }
    if let Some(Value::Object(configs)) = tree.get("configs") {
        for (key, value) in configs {
            if let Some(config) = r.config(key, value, &root.key("configs").key(key)) {
                project.configs.insert(key.clone(), config);
            }
        }
    }
    project.load_balancing = r.load_balancing(tree);
    project.private_subnets = tree
        .get("x-aws-private_subnets")
        .and_then(|v| r.private_subnets(v, &root.key("x-aws-private_subnets")));
    project.capacity = tree
        .get("x-aws-capacity")
        .and_then(|v| r.capacity(v, &root.key("x-aws-capacity")));

    // Networks.
    if let Some(Value::Object(networks)) = tree.get("networks") {
        for (key, value) in networks {
            let path = root.key("networks").key(key);
            let network = r.network(key, value, name, &path);
            project.networks.insert(key.clone(), network);
        }
    }

    // Volumes.
    if let Some(Value::Object(volumes)) = tree.get("volumes") {
        for (key, value) in volumes {
            let path = root.key("volumes").key(key);
            let volume = r.volume(key, value, name, &path);
            project.volumes.insert(key.clone(), volume);
        }
    }

    // Services.
    if let Some(Value::Object(services)) = tree.get("services") {
        for (svc_name, value) in services {
            let path = root.key("services").key(svc_name);
            let Value::Object(map) = value else {
                r.diags.error(
                    &path,
                    format!(
                        "expected a mapping describing the service, found {}",
                        kind(value)
                    ),
                );
                continue;
            };
            let service = r.service(svc_name, map, &path);
            super::configs::check_service(&mut r, tree, &project, &service);
            project.services.insert(svc_name.clone(), service);
        }
    }
    super::operations::read(&mut r, tree, &mut project);
    super::jobs::read(&mut r, tree, &mut project);
    super::schedule::read(&mut r, tree, &mut project);
    super::groups::read(&mut r, tree, &mut project);
    super::domains::read(&mut r, tree, &mut project);
    super::deployments::read(&mut r, tree, &mut project);
    super::shared_folders::read(&mut r, tree, &mut project);
    r.implied_volumes(&mut project);
    // The implicit default network.
    let uses_default = project
        .services
        .values()
        .any(|s| s.networks.contains("default"));
    if uses_default && !project.networks.contains_key("default") {
        project.networks.insert(
            "default".into(),
            Network {
                name: format!("{name}_default"),
                ..Network::default()
            },
        );
    }
    project
}

/// CloudWatch Logs retention periods.
pub const RETENTION_DAYS: &[u64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The longest `stop_grace_period`: a target group's longest deregistration delay.
pub const MAX_STOP_GRACE_SECONDS: u64 = 3600;

impl Reader<'_> {
    fn service(&mut self, name: &str, map: &Map<String, Value>, path: &Path) -> Service {
        let mut s = Service {
            name: name.to_string(),
            replicas: 1,
            ..Service::default()
        };
        let get = |k: &str| map.get(k);
        s.image = get("image").and_then(|v| self.text(v, &path.key("image")));
        if let Some(Text::Lit(image)) = &s.image {
            if image.trim().is_empty() {
                self.diags
                    .error(path.key("image"), "the image name is empty");
            }
        }
        if let Some(image) = &s.image {
            self.no_wildcard(image, &path.key("image"), "an image");
        }
        let recorded = self.local.and_then(|l| l.images.get(name));
        if let (Some(Text::Lit(_)), Some(pinned)) = (&s.image, recorded) {
            // `package --resolve-image-digests`: the image named by tag, by its digest.
            if pinned.contains("@sha256:") {
                s.image = Some(Text::Lit(pinned.clone()));
            }
        }
        s.image_config = self.local.and_then(|l| l.image_configs.get(name)).cloned();
        if get("build").is_some_and(|b| !b.is_null()) {
            match (&s.image, recorded) {
                (None, Some(built)) => s.image = Some(Text::Lit(built.clone())),
                (Some(_), _) => self.diags.warn(
                    path.key("build"),
                    "ignored: `image` is set, so ECS pulls that image and the build is not run",
                ),
                // `rules` reports the missing image, with what to do.
                (None, None) => {}
            }
        }
        s.command = get("command").and_then(|v| self.command(v, &path.key("command")));
        s.entrypoint = get("entrypoint").and_then(|v| self.command(v, &path.key("entrypoint")));
        let from_files = match get("env_file") {
            Some(v) => self.env_files(v, &path.key("env_file")),
            None => BTreeMap::new(),
        };
        s.environment = self.environment(get("environment"), &path.key("environment"), from_files);
        if let Some(v) = get("labels") {
            s.labels = self.env_map(v, &path.key("labels"), false);
        }
        s.user = get("user").and_then(|v| self.text(v, &path.key("user")));
        s.working_dir = get("working_dir").and_then(|v| self.text(v, &path.key("working_dir")));
        s.init = get("init")
            .and_then(|v| self.boolean(v, &path.key("init")))
            .unwrap_or(false);
        s.read_only = get("read_only")
            .and_then(|v| self.boolean(v, &path.key("read_only")))
            .unwrap_or(false);
        s.tty = get("tty")
            .and_then(|v| self.boolean(v, &path.key("tty")))
            .unwrap_or(false);
        s.stdin_open = get("stdin_open")
            .and_then(|v| self.boolean(v, &path.key("stdin_open")))
            .unwrap_or(false);
        // Which capabilities a service may add depends on where it runs: `validate::host`.
        s.host = self.host_access(map, path);
        if let Some(v) = get("cap_add") {
            for (i, cap) in self.capabilities(v, &path.key("cap_add")) {
                s.host.cap_add_index.entry(cap.clone()).or_insert(i);
                s.cap_add.insert(cap);
            }
        }
        if let Some(v) = get("cap_drop") {
            let caps = self.capabilities(v, &path.key("cap_drop"));
            s.cap_drop = caps.into_iter().map(|(_, c)| c).collect();
        }
        if let Some(v) = get("ulimits") {
            self.ulimits(v, &path.key("ulimits"), &mut s);
        }
        if let Some(v) = get("healthcheck") {
            s.healthcheck = self.healthcheck(v, &path.key("healthcheck"));
        }
        if let Some(v) = get("logging") {
            self.logging(v, &path.key("logging"), &mut s);
        }
        if let Some(v) = get("stop_grace_period") {
            let p = path.key("stop_grace_period");
            if let Some(secs) = self.duration_secs(v, &p) {
                // Fargate's limit of 120 s is `validate::host`'s (EC2 has none); the
                // load balancer's deregistration delay stops at 3600 s.
                if secs > MAX_STOP_GRACE_SECONDS {
                    self.diags.warn(
                        &p,
                        format!("the load balancer waits at most {MAX_STOP_GRACE_SECONDS}s for a stopping task, found `{secs}s`: using {MAX_STOP_GRACE_SECONDS}s"),
                    );
                }
                s.stop_grace_period = Some(secs.clamp(2, MAX_STOP_GRACE_SECONDS));
            }
        }
        if let Some(v) = get("platform") {
            let p = path.key("platform");
            if let Some(text) = self.literal(v, &p) {
                s.platform = match text.as_str() {
                    // Empty, as `${DOCKER_PLATFORM:-}` leaves it (sentry's self-hosted
                    // file): no platform, as for `docker compose`.
                    "" => None,
                    "linux/amd64" | "linux/x86_64" | "amd64" => Some(Arch::X86_64),
                    "linux/arm64" | "linux/arm64/v8" | "linux/aarch64" | "arm64" => {
                        Some(Arch::Arm64)
                    }
                    other => {
                        self.diags.error(
                            &p,
                            format!("expected `linux/amd64` or `linux/arm64` (what Fargate runs), found `{other}`"),
                        );
                        None
                    }
                };
            }
        }
        if let Some(v) = get("sysctls") {
            let p = path.key("sysctls");
            for (key, value) in self.env_map(v, &p, false) {
                let namespaced = key.starts_with("net.")
                    || key.starts_with("kernel.msg")
                    || key.starts_with("kernel.shm")
                    || key == "kernel.sem"
                    || key.starts_with("fs.mqueue.");
                if namespaced {
                    s.sysctls.insert(key, value);
                } else {
                    self.diags.error(
                        p.key(&key),
                        format!("a container accepts only namespaced kernel parameters (`net.*`, `kernel.msg*`, `kernel.shm*`, `kernel.sem`, `fs.mqueue.*`), found `{key}`; a host-wide parameter is set on the instance, not in a container"),
                    );
                }
            }
        }
        if let Some(v) = get("network_mode") {
            if let Some(mode) = self.network_mode(v, &path.key("network_mode")) {
                s.compute.network_mode = Some(mode);
            }
        }
        if let Some(v) = get("ports") {
            self.ports(v, &path.key("ports"), &mut s);
        }
        if let Some(v) = get("expose") {
            let p = path.key("expose");
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let ip = p.index(i);
                        let Some(text) = self.literal(item, &ip) else {
                            continue;
                        };
                        let (spec, proto) = match text.rsplit_once('/') {
                            Some((spec, proto)) => match Protocol::parse(proto) {
                                Ok(proto) => (spec.to_string(), proto),
                                Err(e) => {
                                    self.diags.error(&ip, e);
                                    continue;
                                }
                            },
                            None => (text.clone(), Protocol::Tcp),
                        };
                        match values::port_range(&spec) {
                            Ok(ports) => s.expose.extend(ports.into_iter().map(|p| (p, proto))),
                            Err(e) => self.diags.error(&ip, e),
                        }
                    }
                }
                _ => self.expected(&p, "a list of ports", v),
            }
        }
        if let Some(v) = get("volumes") {
            let context = crate::compose::source::binds::build_context(map);
            self.mounts(v, &path.key("volumes"), &mut s, context.as_deref());
        }
        if let Some(v) = get("tmpfs") {
            self.tmpfs(v, &path.key("tmpfs"), &mut s);
        }
        if let Some(v) = get("x-aws-ephemeral_storage") {
            s.ephemeral_storage = self.ephemeral_storage(v, &path.key("x-aws-ephemeral_storage"));
        }
        for key in ["container_name", "hostname"] {
            let Some(v) = get(key) else { continue };
            // Empty, as `${SENTRY_MAIL_HOST:-}` leaves it: no name, as for `docker compose`.
            if v.as_str().is_some_and(|t| t.trim().is_empty()) {
                continue;
            }
            let p = path.key(key);
            let name = self.host_name_value(v, &p);
            match key {
                "container_name" => s.names.container_name = name,
                _ => s.names.hostname = name,
            }
        }
        if let Some(v) = get("depends_on") {
            self.depends_on(v, &path.key("depends_on"), &mut s);
        }
        if let Some(v) = get("links") {
            let p = path.key("links");
            for (i, link) in self.string_list(v, &p).into_iter().enumerate() {
                let target = link.split(':').next().unwrap_or_default().to_string();
                if let Some(alias) = link.split_once(':').map(|(_, a)| a) {
                    if let Some(alias) = self.host_name(alias, &p.index(i)) {
                        if alias != target.to_ascii_lowercase() {
                            s.names.links.insert(alias, target.clone());
                        }
                    }
                }
                s.depends_on.entry(target).or_insert(Condition::Started);
            }
        }
        match get("networks") {
            Some(v) => match v {
                Value::Array(_) | Value::Object(_) => {
                    let p = path.key("networks");
                    if let Some(m) = as_mapping(v) {
                        for (net, cfg) in m {
                            if !(cfg.is_null() || cfg.is_object()) {
                                self.expected(&p.key(&net), "a mapping or null", &cfg);
                            }
                            if let Some(aliases) = cfg.get("aliases") {
                                let ap = p.key(&net).key("aliases");
                                s.names.aliases.extend(self.host_names(aliases, &ap));
                            }
                            s.networks.insert(net);
                        }
                    } else {
                        self.expected(&p, "a list of network names", v);
                    }
                }
                Value::Null => {
                    s.networks.insert("default".into());
                }
                other => self.expected(
                    &path.key("networks"),
                    "a list or mapping of networks",
                    other,
                ),
            },
            None => {
                s.networks.insert("default".into());
            }
        }
        // Sizes: legacy top-level keys first, deploy.resources wins.
        if let Some(v) = get("cpus") {
            s.cpus = self.millicpus(v, &path.key("cpus"));
        }
        if let Some(v) = get("mem_limit") {
            s.memory = self.mebibytes(v, &path.key("mem_limit"));
        }
        if let Some(v) = get("mem_reservation") {
            s.memory_reservation = self.mebibytes(v, &path.key("mem_reservation"));
        }
        let scale = get("scale").and_then(|v| self.uint(v, &path.key("scale")));
        if let Some(v) = get("deploy") {
            self.deploy(v, &path.key("deploy"), &mut s);
        }
        if let Some(scale) = scale {
            let replicas = map
                .get("deploy")
                .and_then(|d| d.get("replicas"))
                .and_then(|r| r.as_u64());
            match replicas {
                Some(r) if r != scale => self.diags.error(
                    path.key("scale"),
                    format!(
                        "`scale: {scale}` disagrees with `deploy.replicas: {r}`; keep one of them"
                    ),
                ),
                _ => {
                    s.replicas = scale.min(u32::MAX as u64) as u32;
                    s.replicas_set = true;
                }
            }
        }
        if let Some(v) = get("x-aws-role") {
            let p = path.key("x-aws-role");
            match v {
                Value::Object(doc) if doc.contains_key("Statement") => s.role = Some(v.clone()),
                _ => self.expected(&p, "an IAM policy document (a mapping with `Statement`)", v),
            }
        }
        if let Some(v) = get("secrets") {
            s.secrets = self.file_mounts(v, &path.key("secrets"), "secret");
        }
        if let Some(v) = get("configs") {
            s.configs = self.file_mounts(v, &path.key("configs"), "config");
        }
        if let Some(v) = get("x-aws-secrets") {
            s.env_secrets = self.env_secrets(v, &path.key("x-aws-secrets"));
        }
        if let Some(v) = get("x-aws-pull_credentials") {
            let p = path.key("x-aws-pull_credentials");
            s.pull_credentials = self
                .text(v, &p)
                .filter(|t| self.no_wildcard(t, &p, "a secret"));
            if let Some(Text::Lit(c)) = &s.pull_credentials {
                let service = super::secrets::arn_service(c);
                if c.trim().is_empty() || service.is_some_and(|s| s != "secretsmanager") {
                    self.diags.error(
                        &p,
                        format!("expected the ARN or name of a Secrets Manager secret holding `username` and `password`, found `{c}`"),
                    );
                    s.pull_credentials = None;
                }
            }
        }
        if let Some(v) = get("x-aws-policies") {
            let p = path.key("x-aws-policies");
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(t) = self.text(item, &p.index(i)) {
                            if let Text::Lit(arn) = &t {
                                if !arn.starts_with("arn:") {
                                    self.diags.error(
                                        p.index(i),
                                        format!("expected a managed policy ARN like `arn:aws:iam::aws:policy/ReadOnlyAccess`, found `{arn}`"),
                                    );
                                    continue;
                                }
                            }
                            s.policies.push(t);
                        }
                    }
                }
                _ => self.expected(&p, "a list of managed policy ARNs", v),
            }
        }
        self.hide_noecho(&mut s, path);
        s
    }
}
