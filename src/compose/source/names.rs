//! The words of a variable's name (`dbPassword` → `DB`, `PASSWORD`), and which names say
//! the variable holds a credential by those words alone (`PASSWORD`, `SECRET`, `TOKEN`,
//! `API_KEY`, `DB_PWD`, `SENTRY_DSN`, ...): the one test, asked by the env-file warning and by
//! the local step's `NoEcho` parameters (`credentials.rs` re-exports it). Pure.

/// Words in a variable's name that say its value is a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "PW",
    "DSN",
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
];

/// The words of a variable's name: split at `_`, `-`, `.` and lower-to-upper case
/// changes, upper-cased (`redisAuth_token` → `REDIS`, `AUTH`, `TOKEN`).
pub fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            words.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_uppercase());
    }
    words.extend((!current.is_empty()).then_some(current));
    words
}

/// Whether a variable's name says its value is a credential (the one test: the env-file
/// warning and the local step's `NoEcho` parameters both ask it): one of its words (split
/// at `_`, `-`, `.` and lower-to-upper case changes) is `PASSWORD`, `SECRET`, `TOKEN`,
/// `CREDENTIAL`, `PW`, `DSN`, ..., it ends in a `KEY` word (`API_KEY`,
/// `STRIPE_SECRET_KEY`; not `PUBLIC_KEY`), or in `PWD` or `AUTH` after another word
/// (`DB_PWD`, `REDIS_AUTH`; not the shell's `PWD`, not `AUTH_URL`). Words, not
/// substrings: `KEYBOARD` and `TOKENIZER` are not credentials; a name ending in `FILE`,
/// `PATH` or `DIR` holds where a credential is, not the credential
/// (`POSTGRES_PASSWORD_FILE`).
pub fn is_credential_name(name: &str) -> bool {
    let words = name_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if matches!(last.as_str(), "FILE" | "PATH" | "DIR") {
        return false;
    }
    let key_last = words.len() >= 2
        && matches!(last.as_str(), "KEY" | "KEYS")
        && !matches!(
            words[words.len() - 2].as_str(),
            "PUBLIC" | "PUBLISHABLE" | "SORT" | "PARTITION" | "PRIMARY" | "CACHE"
        );
    key_last
        || (words.len() >= 2 && matches!(last.as_str(), "PWD" | "AUTH"))
        || words.iter().any(|w| CREDENTIAL_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_are_words() {
        for name in [
            "PASSWORD",
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWD",
            "REDIS_PASS",
            "JWT_SECRET",
            "SECRET_KEY_BASE",
            "GITHUB_TOKEN",
            "API_KEY",
            "OPENAI_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "STRIPE_KEY",
            "dbPassword",
            "GOOGLE_CREDENTIALS",
            "apikey",
            "PGADMIN_PW",
            "DB_PWD",
            "SENTRY_DSN",
            "REDIS_AUTH",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
        for name in [
            "KEYBOARD_LAYOUT",
            "TOKENIZER_PATH",
            "KEY",
            "POSTGRES_PASSWORD_FILE",
            "PUBLIC_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "PASSENGER_COUNT",
            "BYPASS",
            "NODE_ENV",
            "PWD",
            "AUTH_URL",
            "",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }
}
