//! The checks on a tree of sources: the rules broken, the files over the limit, the
//! circles not tolerated (each with its stale entries).

use super::{Rule, Sources, MAX_LINES};
use std::collections::{BTreeMap, BTreeSet};

/// The edges that break a rule of [`RULES`].
pub fn broken_rules(graph: &BTreeMap<String, BTreeSet<String>>, rules: &[Rule]) -> Vec<String> {
    let mut out = Vec::new();
    for (from, tos) in graph {
        for to in tos {
            for (user, used, except, why) in rules {
                let excepted = except.iter().any(|e| to.starts_with(e));
                if from.starts_with(user) && to.starts_with(used) && !excepted {
                    out.push(format!("{from} uses {to}: {why}"));
                }
            }
        }
    }
    out
}

/// Files over the limit not pending, and pending files no longer over it (or gone).
pub fn long_files(sources: &Sources, pending: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (file, text) in sources {
        let lines = text.lines().count();
        if lines > MAX_LINES && !pending.contains(&file.as_str()) {
            out.push(format!(
                "{file}: {lines} lines (at most {MAX_LINES}): split it by what it does"
            ));
        }
    }
    for file in pending {
        match sources.get(*file) {
            None => out.push(format!("{file} is pending but gone: take it off PENDING")),
            Some(text) if text.lines().count() <= MAX_LINES => out.push(format!(
                "{file} is pending but {} lines now: take it off PENDING",
                text.lines().count()
            )),
            Some(_) => {}
        }
    }
    out
}

/// The circles not in [`KNOWN_CIRCLES`], and the entries of it no circle matches.
pub fn unknown_circles(found: &[(Vec<String>, String)], known: &[&[&str]]) -> Vec<String> {
    let within = |files: &[String], entry: &[&str]| {
        files.iter().all(|f| entry.iter().any(|p| f.starts_with(p)))
    };
    let mut out: Vec<String> = found
        .iter()
        .filter(|(files, _)| !known.iter().any(|entry| within(files, entry)))
        .map(|(_, text)| text.clone())
        .collect();
    for entry in known {
        if !found.iter().any(|(files, _)| within(files, entry)) {
            out.push(format!(
                "no circle in {entry:?} any more: take it off KNOWN_CIRCLES"
            ));
        }
    }
    out
}
