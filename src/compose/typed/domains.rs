//! Domains (docs/load-balancing.md, "Domains"): `x-aws-domain` on a service (one name or a
//! list) or on a published port in the long syntax, and the top-level `x-aws-hosted_zone`
//! (a Route 53 hosted zone ID, or a zone name like `example.com.`). Read after the
//! services: a domain port is served over HTTPS on 443 by host, with its names as the
//! port's routing hosts, and port 80 (published, or added while the redirect is on) routes
//! the same names, so that `validate::loadbalancer` plans the HTTPS listener, the host
//! rules and the redirect as for any routed port. `convert::domains` creates the
//! certificate and the alias records.

pub use super::model::{Domain, Domains, Zone};
use super::model::{Port, Project, Routing, Text};
use super::reader::Reader;
use crate::compose::source::values::Protocol;
use crate::diagnostics::Path;
use serde_json::{Map, Value};

/// A listener rule matches at most this many host and path values together.
pub const MAX_RULE_VALUES: usize = 5;

/// The longest name ACM takes as a certificate's first name (its Common Name, RFC 5280);
/// the others, alternative names, may have 253 characters (ACM's `RequestCertificate`).
pub const MAX_COMMON_NAME: usize = 64;

/// ACM's default quota of names in one certificate (the domain and its alternative names).
pub const ACM_DEFAULT_NAMES: usize = 10;

/// Reads the domains and rewrites each domain port (see the module comment).
pub(super) fn read(r: &mut Reader, tree: &Map<String, Value>, project: &mut Project) {
    let root = Path::root();
    if let Some(v) = tree.get("x-aws-hosted_zone").filter(|v| !v.is_null()) {
        project.domains.zone = zone(r, v, &root.key("x-aws-hosted_zone"));
    }
    let Some(Value::Object(raw)) = tree.get("services") else {
        return;
    };
    // (service, port index in the model, names)
    let mut wanted: Vec<(String, Vec<usize>, Vec<Domain>)> = Vec::new();
    for (name, s) in &project.services {
        let Some(Value::Object(map)) = raw.get(name) else {
            continue;
        };
        let path = root.key("services").key(name);
        let mut own: Vec<usize> = Vec::new();
        if let Some(Value::Array(items)) = map.get("ports") {
            for (i, item) in items.iter().enumerate() {
                let Some(v) = item.get("x-aws-domain").filter(|v| !v.is_null()) else {
                    continue;
                };
                let pp = path.key("ports").index(i);
                let dp = pp.key("x-aws-domain");
                let names = names(r, v, &dp, name);
                let at: Vec<usize> = (0..s.ports.len())
                    .filter(|&k| s.ports[k].path == pp.as_str())
                    .collect();
                own.extend(&at);
                match at.len() {
                    _ if names.is_empty() => {}
                    0 => r.diags.error(&dp, "a domain names a port published on the load balancer, and this one is not (bound to a loopback address, or not valid)"),
                    1 => wanted.push((name.clone(), at, names)),
                    _ => r.diags.error(&dp, "a domain names one port: publish one port here, not a range"),
                }
            }
        }
        if let Some(v) = map.get("x-aws-domain").filter(|v| !v.is_null()) {
            let dp = path.key("x-aws-domain");
            let names = names(r, v, &dp, name);
            let at: Vec<usize> = (0..s.ports.len())
                .filter(|&k| !own.contains(&k) && candidate(&s.ports[k]))
                .collect();
            let targets: std::collections::BTreeSet<u16> =
                at.iter().map(|&k| s.ports[k].target).collect();
            if names.is_empty() {
            } else if at.is_empty() {
                r.diags.error(&dp, "a domain is served over HTTPS on port 443, by the service's web port: publish it on 80 or 443 (like `80:8080`), or put `x-aws-domain` on the port it names");
            } else if targets.len() > 1 {
                r.diags.error(&dp, "the service publishes several container ports on 80 and 443: put `x-aws-domain` on the port it names, in the long port syntax");
            } else {
                wanted.push((name.clone(), at, names));
            }
        }
    }
    if wanted.is_empty() {
        return;
    }
    let first = wanted[0].2[0].path.clone();
    let named: Vec<String> = wanted
        .iter()
        .flat_map(|(svc, at, _)| {
            at.iter()
                .map(|&k| project.services[svc].ports[k].path.clone())
        })
        .collect();
    // Only a Network Load Balancer stops the rewriting (its routing would only add errors);
    // after the other errors, the ports are still served as the domains say, so that the
    // load balancer's plan reports nothing that follows from them.
    let ok = project_allows(r, project, &first, &named);
    // One service per name.
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    for d in wanted.iter().flat_map(|(_, _, names)| names) {
        match seen.get(&d.name) {
            Some(other) => {
                r.diags.error(
                    &d.path,
                    format!("domain `{}` is already served by service `{other}`: one service per name; route paths of one name with `x-aws-routing.paths`", d.name),
                );
            }
            None => {
                seen.insert(d.name.clone(), d.service.clone());
            }
        }
    }
    if let Some(Zone::Name(zone)) = &project.domains.zone {
        let zone = zone.trim_end_matches('.');
        for d in wanted.iter().flat_map(|(_, _, names)| names) {
            let inside = d.name == zone || d.name.ends_with(&format!(".{zone}"));
            if !inside {
                r.diags.error(
                    &d.path,
                    format!("domain `{}` is not in the hosted zone `{zone}.` (`x-aws-hosted_zone`): its record and validation record belong to that zone; use a name ending in `.{zone}`, or give its zone", d.name),
                );
            }
        }
    }
    if !ok {
        return;
    }
    let redirect = !project.load_balancing.no_http_redirect;
    for (service, at, names) in wanted {
        let Some(s) = project.services.get_mut(&service) else {
            continue;
        };
        let hosts: Vec<String> = names.iter().map(|d| d.name.clone()).collect();
        let mut added: Vec<Port> = Vec::new();
        let mut good = true;
        for &k in &at {
            let p = s.ports[k].clone();
            let dpath = &names[0].path;
            if let Err(e) = servable(&p) {
                r.diags.error(dpath, e);
                good = false;
                continue;
            }
            let old = p.routing.clone().unwrap_or_default();
            if !old.hosts.is_empty() {
                r.diags.error(
                    format!("{}.x-aws-routing.hosts", p.path),
                    "`x-aws-domain` routes this port by its names already: drop `x-aws-routing.hosts` (keep `paths`, which apply to every name)",
                );
            }
            if hosts.len() + old.paths.len() > MAX_RULE_VALUES {
                r.diags.error(
                    dpath,
                    format!("a listener rule matches at most {MAX_RULE_VALUES} host names and paths together, found {} names and {} paths here; use a wildcard like `*.example.com`, or fewer paths", hosts.len(), old.paths.len()),
                );
            }
            let routing = Routing {
                hosts: hosts.clone(),
                ..old
            };
            let mut https = p.clone();
            https.published = 443;
            https.x_protocol = Some("https".into());
            https.routing = Some(routing.clone());
            if p.published == 80 {
                let mut http = p.clone();
                http.x_protocol = Some("http".into());
                http.routing = Some(routing);
                s.ports[k] = http;
                let other_443 = s.ports.iter().enumerate().any(|(j, q)| {
                    q.published == 443 && q.protocol == Protocol::Tcp && !at.contains(&j)
                });
                if other_443 {
                    r.diags.error(dpath, "the service publishes port 443 for another container port: a domain is served on 443; put `x-aws-domain` on the 443 port instead");
                    good = false;
                } else if !at.iter().any(|&j| s.ports[j].published == 443) {
                    added.push(https);
                }
            } else {
                s.ports[k] = https;
                let has_80 = s
                    .ports
                    .iter()
                    .any(|q| q.published == 80 && q.protocol == Protocol::Tcp);
                if redirect && !has_80 {
                    // Only for the redirect: port 80 answers with a redirect to HTTPS.
                    let mut http = p.clone();
                    http.published = 80;
                    http.x_protocol = Some("http".into());
                    http.routing = Some(routing);
                    added.push(http);
                }
            }
        }
        if good {
            s.ports.extend(added);
            project.domains.names.extend(names);
        }
    }
    let all = &project.domains.names;
    if !all.is_empty() && all.iter().all(|d| d.name.len() > MAX_COMMON_NAME) {
        r.diags.error(
            &all[0].path,
            format!("a certificate's first name has at most {MAX_COMMON_NAME} characters (its Common Name), and every domain of the project is longer; add a shorter one (the others then become its alternative names)"),
        );
    }
    let count = project.domains.names.len();
    if count > ACM_DEFAULT_NAMES {
        r.diags.warn(
            &project.domains.names[ACM_DEFAULT_NAMES].path,
            format!("the project's certificate holds all its {count} domain names, and ACM allows {ACM_DEFAULT_NAMES} per certificate unless the account's quota was raised (Service Quotas, \"Domain names per ACM certificate\")"),
        );
    }
}

/// Whether the project can serve domains at all: a load balancer it creates, no
/// `x-aws-certificate` next to the certificate domains create (errors), and an Application
/// Load Balancer (false when not). `at` is the first domain's path; `named` the ports
/// domains name (checked on their own).
fn project_allows(r: &mut Reader, project: &Project, at: &str, named: &[String]) -> bool {
    let mut ok = true;
    if !project.load_balancing.certificates.is_empty() {
        r.diags.error(
            "x-aws-certificate",
            format!("`x-aws-domain` (at `{at}`) creates the HTTPS listener's certificate and validates it: neither wins; drop `x-aws-certificate`, or drop `x-aws-domain` and route your certificate's names with `x-aws-routing.hosts`"),
        );
    }
    if project.loadbalancer.is_some() || !project.load_balancing.listeners.is_empty() {
        r.diags.error(
            at,
            "a domain gets its certificate, HTTPS listener and records on the load balancer the project creates, not on an existing one (`x-aws-loadbalancer`, `x-aws-listeners`): attach a certificate for the name to your listener and route it with `x-aws-routing.hosts`",
        );
    }
    let plain = project
        .services
        .values()
        .flat_map(|s| s.ports.iter())
        .find(|p| p.web(true).is_none() && !named.contains(&p.path));
    if let Some(p) = plain {
        r.diags.error(
            at,
            format!("a domain is served by host on an Application Load Balancer, but `{}` is plain TCP or UDP, which makes the project's load balancer a Network Load Balancer; drop that port or the domain", p.path),
        );
        ok = false;
    }
    ok
}

/// A port a service-level domain may name: TCP, published on 80 or 443, not said to be
/// plain TCP or UDP.
fn candidate(p: &Port) -> bool {
    p.protocol == Protocol::Tcp
        && matches!(p.published, 80 | 443)
        && !matches!(p.x_protocol.as_deref(), Some("tcp" | "udp"))
}

/// Whether a port can be served over HTTPS on 443 with a domain.
fn servable(p: &Port) -> Result<(), String> {
    if p.protocol != Protocol::Tcp || matches!(p.x_protocol.as_deref(), Some("tcp" | "udp")) {
        return Err(format!("a domain is served over HTTPS, and `{}` is plain TCP or UDP; drop its `x-aws-protocol` or the domain", p.path));
    }
    if !matches!(p.published, 80 | 443) {
        return Err(format!("a domain is served over HTTPS on port 443, and `{}` is published on `{}`: publish it on 443 (or 80, which then redirects to 443)", p.path, p.published));
    }
    Ok(())
}

/// One domain name or a list.
fn names(r: &mut Reader, v: &Value, path: &Path, service: &str) -> Vec<Domain> {
    let (items, listed): (Vec<&Value>, bool) = match v {
        Value::Array(items) => (items.iter().collect(), true),
        other => (vec![other], false),
    };
    if items.is_empty() {
        r.diags.error(
            path,
            "expected a domain name like `shop.example.com`, or a list",
        );
    }
    let mut out: Vec<Domain> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let p = if listed { path.index(i) } else { path.clone() };
        let Some(text) = r.literal(item, &p) else {
            continue;
        };
        let name = text.trim_end_matches('.').to_ascii_lowercase();
        if let Err(e) = check_name(&name) {
            r.diags.error(&p, e);
            continue;
        }
        if out.iter().any(|d| d.name == name) {
            r.diags
                .error(&p, format!("domain `{name}` is listed twice"));
            continue;
        }
        out.push(Domain {
            name,
            service: service.to_string(),
            path: p.to_string(),
        });
    }
    out
}

/// Checks a domain name: RFC 1123 labels (letters, digits, `-` inside, 1 to 63
/// characters), two labels or more, 253 characters at most, and `*` only as the whole
/// first label (ACM's and Route 53's wildcard).
pub fn check_name(name: &str) -> Result<(), String> {
    let expected = || {
        format!("expected a domain name like `shop.example.com` or `*.example.com` (labels of letters, digits and inner `-`, `*` only as the first label), found `{name}`")
    };
    if name.is_empty() || name.len() > 253 {
        return Err(expected());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(expected());
    }
    for (i, label) in labels.iter().enumerate() {
        if i == 0 && *label == "*" {
            continue;
        }
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(expected());
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(expected());
    }
    Ok(())
}

/// `x-aws-hosted_zone`: a hosted zone ID (`Z0123ABC`, `/hostedzone/Z0123ABC`), an
/// intrinsic function giving one, or a zone name (`example.com.`).
fn zone(r: &mut Reader, v: &Value, path: &Path) -> Option<Zone> {
    match r.text(v, path)? {
        Text::Expr(e) => Some(Zone::Id(Text::Expr(e))),
        Text::Lit(text) => parse_zone(&text).map_err(|e| r.diags.error(path, e)).ok(),
    }
}

/// A hosted zone ID or name, from text.
pub fn parse_zone(text: &str) -> Result<Zone, String> {
    let id = text.strip_prefix("/hostedzone/").unwrap_or(text);
    if !id.contains('.')
        && !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Ok(Zone::Id(Text::Lit(id.to_string())));
    }
    let name = text.trim_end_matches('.').to_ascii_lowercase();
    if text.contains('.') && check_name(&name).is_ok() && !name.starts_with('*') {
        return Ok(Zone::Name(format!("{name}.")));
    }
    Err(format!("expected a Route 53 hosted zone ID like `Z0123456789ABCDEFGHIJ` or a zone name like `example.com.`, found `{text}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names_follow_rfc_1123_with_a_leading_wildcard() {
        for good in [
            "shop.example.com",
            "*.example.com",
            "a-1.b2.io",
            "xn--bcher-kva.de",
        ] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "localhost",
            "shop..example.com",
            "-shop.example.com",
            "shop-.example.com",
            "shop.*.example.com",
            "sh*p.example.com",
            "shop_1.example.com",
            "10.0.0.1",
            "",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name(&format!("{}.com", "a".repeat(64))).is_err());
        assert!(check_name(&format!("{}.com", "a".repeat(63))).is_ok());
    }

    #[test]
    fn zones_are_ids_or_names() {
        assert_eq!(
            parse_zone("Z0123ABC"),
            Ok(Zone::Id(Text::Lit("Z0123ABC".into())))
        );
        assert_eq!(
            parse_zone("/hostedzone/Z0123ABC"),
            Ok(Zone::Id(Text::Lit("Z0123ABC".into())))
        );
        assert_eq!(
            parse_zone("Example.com"),
            Ok(Zone::Name("example.com.".into()))
        );
        assert_eq!(
            parse_zone("example.com."),
            Ok(Zone::Name("example.com.".into()))
        );
        assert!(parse_zone("zone one").is_err());
        assert!(parse_zone("*.example.com").is_err());
    }
}
