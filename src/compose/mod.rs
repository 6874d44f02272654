//! The Compose side, in Compose words, in two floors: `source/` turns text and files into
//! one merged raw tree; `typed/` turns that tree into the typed model. Nothing here names
//! a CloudFormation type. The modules keep their paths (`compose::load`,
//! `compose::model`, ...) through the re-exports below.

pub mod source;
pub mod typed;

pub use source::{binds, credentials, dotenv, interpolate, load, local, merge, values};
pub use typed::{
    compute, deployments, domains, groups, host, hosts, image_ports, jobs, model, noecho,
    normalize, operations, schedule, secrets,
};
