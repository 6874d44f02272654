//! The model's floor: the merged raw tree into the typed model, one file per area.

pub mod compute;
mod env_file;
pub mod host;
pub mod hosts;
pub mod image_ports;
pub mod jobs;
pub mod model;
pub mod noecho;
pub mod normalize;
pub mod operations;
mod reader;
pub mod schedule;
pub mod secrets;
pub mod values;

use super::source::{binds, dotenv, interpolate, load, local};
