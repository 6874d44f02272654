//! Diagnostics as a user reads them: one line per distinct cause, the places it applies
//! to listed on that line, ranked by how much the cause matters to whether the app runs.
//!
//! A cause is a message at a path pattern: the service name (`services.<name>.`) and list
//! indexes (`[3]`) of a path are what vary between occurrences of one cause, so
//! `services.api.restart` and `services.db.restart` with the same message are one line,
//! `services.{api,db}.restart: ...`. Errors keep their places too (the path is the point)
//! but identical errors on many services group the same way. Every occurrence stays in
//! `Metadata.ComposeToECS.Warnings` and behind the CLI's `--verbose`.
//!
//! Ranks: run-time risks first (a name that does not resolve, data, credentials, images
//! that cannot be pulled), then behaviour changes, then keys ignored because they mean
//! nothing on ECS (the support table's `warned` rows).

use crate::diagnostics::{one_line, Diagnostic, Diagnostics, Severity};
use crate::validate::support;
use crate::validate::support_table::Fate;
use std::collections::BTreeMap;

/// How much a cause matters to whether the app runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// The app may not run, or may lose or leak data.
    RunTime,
    /// The app runs, differently from `docker compose`.
    Behaviour,
    /// A key that means nothing on ECS was ignored.
    Ignored,
}

/// Words of a message that say the app may not run, lose data or leak a secret.
const RUN_TIME_WORDS: &[&str] = &[
    "unreachable",
    "not reachable",
    "cannot reach",
    "resolve",
    "efs",
    "nfs",
    "file system",
    "writable",
    "as root",
    "credential",
    "password",
    "secret",
    "noecho",
    "pull",
    "architecture",
    "two copies",
    "two tasks",
    "two writers",
    "lost",
    "internet",
];

/// One cause and where it occurs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Error or warning.
    pub severity: Severity,
    /// How much it matters.
    pub rank: Rank,
    /// The message all occurrences share.
    pub message: String,
    /// The path pattern (`services.*.restart`).
    pub pattern: String,
    /// The concrete paths, in the diagnostics' order.
    pub places: Vec<String>,
}

impl Group {
    /// The group as one line (without `warning: `): the path when there is one place,
    /// `services.{api,db}.restart` when services differ, the pattern and the count with
    /// the first places otherwise.
    pub fn line(&self) -> String {
        let message = one_line(&self.message);
        match self.places.as_slice() {
            [] => message,
            [one] if one.is_empty() => message,
            [one] => format!("{one}: {message}"),
            places => format!("{}: {message}", places_text(&self.pattern, places)),
        }
    }
}

/// `services.{a,b,c}.restart` when only the service name differs and there are few, else
/// `services.*.restart (14 places: a, b, c, d, e and 9 more)`.
fn places_text(pattern: &str, places: &[String]) -> String {
    const SHOWN: usize = 5;
    let names: Option<Vec<&str>> = places.iter().map(|p| service_of(p)).collect();
    if let Some(names) = names {
        let mut unique = names.clone();
        unique.dedup();
        if unique.len() == places.len() && places.len() <= SHOWN {
            if let Some((before, after)) = split_service(&places[0]) {
                return format!("{before}{{{}}}{after}", names.join(","));
            }
        }
    }
    let shown: Vec<&str> = places.iter().take(SHOWN).map(String::as_str).collect();
    let more = places.len().saturating_sub(SHOWN);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "{pattern} ({} places: {}{tail})",
        places.len(),
        shown.join(", ")
    )
}

/// The start of the service name in a path: after `services.` at the start or after a
/// separator (a file name or project prefix may come first).
fn service_start(path: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = path[from..].find("services.") {
        let at = from + i;
        if at == 0 || matches!(path.as_bytes()[at - 1], b'.' | b' ') {
            return Some(at + "services.".len());
        }
        from = at + 1;
    }
    None
}

/// The end of a path key starting at `start` (a quoted key runs to its closing quote).
fn key_end(path: &str, start: usize) -> usize {
    let rest = &path[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return start + 1 + i + 1,
                _ => escaped = false,
            }
        }
        return path.len();
    }
    start + rest.find(['.', '[']).unwrap_or(rest.len())
}

/// The service name of a path, when it has one.
fn service_of(path: &str) -> Option<&str> {
    let start = service_start(path)?;
    Some(&path[start..key_end(path, start)])
}

/// The path before and after its service name.
fn split_service(path: &str) -> Option<(&str, &str)> {
    let start = service_start(path)?;
    let end = key_end(path, start);
    Some((&path[..start], &path[end..]))
}

/// The pattern of a path: its service name as `*`, its list indexes as `[*]`.
pub fn pattern(path: &str) -> String {
    let path = match split_service(path) {
        Some((before, after)) => format!("{before}*{after}"),
        None => path.to_string(),
    };
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '[' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('*');
        }
    }
    out
}

/// How much a diagnostic matters.
pub fn rank(d: &Diagnostic) -> Rank {
    let message = d.message.to_ascii_lowercase();
    if RUN_TIME_WORDS.iter().any(|w| message.contains(w)) {
        return Rank::RunTime;
    }
    // The support table's pattern: Compose root, `[]` for list items.
    let table = pattern(&d.path).replace("[*]", "[]");
    let from_root = table
        .find("services.*")
        .map_or(table.as_str(), |i| &table[i..]);
    let ignored_key =
        support::entry(from_root).is_some_and(|e| e.fate == Fate::Warned && e.note == d.message);
    if ignored_key || message.contains("ignored") || message.contains("has no effect") {
        Rank::Ignored
    } else {
        Rank::Behaviour
    }
}

/// The diagnostics of one severity as groups, most important first; groups of one rank
/// keep the order of their first occurrence (the diagnostics' sorted order).
pub fn groups(diags: &Diagnostics, severity: Severity) -> Vec<Group> {
    let items = match severity {
        Severity::Error => diags.errors(),
        Severity::Warning => diags.warnings(),
    };
    let mut order: Vec<(String, String)> = Vec::new();
    let mut by_cause: BTreeMap<(String, String), Group> = BTreeMap::new();
    for d in items {
        let key = (pattern(&d.path), d.message.clone());
        let group = by_cause.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Group {
                severity,
                rank: rank(d),
                message: d.message.clone(),
                pattern: key.0.clone(),
                places: Vec::new(),
            }
        });
        group.places.push(d.path.clone());
    }
    let mut out: Vec<Group> = order
        .into_iter()
        .filter_map(|k| by_cause.remove(&k))
        .collect();
    out.sort_by_key(|g| g.rank);
    out
}

/// The lines the CLI prints: warnings then errors, grouped and ranked, each prefixed with
/// `warning: ` or `error: `; with `verbose`, every occurrence on its own line.
pub fn lines(diags: &Diagnostics, verbose: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (severity, word) in [(Severity::Warning, "warning"), (Severity::Error, "error")] {
        if verbose {
            let items = match severity {
                Severity::Error => diags.errors(),
                Severity::Warning => diags.warnings(),
            };
            out.extend(items.iter().map(|d| format!("{word}: {d}")));
        } else {
            out.extend(
                groups(diags, severity)
                    .iter()
                    .map(|g| format!("{word}: {}", g.line())),
            );
        }
    }
    out
}

/// The one-line failure message CloudFormation shows (it keeps a few hundred
/// characters): the error count, then the grouped errors, most important first, and
/// `and N more` once the message passes `budget` characters.
pub fn summary(diags: &Diagnostics, budget: usize) -> String {
    let count = diags.errors().len();
    let noun = if count == 1 { "error" } else { "errors" };
    let groups = groups(diags, Severity::Error);
    let mut text = format!("{count} {noun}: ");
    for (i, g) in groups.iter().enumerate() {
        let line = g.line();
        if i > 0 && text.len() + line.len() > budget {
            text.push_str(&format!("; and {} more", groups.len() - i));
            return text;
        }
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&line);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diags(items: &[(&str, &str)]) -> Diagnostics {
        let mut d = Diagnostics::new();
        for (path, message) in items {
            d.warn(*path, *message);
        }
        d
    }

    #[test]
    fn patterns_hide_the_service_and_indexes() {
        assert_eq!(pattern("services.web.ports[10].x"), "services.*.ports[*].x");
        assert_eq!(
            pattern("compose.prod.yaml: services.\"a.b\".restart"),
            "compose.prod.yaml: services.*.restart"
        );
        assert_eq!(pattern("volumes.data"), "volumes.data");
        assert_eq!(pattern("x-services.a.b"), "x-services.a.b");
    }

    #[test]
    fn one_line_per_cause_with_its_services() {
        let d = diags(&[
            ("services.web.restart", "ignored: ECS restarts tasks"),
            ("services.api.restart", "ignored: ECS restarts tasks"),
            ("services.db.volumes[0]", "the data lives on EFS"),
        ]);
        assert_eq!(
            lines(&d, false),
            [
                "warning: services.db.volumes[0]: the data lives on EFS",
                "warning: services.{api,web}.restart: ignored: ECS restarts tasks",
            ]
        );
        assert_eq!(lines(&d, true).len(), 3);
    }

    #[test]
    fn many_places_are_counted() {
        let items: Vec<(String, &str)> = (0..8)
            .map(|i| (format!("services.s{i}.logging"), "ignored"))
            .collect();
        let refs: Vec<(&str, &str)> = items.iter().map(|(p, m)| (p.as_str(), *m)).collect();
        let l = lines(&diags(&refs), false);
        assert_eq!(
            l,
            ["warning: services.*.logging (8 places: services.s0.logging, services.s1.logging, services.s2.logging, services.s3.logging, services.s4.logging and 3 more): ignored"]
        );
    }

    #[test]
    fn run_time_risks_come_first() {
        let d = diags(&[
            ("services.a.restart", "ignored"),
            ("services.b.x", "changes when it starts"),
            (
                "services.c.y",
                "no other service can resolve `c` on this port",
            ),
        ]);
        let ranks: Vec<Rank> = groups(&d, Severity::Warning)
            .iter()
            .map(|g| g.rank)
            .collect();
        assert_eq!(ranks, [Rank::RunTime, Rank::Behaviour, Rank::Ignored]);
    }

    #[test]
    fn summary_stops_at_its_budget() {
        let mut d = Diagnostics::new();
        for i in 0..20 {
            d.error(format!("services.s{i}.image"), format!("error number {i}"));
        }
        let s = summary(&d, 120);
        assert!(s.starts_with("20 errors: services.s0.image: error number 0; "));
        assert!(s.ends_with("more"), "{s}");
        assert!(s.len() < 200);
    }
}
