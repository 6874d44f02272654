//! What the commands write: the template (JSON or YAML), the diagnostics.

use crate::cli::args::Format;
use compose_to_ecs::diagnostics::Diagnostics;
use compose_to_ecs::report;
use serde_json::Value;
use std::path::Path;

/// Writes the template; returns its size in bytes.
pub fn write_output(value: &Value, format: Format, output: Option<&Path>) -> Result<usize, String> {
    let text = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
        Format::Yaml => serde_yaml_ng::to_string(value).map_err(|e| e.to_string())?,
    };
    match output {
        Some(path) => std::fs::write(path, &text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(text.len())
}

/// Prints the diagnostics one line per cause, most important first
/// (`compose_to_ecs::report`), or every occurrence with `verbose`; answers the number of
/// warnings (occurrences, as the will-it-run summary counts them, not lines).
pub fn print_diagnostics(diags: &Diagnostics, verbose: bool) -> usize {
    let lines = report::lines(diags, verbose);
    for l in &lines {
        eprintln!("{l}");
    }
    diags.warnings().len()
}
