//! Diagnostics as a user reads them: one line per cause, the places it applies to folded
//! on that line, ranked by how much the cause matters to whether the app runs.
//!
//! A warning's cause is its kind (`kind.rs`): the message with its details (backticked
//! values, numbers) as slots, so `variable `A` is not set` on `services.api.image` and
//! `variable `B` is not set` on `services.db.volumes[0]` print as one line,
//! `services.{api,db}.{image,volumes[*]}: variable {`A`, `B`} is not set`: every place and
//! every value stays on it. Causes of one family (keys ignored, unset variables,
//! development mounts dropped, where data lives) share a line when several occur.
//! Errors keep their places (the path is the point): identical errors on several services
//! group the same way, by message and path pattern. Every occurrence stays in
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

pub mod kind;
pub mod summary;

use kind::{places_text, split_service, without_indexes, Template};

/// One cause and where it occurs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Error or warning.
    pub severity: Severity,
    /// How much it matters.
    pub rank: Rank,
    /// The cause: the message's kind for warnings (its details as `…`), the path pattern
    /// and message for errors.
    pub cause: String,
    /// Each occurrence: its path and its message cut at its details.
    pub occurrences: Vec<(String, Template)>,
}

impl Group {
    /// The group as one line (without `warning: `): the place and message when it occurs
    /// once; otherwise every place folded (`services.{api,db}.restart`) and the message
    /// with each detail listing its values (`variable {`A`, `B`} is not set`).
    pub fn line(&self) -> String {
        let places: Vec<String> = self.occurrences.iter().map(|o| o.0.clone()).collect();
        let templates: Vec<&Template> = self.occurrences.iter().map(|o| &o.1).collect();
        let message = one_line(&Template::folded(&templates));
        let places = places_text(&places);
        if places.is_empty() {
            message
        } else {
            format!("{places}: {message}")
        }
    }
}

/// The pattern of a path: its service name as `*`, its list indexes as `[*]`.
pub fn pattern(path: &str) -> String {
    let path = match split_service(path) {
        Some((before, _, after)) => format!("{before}*{after}"),
        None => path.to_string(),
    };
    without_indexes(&path)
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
/// keep the order of their first occurrence (the diagnostics' sorted order). Warnings
/// group by kind (their message with its details as slots), errors by message and path
/// pattern (an error's place is the point).
pub fn groups(diags: &Diagnostics, severity: Severity) -> Vec<Group> {
    let items = match severity {
        Severity::Error => diags.errors(),
        Severity::Warning => diags.warnings(),
    };
    let mut order: Vec<String> = Vec::new();
    let mut by_cause: BTreeMap<String, Group> = BTreeMap::new();
    for d in items {
        let template = Template::of(&d.message);
        let cause = match severity {
            Severity::Error => format!("{}: {}", pattern(&d.path), d.message),
            Severity::Warning => template.key(),
        };
        let group = by_cause.entry(cause.clone()).or_insert_with(|| {
            order.push(cause.clone());
            Group {
                severity,
                rank: rank(d),
                cause,
                occurrences: Vec::new(),
            }
        });
        group.occurrences.push((d.path.clone(), template));
    }
    let mut out: Vec<Group> = order
        .into_iter()
        .filter_map(|k| by_cause.remove(&k))
        .collect();
    out.sort_by_key(|g| g.rank);
    out
}

/// A family's heading and which causes belong to it.
type Family = (&'static str, fn(&Group) -> bool);

/// Causes that read as one: when several causes of a family occur, they share one line
/// under the family's heading, each still with its places and message.
const FAMILIES: &[Family] = &[
    ("keys ignored on ECS", |g| g.rank == Rank::Ignored),
    ("unset variables", |g| {
        g.cause.contains(" is not set") || g.cause.contains("no variable")
    }),
    ("development mounts dropped", |g| {
        g.cause.starts_with("dropped: ") && g.cause.contains("development mount")
    }),
    ("where data lives", |g| {
        g.cause.contains("EFS") || g.cause.contains("NFS") || g.cause.contains("the volume …")
    }),
];

/// Separates the causes of one family on its line.
pub const FAMILY_SEPARATOR: &str = " | ";

/// The warning lines (without `warning: `): one per cause, or one per family when a
/// family has several causes of the same rank (a run-time risk never shares a line with a
/// note), most important first.
pub fn warning_lines(diags: &Diagnostics) -> Vec<String> {
    let groups = groups(diags, Severity::Warning);
    let family = |g: &Group| FAMILIES.iter().position(|(_, f)| f(g)).map(|f| (f, g.rank));
    let mut out = Vec::new();
    let mut done = Vec::new();
    for g in &groups {
        let Some(key) = family(g) else {
            out.push(g.line());
            continue;
        };
        if done.contains(&key) {
            continue;
        }
        let members: Vec<String> = groups
            .iter()
            .filter(|o| family(o) == Some(key))
            .map(Group::line)
            .collect();
        done.push(key);
        if members.len() == 1 {
            out.push(g.line());
        } else {
            out.push(format!(
                "{}: {}",
                FAMILIES[key.0].0,
                members.join(FAMILY_SEPARATOR)
            ));
        }
    }
    out
}

/// The lines the CLI prints: warnings then errors, grouped and ranked, each prefixed with
/// `warning: ` or `error: `; with `verbose`, every occurrence on its own line.
pub fn lines(diags: &Diagnostics, verbose: bool) -> Vec<String> {
    let mut out = Vec::new();
    if verbose {
        out.extend(diags.warnings().iter().map(|d| format!("warning: {d}")));
        out.extend(diags.errors().iter().map(|d| format!("error: {d}")));
        return out;
    }
    out.extend(
        warning_lines(diags)
            .into_iter()
            .map(|l| format!("warning: {l}")),
    );
    out.extend(
        groups(diags, Severity::Error)
            .iter()
            .map(|g| format!("error: {}", g.line())),
    );
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
    fn every_place_is_named() {
        let items: Vec<(String, &str)> = (0..8)
            .map(|i| (format!("services.s{i}.logging"), "ignored"))
            .collect();
        let refs: Vec<(&str, &str)> = items.iter().map(|(p, m)| (p.as_str(), *m)).collect();
        let l = lines(&diags(&refs), false);
        assert_eq!(
            l,
            ["warning: services.{s0,s1,s2,s3,s4,s5,s6,s7}.logging: ignored"]
        );
    }

    #[test]
    fn one_line_per_kind_with_its_details() {
        let d = diags(&[
            ("services.web.image", "variable `TAG` is not set: using ``"),
            (
                "services.db.volumes[2]",
                "variable `DATA` is not set: using ``",
            ),
            (
                "services.db.ports[0]",
                "publishes Redis (port 6379) on the internet",
            ),
            (
                "services.x.ports[0]",
                "publishes PostgreSQL (port 5432) on the internet",
            ),
        ]);
        assert_eq!(
            lines(&d, false),
            [
                "warning: services.{db,x}.ports[0]: publishes {Redis (port 6379); PostgreSQL (port 5432)} on the internet",
                "warning: services.{db,web}.{image,volumes[*]}: variable {`DATA`, `TAG`} is not set: using ``",
            ]
        );
        assert_eq!(lines(&d, true).len(), 4);
    }

    #[test]
    fn a_family_shares_one_line() {
        let d = diags(&[
            ("services.web.stop_signal", "ignored: ECS stops it"),
            ("version", "obsolete: ignored"),
            ("services.db.volumes[0]", "changes when it starts"),
        ]);
        assert_eq!(
            lines(&d, false),
            [
                "warning: services.db.volumes[0]: changes when it starts",
                "warning: keys ignored on ECS: services.web.stop_signal: ignored: ECS stops it | version: obsolete: ignored",
            ]
        );
    }

    #[test]
    fn errors_keep_their_messages() {
        let mut d = Diagnostics::new();
        d.error("services.a.build", "the build context `a` does not exist");
        d.error("services.b.build", "the build context `b` does not exist");
        d.error("services.c.build", "the build context `b` does not exist");
        assert_eq!(
            lines(&d, false),
            [
                "error: services.a.build: the build context `a` does not exist",
                "error: services.{b,c}.build: the build context `b` does not exist",
            ]
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
