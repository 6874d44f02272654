//! `.env` files and a service's `env_file`s, read as `docker compose` reads them
//! (compose-go's `dotenv` package): `KEY=VALUE` (or `KEY: VALUE`), `export KEY=VALUE`,
//! blank lines and `#` comments, an inline ` #` comment after an unquoted value, single
//! quotes (literal), double quotes (the escapes `\n` `\t` `\r` `\\` `\"` `\$` ..., values
//! over several lines), unquoted values trimmed, `${VAR}` and its forms expanded in
//! unquoted and double-quoted values (from the given variables first, then from earlier
//! lines, as compose-go looks them up), and a bare `KEY` taken from the given variables
//! (left out when none is set). `format: raw` takes each `KEY=VALUE` line literally, as
//! `docker run --env-file` does.
//!
//! Pure: the text comes from the project's `Package`. Messages name the file and the
//! line (`.env:3: ...`) and never quote a value: an env file holds credentials.

use super::interpolate::{
    interpolate_private, project_budget_message, Budget, Scope, Variable, Variables, MAX_FILE_BYTES,
};
use serde_json::Value;

/// How an env file is written (`env_file[].format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Compose's dotenv syntax (the default).
    Dotenv,
    /// `KEY=VALUE` lines taken literally: no quotes, no interpolation (`format: raw`).
    Raw,
}

/// The variables of one file, and what deserves a warning.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// The file's variables (a later line wins over an earlier one).
    pub variables: Variables,
    /// Warnings, each starting with `<file>:<line>: `.
    pub warnings: Vec<String>,
    /// Each statement's variable and where it is written: byte offsets into the text
    /// [`normalized`] gives (from `export` or the name to the end of its line). Compose's
    /// syntax only; the local step rewrites a file statement by statement with them.
    pub statements: Vec<(String, std::ops::Range<usize>)>,
}

/// The text the parser reads: without a byte order mark, `\r\n` as `\n`.
pub fn normalized(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
}

/// Reads env file `name` (its project path, for messages). `variables` are the variables
/// its values may use and a bare `KEY` is taken from. An error starts with
/// `<name>:<line>: ` and never quotes a value. The file's text and what its values
/// substitute are taken from `budget` (the project's); the substitutions of one file
/// produce at most [`MAX_FILE_BYTES`], of one value [`super::interpolate::MAX_VALUE_BYTES`].
pub fn parse(
    name: &str,
    text: &str,
    format: Format,
    variables: &Variables,
    budget: &mut Budget,
) -> Result<Parsed, String> {
    if !budget.spend(text.len()) {
        return Err(format!("{name}: {}", project_budget_message()));
    }
    let text = normalized(text);
    match format {
        Format::Dotenv => Parser {
            name,
            given: variables,
            own: Variables::new(),
            out: Parsed::default(),
            line: 1,
            file_left: MAX_FILE_BYTES,
            budget,
        }
        .run(&text),
        Format::Raw => raw(name, &text, variables),
    }
}

/// `format: raw`: docker's `--env-file` parser.
fn raw(name: &str, text: &str, variables: &Variables) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (line, None),
        };
        if key.is_empty() {
            return Err(format!(
                "{name}:{}: expected `KEY=VALUE`, found no variable name before `=`",
                i + 1
            ));
        }
        if key.contains(char::is_whitespace) {
            return Err(format!(
                "{name}:{}: a variable name cannot contain spaces",
                i + 1
            ));
        }
        match value {
            Some(v) => {
                out.variables
                    .insert(key.to_string(), Variable::Text(v.to_string()));
            }
            None => {
                if let Some(v) = variables.get(key) {
                    out.variables.insert(key.to_string(), v.clone());
                }
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    name: &'a str,
    /// The variables given by the caller: a bare `KEY` is taken from them, and a value
    /// looks them up first.
    given: &'a Variables,
    /// The earlier lines' variables that `given` does not have: a value looks them up
    /// next.
    own: Variables,
    out: Parsed,
    /// The line the cursor is on.
    line: usize,
    /// What substitution may still produce in this file.
    file_left: usize,
    budget: &'a mut Budget,
}

/// Whitespace within a line (compose-go's `isSpace`: not the newline).
fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{a0}'
    )
}

impl Parser<'_> {
    fn error(&self, line: usize, message: impl std::fmt::Display) -> String {
        format!("{}:{line}: {message}", self.name)
    }

    /// Skips `n` bytes of `rest`, counting the newlines skipped.
    fn advance<'t>(&mut self, rest: &'t str, n: usize) -> &'t str {
        self.line += rest[..n].matches('\n').count();
        &rest[n..]
    }

    fn run(mut self, text: &str) -> Result<Parsed, String> {
        let mut rest = text;
        loop {
            rest = self.statement_start(rest);
            if rest.is_empty() {
                return Ok(self.out);
            }
            let start = text.len() - rest.len();
            let line = self.line;
            if let Some(after) = rest.strip_prefix("export") {
                if after.starts_with([' ', '\t']) {
                    rest = after.trim_start_matches([' ', '\t']);
                }
            }
            // The key: up to `=`, `:` or the end of the line.
            let end = rest.find(['=', ':', '\n']).unwrap_or(rest.len());
            let key = rest[..end].trim_end_matches(is_space);
            if let Some(c) = key.chars().find(|c| {
                !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']') || is_space(*c))
            }) {
                return Err(self.error(
                    line,
                    format!("unexpected character `{c}` in a variable name; a name has letters, digits, `_`, `.`, `-`, `[` and `]`"),
                ));
            }
            if key.contains(is_space) {
                return Err(self.error(line, "a variable name cannot contain spaces"));
            }
            let bare = end == rest.len() || rest.as_bytes()[end] == b'\n';
            if key.is_empty() {
                return Err(self.error(
                    line,
                    "expected `KEY=VALUE`, found no variable name before `=`",
                ));
            }
            let key = key.to_string();
            if bare {
                // `KEY` alone: from the given variables, else left out.
                if let Some(v) = self.given.get(&key) {
                    let v = v.clone();
                    self.set(key.clone(), v);
                }
                rest = self.advance(rest, end);
                let stop = text.len() - rest.len();
                self.out.statements.push((key, start..stop));
                continue;
            }
            rest = &rest[end + 1..];
            rest = rest.trim_start_matches(is_space);
            let (value, after) = self.value(&key, rest, line)?;
            self.set(key.clone(), value);
            rest = after;
            let stop = text.len() - rest.len();
            self.out.statements.push((key, start..stop));
        }
    }

    fn set(&mut self, key: String, value: Variable) {
        if !self.given.contains_key(&key) {
            self.own.insert(key.clone(), value.clone());
        }
        self.out.variables.insert(key, value);
    }

    /// Skips whitespace, blank lines and comment lines.
    fn statement_start<'t>(&mut self, mut rest: &'t str) -> &'t str {
        loop {
            let start = rest.len() - rest.trim_start().len();
            rest = self.advance(rest, start);
            if !rest.starts_with('#') {
                return rest;
            }
            let end = rest.find('\n').unwrap_or(rest.len());
            rest = self.advance(rest, end);
        }
    }

    /// Reads the value that starts `rest` (on line `line`); returns it and the text after it.
    fn value<'t>(
        &mut self,
        key: &str,
        rest: &'t str,
        line: usize,
    ) -> Result<(Variable, &'t str), String> {
        let quote = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => {
                let end = rest.find('\n').unwrap_or(rest.len());
                let raw = &rest[..end];
                let raw = raw.split_once(" #").map_or(raw, |(v, _)| v);
                let value = self.expand(key, raw.trim_end_matches(is_space), line)?;
                return Ok((value, self.advance(rest, end)));
            }
        };
        // Up to the closing quote; `\<quote>` is the quote itself, other escapes stay as
        // written (double quotes expand them below).
        let mut chars = String::new();
        let mut escaped = false;
        let mut close = None;
        for (i, c) in rest.char_indices().skip(1) {
            if c == quote && !escaped {
                close = Some(i);
                break;
            }
            if c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if escaped && c != quote {
                chars.push('\\');
            }
            escaped = false;
            chars.push(c);
        }
        let Some(close) = close else {
            return Err(self.error(
                line,
                format!("the quoted value of `{key}` is not closed: a `{quote}` opens it and none closes it"),
            ));
        };
        let after = self.advance(rest, close + 1);
        // After the closing quote: nothing but spaces and a comment on that line.
        let tail_end = after.find('\n').unwrap_or(after.len());
        let tail = after[..tail_end].trim_start_matches(is_space);
        if !tail.is_empty() && !tail.starts_with('#') {
            return Err(self.error(
                self.line,
                format!("unexpected text after the closing quote of `{key}`'s value; put a comment after ` #`"),
            ));
        }
        let after = self.advance(after, tail_end);
        if quote == '\'' {
            return Ok((Variable::Text(chars), after));
        }
        let value = self.expand(key, &unescape(&chars), line)?;
        Ok((value, after))
    }

    /// Interpolates a value with the variables in scope.
    fn expand(&mut self, key: &str, text: &str, line: usize) -> Result<Variable, String> {
        if !text.contains('$') {
            return Ok(Variable::Text(text.to_string()));
        }
        let label = format!("the value of `{key}`");
        let scope = Scope {
            variables: self.given,
            earlier: &self.own,
            file_left: &mut self.file_left,
            budget: &mut *self.budget,
        };
        let (result, unset) = interpolate_private(text, scope, &label);
        for name in unset {
            let warning = self.error(
                line,
                format!("variable `{name}` is not set: substituting an empty string"),
            );
            self.out.warnings.push(warning);
        }
        match result {
            Ok(Value::String(s)) => Ok(Variable::Text(s)),
            Ok(expr) => Ok(Variable::Expr(expr)),
            Err(e) => Err(self.error(line, e)),
        }
    }
}

/// The escapes of a double-quoted value (compose-go's `expandEscapes`): `\n` `\t` `\r`
/// `\a` `\b` `\f` `\v` `\\` `\"`, `\$` for a literal `$` (kept from interpolation as
/// `$$`), `\0NNN` octal; any other `\x` stays as written.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&next) = chars.peek() else {
            out.push('\\');
            break;
        };
        let mapped = match next {
            'n' => Some("\n"),
            't' => Some("\t"),
            'r' => Some("\r"),
            'a' => Some("\u{7}"),
            'b' => Some("\u{8}"),
            'f' => Some("\u{c}"),
            'v' => Some("\u{b}"),
            '\\' => Some("\\"),
            '"' => Some("\""),
            '$' => Some("$$"),
            _ => None,
        };
        if let Some(m) = mapped {
            chars.next();
            out.push_str(m);
            continue;
        }
        if next == '0' {
            chars.next();
            let mut digits = String::new();
            while digits.len() < 3 && chars.peek().is_some_and(|d| ('0'..='7').contains(d)) {
                digits.extend(chars.next());
            }
            match u32::from_str_radix(if digits.is_empty() { "0" } else { &digits }, 8)
                .ok()
                .and_then(char::from_u32)
            {
                Some(ch) => out.push(ch),
                None => {
                    out.push_str("\\0");
                    out.push_str(&digits);
                }
            }
            continue;
        }
        out.push('\\');
    }
    out
}

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
    use serde_json::json;

    fn given() -> Variables {
        let mut v = Variables::new();
        v.insert("TAG".into(), Variable::Text("1.27".into()));
        v.insert(
            "PW".into(),
            Variable::Secret {
                parameter: "DbPassword".into(),
                value: "hunter2".into(),
            },
        );
        v
    }

    fn vars(text: &str) -> Variables {
        parse(
            ".env",
            text,
            Format::Dotenv,
            &given(),
            &mut Budget::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .variables
    }

    fn text(v: &Variables, key: &str) -> String {
        match v.get(key) {
            Some(Variable::Text(t)) => t.clone(),
            other => panic!("{key}: {other:?}"),
        }
    }

    fn err(text: &str) -> String {
        parse(
            ".env",
            text,
            Format::Dotenv,
            &given(),
            &mut Budget::default(),
        )
        .unwrap_err()
    }

    #[test]
    fn plain_lines_export_comments_and_blank_lines() {
        let v = vars(
            "# a comment\n\nA=1\n  export B=two\nC = spaced  \nD:yaml\n   # indented comment\nE=\n",
        );
        assert_eq!(text(&v, "A"), "1");
        assert_eq!(text(&v, "B"), "two");
        assert_eq!(text(&v, "C"), "spaced");
        assert_eq!(text(&v, "D"), "yaml");
        assert_eq!(text(&v, "E"), "");
        assert_eq!(v.len(), 5);
    }

    #[test]
    fn inline_comments_only_after_unquoted_values() {
        let v = vars(
            "A=value # comment\nB=va#lue\nC=\"quoted # kept\" # comment\nD='x' #c\nE=#start\n",
        );
        assert_eq!(text(&v, "A"), "value");
        assert_eq!(text(&v, "B"), "va#lue");
        assert_eq!(text(&v, "C"), "quoted # kept");
        assert_eq!(text(&v, "D"), "x");
        assert_eq!(text(&v, "E"), "#start");
    }

    #[test]
    fn single_quotes_are_literal() {
        let v = vars("A='$TAG \\n ${X}'\nB='it\\'s'\n");
        assert_eq!(text(&v, "A"), "$TAG \\n ${X}");
        assert_eq!(text(&v, "B"), "it's");
    }

    #[test]
    fn double_quotes_expand_escapes_and_span_lines() {
        let v =
            vars("A=\"a\\nb\\tc\\\\d\\\"e\\$TAG\"\nB=\"first\nsecond\"\nC=\"\\x\\0101\"\nD=1\n");
        assert_eq!(text(&v, "A"), "a\nb\tc\\d\"e$TAG");
        assert_eq!(text(&v, "B"), "first\nsecond");
        assert_eq!(text(&v, "C"), "\\xA");
        assert_eq!(text(&v, "D"), "1");
    }

    #[test]
    fn interpolation_from_given_variables_then_earlier_lines() {
        let v = vars("TAG=2\nA=${TAG}\nB=$A-x\nC=\"${UNSET:-d}\"\nD=${A:+set}\nE='${A}'\n");
        assert_eq!(text(&v, "TAG"), "2", "the file's own value is kept");
        assert_eq!(text(&v, "A"), "1.27", "the given variable wins in lookups");
        assert_eq!(text(&v, "B"), "1.27-x");
        assert_eq!(text(&v, "C"), "d");
        assert_eq!(text(&v, "D"), "set");
        assert_eq!(text(&v, "E"), "${A}");
        let v = vars("X=1\nX=2\nY=$X\n");
        assert_eq!(text(&v, "Y"), "2", "a later line wins");
    }

    #[test]
    fn a_noecho_parameter_stays_a_reference() {
        let v = vars("URL=postgres://u:${PW}@db\nP=$PW\n");
        assert_eq!(
            v["URL"],
            Variable::Expr(json!({"Fn::Sub": "postgres://u:${DbPassword}@db"}))
        );
        assert_eq!(v["P"], Variable::Expr(json!({"Ref": "DbPassword"})));
    }

    #[test]
    fn a_bare_key_comes_from_the_given_variables() {
        let v = vars("TAG\nNOPE\nA=1\n");
        assert_eq!(text(&v, "TAG"), "1.27");
        assert!(!v.contains_key("NOPE"));
        let v = vars("A=1\nTAG");
        assert_eq!(text(&v, "TAG"), "1.27");
    }

    #[test]
    fn unset_variables_warn_with_the_line() {
        let p = parse(
            ".env",
            "A=1\nB=${NOPE}x\n",
            Format::Dotenv,
            &given(),
            &mut Budget::default(),
        )
        .unwrap();
        assert_eq!(text(&p.variables, "B"), "x");
        assert_eq!(
            p.warnings,
            vec![".env:2: variable `NOPE` is not set: substituting an empty string"]
        );
    }

    #[test]
    fn errors_name_the_line_never_the_value() {
        assert_eq!(
            err("A=1\nB=\"s3cret\nC=2\n"),
            ".env:2: the quoted value of `B` is not closed: a `\"` opens it and none closes it"
        );
        assert_eq!(
            err("\n\nPASSWORD=s3cr$1t\n"),
            ".env:3: invalid interpolation in the value of `PASSWORD` at character 5: a `$` must start a variable (`$VAR`, `${VAR}`) or be doubled as `$$`"
        );
        assert_eq!(
            err("PASSWORD=${X!s3cret}\n"),
            ".env:1: invalid interpolation in the value of `PASSWORD` at character 1: unexpected text after `${X`; expected `}`, `:-`, `-`, `:?`, `?`, `:+` or `+`"
        );
        assert_eq!(
            err("A B=1\n"),
            ".env:1: a variable name cannot contain spaces"
        );
        assert_eq!(
            err("=s3cret\n"),
            ".env:1: expected `KEY=VALUE`, found no variable name before `=`"
        );
        assert_eq!(
            err("A=\"x\" s3cret\n"),
            ".env:1: unexpected text after the closing quote of `A`'s value; put a comment after ` #`"
        );
        assert!(err("A$=1").starts_with(".env:1: unexpected character `$`"));
        assert_eq!(
            err("A=\"multi\nline\" s3cret\n"),
            ".env:2: unexpected text after the closing quote of `A`'s value; put a comment after ` #`"
        );
        assert_eq!(
            err("A=${NOPE:?needed}\n"),
            ".env:1: required variable `NOPE` is not set and non-empty: needed"
        );
    }

    #[test]
    fn windows_line_endings_and_a_byte_order_mark() {
        let v = vars("\u{feff}A=1\r\nB=\"x\"\r\n");
        assert_eq!(text(&v, "A"), "1");
        assert_eq!(text(&v, "B"), "x");
    }

    #[test]
    fn raw_lines_are_literal() {
        let p = parse(
            "app.env",
            "# c\n  A=\"quoted\" # not a comment\nB=${TAG} \nTAG\nNOPE\n\n",
            Format::Raw,
            &given(),
            &mut Budget::default(),
        )
        .unwrap();
        let v = p.variables;
        assert_eq!(text(&v, "A"), "\"quoted\" # not a comment");
        assert_eq!(text(&v, "B"), "${TAG} ");
        assert_eq!(text(&v, "TAG"), "1.27");
        assert!(!v.contains_key("NOPE"));
        assert_eq!(
            parse(
                "app.env",
                "A B=1",
                Format::Raw,
                &given(),
                &mut Budget::default()
            )
            .unwrap_err(),
            "app.env:1: a variable name cannot contain spaces"
        );
    }

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

    #[test]
    fn statements_are_located() {
        let text = "# c\nexport A=1 # x\nB=\"two\nlines\"\nREGION\n\nC='3'";
        let p = parse(
            ".env",
            text,
            Format::Dotenv,
            &given(),
            &mut Budget::default(),
        )
        .unwrap();
        let spans: Vec<(&str, &str)> = p
            .statements
            .iter()
            .map(|(k, r)| (k.as_str(), &text[r.clone()]))
            .collect();
        assert_eq!(
            spans,
            [
                ("A", "export A=1 # x"),
                ("B", "B=\"two\nlines\""),
                ("REGION", "REGION"),
                ("C", "C='3'"),
            ]
        );
    }

    #[test]
    fn no_input_panics() {
        for text in [
            "\"",
            "'",
            "A=\"\\",
            "A='",
            "export",
            "export ",
            "#",
            "A",
            "A=",
            "=",
            ":",
            "A:\"",
            "A=\"\\0\"",
            "A=\"\\07777\"",
            "ü=1",
            "A=é # ü",
            "\n\n\n",
        ] {
            let _ = parse(
                ".env",
                text,
                Format::Dotenv,
                &given(),
                &mut Budget::default(),
            );
            let _ = parse(".env", text, Format::Raw, &given(), &mut Budget::default());
        }
    }
}
