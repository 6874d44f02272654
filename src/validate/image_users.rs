//! Who a container runs as, so that an EFS access point can create its volume's directory
//! for that user: the service's `user:` (a number, `uid:gid`, or a name this table knows
//! for its image), else the image's own `USER` (from `package`, which inspects the image,
//! or this table for widely used images). The table's sources are the images' Dockerfiles;
//! docs/volumes.md repeats it.

use crate::compose::model::{Service, Text};

/// Who a service's container process runs as, as far as the converter can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Writer {
    /// Root, at least at first: an entrypoint that starts as root owns its data directory
    /// itself (`chown`) before it drops to its own user.
    Root,
    /// A known non-root uid and gid, from the first instruction.
    User(u32, u32),
    /// Not known; the reason, for the warning (`user: app` on an image this table does
    /// not know, or an image whose `USER` is not known).
    Unknown(Unknown),
}

/// Why a service's user is not known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// `user:` names a user (the name) this table does not know for the image.
    Name(String),
    /// `user:` is an intrinsic function.
    Expr,
    /// No `user:`, and the image's `USER` is not known.
    Image,
}

/// A widely used image: the repositories it is published as, what its tag must contain
/// (`alpine`), who it starts as, the uid and gid of its users by name, and the source.
struct Entry {
    repos: &'static [&'static str],
    tag: Option<&'static str>,
    /// `None`: the image starts as root.
    starts_as: Option<(u32, u32)>,
    names: &'static [(&'static str, u32, u32)],
    #[allow(dead_code)]
    source: &'static str,
}

/// The table (docs/volumes.md, "Who writes a volume"). Entries with a `tag` come before
/// the entry for the same repository without one.
const TABLE: &[Entry] = &[
    Entry {
        repos: &["postgres", "postgis/postgis", "timescale/timescaledb"],
        tag: Some("alpine"),
        starts_as: None,
        names: &[("postgres", 70, 70)],
        source: "docker-library/postgres Dockerfile-alpine.template: `addgroup -g 70 -S postgres; adduser -u 70 -S -D -G postgres`; the entrypoint starts as root and owns PGDATA",
    },
    Entry {
        repos: &["postgres", "postgis/postgis"],
        tag: None,
        starts_as: None,
        names: &[("postgres", 999, 999)],
        source: "docker-library/postgres Dockerfile-debian.template: `groupadd -r postgres --gid=999; useradd -r -g postgres --uid=999`",
    },
    Entry {
        repos: &["mysql", "mariadb"],
        tag: None,
        starts_as: None,
        names: &[("mysql", 999, 999)],
        source: "docker-library/mysql Dockerfile.oracle: `groupadd --system --gid 999 mysql; useradd --system --uid 999 --gid 999`; MariaDB/mariadb-docker: `groupadd --gid 999 -r mysql; useradd -r -g mysql mysql --uid 999`",
    },
    Entry {
        repos: &["mongo"],
        tag: None,
        starts_as: None,
        names: &[("mongodb", 999, 999)],
        source: "docker-library/mongo Dockerfile: `groupadd --gid 999 --system mongodb; useradd --uid 999 --system --gid mongodb`",
    },
    Entry {
        repos: &["redis"],
        tag: Some("alpine"),
        starts_as: None,
        names: &[("redis", 999, 1000)],
        source: "docker-library/redis alpine Dockerfile: `addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis`",
    },
    Entry {
        repos: &["redis"],
        tag: None,
        starts_as: None,
        names: &[("redis", 999, 999)],
        source: "docker-library/redis Dockerfile: `groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis`",
    },
    Entry {
        repos: &["prom/prometheus", "prometheus/prometheus", "prom/alertmanager", "prometheus/alertmanager"],
        tag: None,
        starts_as: Some((65534, 65534)),
        names: &[("nobody", 65534, 65534)],
        source: "prometheus/prometheus and prometheus/alertmanager Dockerfiles: `USER nobody` (busybox: 65534:65534)",
    },
    Entry {
        repos: &["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"],
        tag: None,
        starts_as: Some((472, 0)),
        names: &[("grafana", 472, 0)],
        source: "grafana/grafana Dockerfile: `ARG GF_UID=\"472\"`, `ARG GF_GID=\"0\"`, `USER \"$GF_UID\"`",
    },
    Entry {
        repos: &["grafana/loki"],
        tag: None,
        starts_as: Some((10001, 10001)),
        names: &[("loki", 10001, 10001)],
        source: "grafana/loki cmd/loki/Dockerfile: `addgroup -g 10001 -S loki; adduser -u 10001 -S loki -G loki`, `USER 10001`",
    },
    Entry {
        repos: &["elasticsearch", "elasticsearch/elasticsearch"],
        tag: None,
        starts_as: Some((1000, 0)),
        names: &[("elasticsearch", 1000, 0)],
        source: "Elastic, Install Elasticsearch with Docker: the container runs Elasticsearch as user `elasticsearch`, uid:gid 1000:0",
    },
    Entry {
        repos: &["gitea/gitea"],
        tag: Some("rootless"),
        starts_as: Some((1000, 1000)),
        names: &[("git", 1000, 1000)],
        source: "go-gitea/gitea Dockerfile.rootless: `USER 1000:1000`",
    },
    Entry {
        repos: &["gitea/gitea"],
        tag: None,
        starts_as: None,
        names: &[("git", 1000, 1000)],
        source: "go-gitea/gitea Dockerfile: `addgroup -S -g 1000 git; adduser ... -u 1000 -G git git`; s6 starts as root",
    },
    Entry {
        repos: &["jenkins/jenkins"],
        tag: None,
        starts_as: Some((1000, 1000)),
        names: &[("jenkins", 1000, 1000)],
        source: "jenkinsci/docker Dockerfile: `ARG uid=1000`, `ARG gid=1000`, `USER ${user}`",
    },
    Entry {
        repos: &["nodered/node-red"],
        tag: None,
        starts_as: Some((1000, 1000)),
        names: &[("node-red", 1000, 1000)],
        source: "node-red/node-red-docker Dockerfile: `adduser -h /usr/src/node-red -D -H node-red -u 1000`, `USER node-red`",
    },
    Entry {
        repos: &["n8nio/n8n"],
        tag: None,
        starts_as: Some((1000, 1000)),
        names: &[("node", 1000, 1000)],
        source: "n8n-io/n8n docker/images/n8n/Dockerfile: `USER node` (node images: uid 1000)",
    },
    Entry {
        repos: &["node"],
        tag: None,
        starts_as: None,
        names: &[("node", 1000, 1000)],
        source: "docker-library/node Dockerfile: `groupadd --gid 1000 node; useradd --uid 1000 --gid node`",
    },
    Entry {
        repos: &["nginx"],
        tag: None,
        starts_as: None,
        names: &[("nginx", 101, 101)],
        source: "nginxinc/docker-nginx Dockerfile: `groupadd --system --gid 101 nginx; useradd --system --gid nginx --uid 101`",
    },
    Entry {
        repos: &["wordpress", "nextcloud", "php", "httpd", "drupal", "joomla"],
        tag: Some("alpine"),
        starts_as: None,
        names: &[("www-data", 82, 82)],
        source: "Alpine's `www-data` user: uid and gid 82 (docker-library/php alpine Dockerfiles)",
    },
    Entry {
        repos: &["wordpress", "nextcloud", "php", "httpd", "drupal", "joomla"],
        tag: None,
        starts_as: None,
        names: &[("www-data", 33, 33)],
        source: "Debian's `www-data` user: uid and gid 33 (base-passwd)",
    },
    Entry {
        repos: &["bitnami/*"],
        tag: None,
        starts_as: Some((1001, 0)),
        names: &[],
        source: "Bitnami non-root containers: `USER 1001`, files owned by group root (0)",
    },
    Entry {
        repos: &[
            "alpine", "busybox", "debian", "ubuntu", "python", "golang", "ruby", "openjdk",
            "eclipse-temurin", "traefik", "caddy", "minio/minio", "portainer/portainer-ce",
            "vaultwarden/server", "louislam/uptime-kuma", "registry", "hello-world",
        ],
        tag: None,
        starts_as: None,
        names: &[],
        source: "these images set no `USER`: they run as root",
    },
];

/// Users every image has the same ids for.
const COMMON: &[(&str, u32, u32)] = &[("root", 0, 0), ("nobody", 65534, 65534)];

/// The repository of an image reference, without registry, `library/`, tag or digest
/// (`public.ecr.aws/docker/library/postgres:16` → `postgres`), and its tag.
pub fn repository(image: &str) -> (String, String) {
    let image = image.split('@').next().unwrap_or_default();
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (image, ""),
    };
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            parts.remove(0);
        }
    }
    if parts.len() > 2 && parts[0] == "docker" && parts[1] == "library" {
        parts.drain(..2);
    }
    if parts.len() > 1 && parts[0] == "library" {
        parts.remove(0);
    }
    (
        parts.join("/").to_ascii_lowercase(),
        tag.to_ascii_lowercase(),
    )
}

fn entry(image: &str) -> Option<&'static Entry> {
    let (repo, tag) = repository(image);
    TABLE.iter().find(|e| {
        let repo_ok = e.repos.iter().any(|r| match r.strip_suffix("/*") {
            Some(owner) => repo.strip_prefix(owner).is_some_and(|r| r.starts_with('/')),
            None => *r == repo,
        });
        repo_ok && e.tag.is_none_or(|t| tag.contains(t))
    })
}

/// The uid and gid of a user name in an image (`postgres` in `postgres:16`).
fn named(image: Option<&str>, name: &str) -> Option<(u32, u32)> {
    let known = image.and_then(entry).map_or(&[][..], |e| e.names);
    known
        .iter()
        .chain(COMMON)
        .find(|(n, _, _)| *n == name)
        .map(|&(_, u, g)| (u, g))
}

/// A `user:` or image `USER` value: `uid`, `uid:gid`, `name`, `name:group`.
fn parse(image: Option<&str>, user: &str) -> Writer {
    let user = user.trim();
    if user.is_empty() {
        return Writer::Root;
    }
    let (u, g) = match user.split_once(':') {
        Some((u, g)) => (u.trim(), Some(g.trim())),
        None => (user, None),
    };
    let (uid, default_gid) = match u.parse::<u32>() {
        Ok(n) => (n, n),
        Err(_) => match named(image, u) {
            Some(ids) => ids,
            None => return Writer::Unknown(Unknown::Name(u.to_string())),
        },
    };
    let gid = match g {
        None | Some("") => default_gid,
        Some(g) => match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => match named(image, g) {
                Some((_, gid)) => gid,
                None if g == u => default_gid,
                None => return Writer::Unknown(Unknown::Name(user.to_string())),
            },
        },
    };
    if uid == 0 {
        Writer::Root
    } else {
        Writer::User(uid, gid)
    }
}

/// Who the service's container runs as: its `user:`, else the image's `USER` that
/// `package` found, else this table's entry for the image.
pub fn writer(s: &Service) -> Writer {
    let image = s.image.as_ref().and_then(Text::as_lit);
    match &s.user {
        Some(Text::Lit(user)) => return parse(image, user),
        Some(Text::Expr(_)) => return Writer::Unknown(Unknown::Expr),
        None => {}
    }
    if let Some(config) = &s.image_config {
        return match &config.user {
            Some(user) => parse(image, user),
            None => Writer::Root,
        };
    }
    match image.and_then(entry) {
        Some(e) => match e.starts_as {
            Some((uid, gid)) => Writer::User(uid, gid),
            None => Writer::Root,
        },
        None => Writer::Unknown(Unknown::Image),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::ImageConfig;

    fn service(image: &str, user: Option<&str>) -> Service {
        Service {
            image: Some(Text::Lit(image.into())),
            user: user.map(|u| Text::Lit(u.into())),
            ..Service::default()
        }
    }

    #[test]
    fn repositories_lose_registry_library_tag_and_digest() {
        assert_eq!(repository("postgres"), ("postgres".into(), "".into()));
        assert_eq!(
            repository("public.ecr.aws/docker/library/postgres:16-alpine"),
            ("postgres".into(), "16-alpine".into())
        );
        assert_eq!(
            repository("docker.io/library/redis:7@sha256:abc"),
            ("redis".into(), "7".into())
        );
        assert_eq!(
            repository("quay.io/prometheus/prometheus:v2.53.0"),
            ("prometheus/prometheus".into(), "v2.53.0".into())
        );
        assert_eq!(repository("localhost:5000/app"), ("app".into(), "".into()));
    }

    #[test]
    fn names_resolve_by_image_and_variant() {
        let w = |image: &str, user: Option<&str>| writer(&service(image, user));
        assert_eq!(w("postgres:16", Some("postgres")), Writer::User(999, 999));
        assert_eq!(
            w("postgres:16-alpine", Some("postgres")),
            Writer::User(70, 70)
        );
        assert_eq!(w("postgres", None), Writer::Root);
        assert_eq!(w("redis:7-alpine", Some("redis")), Writer::User(999, 1000));
        assert_eq!(w("prom/prometheus", None), Writer::User(65534, 65534));
        assert_eq!(w("grafana/grafana:11.0.0", None), Writer::User(472, 0));
        assert_eq!(
            w("gitea/gitea:1.22-rootless", None),
            Writer::User(1000, 1000)
        );
        assert_eq!(w("gitea/gitea:1.22", None), Writer::Root);
        assert_eq!(w("bitnami/postgresql:16", None), Writer::User(1001, 0));
        assert_eq!(w("myapp", Some("1000:1000")), Writer::User(1000, 1000));
        assert_eq!(w("myapp", Some("1000")), Writer::User(1000, 1000));
        assert_eq!(w("myapp", Some("0")), Writer::Root);
        assert_eq!(w("myapp", Some("root")), Writer::Root);
        assert_eq!(w("myapp", Some("nobody")), Writer::User(65534, 65534));
        assert_eq!(
            w("postgres", Some("postgres:postgres")),
            Writer::User(999, 999)
        );
        assert_eq!(
            w("myapp", Some("app")),
            Writer::Unknown(Unknown::Name("app".into()))
        );
        assert_eq!(w("myapp", None), Writer::Unknown(Unknown::Image));
    }

    #[test]
    fn every_row_has_a_source_and_is_in_the_docs() {
        let docs = include_str!("../../docs/volumes.md");
        for e in TABLE {
            assert!(!e.source.is_empty());
            for repo in e.repos {
                assert!(
                    docs.contains(&format!("`{repo}`")),
                    "{repo} is not in docs/volumes.md"
                );
            }
            for (name, uid, gid) in e.names {
                if e.starts_as.is_none() {
                    assert!(docs.contains(&format!("`{name}` {uid}:{gid}")), "{name}");
                }
            }
        }
    }

    #[test]
    fn the_inspected_image_wins_over_the_table() {
        let mut s = service("prom/prometheus", None);
        s.image_config = Some(ImageConfig {
            user: Some("1234".into()),
            ..ImageConfig::default()
        });
        assert_eq!(writer(&s), Writer::User(1234, 1234));
        s.image_config = Some(ImageConfig::default());
        assert_eq!(writer(&s), Writer::Root);
        s.user = Some(Text::Lit("42:42".into()));
        assert_eq!(writer(&s), Writer::User(42, 42));
    }
}
