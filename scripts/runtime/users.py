"""Users of widely used images: the uid:gid they run as, and the uids of the user names
they define. Each row cites the image's Dockerfile (the USER line, or the `useradd`/`adduser`
that creates the name)."""
import re

# Images whose Dockerfile ends with a non-root USER: (repository pattern, uid, gid, source).
IMAGE_USERS = [
    (r"(^|/)prom/(prometheus|alertmanager|node-exporter|pushgateway|blackbox-exporter)$", 65534, 65534,
     "github.com/prometheus/prometheus Dockerfile: USER nobody"),
    (r"(^|/)grafana/grafana(-oss|-enterprise)?$", 472, 0, "github.com/grafana/grafana Dockerfile: USER \"$GF_UID\" (472), group 0"),
    (r"(^|/)grafana/(loki|tempo|promtail|mimir)$", 10001, 10001, "github.com/grafana/loki cmd/loki/Dockerfile: USER 10001"),
    (r"(^|/)bitnami/", 1001, 0, "github.com/bitnami/containers: every image ends with USER 1001"),
    (r"(^|/)elasticsearch/elasticsearch$|docker\.elastic\.co/(elasticsearch|kibana|logstash)/", 1000, 0,
     "github.com/elastic/dockerfiles elasticsearch/Dockerfile: USER 1000:0"),
    (r"(^|/)(kibana|logstash)$", 1000, 0, "github.com/elastic/dockerfiles kibana/Dockerfile: USER 1000"),
    (r"(^|/)sonatype/nexus3$", 200, 200, "github.com/sonatype/docker-nexus3 Dockerfile: USER nexus (uid 200)"),
    (r"(^|/)jenkins/jenkins$", 1000, 1000, "github.com/jenkinsci/docker Dockerfile: USER ${user} (uid 1000)"),
    (r"(^|/)nodered/node-red$", 1000, 1000, "github.com/node-red/node-red-docker Dockerfile: USER node-red (uid 1000)"),
    (r"(^|/)keycloak/keycloak$", 1000, 0, "github.com/keycloak/keycloak quarkus/container/Dockerfile: USER 1000"),
    (r"(^|/)n8nio/n8n$", 1000, 1000, "github.com/n8n-io/n8n docker/images/n8n/Dockerfile: USER node (uid 1000)"),
    (r"(^|/)mattermost/mattermost-(team|enterprise)-edition$", 2000, 2000,
     "github.com/mattermost/mattermost server/build/Dockerfile: USER mattermost (uid 2000)"),
    (r"(^|/)gitea/gitea$", 0, 0, "gitea/gitea (root image; the rootless tag runs as 1000)"),
    (r"(^|/)sonarqube$", 1000, 0, "github.com/SonarSource/docker-sonarqube Dockerfile: USER sonarqube (uid 1000)"),
    (r"(^|/)neo4j$", 0, 0, "neo4j: entrypoint as root, drops to neo4j itself"),
]
# User names defined by widely used images (alpine variants differ: postgres is 70 there).
NAMED_USERS = {
    "postgres": ((999, 999), (70, 70), "docker-library/postgres Dockerfile: useradd -u 999 / alpine: adduser -u 70"),
    "mysql": ((999, 999), (999, 999), "docker-library/mysql Dockerfile: useradd -u 999"),
    "redis": ((999, 999), (999, 1000), "docker-library/redis Dockerfile: useradd -u 999 / alpine: adduser -u 999 -G redis(1000)"),
    "mongodb": ((999, 999), (999, 999), "docker-library/mongo Dockerfile: useradd -u 999"),
    "rabbitmq": ((999, 999), (100, 101), "docker-library/rabbitmq Dockerfile: useradd -u 999 / alpine: adduser -u 100"),
    "www-data": ((33, 33), (82, 82), "Debian www-data is 33; alpine images (php) use 82"),
    "nginx": ((101, 101), (101, 101), "nginx Dockerfile: useradd -u 101"),
    "node": ((1000, 1000), (1000, 1000), "docker-library/node Dockerfile: useradd -u 1000 node"),
    "nobody": ((65534, 65534), (65534, 65534), "nobody is 65534 in Debian and Alpine"),
    "elasticsearch": ((1000, 0), (1000, 0), "elastic/dockerfiles: uid 1000"),
    "grafana": ((472, 0), (472, 0), "grafana Dockerfile: uid 472"),
    "root": ((0, 0), (0, 0), "uid 0"),
}


def repository(image):
    """`docker.io/library/postgres:16-alpine@sha256:..` → `postgres`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rindex(":")]
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/", "public.ecr.aws/docker/library/"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def image_user(image):
    repo = repository(image)
    for pattern, uid, gid, source in IMAGE_USERS:
        if re.search(pattern, repo):
            return ((uid, gid), source) if uid else None
    return None


def parse_user(user, image):
    """(uid, gid) of a container's `User` (`1000`, `1000:1000`, `postgres`, `postgres:postgres`), or None."""
    u, _, g = user.partition(":")
    alpine = "alpine" in image
    uid = int(u) if u.isdigit() else named(u, alpine, 0)
    if uid is None:
        return None
    gid = int(g) if g.isdigit() else (named(g, alpine, 1) if g else (uid if u.isdigit() else named(u, alpine, 1)))
    return (uid, gid if gid is not None else uid)


def named(name, alpine, index):
    row = NAMED_USERS.get(name)
    return row[1 if alpine else 0][index] if row else None
