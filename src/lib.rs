//! ComposeToECS: expand Docker Compose projects embedded in CloudFormation templates.
pub mod validate;
