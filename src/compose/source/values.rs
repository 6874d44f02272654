//! Parsers for Compose's value syntaxes: durations, byte sizes, CPU counts, ports.
//! Each returns a message in the house style on failure; the caller adds the path.

/// A duration such as `1m30s`, `500ms`, `1h`, `10us`; a bare number is seconds.
/// Returns milliseconds.
pub fn duration_ms(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let err = || format!("expected a duration like `30s`, `1m30s` or `500ms`, found `{text}`");
    if t.is_empty() {
        return Err(err());
    }
    if let Ok(secs) = t.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok((secs * 1000.0).round() as u64);
        }
        return Err(err());
    }
    let mut total: f64 = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        if num_len == 0 {
            return Err(err());
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return Err(err()),
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    if !total.is_finite() || total > 1e15 {
        return Err(err());
    }
    Ok(total.round() as u64)
}

/// A byte size such as `512m`, `1g`, `2Gb`, `100k`, `1024`; binary multiples.
/// Returns bytes.
pub fn bytes(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let err = || format!("expected a size like `512m`, `1g` or `1024` (bytes), found `{text}`");
    let num_len = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    if num_len == 0 {
        return Err(err());
    }
    let value: f64 = t[..num_len].parse().map_err(|_| err())?;
    let factor: f64 = match t[num_len..].trim() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(err()),
    };
    let total = value * factor;
    if !total.is_finite() || total > 1e18 {
        return Err(err());
    }
    Ok(total.round() as u64)
}

/// A CPU count such as `0.5` or `2`; returns thousandths of a vCPU.
pub fn millicpus(text: &str) -> Result<u64, String> {
    let err = || format!("expected a number of CPUs like `0.5` or `2`, found `{text}`");
    let value: f64 = text.trim().parse().map_err(|_| err())?;
    if !value.is_finite() || value <= 0.0 || value > 1e6 {
        return Err(err());
    }
    Ok((value * 1000.0).round() as u64)
}

/// Transport protocol of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// Parses `tcp` / `udp` (any case).
    pub fn parse(text: &str) -> Result<Protocol, String> {
        match text.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            _ => Err(format!("expected protocol `tcp` or `udp`, found `{text}`")),
        }
    }

    /// `tcp` / `udp`.
    pub fn lower(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }

    /// `TCP` / `UDP`.
    pub fn upper(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
        }
    }
}

/// One port of the short syntax, after range expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortPort {
    /// Host address (`127.0.0.1`), when given.
    pub host_ip: Option<String>,
    /// Published port, when given.
    pub published: Option<u16>,
    /// Container port.
    pub target: u16,
    /// Protocol.
    pub protocol: Protocol,
}

/// Parses the short port syntax: `80`, `8080:80`, `127.0.0.1:8080:80`, `[::1]:80:80`,
/// `8000-8002:9000-9002`, `53/udp`. Ranges expand to one port each.
pub fn short_port(text: &str) -> Result<Vec<ShortPort>, String> {
    let err = |why: &str| format!("invalid port `{text}`: {why}");
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((spec, proto)) => (spec, Protocol::parse(proto).map_err(|e| err(&e))?),
        None => (text, Protocol::Tcp),
    };
    // Split off an IPv6 host in brackets, then the rest on ':'.
    let (host_ip, rest) = if let Some(stripped) = spec.strip_prefix('[') {
        let (ip, after) = stripped
            .split_once(']')
            .ok_or_else(|| err("`[` of an IPv6 address is not closed"))?;
        let after = after
            .strip_prefix(':')
            .ok_or_else(|| err("expected `:` after the IPv6 address"))?;
        (Some(ip.to_string()), after)
    } else {
        (None, spec)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (host_ip, published, target) = match (host_ip, parts.as_slice()) {
        (None, [target]) => (None, None, *target),
        (None, [published, target]) => (None, Some(*published), *target),
        (None, [ip, published, target]) => (Some(ip.to_string()), Some(*published), *target),
        (Some(ip), [published, target]) => (Some(ip), Some(*published), *target),
        _ => {
            return Err(err(
                "expected `[HOST:][PUBLISHED:]TARGET[/PROTOCOL]`, e.g. `8080:80` or `53/udp`",
            ))
        }
    };
    let targets = port_range(target).map_err(|e| err(&e))?;
    let published = match published {
        None | Some("") => None,
        Some(p) => Some(port_range(p).map_err(|e| err(&e))?),
    };
    let host_ip = host_ip.filter(|ip| !ip.is_empty());
    let mut out = Vec::new();
    match published {
        None => {
            for t in targets {
                out.push(ShortPort {
                    host_ip: host_ip.clone(),
                    published: None,
                    target: t,
                    protocol,
                });
            }
        }
        Some(published) => {
            if published.len() != targets.len() && published.len() != 1 {
                return Err(err(
                    "the published range and the container range must have the same length",
                ));
            }
            for (i, t) in targets.iter().enumerate() {
                let p = if published.len() == 1 && targets.len() > 1 {
                    // `8000:80-81`-like forms are rejected by Compose too.
                    return Err(err(
                        "a single published port cannot serve a range of container ports",
                    ));
                } else {
                    published[i]
                };
                out.push(ShortPort {
                    host_ip: host_ip.clone(),
                    published: Some(p),
                    target: *t,
                    protocol,
                });
            }
        }
    }
    Ok(out)
}

/// `80` or `8000-8005`.
pub fn port_range(text: &str) -> Result<Vec<u16>, String> {
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (port_number(a)?, port_number(b)?);
            if b < a {
                return Err(format!("range `{text}` ends before it starts"));
            }
            if b - a >= 1000 {
                return Err(format!("range `{text}` has more than 1000 ports"));
            }
            Ok((a..=b).collect())
        }
        None => Ok(vec![port_number(text)?]),
    }
}

/// A port number 1–65535.
pub fn port_number(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(format!("`{text}` is not a port number (1-65535)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ms("1m30s"), Ok(90_000));
        assert_eq!(duration_ms("500ms"), Ok(500));
        assert_eq!(duration_ms("1h"), Ok(3_600_000));
        assert_eq!(duration_ms("1.5s"), Ok(1500));
        assert_eq!(duration_ms("10"), Ok(10_000));
        assert!(duration_ms("10x").is_err());
        assert!(duration_ms("s").is_err());
        assert!(duration_ms("").is_err());
        assert!(duration_ms("-1s").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes("512m"), Ok(512 << 20));
        assert_eq!(bytes("1g"), Ok(1 << 30));
        assert_eq!(bytes("2Gb"), Ok(2 << 30));
        assert_eq!(bytes("792Mb"), Ok(792 << 20));
        assert_eq!(bytes("1024"), Ok(1024));
        assert_eq!(bytes("1.5g"), Ok(3 << 29));
        assert!(bytes("lots").is_err());
        assert!(bytes("1q").is_err());
    }

    #[test]
    fn cpus() {
        assert_eq!(millicpus("0.5"), Ok(500));
        assert_eq!(millicpus("4"), Ok(4000));
        assert!(millicpus("0").is_err());
        assert!(millicpus("x").is_err());
    }

    fn sp(
        host: Option<&str>,
        published: Option<u16>,
        target: u16,
        protocol: Protocol,
    ) -> ShortPort {
        ShortPort {
            host_ip: host.map(String::from),
            published,
            target,
            protocol,
        }
    }

    #[test]
    fn short_ports() {
        use Protocol::*;
        assert_eq!(short_port("80"), Ok(vec![sp(None, None, 80, Tcp)]));
        assert_eq!(
            short_port("8080:80"),
            Ok(vec![sp(None, Some(8080), 80, Tcp)])
        );
        assert_eq!(short_port("53/udp"), Ok(vec![sp(None, None, 53, Udp)]));
        assert_eq!(
            short_port("127.0.0.1:5432:5432"),
            Ok(vec![sp(Some("127.0.0.1"), Some(5432), 5432, Tcp)])
        );
        assert_eq!(
            short_port("[::1]:80:80"),
            Ok(vec![sp(Some("::1"), Some(80), 80, Tcp)])
        );
        assert_eq!(
            short_port("127.0.0.1::80"),
            Ok(vec![sp(Some("127.0.0.1"), None, 80, Tcp)])
        );
        assert_eq!(
            short_port("8000-8001:9000-9001"),
            Ok(vec![
                sp(None, Some(8000), 9000, Tcp),
                sp(None, Some(8001), 9001, Tcp)
            ])
        );
        assert!(short_port("80:eighty").is_err());
        assert!(short_port("0").is_err());
        assert!(short_port("70000").is_err());
        assert!(short_port("1:2:3:4").is_err());
        assert!(short_port("80/sctp").is_err());
        assert!(short_port("9-8").is_err());
    }
}
