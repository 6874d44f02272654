//! The model's floor: the merged raw tree into the typed model, one file per area.

pub mod compute;
mod configs;
mod container;
mod deploy;
pub mod deployments;
pub mod domains;
mod env_file;
pub mod groups;
pub mod host;
pub mod hosts;
pub mod image_ports;
pub mod jobs;
pub mod model;
mod mounts;
mod networks;
pub mod noecho;
pub mod normalize;
pub mod operations;
mod ports;
mod reader;
pub mod schedule;
pub mod secrets;
mod shared_folders;
mod volumes;

#[cfg(test)]
mod tests;
