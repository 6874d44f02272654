//! Ports that are plainly not meant for the public: a database, a cache, a debugger or a
//! DNS server published on an internet-facing load balancer gets a warning naming the
//! fixes (`expose`, or an internal load balancer).

use crate::compose::model::Project;
use crate::diagnostics::Diagnostics;

/// Well-known ports of services that should not face the internet, with what they are.
pub const PRIVATE_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (23, "Telnet"),
    (53, "DNS"),
    (1433, "SQL Server"),
    (1521, "Oracle Database"),
    (2375, "the Docker API"),
    (2376, "the Docker API"),
    (2379, "etcd"),
    (3306, "MySQL/MariaDB"),
    (3389, "RDP"),
    (4222, "NATS"),
    (5432, "PostgreSQL"),
    (5672, "RabbitMQ (AMQP)"),
    (5900, "VNC"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (8086, "InfluxDB"),
    (9042, "Cassandra"),
    (9092, "Kafka"),
    (9200, "Elasticsearch"),
    (9229, "the Node.js inspector"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
];

/// What a port number is, when it is one of [`PRIVATE_PORTS`].
pub fn private_port(port: u16) -> Option<&'static str> {
    PRIVATE_PORTS
        .binary_search_by_key(&port, |(p, _)| *p)
        .ok()
        .map(|i| PRIVATE_PORTS[i].1)
}

/// Warns about each published port of a private kind, when the load balancer the project
/// creates faces the whole internet (not internal, no `sources` restriction).
pub fn check(project: &Project, internet_facing: bool, diags: &mut Diagnostics) {
    if !internet_facing {
        return;
    }
    for s in project.services.values() {
        for p in &s.ports {
            let Some(what) = private_port(p.target).or_else(|| private_port(p.published)) else {
                continue;
            };
            diags.warn(
                p.path.as_str(),
                format!("publishes {what} (port {}) on an internet-facing load balancer; to reach it from the project's services only, list the port under `expose` instead of `ports`, or make the load balancer internal (`x-aws-loadbalancer_scheme: internal`) or restrict its sources (`x-aws-loadbalancer_sources`)", p.target),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted() {
        assert!(PRIVATE_PORTS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(private_port(5432), Some("PostgreSQL"));
        assert_eq!(private_port(80), None);
    }
}
