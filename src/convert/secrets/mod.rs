//! Secrets Manager and Parameter Store: the secrets a project creates, the files a service's
//! `secrets` and `configs` become, the variables `x-aws-secrets` reads, and exactly what
//! each execution role may read to deliver them.
//!
//! Files: ECS injects each value into a helper container (`<Svc>_Secrets_InitContainer`)
//! as a container secret (`ValueFrom`); the helper writes the files into task-local volumes
//! with their owner and mode, and exits. The application container mounts the volumes
//! read-only at the files' directories and starts after the helper succeeded
//! (`DependsOn: SUCCESS`). The application container never sees the values as variables.

mod init;
mod store;

use crate::cfn::intrinsics::ref_;
use crate::cfn::template::Resource;
use crate::compose::model::{Config, Secret, SecretSource, Service, Text};
use crate::compose::secrets::arn_service;
use crate::convert::context::Context;
pub use init::{files, INIT_IMAGE};
use serde_json::{json, Map, Value};
pub use store::repository_credentials;
use store::{config_secret_id, environment_secret_id, secret_id};
use store::{key_arn, parameter, parameter_by_name, secrets_manager, top_level, Store};

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
