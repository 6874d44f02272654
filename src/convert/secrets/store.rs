//! Where ECS reads a value from ([`Store`]): a Secrets Manager secret or a Systems Manager
//! parameter, by name, by ARN or through an intrinsic function, with the ARNs IAM grants;
//! and the logical IDs of the secrets the project creates.

use crate::cfn::intrinsics::{escape_sub, ref_, sub};
use crate::cfn::logical_id::normalize;
use crate::compose::model::{Secret, SecretSource, Service, Text};
use crate::convert::context::Context;
use serde_json::{json, Value};

/// Where ECS reads a value from.
pub(super) enum Store {
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
    pub(super) fn value_from(&self) -> Value {
        match self {
            Store::Secret { value_from, .. } => value_from.clone(),
            Store::Parameter(v) | Store::Unknown(v) => v.clone(),
        }
    }
}

/// The ARNs to grant for a Secrets Manager ARN, without its JSON key, stage and version:
/// a partial ARN gets the `-??????` suffix Secrets Manager adds. A name that ends like
/// that suffix (`app-prod01`) may be either, so both forms are granted.
pub(super) fn secret_arn_grant(arn: &str) -> Vec<String> {
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

pub(super) fn secret_by_name(name: &str) -> Store {
    let arn = format!(
        "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{}",
        escape_sub(name)
    );
    Store::Secret {
        value_from: sub(&arn),
        grant: vec![sub(&format!("{arn}-??????"))],
    }
}

pub(super) fn parameter_by_name(name: &str) -> Store {
    Store::Parameter(sub(&format!(
        "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
        escape_sub(name.trim_start_matches('/'))
    )))
}

pub(super) fn secrets_manager(t: &Text) -> Store {
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

pub(super) fn parameter(t: &Text) -> Store {
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

pub(super) fn top_level(ctx: &Context, key: &str, secret: &Secret) -> Store {
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
pub(super) fn key_arn(t: &Text) -> Value {
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

/// `RepositoryCredentials` for `x-aws-pull_credentials`.
pub fn repository_credentials(s: &Service) -> Option<Value> {
    let c = s.pull_credentials.as_ref()?;
    Some(json!({"CredentialsParameter": secrets_manager(c).value_from()}))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
