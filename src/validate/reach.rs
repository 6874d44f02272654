//! Who reaches whom, decided once for the converter: the names each service is reached
//! by (its service name, network aliases, `links` aliases, `container_name`, and its
//! `hostname` where another service uses it), the TCP ports it is reached on (declared,
//! exposed, the image's own, the ports other services name in their references, and the
//! default ports of widely used images), and the services it starts after (`depends_on`,
//! and every service it names as a host, without cycles). See docs/ARCHITECTURE.md,
//! "Service discovery".

use crate::compose::hosts::{self, Mention};
use crate::compose::image_ports;
use crate::compose::model::{Project, Service, Text};
use crate::compose::values::Protocol;
use crate::diagnostics::{Diagnostics, Path};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How one service is reached.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reach {
    /// TCP ports other services reach it on.
    pub ports: BTreeSet<u16>,
    /// Names it is reached by besides its service name (lower case).
    pub aliases: BTreeSet<String>,
    /// Services created (and stable) before it: CloudFormation `DependsOn`.
    pub after: BTreeSet<String>,
    /// The references other services make to it.
    pub clients: Vec<Mention>,
}

/// How every service is reached.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Per service.
    pub services: BTreeMap<String, Reach>,
}

impl Plan {
    /// How `service` is reached (nothing known for an unknown service).
    pub fn of(&self, service: &str) -> Reach {
        self.services.get(service).cloned().unwrap_or_default()
    }
}

/// Where a name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Service,
    Alias,
    Hostname,
}

/// Decides the plan; warns about names two services claim and about references that
/// would make a cycle.
pub fn plan(project: &Project, diags: &mut Diagnostics) -> Plan {
    let names = names(project, diags);
    let table: BTreeMap<String, String> = names
        .iter()
        .map(|(n, (s, _))| (n.clone(), s.clone()))
        .collect();
    let mentions = hosts::mentions(project, &table);
    let mut plan = Plan::default();
    for (name, s) in &project.services {
        plan.services.insert(
            name.clone(),
            Reach {
                ports: own_ports(s),
                ..Reach::default()
            },
        );
    }
    for (name, (service, source)) in &names {
        let used = match source {
            Source::Service => false,
            Source::Alias => true,
            Source::Hostname => mentions.iter().any(|m| &m.name == name),
        };
        if let (true, Some(r)) = (used, plan.services.get_mut(service)) {
            r.aliases.insert(name.clone());
        }
    }
    for m in &mentions {
        if let Some(r) = plan.services.get_mut(&m.target) {
            r.ports.extend(m.port);
            r.clients.push(m.clone());
        }
    }
    order(project, &mentions, &mut plan, diags);
    plan
}

/// The TCP ports a service declares or its image tells: `ports`, `expose`, the image's
/// exposed ports (when `package` inspected it), the table of widely used images.
fn own_ports(s: &Service) -> BTreeSet<u16> {
    let tcp = |(p, proto): &(u16, Protocol)| (*proto == Protocol::Tcp).then_some(*p);
    let mut ports: BTreeSet<u16> = s
        .ports
        .iter()
        .filter(|p| p.protocol == Protocol::Tcp)
        .map(|p| p.target)
        .collect();
    ports.extend(s.expose.iter().filter_map(tcp));
    if let Some(config) = &s.image_config {
        ports.extend(config.exposed.iter().filter_map(tcp));
    }
    if let Some(Text::Lit(image)) = &s.image {
        ports.extend(image_ports::default_ports(image));
    }
    ports
}

/// Every name → (service, where the name comes from). Service names first; an alias that
/// another service already has is ignored with a warning.
fn names(project: &Project, diags: &mut Diagnostics) -> BTreeMap<String, (String, Source)> {
    let mut names: BTreeMap<String, (String, Source)> = BTreeMap::new();
    for name in project.services.keys() {
        names
            .entry(name.to_ascii_lowercase())
            .or_insert((name.clone(), Source::Service));
    }
    let mut claims: Vec<(String, String, Source, Path)> = Vec::new();
    for (name, s) in &project.services {
        let path = Path::new("services").key(name);
        for alias in &s.names.aliases {
            claims.push((
                alias.clone(),
                name.clone(),
                Source::Alias,
                path.key("networks"),
            ));
        }
        if let Some(c) = &s.names.container_name {
            claims.push((
                c.clone(),
                name.clone(),
                Source::Alias,
                path.key("container_name"),
            ));
        }
        if let Some(h) = &s.names.hostname {
            claims.push((
                h.clone(),
                name.clone(),
                Source::Hostname,
                path.key("hostname"),
            ));
        }
        for (alias, target) in &s.names.links {
            if project.services.contains_key(target) {
                claims.push((
                    alias.clone(),
                    target.clone(),
                    Source::Alias,
                    path.key("links"),
                ));
            }
        }
    }
    for (alias, service, source, path) in claims {
        match names.get(&alias) {
            None => {
                names.insert(alias, (service, source));
            }
            Some((other, _)) if *other == service => {}
            Some((other, other_source)) => {
                let whose = if *other_source == Source::Service {
                    "is the name of service".to_string()
                } else {
                    "is already a name of".to_string()
                };
                diags.warn(
                    path,
                    format!("the name `{alias}` {whose} `{other}`: it reaches `{other}`, not `{service}`; rename one of them"),
                );
            }
        }
    }
    names
}

/// `after` of every service: its `depends_on`, then each service it names (sorted), unless
/// that would close a cycle (a warning names it).
fn order(project: &Project, mentions: &[Mention], plan: &mut Plan, diags: &mut Diagnostics) {
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, s) in &project.services {
        for dep in s.depends_on.keys() {
            if project.services.contains_key(dep) && dep != name {
                edges.entry(name).or_default().insert(dep);
            }
        }
    }
    let pairs: BTreeSet<(&str, &str)> = mentions
        .iter()
        .map(|m| (m.client.as_str(), m.target.as_str()))
        .collect();
    for (client, target) in pairs {
        if edges.get(client).is_some_and(|e| e.contains(target)) {
            continue;
        }
        match path_between(&edges, target, client) {
            Some(cycle) => {
                let mut chain: Vec<String> = vec![format!("`{client}`")];
                chain.extend(cycle.iter().map(|s| format!("`{s}`")));
                diags.warn(
                    Path::new("services").key(client),
                    format!(
                        "`{client}` and `{target}` reach each other in a cycle ({}), so `{client}` is not made to start after `{target}`: a task of `{client}` that starts first reaches `{target}` through Service Connect only once it restarts; add `depends_on` to choose the order",
                        chain.join(" → ")
                    ),
                );
            }
            None => {
                edges.entry(client).or_default().insert(target);
            }
        }
    }
    for (client, targets) in edges {
        if let Some(r) = plan.services.get_mut(client) {
            r.after = targets.iter().map(|t| t.to_string()).collect();
        }
    }
}

/// A path `from` → ... → `to` along `edges` (both ends included), breadth first.
fn path_between<'a>(
    edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    from: &'a str,
    to: &'a str,
) -> Option<Vec<&'a str>> {
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = BTreeSet::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = vec![to];
            let mut cur = to;
            while let Some(p) = previous.get(cur) {
                path.push(p);
                cur = p;
            }
            path.reverse();
            return Some(path);
        }
        for next in edges.get(at).into_iter().flatten() {
            if seen.insert(next) {
                previous.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::Condition;

    fn service(name: &str, env: &[(&str, &str)]) -> Service {
        Service {
            name: name.into(),
            environment: env
                .iter()
                .map(|(k, v)| (k.to_string(), Text::Lit(v.to_string())))
                .collect(),
            ..Service::default()
        }
    }

    fn project(services: Vec<Service>) -> Project {
        Project {
            name: "p".into(),
            services: services.into_iter().map(|s| (s.name.clone(), s)).collect(),
            ..Project::default()
        }
    }

    #[test]
    fn a_reference_gives_the_port_and_the_order() {
        let p = project(vec![
            service("web", &[("DATABASE_URL", "postgres://u@db:5433/x")]),
            service("db", &[]),
        ]);
        let mut d = Diagnostics::new();
        let plan = plan(&p, &mut d);
        assert_eq!(plan.of("db").ports, BTreeSet::from([5433]));
        assert_eq!(plan.of("web").after, BTreeSet::from(["db".to_string()]));
        assert!(plan.of("db").after.is_empty());
        assert!(d.is_empty());
    }

    #[test]
    fn a_cycle_of_references_keeps_depends_on_and_warns() {
        let mut a = service("a", &[("B_URL", "http://b:80")]);
        a.depends_on.insert("b".into(), Condition::Started);
        let b = service("b", &[("A_URL", "http://a:81")]);
        let p = project(vec![a, b]);
        let mut d = Diagnostics::new();
        let plan = plan(&p, &mut d);
        assert_eq!(plan.of("a").after, BTreeSet::from(["b".to_string()]));
        assert!(plan.of("b").after.is_empty());
        let text = format!("{:?}", d.warnings());
        assert!(text.contains("`b` → `a` → `b`"), "{text}");
    }

    #[test]
    fn aliases_hostnames_and_links_name_services() {
        let mut db = service("db", &[]);
        db.names.aliases.insert("database".into());
        db.names.hostname = Some("pg".into());
        let mut cache = service("cache", &[]);
        cache.names.hostname = Some("unused".into());
        let mut web = service("web", &[("PG_HOST", "pg"), ("R", "redis://kv")]);
        web.names.links.insert("kv".into(), "cache".into());
        let p = project(vec![db, cache, web]);
        let mut d = Diagnostics::new();
        let plan = plan(&p, &mut d);
        assert_eq!(
            plan.of("db").aliases,
            BTreeSet::from(["database".to_string(), "pg".to_string()])
        );
        assert_eq!(plan.of("cache").aliases, BTreeSet::from(["kv".to_string()]));
        assert_eq!(plan.of("cache").ports, BTreeSet::from([6379]));
        assert_eq!(
            plan.of("web").after,
            BTreeSet::from(["cache".to_string(), "db".to_string()])
        );
    }

    #[test]
    fn an_alias_of_another_service_is_ignored_with_a_warning() {
        let mut a = service("a", &[]);
        a.names.aliases.insert("b".into());
        let p = project(vec![a, service("b", &[])]);
        let mut d = Diagnostics::new();
        let plan = plan(&p, &mut d);
        assert!(plan.of("a").aliases.is_empty());
        assert_eq!(d.warnings().len(), 1);
    }
}
