//! Which values are credentials, in Compose words: a variable whose name says so
//! (`POSTGRES_PASSWORD`, `DB_PWD`, `SENTRY_DSN`, `REDIS_AUTH`, `API_KEY`, ...), or a value
//! shaped like one (a URL with `user:password@`); and which variables a text refers to
//! (`$VAR`, `${VAR...}`), so that the local step knows what a document uses. Pure.

use std::collections::BTreeSet;

/// Whether a variable's name says its value is a credential (`POSTGRES_PASSWORD`,
/// `DB_PWD`, `SENTRY_DSN`, `REDIS_AUTH`, `API_KEY`, ...): one test, in `names.rs`.
pub use super::names::is_credential_name;

/// Whether a value holds a URL with a password (`scheme://user:password@host`).
pub fn has_url_password(value: &str) -> bool {
    value.match_indices("://").any(|(i, _)| {
        let rest = &value[i + 3..];
        let authority = rest
            .split(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .next()
            .unwrap_or("");
        match authority.rsplit_once('@') {
            Some((userinfo, _)) => userinfo
                .split_once(':')
                .is_some_and(|(_, password)| !password.is_empty()),
            None => false,
        }
    })
}

/// Whether a variable named `name` holding `value` is a credential.
pub fn is_credential(name: &str, value: &str) -> bool {
    !value.is_empty() && (is_credential_name(name) || has_url_password(value))
}

/// The variables a text refers to with `$VAR` or `${VAR...}` (also inside a default,
/// `${A:-${B}}`); `$$` is a literal `$`. Over-approximates: names are collected without
/// evaluating the forms.
pub fn variable_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => i += 2,
            Some(b'{') => {
                let name = identifier(&text[i + 2..]);
                if !name.is_empty() {
                    out.insert(name.to_string());
                }
                i += 2;
            }
            Some(_) => {
                let name = identifier(&text[i + 1..]);
                if !name.is_empty() {
                    out.insert(name.to_string());
                }
                i += 1;
            }
            None => i += 1,
        }
    }
    out
}

fn identifier(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|(n, c)| !(c.is_ascii_alphanumeric() || *c == '_') || (*n == 0 && c.is_ascii_digit()))
        .map_or(s.len(), |(n, _)| n);
    &s[..end]
}

/// A Compose value written without interpolation: its text with `$$` as `$`; `None` when
/// it refers to a variable (a `$` that is not doubled).
pub fn literal(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            if chars.peek() == Some(&'$') {
                chars.next();
            } else {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_and_shapes() {
        for name in [
            "PW",
            "POSTGRES_PW",
            "PGADMIN_PW",
            "DB_PWD",
            "SENTRY_DSN",
            "REDIS_AUTH",
            "MYSQL_ROOT_PASSWORD",
            "DB_PASSWD",
            "AWS_SECRET_ACCESS_KEY",
            "PRIVATE_KEY",
            "apiKey",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in [
            "PWD",
            "AUTH_URL",
            "OAUTH_PROVIDER",
            "POSTGRES_PASSWORD_FILE",
            "POSTGRES_USER",
            "PW_FILE",
            "DSN_PATH",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
        assert!(has_url_password("postgres://app:s3cret@db:5432/app"));
        assert!(has_url_password("x redis://:s3cret@cache/0"));
        assert!(!has_url_password("postgres://app@db/app"));
        assert!(!has_url_password("https://example.com/a:b@c"));
        assert!(!has_url_password("postgres://app:@db/app"));
        assert!(is_credential("DATABASE_URL", "mysql://u:p@db/x"));
        assert!(!is_credential("DB_PASSWORD", ""));
    }

    #[test]
    fn refs_and_literals() {
        let refs: Vec<String> = variable_refs("a $A ${B:-${C}} $$D ${E} $1 $")
            .into_iter()
            .collect();
        assert_eq!(refs, ["A", "B", "C", "E"]);
        assert_eq!(literal("pa$$word").as_deref(), Some("pa$word"));
        assert_eq!(literal("${X}"), None);
        assert_eq!(literal("a$b"), None);
    }
}
