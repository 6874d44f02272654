//! Why a YAML text could not be read, and the parser's own errors turned into that.

use crate::diagnostics::Path;
use std::fmt;

/// The deepest nesting the parser accepts (`serde_yaml_ng`'s recursion limit).
pub const MAX_DEPTH: usize = 128;

/// Why a YAML text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// Not valid YAML, or something the reader rejects (a tag, a mapping as a key).
    Invalid(String),
    /// Valid, but over a bound on nesting or alias expansion; the message reads after
    /// "the document is".
    TooLarge(String),
    /// A merge key `<<` holding something other than mappings: where, and what it holds.
    Merge(Path, String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(m) | Error::TooLarge(m) => f.write_str(m),
            Error::Merge(path, m) => write!(f, "{path}: {m}"),
        }
    }
}

/// The parser's errors; its two bounds are reported as such.
pub(super) fn parser_error(e: serde_yaml_ng::Error) -> Error {
    let message = e.to_string();
    if message.starts_with("recursion limit exceeded") {
        let at = e
            .location()
            .map(|l| format!(" at line {} column {}", l.line(), l.column()))
            .unwrap_or_default();
        Error::TooLarge(format!(
            "nested too deeply: more than {MAX_DEPTH} levels{at}"
        ))
    } else if message.starts_with("repetition limit exceeded") {
        Error::TooLarge(
            "too large once its YAML aliases are expanded: aliases are followed more than 100 times per node of the text"
                .into(),
        )
    } else {
        Error::Invalid(message)
    }
}
