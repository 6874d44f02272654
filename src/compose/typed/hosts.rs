//! Which services a service names as a host: in its environment, command, entrypoint,
//! health check, and the text of the config and bind-mounted files it carries. Pure; the
//! names to look for are given (service names and their aliases, lower case).
//!
//! A name counts only in a host-like place, never as a word of prose:
//! - the authority of a URL (`postgres://u:p@db:5432/x`, `http://backend`, every host of
//!   `mongodb://a:27017,b:27017`); without a port, the scheme's default port;
//! - `name:port` (`db:5432`, `tcp(db:3306)`, `server backend:8000;`);
//! - a whole environment value (`DB_HOST: db`, `ES_HOSTS: es1,es2`) when the variable's
//!   name says it holds a host (`HOST`, `SERVER`, `ADDR`, `URL`, ...);
//! - an argument after a host option (`pg_isready -h db`, `--host db`, `--host=db`).

use super::model::{Config, Project, Service, Text};
use serde_json::Value;
use std::collections::BTreeMap;

/// One service naming another as a host.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mention {
    /// The service whose text names the other.
    pub client: String,
    /// The service named.
    pub target: String,
    /// The name written (lower case): the service name or one of its aliases.
    pub name: String,
    /// The port written, or the default port of the URL's scheme.
    pub port: Option<u16>,
    /// Where (`services.web.environment.DB_HOST`).
    pub path: String,
}

/// Every mention of a name of `names` (name → service) by another service of `project`,
/// sorted and without duplicates.
pub fn mentions(project: &Project, names: &BTreeMap<String, String>) -> Vec<Mention> {
    let mut out = Vec::new();
    for (client, s) in &project.services {
        let mut found: Vec<(String, Option<u16>, String)> = Vec::new();
        texts(project, s, &mut |kind, text, path| {
            for (name, port) in scan(kind, text, names) {
                found.push((name, port, path.to_string()));
            }
        });
        for (name, port, path) in found {
            let Some(target) = names.get(&name) else {
                continue;
            };
            if target == client {
                continue;
            }
            out.push(Mention {
                client: client.clone(),
                target: target.clone(),
                name,
                port,
                path,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Where a text comes from, which decides the host-like places looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind<'a> {
    /// An environment value, with its variable's name.
    Env(&'a str),
    /// The arguments of a command, entrypoint or health check (one text per argument).
    Args,
    /// A file's text.
    File,
}

/// Calls `f` with every text of the service that may name a host.
fn texts(project: &Project, s: &Service, f: &mut dyn FnMut(Kind, &[String], &str)) {
    let base = format!("services.{}", s.name);
    for (key, value) in s.environment.iter().chain(&s.noecho_environment) {
        if let Some(text) = literal_text(value) {
            f(
                Kind::Env(key),
                &[text],
                &format!("{base}.environment.{key}"),
            );
        }
    }
    let lists = [
        ("command", s.command.as_ref()),
        ("entrypoint", s.entrypoint.as_ref()),
        (
            "healthcheck.test",
            s.healthcheck.as_ref().map(|h| &h.command),
        ),
    ];
    for (key, list) in lists {
        if let Some(list) = list {
            let args: Vec<String> = list.iter().filter_map(literal_text).collect();
            f(Kind::Args, &args, &format!("{base}.{key}"));
        }
    }
    for file in &s.files {
        f(Kind::File, std::slice::from_ref(&file.content), &file.path);
    }
    for config in &s.configs {
        let content = match project.configs.get(&config.source) {
            Some(Config::Content(t) | Config::Hidden(t)) => literal_text(t),
            _ => None,
        };
        if let Some(content) = content {
            f(Kind::File, &[content], &config.path);
        }
    }
}

/// The text of a value: a literal, or the template of an `Fn::Sub` with each `${...}`
/// replaced by `x` (the literal parts still name hosts).
fn literal_text(t: &Text) -> Option<String> {
    match t {
        Text::Lit(s) => Some(s.clone()),
        Text::Expr(e) => {
            let template = match e.get("Fn::Sub") {
                Some(Value::String(s)) => s,
                Some(Value::Array(items)) => items.first()?.as_str()?,
                _ => return None,
            };
            let mut out = String::new();
            let mut rest: &str = template;
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                match rest[start..].find('}') {
                    Some(end) => {
                        out.push('x');
                        rest = &rest[start + end + 1..];
                    }
                    None => {
                        rest = &rest[start..];
                        break;
                    }
                }
            }
            out.push_str(rest);
            Some(out)
        }
    }
}

/// The (name, port) mentions in one text (or argument list).
fn scan(
    kind: Kind,
    texts: &[String],
    names: &BTreeMap<String, String>,
) -> Vec<(String, Option<u16>)> {
    let mut out = Vec::new();
    if let Kind::Env(key) = kind {
        let key = key.to_ascii_uppercase();
        if ["IMAGE", "VERSION", "TAG"].iter().any(|w| key.contains(w)) {
            return out;
        }
        if hosty(&key) {
            for text in texts {
                for piece in text.split([',', ' ', ';']) {
                    let piece = piece.trim().to_ascii_lowercase();
                    if names.contains_key(&piece) {
                        out.push((piece, None));
                    }
                }
            }
        }
    }
    let mut previous_is_host_option = false;
    for text in texts {
        let rest = urls(text, names, &mut out);
        for token in tokens(&rest) {
            host_port(token, names, &mut out);
            if kind == Kind::Args {
                let lower = token.to_ascii_lowercase();
                if previous_is_host_option && names.contains_key(&lower) {
                    out.push((lower, None));
                }
                if let Some((option, value)) = token.split_once('=') {
                    let value = value.to_ascii_lowercase();
                    if option.starts_with('-')
                        && hosty(&option.to_ascii_uppercase())
                        && names.contains_key(&value)
                    {
                        out.push((value, None));
                    }
                }
                previous_is_host_option = host_option(token);
            }
        }
    }
    out
}

/// True when an environment variable's or option's name says it holds a host.
fn hosty(key: &str) -> bool {
    [
        "HOST", "SERVER", "ADDR", "URL", "URI", "DSN", "ENDPOINT", "BROKER", "UPSTREAM", "NODES",
        "SEEDS", "PEERS", "CONNECT",
    ]
    .iter()
    .any(|w| key.contains(w))
}

/// An option whose next argument is a host: `-h`, `-H`, `--host`, `--db-host`, `--server`...
fn host_option(arg: &str) -> bool {
    match arg {
        "-h" | "-H" => true,
        _ => arg.starts_with("--") && !arg.contains('=') && hosty(&arg.to_ascii_uppercase()),
    }
}

/// Finds the URLs of `text`, records the names in their authorities, and returns the text
/// with each URL blanked out.
fn urls(
    text: &str,
    names: &BTreeMap<String, String>,
    out: &mut Vec<(String, Option<u16>)>,
) -> String {
    let mut rest = String::with_capacity(text.len());
    let mut cursor = 0;
    let bytes = text.as_bytes();
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let at = search + found;
        // The scheme: letters, digits, `+`, `-`, `.`, and `:` (`jdbc:mysql`).
        let mut start = at;
        while start > cursor {
            let c = bytes[start - 1];
            if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.' | b':') {
                start -= 1;
            } else {
                break;
            }
        }
        let scheme = &text[start..at];
        let after = at + 3;
        let end = text[after..]
            .find(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '/' | '?'
                            | '#'
                            | '"'
                            | '\''
                            | '`'
                            | ')'
                            | ']'
                            | '>'
                            | ';'
                            | '}'
                            | '{'
                            | '<'
                            | '|'
                    )
            })
            .map_or(text.len(), |e| after + e);
        let authority = &text[after..end];
        let hosts = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        for host in hosts.split(',') {
            let (name, port) = match host.split_once(':') {
                Some((n, p)) => (n, p.parse::<u16>().ok()),
                None => (host, None),
            };
            let name = name.to_ascii_lowercase();
            if names.contains_key(&name) {
                out.push((name, port.or_else(|| scheme_port(scheme))));
            }
        }
        rest.push_str(&text[cursor..start]);
        rest.push(' ');
        cursor = end;
        search = end.max(after);
    }
    rest.push_str(&text[cursor..]);
    rest
}

/// The words of a text, split where a host name cannot continue.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\''
                    | '`'
                    | ','
                    | ';'
                    | '='
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '<'
                    | '>'
                    | '|'
                    | '&'
            )
    })
    .filter(|t| !t.is_empty())
}

/// `name:port` (also `user@name:port`, `name:port/path`, `name:port:more`).
fn host_port(token: &str, names: &BTreeMap<String, String>, out: &mut Vec<(String, Option<u16>)>) {
    let token = token.rsplit_once('@').map_or(token, |(_, h)| h);
    let Some((name, rest)) = token.split_once(':') else {
        return;
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    if digits.is_empty() || !(after.is_empty() || after.starts_with(['/', ':', '.'])) {
        return;
    }
    let name = name.to_ascii_lowercase();
    if let (true, Ok(port)) = (names.contains_key(&name), digits.parse::<u16>()) {
        if port > 0 {
            out.push((name, Some(port)));
        }
    }
}

/// The default port of a URL scheme clients use to reach a server (`postgres`, `redis`,
/// `http`...); the last part of a compound scheme counts (`jdbc:mysql`), and a driver
/// after `+` is ignored (`postgresql+psycopg2`).
pub fn scheme_port(scheme: &str) -> Option<u16> {
    let scheme = scheme.rsplit(':').next().unwrap_or(scheme);
    let scheme = scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    Some(match scheme.as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" | "pgsql" => 5432,
        "mysql" | "mariadb" | "mysqlx" => 3306,
        "redis" | "valkey" => 6379,
        "rediss" => 6380,
        "mongodb" | "mongo" => 27017,
        "amqp" => 5672,
        "amqps" => 5671,
        "memcached" | "memcache" => 11211,
        "nats" => 4222,
        "mqtt" => 1883,
        "smtp" => 25,
        "ldap" => 389,
        "ldaps" => 636,
        "ftp" => 21,
        "elasticsearch" => 9200,
        "kafka" => 9092,
        "zookeeper" | "zk" => 2181,
        "clickhouse" => 9000,
        "cassandra" => 9042,
        "neo4j" | "bolt" => 7687,
        "influxdb" => 8086,
        "grpc" => return None,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> BTreeMap<String, String> {
        list.iter()
            .map(|n| (n.to_string(), n.to_string()))
            .collect()
    }

    fn env(key: &str, text: &str, list: &[&str]) -> Vec<(String, Option<u16>)> {
        scan(Kind::Env(key), &[text.to_string()], &names(list))
    }

    fn file(text: &str, list: &[&str]) -> Vec<(String, Option<u16>)> {
        scan(Kind::File, &[text.to_string()], &names(list))
    }

    fn args(list: &[&str], known: &[&str]) -> Vec<(String, Option<u16>)> {
        let args: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        scan(Kind::Args, &args, &names(known))
    }

    fn one(name: &str, port: Option<u16>) -> Vec<(String, Option<u16>)> {
        vec![(name.to_string(), port)]
    }

    #[test]
    fn urls_name_hosts_with_their_ports_or_the_scheme_default() {
        assert_eq!(
            env("DATABASE_URL", "postgres://u:p@db:5432/x", &["db"]),
            one("db", Some(5432))
        );
        assert_eq!(
            env("CACHE", "redis://redis", &["redis"]),
            one("redis", Some(6379))
        );
        assert_eq!(
            env(
                "SPRING_DATASOURCE_URL",
                "jdbc:mysql://db:3306/example?useSSL=false",
                &["db"]
            ),
            one("db", Some(3306))
        );
        assert_eq!(
            env("DB", "postgresql+psycopg2://u@Pg/x", &["pg"]),
            one("pg", Some(5432))
        );
        assert_eq!(
            env("MONGO", "mongodb://a:27017,b/x", &["a", "b"]),
            vec![("a".into(), Some(27017)), ("b".into(), Some(27017))]
        );
        assert_eq!(
            file("proxy_pass http://backend:8000;", &["backend"]),
            one("backend", Some(8000))
        );
        assert_eq!(
            file("proxy_pass http://backend;", &["backend"]),
            one("backend", Some(80))
        );
    }

    #[test]
    fn host_and_port_pairs_count_anywhere() {
        assert_eq!(env("X", "db:5432", &["db"]), one("db", Some(5432)));
        assert_eq!(
            file("upstream b { server backend:8000; }", &["backend"]),
            one("backend", Some(8000))
        );
        assert_eq!(
            env("DSN", "u:p@tcp(db:3306)/app", &["db"]),
            one("db", Some(3306))
        );
        assert_eq!(
            file("targets: ['node:9100']", &["node"]),
            one("node", Some(9100))
        );
        assert_eq!(
            env("ZOO_SERVERS", "server.1=zoo1:2888:3888;2181", &["zoo1"]),
            one("zoo1", Some(2888))
        );
    }

    #[test]
    fn a_whole_value_counts_only_under_a_host_like_variable() {
        assert_eq!(env("DB_HOST", "db", &["db"]), one("db", None));
        assert_eq!(
            env("ELASTICSEARCH_HOSTS", "es1, es2", &["es1", "es2"]),
            vec![("es1".into(), None), ("es2".into(), None)]
        );
        assert!(env("POSTGRES_USER", "db", &["db"]).is_empty());
        assert!(env("MYSQL_DATABASE", "wordpress", &["wordpress"]).is_empty());
    }

    #[test]
    fn prose_and_images_are_not_hosts() {
        assert!(file("the db is down; restart db now", &["db"]).is_empty());
        assert!(env("BUILDER_IMAGE", "postgres:16", &["postgres"]).is_empty());
        assert!(env("GREETING", "see db:abc", &["db"]).is_empty());
        assert!(args(&["celery", "-A", "app", "worker"], &["worker"]).is_empty());
    }

    #[test]
    fn arguments_after_host_options_count() {
        assert_eq!(args(&["pg_isready", "-h", "db"], &["db"]), one("db", None));
        assert_eq!(args(&["app", "--db-host", "db"], &["db"]), one("db", None));
        assert_eq!(
            args(&["app", "--redis-host=cache"], &["cache"]),
            one("cache", None)
        );
        assert_eq!(
            args(&["CMD-SHELL", "mysqladmin ping -h db"], &["db"]),
            one("db", None)
        );
    }

    #[test]
    fn substitutions_keep_their_literal_parts() {
        let t = Text::Expr(serde_json::json!({"Fn::Sub": "postgres://u:${Pass}@db:5432/x"}));
        assert_eq!(
            literal_text(&t).as_deref(),
            Some("postgres://u:x@db:5432/x")
        );
    }
}
