//! ComposeToECS: expand Docker Compose projects embedded in CloudFormation templates.
pub mod cfn;
pub mod compose;
pub mod convert;
pub mod diagnostics;
pub mod validate;
