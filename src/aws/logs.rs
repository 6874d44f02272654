//! `compose-to-ecs logs [SERVICE] [--follow] [--since]`: the containers' output from the
//! project's CloudWatch Logs group. Streams are named `<prefix>/<container>/<task id>`
//! (the `awslogs` driver with `awslogs-stream-prefix`), so a line is shown as
//! `<container>/<task id> | <message>`.

use super::{block_on, error_text, Clients, StackArgs};
use crate::cli::args::{ComposeArgs, LocalArgs};
use std::collections::HashSet;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Only this service's containers (its init containers included)
    #[arg(value_name = "SERVICE")]
    service: Option<String>,
    /// Keep printing new lines as they come (until interrupted). No `-f`: that names a
    /// Compose file, as everywhere else
    #[arg(long)]
    follow: bool,
    /// Only lines since then: a duration back from now (`30s`, `10m`, `2h`, `1d`) or a time
    /// (`2026-12-05T10:00:00Z`)
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    #[command(flatten)]
    compose: ComposeArgs,
    #[command(flatten)]
    local: LocalArgs,
    #[command(flatten)]
    stack: StackArgs,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let now = now_millis();
    let since = match &args.since {
        Some(s) => Some(parse_since(s, now)?),
        None => None,
    };
    let stack = super::existing_stack_name(&args.stack, &args.compose, &args.local)?;
    block_on(async {
        let clients = Clients::load().await?;
        logs(
            &clients,
            &stack,
            args.service.as_deref(),
            args.follow,
            since,
        )
        .await
    })?
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// `--since`: a duration back from `now` (milliseconds since the epoch), or an RFC 3339 time.
pub fn parse_since(text: &str, now: i64) -> Result<i64, String> {
    let units = [
        ("ms", 1),
        ("s", 1_000),
        ("m", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
    ];
    for (unit, ms) in units {
        if let Some(n) = text.strip_suffix(unit) {
            if let Ok(n) = n.parse::<i64>() {
                return Ok(now - n.saturating_mul(ms));
            }
        }
    }
    aws_sdk_cloudwatchlogs::primitives::DateTime::from_str(
        text,
        aws_sdk_cloudwatchlogs::primitives::DateTimeFormat::DateTime,
    )
    .ok()
    .and_then(|t| t.to_millis().ok())
    .ok_or_else(|| format!("--since `{text}`: expected a duration (`30s`, `10m`, `2h`, `1d`) or a time such as `2026-12-05T10:00:00Z`"))
}

/// `<container>/<task id>` of a stream named `<prefix>/<container>/<task id>`.
fn source(stream: &str) -> (&str, &str) {
    let mut parts = stream.splitn(3, '/');
    let _prefix = parts.next();
    match (parts.next(), parts.next()) {
        (Some(container), Some(task)) => (container, task),
        _ => (stream, ""),
    }
}

/// Whether a container belongs to the service: its own, or one of the helper containers
/// the project adds before it (`<service>_Secrets_InitContainer`, `<service>_Seed_InitContainer`).
fn belongs(container: &str, service: &str) -> bool {
    container == service
        || container
            .strip_prefix(service)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|rest| {
                rest.ends_with("_InitContainer") && !rest[..rest.len() - 14].contains('_')
            })
}

async fn logs(
    clients: &Clients,
    stack: &str,
    service: Option<&str>,
    follow: bool,
    since: Option<i64>,
) -> Result<ExitCode, String> {
    let Some(found) = super::describe_stack(&clients.cfn, stack).await? else {
        eprintln!("error: no stack {stack} (`compose-to-ecs up` creates it)");
        return Ok(ExitCode::from(1));
    };
    let stack_id = found.stack_id.clone().unwrap_or_else(|| stack.to_string());
    let groups: Vec<String> = super::stack_resources(&clients.cfn, &stack_id)
        .await?
        .into_iter()
        .filter(|r| r.resource_type.as_deref() == Some("AWS::Logs::LogGroup"))
        .filter_map(|r| r.physical_resource_id.filter(|p| !p.is_empty()))
        .collect();
    if groups.is_empty() {
        eprintln!("error: stack {stack} has no log group");
        return Ok(ExitCode::from(1));
    }
    let mut start = since;
    let mut seen: HashSet<String> = HashSet::new();
    loop {
        let mut lines = Vec::new();
        for group in &groups {
            let mut token = None;
            loop {
                let page = clients
                    .logs
                    .filter_log_events()
                    .log_group_name(group)
                    .set_start_time(start)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| format!("cannot read log group {group}: {}", error_text(&e)))?;
                for e in page.events.unwrap_or_default() {
                    let id = e.event_id.clone().unwrap_or_default();
                    if !seen.insert(id) {
                        continue;
                    }
                    let stream = e.log_stream_name.as_deref().unwrap_or("");
                    let (container, task) = source(stream);
                    if service.is_some_and(|s| !belongs(container, s)) {
                        continue;
                    }
                    let task = task.get(..8).unwrap_or(task);
                    let who = if task.is_empty() {
                        container.to_string()
                    } else {
                        format!("{container}/{task}")
                    };
                    let message = e.message.as_deref().unwrap_or("").trim_end_matches('\n');
                    lines.push((e.timestamp.unwrap_or_default(), who, message.to_string()));
                }
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
        }
        lines.sort_by_key(|(t, _, _)| *t);
        for (t, who, message) in &lines {
            println!("{who} | {message}");
            start = Some(start.map_or(*t, |s: i64| s.max(*t)));
        }
        if !follow {
            return Ok(ExitCode::SUCCESS);
        }
        // Events of the same millisecond may arrive later: ask again from the last
        // timestamp and skip the ids already printed.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_and_times() {
        let now = 1_000_000_000;
        assert_eq!(parse_since("30s", now), Ok(now - 30_000));
        assert_eq!(parse_since("10m", now), Ok(now - 600_000));
        assert_eq!(parse_since("2h", now), Ok(now - 7_200_000));
        assert_eq!(parse_since("1970-01-01T00:00:01Z", now), Ok(1_000));
        assert!(parse_since("yesterday", now).is_err());
    }

    #[test]
    fn streams_name_container_and_task() {
        assert_eq!(
            source("shop/web/0123456789abcdef"),
            ("web", "0123456789abcdef")
        );
        assert!(belongs("web", "web"));
        assert!(belongs("web_Secrets_InitContainer", "web"));
        assert!(!belongs("web_admin", "web"));
        assert!(!belongs("webapp", "web"));
    }
}
