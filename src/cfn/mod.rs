//! The CloudFormation side, in CloudFormation words: templates, intrinsic functions,
//! logical IDs, and the YAML reader for short-form tags. Nothing here names a Compose key.

pub mod input;
pub mod intrinsics;
pub mod logical_id;
pub mod template;
pub mod yaml;
