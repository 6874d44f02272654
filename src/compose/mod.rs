//! The Compose side, in Compose words: loading, interpolation, the typed model and the
//! value parsers. Nothing here names a CloudFormation type.

pub mod binds;
pub mod compute;
pub mod credentials;
pub mod dotenv;
mod env_file;
mod extends;
pub mod groups;
pub mod host;
pub mod hosts;
pub mod image_ports;
pub mod interpolate;
pub mod jobs;
pub mod load;
pub mod local;
pub mod merge;
pub mod model;
pub mod noecho;
pub mod normalize;
pub mod operations;
mod reader;
pub mod schedule;
pub mod secrets;
pub mod values;
