//! The CloudFormation side, in CloudFormation words: templates, intrinsic functions,
//! logical IDs, overlays (partial templates merged by logical ID), and the YAML reader for
//! short-form tags. Nothing here names a Compose key.

pub mod input;
pub mod intrinsics;
pub mod logical_id;
pub mod overlay;
pub mod template;
pub mod yaml;
