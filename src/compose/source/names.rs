//! The words of a variable's name (`dbPassword` → `DB`, `PASSWORD`), and which names say
//! the variable holds a credential by those words alone (`PASSWORD`, `SECRET`, `TOKEN`,
//! `API_KEY`, ...): the names a literal value in an env file or `environment` is warned
//! about. `credentials.rs` adds the looser forms the local step looks for. Pure.

/// Words in a variable's name that say its value is a credential.
const CREDENTIAL_WORDS: &[&str] = &[
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

/// Whether a variable's name says its value is a credential: one of its words (split at
/// `_`, `-`, `.` and lower-to-upper case changes) is `PASSWORD`, `SECRET`, `TOKEN`,
/// `CREDENTIAL`, ..., or it ends in a `KEY` word (`API_KEY`, `STRIPE_SECRET_KEY`; not
/// `PUBLIC_KEY`). Words, not substrings: `KEYBOARD` and `TOKENIZER` are not credentials;
/// a name ending in `FILE`, `PATH` or `DIR` holds where a credential is, not the
/// credential (`POSTGRES_PASSWORD_FILE`).
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
    key_last || words.iter().any(|w| CREDENTIAL_WORDS.contains(&w.as_str()))
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
            "",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }
}
