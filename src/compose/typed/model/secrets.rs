//! Secrets and configs: where a value lives, and the files a service mounts.

use super::text::Text;
use serde_json::Value;
use std::collections::BTreeMap;

/// A top-level secret.
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    /// Where the value lives.
    pub source: SecretSource,
    /// `x-aws-keys`: the JSON keys to write as one file each (`*` = all); `None` writes the
    /// whole value as one file.
    pub keys: Option<Vec<String>>,
    /// `x-aws-kms_key`: the customer managed key that encrypts the value.
    pub kms_key: Option<Text>,
    /// `name` of a secret the project creates (CloudFormation names it otherwise).
    pub name: Option<Text>,
}

impl Secret {
    /// True when the project creates the secret (it is not an existing one).
    pub fn is_created(&self) -> bool {
        matches!(
            self.source,
            SecretSource::Value(_) | SecretSource::Generate(_)
        )
    }
}

/// Where a secret's value lives.
#[derive(Clone, Debug, PartialEq)]
pub enum SecretSource {
    /// An existing Secrets Manager secret: its ARN (literal or intrinsic) or its name.
    SecretsManager(Text),
    /// An existing Systems Manager parameter (a SecureString, typically): ARN or name.
    Parameter(Text),
    /// A new secret holding this value (`environment:`): always a reference, never text.
    Value(Value),
    /// A new secret with a random value (`x-aws-generate`).
    Generate(Generate),
}

/// `x-aws-generate`: how to generate a random secret value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generate {
    /// `length`.
    pub length: Option<u64>,
    /// `exclude_characters`.
    pub exclude_characters: Option<String>,
    /// `exclude_punctuation`, `exclude_numbers`, `exclude_uppercase`, `exclude_lowercase`,
    /// `include_space`, `require_each_included_type`, when set.
    pub flags: BTreeMap<&'static str, bool>,
    /// `template` (a JSON object as text) and `key`: the value is the template with a
    /// random string added under `key`.
    pub template: Option<(String, String)>,
}

/// A top-level config.
#[derive(Clone, Debug, PartialEq)]
pub enum Config {
    /// The file's content (`content:`, or `environment:`): not a secret.
    Content(Text),
    /// An existing Systems Manager parameter (`external: true`): ARN or name.
    Parameter(Text),
    /// Content holding a `NoEcho` parameter: delivered from a secret the project creates.
    Hidden(Text),
}

/// A secret or config a service mounts as a file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileMount {
    /// The top-level secret or config key.
    pub source: String,
    /// The absolute path of the file (of the directory, for a secret split by `x-aws-keys`).
    pub target: String,
    /// Owner user id.
    pub uid: Option<u32>,
    /// Owner group id.
    pub gid: Option<u32>,
    /// Permission bits.
    pub mode: u32,
    /// Where it was declared (`services.web.secrets[0]`).
    pub path: String,
}
