//! User-facing diagnostics: path-addressed, collected, sorted, reported together.
//!
//! A diagnostic reads `<path>: <message>`, the path in Compose spelling from the Compose
//! root (`services.web.ports[1]`), or from the template for template-level problems
//! (`Resources.Shop.Properties.Vpc`). Messages follow the house style: lower case, no
//! trailing period, keys and values in backticks, found vs expected, the fix when there is
//! exactly one.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The transform cannot produce a correct template.
    Error,
    /// Something was ignored; the template is still produced.
    Warning,
}

/// The Levenshtein distance between two names: how suggestions (`did you mean ...?`, the
/// nearest logical IDs) are ranked.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// One finding about the input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// Where: a dotted path with 0-based indexes, or "" for the document itself.
    pub path: String,
    /// Error or warning.
    pub severity: Severity,
    /// What was found, what is expected, and the fix when there is one.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A collection of diagnostics, kept sorted and free of duplicates when read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error at `path`.
    pub fn error(&mut self, path: impl fmt::Display, message: impl Into<String>) {
        self.push(Diagnostic {
            path: path.to_string(),
            severity: Severity::Error,
            message: message.into(),
        });
    }

    /// Records a warning at `path`.
    pub fn warn(&mut self, path: impl fmt::Display, message: impl Into<String>) {
        self.push(Diagnostic {
            path: path.to_string(),
            severity: Severity::Warning,
            message: message.into(),
        });
    }

    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Every diagnostic, to rewrite (the local step quotes a path filled from variables
    /// as written).
    pub fn items_mut(&mut self) -> impl Iterator<Item = &mut Diagnostic> {
        self.items.iter_mut()
    }

    /// Moves every diagnostic of `other` into `self`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// True when at least one error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The errors, sorted by path then message, without duplicates.
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.sorted(Severity::Error)
    }

    /// The warnings, sorted by path then message, without duplicates.
    pub fn warnings(&self) -> Vec<&Diagnostic> {
        self.sorted(Severity::Warning)
    }

    fn sorted(&self, severity: Severity) -> Vec<&Diagnostic> {
        let mut out: Vec<&Diagnostic> = self
            .items
            .iter()
            .filter(|d| d.severity == severity)
            .collect();
        out.sort_by(|a, b| natural_cmp(&a.path, &b.path).then_with(|| a.message.cmp(&b.message)));
        out.dedup();
        out
    }

    /// The one-line summary CloudFormation shows:
    /// `2 errors: services.web.ports[1]: ...; services.db.image: ...`.
    pub fn summary(&self) -> String {
        let errors = self.errors();
        let noun = if errors.len() == 1 { "error" } else { "errors" };
        let joined: Vec<String> = errors.iter().map(|d| one_line(&d.to_string())).collect();
        format!("{} {}: {}", errors.len(), noun, joined.join("; "))
    }
}

/// Replaces line breaks so a message fits on one line.
pub fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares paths so that `ports[2]` sorts before `ports[10]`.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let na = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let nb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (da, db) = (trim_zeros(&a[..na]), trim_zeros(&b[..nb]));
                let ord = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len());
    &digits[start..]
}

/// A path being built while walking a document: `services.web.ports[1]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(String);

impl Path {
    /// The root of a document.
    pub fn root() -> Self {
        Path(String::new())
    }

    /// A path starting at `key`.
    pub fn new(key: &str) -> Self {
        Path::root().key(key)
    }

    /// The path of a mapping entry.
    pub fn key(&self, key: &str) -> Self {
        let needs_quotes = key.is_empty()
            || key
                .chars()
                .any(|c| matches!(c, '.' | '[' | ']' | ' ' | '"') || c.is_control());
        // Built in one allocation: paths are made for every key the stages visit.
        let mut path = String::with_capacity(self.0.len() + key.len() + 3);
        path.push_str(&self.0);
        if !self.0.is_empty() {
            path.push('.');
        }
        if needs_quotes {
            path.push('"');
            path.extend(key.escape_default());
            path.push('"');
        } else {
            path.push_str(key);
        }
        Path(path)
    }

    /// The path of a list item.
    pub fn index(&self, index: usize) -> Self {
        Path(format!("{}[{}]", self.0, index))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("image", "imgae"), 2);
        assert_eq!(edit_distance("ports", "port"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn sorts_indexes_naturally_and_dedups() {
        let mut d = Diagnostics::new();
        d.error("services.web.ports[10]", "b");
        d.error("services.web.ports[2]", "a");
        d.error("services.web.ports[2]", "a");
        d.warn("x", "w");
        let e: Vec<String> = d.errors().iter().map(|d| d.to_string()).collect();
        assert_eq!(e, ["services.web.ports[2]: a", "services.web.ports[10]: b"]);
        assert_eq!(
            d.summary(),
            "2 errors: services.web.ports[2]: a; services.web.ports[10]: b"
        );
    }

    #[test]
    fn quotes_odd_keys() {
        let p = Path::new("services").key("a.b").index(0);
        assert_eq!(p.as_str(), "services.\"a.b\"[0]");
    }
}
