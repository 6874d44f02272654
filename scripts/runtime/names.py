"""R1 (names resolve on the port used, and security groups let the traffic in) and R2
(servers are created before their clients).

How a name resolves on ECS:
- Service Connect: a client task (Service Connect enabled, same namespace) gets each client
  alias (DnsName, Port) published in the namespace by services that existed when the task
  started; the alias works on its port only, and the traffic arrives at the server on the
  port mapping's container port (or IngressPortOverride).
- DNS: an awsvpc task takes the VPC's DHCP options (domain-name = search list) when its
  ENI is created; with the Cloud Map namespace in the search list, `db` resolves to the
  A record `db.<namespace>` on any port. A records need the server in awsvpc mode.
Messages name the variable, argument or file and the host, never the value (secrets)."""
import re

from .cfn import as_int, dig, listify, lit, text
from .users import repository
from .ecs import (allows, cloud_map_entry, ingress_rules, namespace_name, registries, sc_aliases,
                  services, vpc_cidrs)

SCHEME_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "postgres": 5432, "postgresql": 5432,
                "mysql": 3306, "mariadb": 3306, "redis": 6379, "rediss": 6379, "mongodb": 27017,
                "amqp": 5672, "amqps": 5671, "memcached": 11211, "nats": 4222, "kafka": 9092,
                "ldap": 389, "ldaps": 636, "smtp": 25, "ftp": 21, "grpc": 80}
# The port a client uses when it names a server without one (`DB_HOST=db`): the server
# image's default, from each image's documentation on Docker Hub (the EXPOSE of its Dockerfile).
IMAGE_PORTS = {"postgres": 5432, "postgis/postgis": 5432, "mysql": 3306, "mariadb": 3306, "redis": 6379,
               "valkey/valkey": 6379, "mongo": 27017, "rabbitmq": 5672, "memcached": 11211,
               "elasticsearch": 9200, "opensearchproject/opensearch": 9200, "nats": 4222,
               "eclipse-mosquitto": 1883, "influxdb": 8086, "clickhouse/clickhouse-server": 8123,
               "minio/minio": 9000, "cassandra": 9042, "neo4j": 7687, "couchdb": 5984}
URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/\s'\"]*@)?(?P<host>[A-Za-z0-9_.-]+)(?::(?P<port>\d{1,5}))?")
HOSTPORT = re.compile(r"(?<![\w.@/:$-])(?P<host>[A-Za-z][A-Za-z0-9_.-]*):(?P<port>\d{1,5})(?![\w.:])")
NOT_HOSTS = {"localhost", "tcp", "udp", "http", "https", "unix", "port", "version", "ip", "host", "0", "file"}
HOST_VAR = re.compile(r"(HOST|HOSTNAME|SERVER|ADDR|ADDRESS|URL|URI|ENDPOINT|BROKER|DSN|UPSTREAM|BACKEND)S?$", re.I)
NOT_HOST_VAR = re.compile(r"(IMAGE|VERSION|TAG)S?$", re.I)
HOST_OPTION = re.compile(r"^--?(?:[a-z-]*host(?:name)?|h|[a-z-]*server|[a-z-]*addr(?:ess)?|[a-z-]*broker)$")


def refs_in(fragment, where, port_hint=None):
    """(host, port or None, where) for each host:port or URL in a text."""
    out, rest = [], fragment
    for m in URL.finditer(fragment):
        port = as_int(m.group("port")) or SCHEME_PORTS.get(m.group("scheme").lower().split("+")[0])
        out.append((m.group("host").lower(), port, where))
        rest = rest.replace(m.group(0), " ")
    for m in HOSTPORT.finditer(rest):
        out.append((m.group("host").lower(), as_int(m.group("port")), where))
    return out


def container_refs(svc, known):
    """Every host a service's containers name: environment, command, entrypoint, health
    check, and the files the helper container writes (its environment values)."""
    out = []
    for c in svc.app_containers():
        cname = c.get("Name")
        env = environment(c)
        for name, value in sorted(env.items(), key=lambda kv: str(kv[0])):
            if NOT_HOST_VAR.search(name):
                continue  # `IMAGE=redis:7`, `VERSION=db:2`: not a host and port
            where = f"environment {name} of container {cname}"
            found = refs_in(value, where)
            if not found and value.strip().lower() in known and HOST_VAR.search(str(name)):
                found = [(value.strip().lower(), sibling_port(env, name), where)]
            out += found
        for field in ("EntryPoint", "Command", "HealthCheck"):
            args = [text(a) for a in listify(dig(c, "HealthCheck", "Command") if field == "HealthCheck" else c.get(field))]
            for i, arg in enumerate(args):
                where = f"{field.lower()} argument {i + 1} of container {cname}"
                out += refs_in(arg, where) or option_ref(args, i, known, where)
    for h in svc.helper():
        env = environment(h)
        for name, value in sorted(env.items(), key=lambda kv: str(kv[0])):
            if name != "COMPOSE_FILES":
                out += refs_in(value, f"the file the helper writes from {name}")
    return out


def sibling_port(env, name):
    """`DB_HOST=db` with `DB_PORT=5432`: the port the client uses."""
    stem = re.sub(r"(HOST|HOSTNAME|SERVER|ADDR|ADDRESS|SERVICE)$", "", str(name).upper())
    for suffix in ("PORT", "_PORT"):
        port = as_int(env.get(stem + suffix) or env.get(stem.rstrip("_") + suffix))
        if port:
            return port
    return None


def option_ref(args, i, known, where):
    arg = args[i]
    if "=" in arg:
        opt, val = arg.split("=", 1)
        if HOST_OPTION.match(opt) and val.lower() in known:
            return [(val.lower(), None, where)]
    elif i > 0 and HOST_OPTION.match(args[i - 1]) and arg.lower() in known:
        return [(arg.lower(), None, where)]
    return []


class Names:
    """Who answers to which name: Service Connect aliases and Cloud Map A records."""

    def __init__(self, t, svcs):
        self.t = t
        self.namespaces = {lit(t.props(n).get("Name")).lower(): "#" + n
                           for n in t.of_type("AWS::ServiceDiscovery::PrivateDnsNamespace")
                           if lit(t.props(n).get("Name"))}
        self.by_name = {}
        for s in svcs:
            for n in self.names_of(s):
                self.by_name.setdefault(n, []).append(s)

    def names_of(self, s):
        out = {n.lower() for n, _, _ in sc_aliases(s) if n}
        out |= {cloud_map_entry(self.t, sd)[0].lower() for sd in registries(s) if cloud_map_entry(self.t, sd)[0]}
        if s.compose_name:
            out.add(s.compose_name.lower())
        return {self.short(n)[0] for n in out}

    def short(self, host):
        """(first label, namespace key) for `db.<namespace>`; (host, None) otherwise."""
        for name, nskey in self.namespaces.items():
            if host.endswith("." + name):
                return host[: -len(name) - 1], nskey
        return host, None


def is_reference(host, names):
    if host in NOT_HOSTS or re.fullmatch(r"[\d.]+", host):
        return False
    return "." not in names.short(host)[0]


def check(t):
    svcs = services(t)
    names = Names(t, svcs)
    findings = []
    for client in svcs:
        seen = set()
        for host, port, where in container_refs(client, set(names.by_name)):
            if not is_reference(host, names) or (host, port) in seen:
                continue
            seen.add((host, port))
            findings += one_reference(t, names, client, host, port, where)
    return findings


def one_reference(t, names, client, host, given_port, where):
    short, fqdn_ns = names.short(host)
    shown = f"`{host}:{given_port}`" if given_port else f"`{host}`"
    servers = names.by_name.get(short, [])
    if not servers:
        return [("R1", client.id, f"{shown} ({where}) names no service of the project: nothing answers to `{short}`")]
    out = []
    for server in servers:
        port = given_port or image_port(server)
        shown = f"`{host}:{port}`" if port else f"`{host}`"
        how = resolves(t, names, client, server, short, port, fqdn_ns)
        if how is None:
            out.append(("R1", client.id, f"{shown} ({where}) does not resolve: {server.id} publishes no Service Connect alias "
                        f"`{short}{':' + str(port) if port else ''}` in the client's namespace, and no DHCP search domain "
                        f"leads `{short}` to a Cloud Map A record"))
            continue
        kind, target, prereq = how
        if not reachable(t, client, server, target):
            out.append(("R1", client.id, f"{shown} ({where}) resolves ({kind}) but no security group ingress lets "
                        f"{client.id}'s tasks reach {server.id} on port {target if target else 'any'}"))
        if server.id != client.id and not warned_cycle(t, client, server):
            for need in [server.id] + prereq:
                if not t.created_after(client.id, need):
                    out.append(("R2", client.id, f"references {shown} ({where}) but is not created after {need} "
                                "(DependsOn, directly or through another resource)"))
    return out


def warned_cycle(t, client, server):
    """Two services that name each other cannot both come first: when the server is created
    after the client, a warning must name the cycle (both services)."""
    if not t.created_after(server.id, client.id):
        return False
    names = [s.compose_name or s.id for s in (client, server)]
    return any("cycle" in w and all(f"`{n}`" in w or f" {n} " in w for n in names) for w in t.warnings())


def image_port(server):
    """The default port of the server's image, when the table knows it."""
    for c in server.app_containers():
        repo = repository(text(c.get("Image")))
        for name in (repo, repo.rsplit("/", 1)[-1]):
            if name in IMAGE_PORTS:
                return IMAGE_PORTS[name]
    return None


def resolves(t, names, client, server, short, port, fqdn_ns):
    """('Service Connect'|'DNS', port the server receives on, resources the client must follow) or None."""
    ns = client.sc_namespace()
    if ns and server.sc_namespace() == ns and not fqdn_ns:
        for n, p, target in sc_aliases(server):
            if n and names.short(n.lower())[0] == short and (port is None or p == port):
                return "Service Connect", target if port else None, []
    for sd in registries(server):
        name, nskey, a_record = cloud_map_entry(t, sd)
        if not a_record or not name or name.lower() != short or server.mode != "awsvpc":
            continue
        if fqdn_ns == nskey:
            return "DNS", port, []
        assoc = search_domain(t, client, namespace_name(t, nskey))
        if assoc:
            return "DNS search domain", port, [assoc]
    return None


def search_domain(t, client, ns_name):
    """The DHCP options association that puts `ns_name` in the client VPC's search list."""
    if client.mode != "awsvpc" or not ns_name:
        return None
    vpcs = set()
    for s in listify(client.awsvpc.get("Subnets")):
        sub = t.resolve(s, "AWS::EC2::Subnet")
        if not sub:
            return None
        vpcs.add(t.resolve(t.props(sub).get("VpcId"), "AWS::EC2::VPC"))
    if len(vpcs) != 1 or None in vpcs:
        return None
    vpc = vpcs.pop()
    for a in t.of_type("AWS::EC2::VPCDHCPOptionsAssociation"):
        p = t.props(a)
        opts = t.resolve(p.get("DhcpOptionsId"), "AWS::EC2::DHCPOptions")
        if t.resolve(p.get("VpcId")) == vpc and opts:
            domains = text(t.props(opts).get("DomainName")).lower().split()
            if ns_name.lower() in domains:
                return a
    return None


def reachable(t, client, server, port):
    """Whether the server's groups admit the client's on `port` (on some port when unknown)."""
    src, dst, cidrs = client.groups(), server.groups(), vpc_cidrs(t)
    if port is None:
        return any(g in dst and (s in src or c in cidrs) for g, _, _, _, s, c in ingress_rules(t))
    return allows(t, src, dst, port, cidr_ok=cidrs)


def environment(container):
    return {str(e.get("Name")): text(e.get("Value")) for e in listify(container.get("Environment")) if isinstance(e, dict)}
