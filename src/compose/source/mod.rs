//! The loader's floor: Compose text and the files it refers to, into one merged raw tree.

pub mod binds;
pub mod credentials;
pub mod dotenv;
mod extends;
pub mod files;
pub mod interpolate;
pub mod load;
pub mod local;
pub mod merge;
pub mod names;
pub mod tree;
pub mod values;
pub mod variables;
