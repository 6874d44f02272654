//! Secrets Manager and Parameter Store: the secrets a project creates, the files a service's
//! `secrets` and `configs` become, the variables `x-aws-secrets` reads, and exactly what
//! each execution role may read to deliver them.
//!
//! Files: ECS injects each value into a helper container (`<Svc>_Secrets_InitContainer`)
//! as a container secret (`ValueFrom`); the helper writes the files into task-local volumes
//! with their owner and mode, and exits. The application container mounts the volumes
//! read-only at the files' directories and starts after the helper succeeded
//! (`DependsOn: SUCCESS`). The application container never sees the values as variables.

use super::Context;
use crate::cfn::intrinsics::{escape_sub, ref_, sub};
use crate::cfn::logical_id::normalize;
use crate::cfn::template::Resource;
use crate::compose::model::{Config, Secret, SecretSource, Service, Text};
use crate::compose::secrets::{arn_service, parent, SECRETS_DIR};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The helper image: Python on Alpine, from ECR Public (Docker official images),
/// multi-arch (amd64 and arm64). `x-aws-init_image` overrides it (an image with `python3`).
///
/// Pinned by tag only, not by digest: the multi-arch index digest could not be looked up
/// where this was written (no registry access) and is never guessed. To pin it, run
/// `scripts/pin-helper-image.sh`, which resolves the tag's index digest (`docker buildx
/// imagetools inspect` or `crane digest`) and writes `<tag>@sha256:<digest>` here.
pub const INIT_IMAGE: &str = "public.ecr.aws/docker/library/python:3.12-alpine3.21";

/// The Linux capabilities the helper keeps of Docker's default set: `CHOWN` (file
/// owners), `FOWNER` (modes of files it no longer owns) and `DAC_OVERRIDE` (directories the
/// seed container copied with the image's owners). Fargate lets a task drop capabilities,
/// never add them (but `SYS_PTRACE`), so the others are dropped by name.
pub const INIT_DROPPED_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Where the helper mounts the volumes: `<INIT_ROOT>/<n>`.
pub const INIT_ROOT: &str = "/compose-files";

/// The helper's variable holding the list of files to write (JSON).
pub const MANIFEST_VAR: &str = "COMPOSE_FILES";

/// The helper's program. For each entry of the JSON list in `$COMPOSE_FILES`
/// (`{"var", "path", "mode", "uid"?, "gid"?, "keys"?}`) it writes the value of the variable
/// `var` to `path`; with `keys`, the value is a JSON object and each key (all for `*`)
/// becomes the file `path/<key>`. It never prints a value.
pub const INIT_SCRIPT: &str = r#"import json, os, sys
def fail(msg):
    sys.exit("compose-to-ecs: " + msg)
def write(path, text, e):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    if e.get("uid") is not None or e.get("gid") is not None:
        os.chown(path, e.get("uid", -1), e.get("gid", -1))
    os.chmod(path, e["mode"])
    print("compose-to-ecs: wrote " + path)
for e in json.loads(os.environ["COMPOSE_FILES"]):
    value = os.environ.get(e["var"])
    if value is None:
        fail(e["var"] + " is not set")
    keys = e.get("keys")
    if keys is None:
        write(e["path"], value, e)
        continue
    try:
        doc = json.loads(value)
    except ValueError:
        fail(e["path"] + ": the secret is not a JSON document, so x-aws-keys cannot split it")
    if not isinstance(doc, dict):
        fail(e["path"] + ": the secret is not a JSON object, so x-aws-keys cannot split it")
    if "*" in keys:
        keys = sorted(doc)
    for k in keys:
        if k not in doc:
            fail(e["path"] + ": the secret has no key " + json.dumps(k))
        if "/" in k or k in ("", ".", ".."):
            fail(e["path"] + ": the key " + json.dumps(k) + " cannot be a file name")
        v = doc[k]
        write(os.path.join(e["path"], k), v if isinstance(v, str) else json.dumps(v), e)
"#;

/// What an execution role must be allowed to read.
#[derive(Clone, Debug, Default)]
pub struct Grants {
    /// Secrets Manager secret ARNs (`secretsmanager:GetSecretValue`).
    pub secrets: Vec<Value>,
    /// Parameter ARNs (`ssm:GetParameters`).
    pub parameters: Vec<Value>,
    /// KMS key ARNs (`kms:Decrypt`).
    pub keys: Vec<Value>,
}

impl Grants {
    fn push(list: &mut Vec<Value>, v: Value) {
        if !list.contains(&v) {
            list.push(v);
        }
    }

    fn add(&mut self, store: &Store) {
        match store {
            Store::Secret { grant, .. } => {
                for g in grant {
                    Self::push(&mut self.secrets, g.clone());
                }
            }
            Store::Parameter(arn) => Self::push(&mut self.parameters, arn.clone()),
            Store::Unknown(v) => {
                Self::push(&mut self.secrets, v.clone());
                Self::push(&mut self.parameters, v.clone());
            }
        }
    }

    /// The execution role's policy statements.
    pub fn statements(&self) -> Vec<Value> {
        let mut out = Vec::new();
        if !self.secrets.is_empty() {
            out.push(json!({"Sid": "ReadSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": self.secrets}));
        }
        if !self.parameters.is_empty() {
            out.push(json!({"Sid": "ReadParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": self.parameters}));
        }
        if !self.keys.is_empty() {
            out.push(json!({"Sid": "DecryptSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": self.keys}));
        }
        out
    }
}

/// Where ECS reads a value from.
enum Store {
    /// A Secrets Manager secret: what `ValueFrom` says, and the ARNs IAM grants.
    Secret {
        value_from: Value,
        grant: Vec<Value>,
    },
    /// A Systems Manager parameter ARN.
    Parameter(Value),
    /// An intrinsic function we cannot read: granted as a secret and as a parameter.
    Unknown(Value),
}

impl Store {
    fn value_from(&self) -> Value {
        match self {
            Store::Secret { value_from, .. } => value_from.clone(),
            Store::Parameter(v) | Store::Unknown(v) => v.clone(),
        }
    }
}

/// The ARNs to grant for a Secrets Manager ARN, without its JSON key, stage and version:
/// a partial ARN gets the `-??????` suffix Secrets Manager adds. A name that ends like
/// that suffix (`app-prod01`) may be either, so both forms are granted.
fn secret_arn_grant(arn: &str) -> Vec<String> {
    let base: Vec<&str> = arn.splitn(8, ':').take(7).collect();
    let base = base.join(":");
    let name = base.rsplit(':').next().unwrap_or_default();
    let suffixed = name
        .rsplit_once('-')
        .is_some_and(|(_, s)| s.len() == 6 && s.chars().all(|c| c.is_ascii_alphanumeric()));
    let partial = format!("{base}-??????");
    if suffixed {
        vec![base, partial]
    } else {
        vec![partial]
    }
}

fn secret_by_name(name: &str) -> Store {
    let arn = format!(
        "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{}",
        escape_sub(name)
    );
    Store::Secret {
        value_from: sub(&arn),
        grant: vec![sub(&format!("{arn}-??????"))],
    }
}

fn parameter_by_name(name: &str) -> Store {
    Store::Parameter(sub(&format!(
        "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
        escape_sub(name.trim_start_matches('/'))
    )))
}

fn secrets_manager(t: &Text) -> Store {
    match t {
        Text::Lit(s) if s.starts_with("arn:") => Store::Secret {
            value_from: json!(s),
            grant: secret_arn_grant(s).into_iter().map(Value::String).collect(),
        },
        Text::Lit(name) => secret_by_name(name),
        Text::Expr(e) => Store::Secret {
            value_from: e.clone(),
            grant: vec![e.clone()],
        },
    }
}

fn parameter(t: &Text) -> Store {
    match t {
        Text::Lit(s) if s.starts_with("arn:") => Store::Parameter(json!(s)),
        Text::Lit(name) => parameter_by_name(name),
        Text::Expr(e) => Store::Parameter(e.clone()),
    }
}

/// `<P><Key>Secret`.
pub fn secret_id(ctx: &Context, key: &str) -> String {
    ctx.id(&format!("{}Secret", normalize(key)))
}

fn top_level(ctx: &Context, key: &str, secret: &Secret) -> Store {
    match &secret.source {
        SecretSource::SecretsManager(t) => secrets_manager(t),
        SecretSource::Parameter(t) => parameter(t),
        SecretSource::Value(_) | SecretSource::Generate(_) => {
            let id = ref_(&secret_id(ctx, key));
            Store::Secret {
                value_from: id.clone(),
                grant: vec![id],
            }
        }
    }
}

/// The ARN of a customer managed key.
fn key_arn(t: &Text) -> Value {
    match t {
        Text::Lit(s) if s.starts_with("arn:") => json!(s),
        Text::Lit(id) => sub(&format!(
            "arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{}",
            escape_sub(id)
        )),
        Text::Expr(e) => e.clone(),
    }
}

/// `<P><Svc><Var>EnvironmentSecret`: the secret delivering an environment variable whose
/// value holds a `NoEcho` parameter.
pub fn environment_secret_id(ctx: &Context, s: &Service, var: &str) -> String {
    ctx.service_id(s, &format!("{}EnvironmentSecret", normalize(var)))
}

/// `<P><Key>ConfigSecret`: the secret delivering a config whose content holds a `NoEcho`
/// parameter.
pub fn config_secret_id(ctx: &Context, key: &str) -> String {
    ctx.id(&format!("{}ConfigSecret", normalize(key)))
}

/// A secret the project creates to hold `value` (a reference to a `NoEcho` parameter, or an
/// `Fn::Sub` holding one): CloudFormation resolves it into the secret, not into the task
/// definition.
fn holding(ctx: &mut Context, id: String, description: String, value: &Text, tags: Vec<Value>) {
    let mut props = Map::new();
    props.insert("Description".into(), json!(description));
    props.insert("SecretString".into(), value.to_json());
    if let Some(k) = &ctx.project().kms_key {
        props.insert("KmsKeyId".into(), key_arn(k));
    }
    props.insert("Tags".into(), Value::Array(tags));
    ctx.out.add(
        id,
        Resource::new("AWS::SecretsManager::Secret", Value::Object(props)),
    );
}

/// `<P><Key>Secret` for every secret the project creates; the secrets of the environment
/// variables and configs that hold a `NoEcho` parameter.
pub fn secrets(ctx: &mut Context) {
    let project = ctx.project();
    for s in project.services.values() {
        for (var, value) in &s.noecho_environment {
            let id = environment_secret_id(ctx, s, var);
            let description = format!(
                "Environment variable {var} of service {} of the Compose project {}",
                s.name, project.name
            );
            holding(ctx, id, description, value, ctx.service_tags(s));
        }
    }
    for (key, config) in &project.configs {
        if let Config::Hidden(value) = config {
            let id = config_secret_id(ctx, key);
            let description = format!("Config {key} of the Compose project {}", project.name);
            let mut tags = ctx.project_tags();
            tags.push(json!({"Key": "com.docker.compose.config", "Value": key}));
            holding(ctx, id, description, value, tags);
        }
    }
    let created: Vec<(String, Secret)> = ctx
        .project()
        .secrets
        .iter()
        .filter(|(_, s)| s.is_created())
        .map(|(k, s)| (k.clone(), s.clone()))
        .collect();
    for (key, secret) in created {
        let mut props = Map::new();
        props.insert(
            "Description".into(),
            json!(format!(
                "Secret {key} of the Compose project {}",
                ctx.project().name
            )),
        );
        match &secret.source {
            SecretSource::Value(v) => {
                props.insert("SecretString".into(), v.clone());
            }
            SecretSource::Generate(g) => {
                let mut gen = Map::new();
                if let Some(n) = g.length {
                    gen.insert("PasswordLength".into(), json!(n));
                }
                if let Some(x) = &g.exclude_characters {
                    gen.insert("ExcludeCharacters".into(), json!(x));
                }
                for (flag, on) in &g.flags {
                    let name = match *flag {
                        "exclude_lowercase" => "ExcludeLowercase",
                        "exclude_numbers" => "ExcludeNumbers",
                        "exclude_punctuation" => "ExcludePunctuation",
                        "exclude_uppercase" => "ExcludeUppercase",
                        "include_space" => "IncludeSpace",
                        _ => "RequireEachIncludedType",
                    };
                    gen.insert(name.into(), json!(on));
                }
                if let Some((template, k)) = &g.template {
                    gen.insert("SecretStringTemplate".into(), json!(template));
                    gen.insert("GenerateStringKey".into(), json!(k));
                }
                props.insert("GenerateSecretString".into(), Value::Object(gen));
            }
            _ => {}
        }
        if let Some(name) = &secret.name {
            props.insert("Name".into(), name.to_json());
        }
        if let Some(k) = &secret.kms_key {
            props.insert("KmsKeyId".into(), key_arn(k));
        }
        let mut tags = ctx.project_tags();
        tags.push(json!({"Key": "com.docker.compose.secret", "Value": key}));
        props.insert("Tags".into(), Value::Array(tags));
        let id = secret_id(ctx, &key);
        ctx.out.add(
            id,
            Resource::new("AWS::SecretsManager::Secret", Value::Object(props)),
        );
    }
}

/// The store an `x-aws-secrets` value names: a top-level secret's key, a Secrets Manager
/// ARN (with a JSON key or not), a parameter ARN or name, or an intrinsic.
fn env_store(ctx: &Context, t: &Text) -> (Store, Option<Value>) {
    match t {
        Text::Lit(s) => {
            if let Some(secret) = ctx.project().secrets.get(s) {
                let kms = secret.kms_key.as_ref().map(key_arn);
                return (top_level(ctx, s, secret), kms);
            }
            match arn_service(s) {
                Some("secretsmanager") => (secrets_manager(t), None),
                Some(_) => (parameter(t), None),
                None => (parameter_by_name(s), None),
            }
        }
        Text::Expr(e) => (Store::Unknown(e.clone()), None),
    }
}

/// The application container's `Secrets`: `x-aws-secrets`, and the environment variables
/// holding a `NoEcho` parameter, by name.
pub fn container_secrets(ctx: &Context, s: &Service) -> Vec<Value> {
    let mut all: Vec<(&String, Value)> = s
        .env_secrets
        .iter()
        .map(|(var, t)| (var, env_store(ctx, t).0.value_from()))
        .chain(
            s.noecho_environment
                .keys()
                .map(|var| (var, ref_(&environment_secret_id(ctx, s, var)))),
        )
        .collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    all.into_iter()
        .map(|(var, from)| json!({"Name": var, "ValueFrom": from}))
        .collect()
}

/// What the service's execution role may read, and decrypt.
pub fn grants(ctx: &Context, s: &Service) -> Grants {
    let mut g = Grants::default();
    if let Some(c) = &s.pull_credentials {
        g.add(&secrets_manager(c));
    }
    for m in &s.secrets {
        if let Some(secret) = ctx.project().secrets.get(&m.source) {
            g.add(&top_level(ctx, &m.source, secret));
            if let Some(k) = &secret.kms_key {
                Grants::push(&mut g.keys, key_arn(k));
            }
        }
    }
    for m in &s.configs {
        match ctx.project().configs.get(&m.source) {
            Some(Config::Parameter(t)) => g.add(&parameter(t)),
            Some(Config::Hidden(_)) => {
                Grants::push(&mut g.secrets, ref_(&config_secret_id(ctx, &m.source)))
            }
            _ => {}
        }
    }
    for var in s.noecho_environment.keys() {
        Grants::push(&mut g.secrets, ref_(&environment_secret_id(ctx, s, var)));
    }
    let hidden_config = s.configs.iter().any(|m| {
        matches!(
            ctx.project().configs.get(&m.source),
            Some(Config::Hidden(_))
        )
    });
    if let Some(k) = &ctx.project().kms_key {
        if hidden_config || !s.noecho_environment.is_empty() {
            Grants::push(&mut g.keys, key_arn(k));
        }
    }
    for t in s.env_secrets.values() {
        let (store, kms) = env_store(ctx, t);
        g.add(&store);
        if let Some(k) = kms {
            Grants::push(&mut g.keys, k);
        }
    }
    g
}

/// `RepositoryCredentials` for `x-aws-pull_credentials`.
pub fn repository_credentials(s: &Service) -> Option<Value> {
    let c = s.pull_credentials.as_ref()?;
    Some(json!({"CredentialsParameter": secrets_manager(c).value_from()}))
}

/// What a service's secret, config and bind-mounted files add to its task definition.
pub struct Files {
    /// Task-local volumes (`Volumes`).
    pub volumes: Vec<Value>,
    /// The container that copies the image's own files into the volumes first, when a
    /// file lands in a directory the image may already fill.
    pub seed: Option<Value>,
    /// The helper container.
    pub init: Value,
    /// The helper container's name (the application container depends on it).
    pub init_name: String,
    /// The application container's mounts of the volumes.
    pub mounts: Vec<Value>,
}

/// The directories the volumes stand for: the files' directories, without those inside
/// another one.
fn mount_dirs<'a>(dirs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let dirs: BTreeSet<&str> = dirs.into_iter().collect();
    dirs.iter()
        .filter(|d| {
            !dirs
                .iter()
                .any(|o| o != *d && d.starts_with(&format!("{o}/")))
        })
        .map(|d| d.to_string())
        .collect()
}

/// True when `path` is `dir` or inside it.
fn within(path: &str, dir: &str) -> bool {
    path == dir || path.starts_with(&format!("{dir}/"))
}

/// A word for `sh`, single-quoted.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The seed container's program: copy each directory of the image into its volume,
/// `(directory, volume mount)` pairs; a directory the image lacks is skipped.
pub fn seed_script(dirs: &[(String, String)]) -> String {
    let mut script = String::from("set -e\n");
    for (dir, mount) in dirs {
        let (d, m) = (sh_quote(dir), sh_quote(&format!("{mount}/")));
        let from = sh_quote(&format!("{dir}/."));
        script.push_str(&format!("if [ -d {d} ]; then cp -a {from} {m}; fi\n"));
    }
    script
}

/// The helper containers and volumes for the service's files; `None` when it has none.
pub fn files(ctx: &mut Context, s: &Service, log_configuration: &Value) -> Option<Files> {
    if s.secrets.is_empty() && s.configs.is_empty() && s.files.is_empty() {
        return None;
    }
    let in_secrets = |d: &str| within(d, SECRETS_DIR);
    // (directory, declared at, the image's files there must stay, read-only)
    let items: Vec<(&str, &str, bool, bool)> = s
        .secrets
        .iter()
        .chain(&s.configs)
        .map(|m| {
            let dir = parent(&m.target);
            (dir, m.path.as_str(), !in_secrets(dir), true)
        })
        .chain(s.files.iter().map(|f| {
            (
                f.dir.as_str(),
                f.path.as_str(),
                !f.folder && !in_secrets(&f.dir),
                f.read_only,
            )
        }))
        .collect();
    let dirs = mount_dirs(items.iter().map(|i| i.0));
    let of = |dir: &str| {
        dirs.iter()
            .position(|d| within(dir, d))
            .expect("every file is inside a mount directory")
    };
    // A folder mounted at a volume's directory replaces it, as with Docker: no seeding.
    let replaced: BTreeSet<&str> = s
        .files
        .iter()
        .filter(|f| f.folder)
        .map(|f| f.dir.as_str())
        .collect();
    let mut seeded: Vec<usize> = Vec::new();
    let mut writable: BTreeSet<usize> = BTreeSet::new();
    for (dir, at, keep, read_only) in &items {
        let n = of(dir);
        if !read_only {
            writable.insert(n);
        }
        if *keep && !replaced.contains(dirs[n].as_str()) && !seeded.contains(&n) {
            seeded.push(n);
            ctx.diags.warn(
                *at,
                format!("`{}` becomes a volume holding the file: `{}_Seed_InitContainer` first copies the image's own files there (with the image's `/bin/sh`); an image without a shell keeps only the written files in `{}`", dirs[n], normalize(&s.name), dirs[n]),
            );
        }
    }
    seeded.sort_unstable();
    let volume = |i: usize| format!("compose_files_{i}");
    let mut manifest = Vec::new();
    let mut environment = Vec::new();
    let mut secrets = Vec::new();
    let project = ctx.project();
    let entry = |var: &str, target: &str, mode: u32| {
        let n = of(parent(target));
        let rel = &target[dirs[n].len() + 1..];
        json!({"var": var, "path": format!("{INIT_ROOT}/{n}/{rel}"), "mode": mode})
    };
    for (kind, mounts) in [("SECRET", &s.secrets), ("CONFIG", &s.configs)] {
        // One variable per secret or config, however many files it gives.
        let mut vars: BTreeMap<&str, String> = BTreeMap::new();
        for (i, m) in mounts.iter().enumerate() {
            let first_use = !vars.contains_key(m.source.as_str());
            let var = vars
                .entry(m.source.as_str())
                .or_insert_with(|| format!("COMPOSE_{kind}_{i}"))
                .clone();
            let mut entry = entry(&var, &m.target, m.mode);
            if let Some(uid) = m.uid {
                entry["uid"] = json!(uid);
            }
            if let Some(gid) = m.gid {
                entry["gid"] = json!(gid);
            }
            if kind == "SECRET" {
                let Some(secret) = project.secrets.get(&m.source) else {
                    continue;
                };
                if let Some(keys) = &secret.keys {
                    entry["keys"] = json!(keys);
                }
                if first_use {
                    let store = top_level(ctx, &m.source, secret);
                    secrets.push(json!({"Name": var, "ValueFrom": store.value_from()}));
                }
            } else {
                match project.configs.get(&m.source) {
                    Some(_) if !first_use => {}
                    Some(Config::Content(t)) => {
                        environment.push(json!({"Name": var, "Value": t.to_json()}))
                    }
                    Some(Config::Parameter(t)) => {
                        secrets.push(json!({"Name": var, "ValueFrom": parameter(t).value_from()}))
                    }
                    Some(Config::Hidden(_)) => secrets.push(
                        json!({"Name": var, "ValueFrom": ref_(&config_secret_id(ctx, &m.source))}),
                    ),
                    None => continue,
                }
            }
            manifest.push(entry);
        }
    }
    for (i, f) in s.files.iter().enumerate() {
        let var = format!("COMPOSE_BIND_{i}");
        manifest.push(entry(&var, &f.target, f.mode));
        environment.push(json!({"Name": var, "Value": f.content}));
    }
    environment.insert(
        0,
        json!({"Name": MANIFEST_VAR, "Value": Value::Array(manifest).to_string()}),
    );
    let init_name = format!("{}_Secrets_InitContainer", normalize(&s.name));
    let seed_name = format!("{}_Seed_InitContainer", normalize(&s.name));
    let image = project
        .init_image
        .as_ref()
        .map_or_else(|| json!(INIT_IMAGE), Text::to_json);
    let mount = |n: usize| json!({"SourceVolume": volume(n), "ContainerPath": format!("{INIT_ROOT}/{n}"), "ReadOnly": false});
    let mut init = Map::new();
    init.insert("Name".into(), json!(init_name));
    init.insert("Image".into(), image);
    init.insert("Essential".into(), json!(false));
    init.insert("User".into(), json!("0"));
    // It writes only into its volumes, and needs no more than file ownership.
    init.insert("ReadonlyRootFilesystem".into(), json!(true));
    init.insert(
        "LinuxParameters".into(),
        json!({"Capabilities": {"Drop": INIT_DROPPED_CAPABILITIES}}),
    );
    init.insert("Command".into(), json!(["python3", "-c", INIT_SCRIPT]));
    init.insert("Environment".into(), Value::Array(environment));
    if !secrets.is_empty() {
        init.insert("Secrets".into(), Value::Array(secrets));
    }
    init.insert(
        "MountPoints".into(),
        Value::Array((0..dirs.len()).map(mount).collect()),
    );
    init.insert("LogConfiguration".into(), log_configuration.clone());
    let seed = (!seeded.is_empty()).then(|| {
        init.insert(
            "DependsOn".into(),
            json!([{"ContainerName": seed_name, "Condition": "COMPLETE"}]),
        );
        let pairs: Vec<(String, String)> = seeded
            .iter()
            .map(|&n| (dirs[n].clone(), format!("{INIT_ROOT}/{n}")))
            .collect();
        let mut seed = Map::new();
        seed.insert("Name".into(), json!(seed_name));
        seed.insert(
            "Image".into(),
            s.image.as_ref().map_or(Value::Null, Text::to_json),
        );
        seed.insert("Essential".into(), json!(false));
        seed.insert("User".into(), json!("0"));
        seed.insert("EntryPoint".into(), json!(["/bin/sh", "-c"]));
        seed.insert("Command".into(), json!([seed_script(&pairs)]));
        if let Some(c) = repository_credentials(s) {
            seed.insert("RepositoryCredentials".into(), c);
        }
        seed.insert(
            "MountPoints".into(),
            Value::Array(seeded.iter().map(|&n| mount(n)).collect()),
        );
        seed.insert("LogConfiguration".into(), log_configuration.clone());
        Value::Object(seed)
    });
    Some(Files {
        volumes: (0..dirs.len())
            .map(|n| json!({"Name": volume(n)}))
            .collect(),
        seed,
        init: Value::Object(init),
        init_name,
        mounts: dirs
            .iter()
            .enumerate()
            .map(|(n, d)| json!({"SourceVolume": volume(n), "ContainerPath": d, "ReadOnly": !writable.contains(&n)}))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::FileMount;

    #[test]
    fn grants_match_the_full_secret_arn() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db";
        assert_eq!(secret_arn_grant(arn), [format!("{arn}-??????")]);
        // `db-AbC123` is the full ARN of `db`, or the partial ARN of a secret named
        // `db-AbC123` (`app-prod01`): both are granted, or the real one is denied.
        let full = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbC123";
        let both = [full.to_string(), format!("{full}-??????")];
        assert_eq!(secret_arn_grant(full), both);
        assert_eq!(
            secret_arn_grant(&format!("{full}:password::")),
            both,
            "the JSON key, stage and version are not part of the secret's ARN"
        );
    }

    #[test]
    fn nested_directories_share_a_volume() {
        let m = |t: &str| FileMount {
            source: "x".into(),
            target: t.into(),
            uid: None,
            gid: None,
            mode: 0o444,
            path: String::new(),
        };
        let a = m("/run/secrets/a");
        let b = m("/run/secrets/sub/b");
        let c = m("/etc/app/c");
        assert_eq!(
            mount_dirs([&a, &b, &c].map(|m| parent(&m.target))),
            vec!["/etc/app".to_string(), "/run/secrets".to_string()]
        );
    }
}
