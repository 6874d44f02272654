//! What the converter must say about data at run time: a database or Prometheus keeping
//! its files on Amazon EFS (NFS), one file system per volume, and an explicit
//! `order: start-first` on a service whose replaced and new tasks would write the same
//! files (the default for such a service is stop-first: `convert::service::percents`).

use super::image_users::repository;
use crate::compose::model::{MountSource, Project, Service, Text};
use crate::diagnostics::{Diagnostics, Path};

/// Databases that keep files on their volume, by repository (see
/// [`repository`]): what to call them, and the managed service to suggest.
const DATABASES: &[(&[&str], &str, &str)] = &[
    (
        &[
            "postgres",
            "postgis/postgis",
            "timescale/timescaledb",
            "bitnami/postgresql",
            "mysql",
            "bitnami/mysql",
            "mariadb",
            "bitnami/mariadb",
            "mssql/server",
        ],
        "a relational database",
        "Amazon RDS",
    ),
    (
        &["mongo", "bitnami/mongodb", "couchdb", "cassandra", "neo4j"],
        "a database",
        "a managed database (Amazon DocumentDB, Amazon Keyspaces)",
    ),
    (
        &["redis", "bitnami/redis", "valkey/valkey"],
        "Redis persistence (RDB/AOF files)",
        "Amazon ElastiCache",
    ),
    (
        &[
            "elasticsearch",
            "elasticsearch/elasticsearch",
            "opensearchproject/opensearch",
        ],
        "a search index",
        "Amazon OpenSearch Service",
    ),
    (
        &["influxdb", "clickhouse/clickhouse-server"],
        "a time series or analytics database",
        "a managed database",
    ),
];

const PROMETHEUS: &[&str] = &["prom/prometheus", "prometheus/prometheus"];

/// The first read-write mount of a named volume: the volume's key, where it is declared
/// and its path in the container.
fn written_volume(s: &Service) -> Option<(&str, &str, &str)> {
    s.mounts.iter().find_map(|m| match &m.source {
        MountSource::Volume(key) if !m.read_only => {
            Some((key.as_str(), m.path.as_str(), m.target.as_str()))
        }
        _ => None,
    })
}

/// Checks the data rules (warnings only).
pub fn check(project: &Project, diags: &mut Diagnostics) {
    for (name, s) in &project.services {
        let Some((key, at, target)) = written_volume(s) else {
            continue;
        };
        // A container of another service's task is deployed as that service says.
        let owner = crate::compose::groups::root_of(project, s);
        let update = Path::new("services")
            .key(&owner.name)
            .key("deploy")
            .key("update_config");
        let two_writers = "during each deployment a new task starts while the old one still runs, and both write the volume";
        match owner.update.max_percent {
            Some(max) if max > 100 => diags.warn(
                update.key("x-aws-max_percent"),
                format!("kept as written: {two_writers} `{key}` (a database refuses its lock files or corrupts them); set it to 100 (or drop it) to stop the old task first"),
            ),
            None if owner.update.start_first => diags.warn(
                update.key("order"),
                format!("kept as written: {two_writers} `{key}` (a database refuses its lock files or corrupts them); drop `order: start-first` to stop the old task first, Compose's default"),
            ),
            _ => {}
        }
        let Some(image) = s.image.as_ref().and_then(Text::as_lit) else {
            continue;
        };
        let (repo, _) = repository(image);
        if PROMETHEUS.contains(&repo.as_str()) {
            diags.warn(
                at,
                format!("Prometheus does not support NFS for its local storage (prometheus.io, \"Storage\": non-POSIX file systems, NFS included, can corrupt its database beyond recovery), and the volume `{key}` is Amazon EFS, an NFS file system; keep the data task-local (an anonymous volume, `- {target}`, lost when the task stops) and send it with `remote_write` to Amazon Managed Service for Prometheus, or accept the risk"),
            );
        } else if let Some((_, what, managed)) = DATABASES
            .iter()
            .find(|(repos, _, _)| repos.contains(&repo.as_str()))
        {
            diags.warn(
                at,
                format!("`{name}` keeps {what} on the volume `{key}`, an Amazon EFS (NFS) file system: every write and fsync crosses the network, so it is slower than a local disk and bound by the file system's throughput mode, and its locks are NFS locks; it suits small workloads, while production data is better in {managed}, given to the service in `environment`"),
            );
        }
    }
    let mut created: Vec<&str> = project
        .volumes
        .iter()
        .filter(|(key, v)| {
            v.external.is_none()
                && project.services.values().any(|s| {
                    s.mounts
                        .iter()
                        .any(|m| m.source == MountSource::Volume(key.to_string()))
                })
        })
        .map(|(key, _)| key.as_str())
        .collect();
    created.sort_unstable();
    if created.len() > 1 {
        let list: Vec<String> = created.iter().map(|k| format!("`{k}`")).collect();
        diags.warn(
            Path::new("volumes"),
            format!("the project creates {} Amazon EFS file systems, one per volume ({}): each has its own mount targets, backups and bill, and each is kept when the stack is deleted; volumes of one service can be one volume mounted with `volume.subpath`", created.len(), list.join(", ")),
        );
    }
}
