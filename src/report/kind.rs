//! A diagnostic's kind: its message with the details that vary between occurrences (a
//! backticked value, a number, the product a published port belongs to) as slots, so
//! that `variable `A` is not set: ...` and `variable `B` is not set: ...` are one kind.
//! Occurrences of one kind print as one line: the places folded
//! (`services.{api,db}.volumes[*]`), each slot listing its values (`{`A`, `B`}`).

/// Text between these two literals is a slot (a detail not written in backticks).
const SLOTS_BETWEEN: &[(&str, &str)] = &[("publishes ", " (port ")];

/// A message cut into literal text and the details between it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// The literal text; one more than the slots.
    pub literals: Vec<String>,
    /// The details, in order.
    pub slots: Vec<String>,
}

impl Template {
    /// The message cut at its details.
    pub fn of(message: &str) -> Self {
        let mut literals = Vec::new();
        let mut slots = Vec::new();
        let mut literal = String::new();
        let mut rest = message;
        'outer: while let Some(c) = rest.chars().next() {
            for (before, after) in SLOTS_BETWEEN {
                if literal.ends_with(before) {
                    if let Some(end) = rest.find(after).filter(|&e| e > 0) {
                        literals.push(std::mem::take(&mut literal));
                        slots.push(rest[..end].to_string());
                        rest = &rest[end..];
                        continue 'outer;
                    }
                }
            }
            if c == '`' {
                if let Some(end) = rest[1..].find('`') {
                    literals.push(std::mem::take(&mut literal));
                    slots.push(rest[..end + 2].to_string());
                    rest = &rest[end + 2..];
                    continue;
                }
            }
            let after_word = literal
                .chars()
                .next_back()
                .is_some_and(|p| p.is_alphanumeric() || p == '_');
            if c.is_ascii_digit() && !after_word {
                let end = rest
                    .find(|ch: char| !ch.is_ascii_digit())
                    .unwrap_or(rest.len());
                literals.push(std::mem::take(&mut literal));
                slots.push(rest[..end].to_string());
                rest = &rest[end..];
                continue;
            }
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
        literals.push(literal);
        Template { literals, slots }
    }

    /// The kind: the literal text with `…` for each slot.
    pub fn key(&self) -> String {
        self.literals.join("…")
    }

    /// The message with each slot showing every value it takes in `all` (templates of
    /// one kind): the value when they agree, `{a, b}` when they differ. When several
    /// details differ, the text from the first to the last is listed once per occurrence,
    /// so that the values of one occurrence stay together:
    /// `publishes {Redis (port 6379); PostgreSQL (port 5432)} on ...`.
    pub fn folded(all: &[&Template]) -> String {
        let Some(first) = all.first() else {
            return String::new();
        };
        let n = first.slots.len();
        let distinct = |i: usize| {
            let mut values: Vec<&str> = Vec::new();
            for t in all {
                if let Some(v) = t.slots.get(i) {
                    if !values.contains(&v.as_str()) {
                        values.push(v);
                    }
                }
            }
            values
        };
        // A detail repeating an earlier one in every occurrence (`X` has no value and no
        // variable `X` is set) is not listed twice.
        let repeats =
            |i: usize| (0..i).any(|k| all.iter().all(|t| t.slots.get(k) == t.slots.get(i)));
        // The span: from the first detail that differs to the last, when more than one
        // differs in its own right (not as a repeat of another).
        let varying: Vec<usize> = (0..n).filter(|&i| distinct(i).len() > 1).collect();
        let own: Vec<usize> = varying.iter().copied().filter(|&i| !repeats(i)).collect();
        let span = match (own.first(), varying.last()) {
            (Some(&from), Some(&last)) if own.len() > 1 => Some((from, last)),
            _ => None,
        };
        let slot = |i: usize| -> String {
            match distinct(i).as_slice() {
                [one] => one.to_string(),
                _ if repeats(i) => "`…`".to_string(),
                many => format!("{{{}}}", many.join(", ")),
            }
        };
        let mut out = String::new();
        // Bytes of the next literal already written (the end of a word after a span).
        let mut skip = 0;
        let mut i = 0;
        while i < n {
            out.push_str(&first.literals[i][skip..]);
            skip = 0;
            match span {
                Some((from, last)) if from == i => {
                    // From this slot to the last varying one, and the rest of the word that
                    // follows it (the `s` of `5s`), once per occurrence.
                    let after = &first.literals[last + 1];
                    let mut tail = after
                        .find(|c: char| !c.is_alphanumeric())
                        .unwrap_or(after.len());
                    // And the brackets the span opened (`(port 6379)`).
                    let inner = first.literals[i + 1..=last].concat();
                    let mut open = inner
                        .matches('(')
                        .count()
                        .saturating_sub(inner.matches(')').count());
                    while open > 0 && after[tail..].starts_with(')') {
                        tail += 1;
                        open -= 1;
                    }
                    let mut spans: Vec<String> = Vec::new();
                    for t in all {
                        let mut span = String::new();
                        for k in i..=last {
                            span.push_str(t.slots.get(k).map_or("", String::as_str));
                            if k < last {
                                span.push_str(&first.literals[k + 1]);
                            }
                        }
                        span.push_str(&after[..tail]);
                        if !spans.contains(&span) {
                            spans.push(span);
                        }
                    }
                    out.push('{');
                    out.push_str(&spans.join("; "));
                    out.push('}');
                    skip = tail;
                    i = last + 1;
                }
                _ => {
                    out.push_str(&slot(i));
                    i += 1;
                }
            }
        }
        out.push_str(&first.literals[n][skip..]);
        out
    }
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

/// A path as (before the service name, the service name, after it), when it names one.
pub fn split_service(path: &str) -> Option<(&str, &str, &str)> {
    let start = service_start(path)?;
    let end = key_end(path, start);
    Some((&path[..start], &path[start..end], &path[end..]))
}

/// List indexes as `[*]`.
pub fn without_indexes(path: &str) -> String {
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

fn braced(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        many => format!("{{{}}}", many.join(",")),
    }
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Every place, folded and none left out: `services.{api,db}.restart`,
/// `services.{api,db}.{image,volumes[*]}`; places outside `services` listed after.
pub fn places_text(places: &[String]) -> String {
    let mut distinct: Vec<String> = Vec::new();
    for p in places {
        push_new(&mut distinct, p.clone());
    }
    if distinct.len() <= 1 {
        return distinct.pop().unwrap_or_default();
    }
    // (before, services, rests) in order of first appearance; other places as they are.
    let mut folds: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for p in &distinct {
        match split_service(p) {
            Some((before, service, rest)) => {
                let at = match folds.iter().position(|f| f.0 == before) {
                    Some(i) => i,
                    None => {
                        folds.push((before.to_string(), Vec::new(), Vec::new()));
                        folds.len() - 1
                    }
                };
                push_new(&mut folds[at].1, service.to_string());
                push_new(&mut folds[at].2, rest.to_string());
            }
            None => others.push(p.clone()),
        }
    }
    let mut parts: Vec<String> = Vec::new();
    for (before, services, rests) in folds {
        let rest = match rests.as_slice() {
            [one] => one.clone(),
            _ => {
                let mut patterns: Vec<String> = Vec::new();
                for r in &rests {
                    push_new(&mut patterns, without_indexes(r));
                }
                match patterns.as_slice() {
                    [one] => one.clone(),
                    _ => format!(".{}", braced(&keys_folded(&patterns))),
                }
            }
        };
        parts.push(format!("{before}{}{rest}", braced(&services)));
    }
    parts.extend(others);
    parts.join(", ")
}

/// The keys after a service name (`.image`, `.environment.TZ`), those under one key
/// folded: `environment.*` when several differ below it.
fn keys_folded(rests: &[String]) -> Vec<String> {
    let first = |r: &str| {
        let r = r.strip_prefix('.').unwrap_or(r);
        r[..r.find(['.', '[']).unwrap_or(r.len())].to_string()
    };
    let mut out: Vec<String> = Vec::new();
    for r in rests {
        let key = first(r);
        // The keys below `key` when each is one plain name (`healthcheck.{interval,timeout}`).
        let below: Vec<&str> = rests
            .iter()
            .filter(|o| first(o) == key)
            .map(|o| {
                let o = o.strip_prefix('.').unwrap_or(o);
                o[key.len()..].strip_prefix('.').unwrap_or("")
            })
            .collect();
        let plain = |b: &&str| !b.is_empty() && !b.contains(['.', '[', '"']);
        let item = match below.as_slice() {
            [_] => r.strip_prefix('.').unwrap_or(r).to_string(),
            few if few.len() <= 4 && few.iter().all(plain) => {
                let mut names: Vec<&str> = few.to_vec();
                names.sort();
                format!("{key}.{{{}}}", names.join(","))
            }
            _ => format!("{key}.*"),
        };
        push_new(&mut out, item);
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_slots() {
        let t = Template::of("variable `A` is not set: using 5s (max 300s, EC2)");
        assert_eq!(t.key(), "variable … is not set: using …s (max …s, EC2)");
        assert_eq!(t.slots, ["`A`", "5", "300"]);
        let p = Template::of("publishes Redis (port 6379) on an internet-facing load balancer");
        assert_eq!(
            p.key(),
            "publishes … (port …) on an internet-facing load balancer"
        );
        assert_eq!(
            Template::of("a `b").key(),
            "a `b",
            "an unclosed backtick is text"
        );
    }

    #[test]
    fn slots_fold_their_values() {
        let a = Template::of("variable `A` is not set");
        let b = Template::of("variable `B` is not set");
        let c = Template::of("variable `A` is not set");
        assert_eq!(
            Template::folded(&[&a, &b, &c]),
            "variable {`A`, `B`} is not set"
        );
        assert_eq!(Template::folded(&[&a]), "variable `A` is not set");
        let r = Template::of("publishes Redis (port 6379) on the internet");
        let p = Template::of("publishes PostgreSQL (port 5432) on the internet");
        assert_eq!(
            Template::folded(&[&r, &p, &r]),
            "publishes {Redis (port 6379); PostgreSQL (port 5432)} on the internet"
        );
        let i = Template::of("expected 5s to 300s, found `2s`: using 5s");
        let t = Template::of("expected 2s to 120s, found `1s`: using 2s");
        assert_eq!(
            Template::folded(&[&i, &t]),
            "expected {5s to 300s, found `2s`: using 5s; 2s to 120s, found `1s`: using 2s}"
        );
        let x = Template::of("`X` has no value and no variable `X` is set");
        let y = Template::of("`Y` has no value and no variable `Y` is set");
        assert_eq!(
            Template::folded(&[&x, &y]),
            "{`X`, `Y`} has no value and no variable `…` is set"
        );
    }

    #[test]
    fn places_fold_and_keep_every_service() {
        let p = |v: &[&str]| places_text(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p(&["services.web.image"]), "services.web.image");
        assert_eq!(
            p(&["services.web.restart", "services.api.restart"]),
            "services.{web,api}.restart"
        );
        assert_eq!(
            p(&["services.a.volumes[0]", "services.a.volumes[3]"]),
            "services.a.volumes[*]"
        );
        assert_eq!(
            p(&[
                "services.a.image",
                "services.b.environment.X",
                "services.b.environment.Y",
                "services.a.volumes[2]",
                "volumes"
            ]),
            "services.{a,b}.{environment.{X,Y},image,volumes[*]}, volumes"
        );
        assert_eq!(
            p(&[
                "services.a.healthcheck.interval",
                "services.a.healthcheck.timeout"
            ]),
            "services.a.healthcheck.{interval,timeout}"
        );
        let many: Vec<String> = (0..12).map(|i| format!("services.s{i}.logging")).collect();
        let text = places_text(&many);
        assert!(
            (0..12).all(|i| text.contains(&format!("s{i},")) || text.contains(&format!("s{i}}}")))
        );
    }
}
