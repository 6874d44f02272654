//! The ports widely used images listen on for their clients, by default: what other
//! services reach them on when the Compose file declares no port (on a Compose network
//! every port is reachable). Each row's source is the image's Dockerfile (`EXPOSE`) or its
//! documentation; cluster-internal ports (peers, gossip) are left out. The list is
//! rendered in docs/compose-support.md ("Names and ports").

/// (image repositories, ports, source). A repository matches the image's repository
/// without registry and tag, or its last path parts (`docker-hub/library/postgres`).
pub const TABLE: &[(&[&str], &[u16], &str)] = &[
    (&["postgres", "bitnami/postgresql", "postgis/postgis", "timescale/timescaledb", "pgvector/pgvector"], &[5432], "github.com/docker-library/postgres Dockerfile: `EXPOSE 5432`"),
    (&["mysql", "bitnami/mysql", "percona", "percona/percona-server"], &[3306], "github.com/docker-library/mysql Dockerfile: `EXPOSE 3306 33060`"),
    (&["mariadb", "bitnami/mariadb"], &[3306], "github.com/MariaDB/mariadb-docker Dockerfile: `EXPOSE 3306`"),
    (&["redis", "bitnami/redis", "redis/redis-stack-server", "eqalpha/keydb"], &[6379], "github.com/docker-library/redis Dockerfile: `EXPOSE 6379`"),
    (&["valkey/valkey", "bitnami/valkey"], &[6379], "github.com/valkey-io/valkey-container Dockerfile: `EXPOSE 6379`"),
    (&["mongo", "bitnami/mongodb"], &[27017], "github.com/docker-library/mongo Dockerfile: `EXPOSE 27017`"),
    (&["rabbitmq", "bitnami/rabbitmq"], &[5672, 15672], "github.com/docker-library/rabbitmq Dockerfile: `EXPOSE 4369 5671 5672 15691 15692 25672` (`-management`: `15671 15672`)"),
    (&["memcached", "bitnami/memcached"], &[11211], "github.com/docker-library/memcached Dockerfile: `EXPOSE 11211`"),
    (&["elasticsearch", "elasticsearch/elasticsearch", "bitnami/elasticsearch"], &[9200], "github.com/elastic/dockerfiles elasticsearch Dockerfile: `EXPOSE 9200 9300`"),
    (&["opensearchproject/opensearch"], &[9200], "OpenSearch Docker documentation: REST API on 9200"),
    (&["kibana", "kibana/kibana", "opensearchproject/opensearch-dashboards"], &[5601], "github.com/elastic/dockerfiles kibana Dockerfile: `EXPOSE 5601`"),
    (&["zookeeper", "confluentinc/cp-zookeeper", "bitnami/zookeeper"], &[2181], "github.com/31z4/zookeeper-docker Dockerfile: `EXPOSE 2181 2888 3888 8080`"),
    (&["apache/kafka", "bitnami/kafka", "confluentinc/cp-kafka"], &[9092], "Apache Kafka Docker image documentation: broker listener on 9092"),
    (&["nats"], &[4222], "github.com/nats-io/nats-docker Dockerfile: `EXPOSE 4222 8222 6222`"),
    (&["eclipse-mosquitto"], &[1883], "github.com/eclipse/mosquitto docker Dockerfile: `EXPOSE 1883`"),
    (&["minio/minio", "bitnami/minio"], &[9000], "github.com/minio/minio Dockerfile: `EXPOSE 9000`"),
    (&["influxdb"], &[8086], "github.com/influxdata/influxdata-docker influxdb Dockerfile: `EXPOSE 8086`"),
    (&["clickhouse/clickhouse-server", "yandex/clickhouse-server"], &[8123, 9000], "github.com/ClickHouse/ClickHouse docker/server Dockerfile: `EXPOSE 9000 8123 9009`"),
    (&["cassandra", "bitnami/cassandra"], &[9042], "github.com/docker-library/cassandra Dockerfile: `EXPOSE 7000 7001 7199 9042 9160`"),
    (&["neo4j"], &[7474, 7687], "github.com/neo4j/docker-neo4j-publish Dockerfile: `EXPOSE 7474 7473 7687`"),
    (&["couchdb"], &[5984], "github.com/apache/couchdb-docker Dockerfile: `EXPOSE 5984 4369 9100`"),
    (&["prom/prometheus", "bitnami/prometheus"], &[9090], "github.com/prometheus/prometheus Dockerfile: `EXPOSE 9090`"),
    (&["prom/alertmanager"], &[9093], "github.com/prometheus/alertmanager Dockerfile: `EXPOSE 9093`"),
    (&["prom/node-exporter"], &[9100], "github.com/prometheus/node_exporter Dockerfile: `EXPOSE 9100`"),
    (&["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise", "bitnami/grafana"], &[3000], "github.com/grafana/grafana Dockerfile: `EXPOSE 3000`"),
    (&["grafana/loki"], &[3100], "github.com/grafana/loki cmd/loki Dockerfile: `EXPOSE 3100`"),
    (&["grafana/tempo"], &[3200], "Grafana Tempo documentation: HTTP on 3200"),
    (&["jaegertracing/all-in-one", "jaegertracing/jaeger"], &[4317, 4318, 14268, 16686], "Jaeger documentation (all-in-one): OTLP 4317/4318, collector 14268, UI 16686"),
    (&["otel/opentelemetry-collector", "otel/opentelemetry-collector-contrib"], &[4317, 4318], "OpenTelemetry Collector documentation: OTLP gRPC 4317, HTTP 4318"),
    (&["consul", "hashicorp/consul"], &[8500], "github.com/hashicorp/docker-consul Dockerfile: `EXPOSE 8300 8301 8302 8500 8600`"),
    (&["vault", "hashicorp/vault"], &[8200], "github.com/hashicorp/docker-vault Dockerfile: `EXPOSE 8200`"),
    (&["mailhog/mailhog", "axllent/mailpit"], &[1025, 8025], "github.com/axllent/mailpit Dockerfile: `EXPOSE 1025/tcp 1110/tcp 8025/tcp` (MailHog: `EXPOSE 1025 8025`)"),
    (&["nginx", "nginxinc/nginx-unprivileged", "bitnami/nginx"], &[80], "github.com/nginxinc/docker-nginx Dockerfile: `EXPOSE 80`"),
    (&["httpd"], &[80], "github.com/docker-library/httpd Dockerfile: `EXPOSE 80`"),
    (&["caddy"], &[80, 443], "github.com/caddyserver/caddy-docker Dockerfile: `EXPOSE 80 443 2019`"),
    (&["wordpress", "nextcloud", "drupal", "joomla", "php"], &[80], "github.com/docker-library/php Dockerfile (`apache` variants): `EXPOSE 80`; `fpm` variants: `EXPOSE 9000`"),
    (&["ghost"], &[2368], "github.com/docker-library/ghost Dockerfile: `EXPOSE 2368`"),
    (&["tomcat"], &[8080], "github.com/docker-library/tomcat Dockerfile: `EXPOSE 8080`"),
    (&["adminer"], &[8080], "github.com/TimWolla/docker-adminer Dockerfile: `EXPOSE 8080`"),
    (&["phpmyadmin", "phpmyadmin/phpmyadmin"], &[80], "github.com/phpmyadmin/docker Dockerfile: `EXPOSE 80`"),
    (&["dpage/pgadmin4"], &[80], "github.com/pgadmin-org/pgadmin4 Dockerfile: `EXPOSE 80 443`"),
    (&["mongo-express"], &[8081], "github.com/mongo-express/mongo-express-docker Dockerfile: `EXPOSE 8081`"),
    (&["keycloak/keycloak", "bitnami/keycloak"], &[8080], "github.com/keycloak/keycloak quarkus container Dockerfile: `EXPOSE 8080 8443`"),
    (&["jenkins/jenkins"], &[8080, 50000], "github.com/jenkinsci/docker Dockerfile: `EXPOSE 8080 50000`"),
    (&["gitea/gitea"], &[3000, 22], "github.com/go-gitea/gitea Dockerfile: `EXPOSE 22 3000`"),
    (&["sonarqube"], &[9000], "github.com/SonarSource/docker-sonarqube Dockerfile: `EXPOSE 9000`"),
    (&["registry"], &[5000], "github.com/distribution/distribution-library-image Dockerfile: `EXPOSE 5000`"),
    (&["localstack/localstack"], &[4566], "LocalStack documentation: edge port 4566"),
    (&["selenium/standalone-chrome", "selenium/standalone-firefox", "selenium/hub"], &[4444], "github.com/SeleniumHQ/docker-selenium Dockerfile: `EXPOSE 4444`"),
];

/// Images whose `fpm` tags serve FastCGI on 9000 instead of HTTP on 80.
const FPM: &[&str] = &["wordpress", "nextcloud", "drupal", "joomla", "php"];

/// The default client ports of `image` (`postgres:16`, `docker.io/library/redis`,
/// `ghcr.io/x/y@sha256:...`), when the table knows it.
pub fn default_ports(image: &str) -> &'static [u16] {
    let (repository, tag) = split(image);
    for (names, ports, _) in TABLE {
        if let Some(name) = names.iter().find(|n| matches(&repository, n)) {
            if FPM.contains(name) && tag.contains("fpm") {
                return &[9000];
            }
            return ports;
        }
    }
    &[]
}

/// True when `repository` is `name` or ends with `/name`.
fn matches(repository: &str, name: &str) -> bool {
    repository == name
        || repository
            .strip_suffix(name)
            .is_some_and(|head| head.ends_with('/'))
}

/// (repository without registry, tag), lower case.
fn split(image: &str) -> (String, String) {
    let image = image.trim().to_ascii_lowercase();
    let image = image.split('@').next().unwrap_or_default();
    let (path, tag) = match image.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') => (p, t),
        _ => (image, ""),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    if parts.len() > 1 && parts[0] == "library" {
        parts.remove(0);
    }
    (parts.join("/"), tag.to_string())
}

/// The table as Markdown rows, for docs/compose-support.md.
pub fn render_markdown() -> String {
    let mut out = String::from("| Images | Ports | Source |\n|---|---|---|\n");
    for (names, ports, source) in TABLE {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        out.push_str(&format!(
            "| {} | {} | {source} |\n",
            names.join(", "),
            ports.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_matched_without_registry_and_tag() {
        assert_eq!(default_ports("postgres:16-alpine"), &[5432]);
        assert_eq!(default_ports("docker.io/library/postgres"), &[5432]);
        assert_eq!(
            default_ports("123.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/redis:7"),
            &[6379]
        );
        assert_eq!(default_ports("bitnami/postgresql@sha256:abc"), &[5432]);
        assert_eq!(
            default_ports("docker.elastic.co/elasticsearch/elasticsearch:8.13.0"),
            &[9200]
        );
        assert_eq!(default_ports("localhost:5000/mysql:8"), &[3306]);
        assert_eq!(default_ports("wordpress:6-fpm"), &[9000]);
        assert_eq!(default_ports("wordpress"), &[80]);
        assert!(default_ports("myorg/redis-exporter").is_empty());
        assert!(default_ports("node:20").is_empty());
    }

    #[test]
    fn every_row_has_names_ports_and_a_source() {
        for (names, ports, source) in TABLE {
            assert!(!names.is_empty() && !ports.is_empty() && !source.is_empty());
        }
    }
}
