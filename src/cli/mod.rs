//! The CLI's own commands, one file per command group: `convert` and `expand`
//! (`preview.rs`), `package` (`package.rs`); and what they and the AWS commands (src/aws/)
//! share: the arguments (`args.rs`), the project named on the command line (`project.rs`),
//! the template and diagnostics written (`output.rs`), the closing summary line
//! (`summary.rs`). This file only declares them: none imports it.

pub mod args;
pub mod output;
pub mod package;
pub mod preview;
pub mod project;
pub mod summary;
