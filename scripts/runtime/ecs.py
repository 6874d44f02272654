"""ECS services as they run: task definition, containers, network mode, where tasks are
placed (Fargate or the template's EC2 capacity), security groups and subnets."""
from .cfn import HELPER_SUFFIXES, as_int, dig, key, listify, lit, text

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


class Service:
    def __init__(self, t, rid):
        self.t, self.id = t, rid
        self.props = t.props(rid)
        self.td_id = t.resolve(self.props.get("TaskDefinition"), "AWS::ECS::TaskDefinition")
        self.td = t.props(self.td_id) if self.td_id else {}
        self.mode = lit(self.td.get("NetworkMode")) or "bridge"
        self.containers = [c for c in listify(self.td.get("ContainerDefinitions")) if isinstance(c, dict)]
        self.providers = strategy_providers(t, self.props)
        self.asgs = capacity_groups(t, self)
        self.on_ec2 = bool(self.asgs) or lit(self.props.get("LaunchType")) == "EC2"
        awsvpc = dig(self.props, "NetworkConfiguration", "AwsvpcConfiguration")
        self.awsvpc = awsvpc if isinstance(awsvpc, dict) else {}
        self.sc = self.props.get("ServiceConnectConfiguration") if isinstance(self.props.get("ServiceConnectConfiguration"), dict) else {}

    @property
    def compose_name(self):
        for tag in listify(self.props.get("Tags")) + listify(self.td.get("Tags")):
            if isinstance(tag, dict) and tag.get("Key") == "com.docker.compose.service" and isinstance(tag.get("Value"), str):
                return tag["Value"]
        return None

    def app_containers(self):
        return [c for c in self.containers if not str(c.get("Name", "")).endswith(HELPER_SUFFIXES)]

    def helper(self):
        return [c for c in self.containers if str(c.get("Name", "")).endswith(HELPER_SUFFIXES[0])]

    def instance_groups(self):
        """The security groups of the EC2 instances the service's tasks are placed on."""
        out = set()
        for asg in self.asgs:
            data = launch_data(self.t, asg)
            for g in listify(data.get("SecurityGroupIds")) + listify(data.get("SecurityGroups")):
                out.add(key(g))
            for ni in listify(data.get("NetworkInterfaces")):
                if isinstance(ni, dict):
                    out.update(key(g) for g in listify(ni.get("Groups")))
        return out

    def groups(self):
        """The security groups a task's traffic carries (awsvpc: the task's; else the instance's)."""
        if self.mode == "awsvpc":
            return {key(g) for g in listify(self.awsvpc.get("SecurityGroups"))}
        return self.instance_groups()

    def sc_namespace(self):
        if not self.sc or self.sc.get("Enabled") is False:
            return None
        ns = self.sc.get("Namespace")
        if ns is None:
            cluster = self.t.resolve(self.props.get("Cluster"), "AWS::ECS::Cluster")
            ns = dig(self.t.props(cluster), "ServiceConnectDefaults", "Namespace") if cluster else None
        return namespace_key(self.t, ns)


def namespace_key(t, ns):
    """A namespace's identity: the created namespace's logical ID, or its name/ARN text."""
    if ns is None:
        return None
    rid = t.resolve(ns, "AWS::ServiceDiscovery::PrivateDnsNamespace", "AWS::ServiceDiscovery::HttpNamespace")
    if rid:
        return "#" + rid
    name = lit(ns)
    for nid in t.of_type("AWS::ServiceDiscovery::PrivateDnsNamespace", "AWS::ServiceDiscovery::HttpNamespace"):
        if name and lit(t.props(nid).get("Name")) == name:
            return "#" + nid
    return key(ns)


def namespace_name(t, nskey):
    if nskey and nskey.startswith("#"):
        return lit(t.props(nskey[1:]).get("Name"))
    return None


def services(t):
    return [Service(t, rid) for rid in t.of_type("AWS::ECS::Service")]


def launch_data(t, asg):
    ltid = t.resolve(dig(t.props(asg), "LaunchTemplate", "LaunchTemplateId"), "AWS::EC2::LaunchTemplate") if asg else None
    data = t.props(ltid).get("LaunchTemplateData") if ltid else None
    return data if isinstance(data, dict) else {}


def provider_groups(t, providers):
    out = []
    for p in providers:
        cp = t.resolve(p, "AWS::ECS::CapacityProvider")
        if cp:
            asg_ref = dig(t.props(cp), "AutoScalingGroupProvider", "AutoScalingGroupArn")
            asg = t.resolve(asg_ref, "AWS::AutoScaling::AutoScalingGroup")
            if asg:
                out.append(asg)
    return out


def default_strategy(t, cluster_ref):
    cluster = t.resolve(cluster_ref, "AWS::ECS::Cluster")
    strat = list(listify(t.props(cluster).get("DefaultCapacityProviderStrategy"))) if cluster else []
    for a in t.of_type("AWS::ECS::ClusterCapacityProviderAssociations"):
        if cluster and t.resolve(t.props(a).get("Cluster")) == cluster:
            strat += listify(t.props(a).get("DefaultCapacityProviderStrategy"))
    return strat


def strategy_providers(t, props):
    """The capacity providers of the service's strategy, or of the cluster's default one."""
    if lit(props.get("LaunchType")):
        return []
    strat = props.get("CapacityProviderStrategy")
    if strat is None:
        strat = default_strategy(t, props.get("Cluster"))
    return [s.get("CapacityProvider") for s in listify(strat) if isinstance(s, dict)]


def capacity_groups(t, svc):
    """The Auto Scaling groups a service's tasks may be placed on (none: Fargate)."""
    launch = lit(svc.props.get("LaunchType"))
    if launch == "FARGATE":
        return []
    groups = provider_groups(t, svc.providers)
    if launch == "EC2" and not groups:
        groups = t.of_type("AWS::AutoScaling::AutoScalingGroup")
    return groups


def container_port_of(svc, port_name):
    for c in svc.containers:
        for pm in listify(c.get("PortMappings")):
            if isinstance(pm, dict) and pm.get("Name") == port_name:
                return as_int(pm.get("ContainerPort"))
    return None


def sc_aliases(svc):
    """(dns name, alias port, port the server's proxy listens on) for each client alias."""
    out = []
    for s in listify(svc.sc.get("Services")) if svc.sc else []:
        if not isinstance(s, dict):
            continue
        target = as_int(s.get("IngressPortOverride")) or container_port_of(svc, s.get("PortName"))
        for a in listify(s.get("ClientAliases")):
            if isinstance(a, dict):
                name = lit(a.get("DnsName")) or lit(s.get("DiscoveryName")) or lit(s.get("PortName"))
                out.append((name, as_int(a.get("Port")), target))
    return out


def registries(svc):
    """The Cloud Map services the service's tasks register in."""
    out = []
    for r in listify(svc.props.get("ServiceRegistries")):
        if isinstance(r, dict):
            sd = svc.t.resolve(r.get("RegistryArn"), "AWS::ServiceDiscovery::Service")
            if sd:
                out.append(sd)
    return out


def cloud_map_entry(t, sd):
    """(name, namespace key, has an A record) of a Cloud Map service."""
    p = t.props(sd)
    dns = p.get("DnsConfig") if isinstance(p.get("DnsConfig"), dict) else {}
    ns = p.get("NamespaceId") or dns.get("NamespaceId")
    a = any(isinstance(r, dict) and r.get("Type") == "A" for r in listify(dns.get("DnsRecords")))
    return lit(p.get("Name")), namespace_key(t, ns), a


def ingress_rules(t):
    """Every ingress rule: (group key, protocol, from, to, source group key or None, cidr)."""
    out = []
    for rid in t.of_type("AWS::EC2::SecurityGroupIngress"):
        out.append(rule(t.props(rid), key(t.props(rid).get("GroupId") or t.props(rid).get("GroupName"))))
    for rid in t.of_type("AWS::EC2::SecurityGroup"):
        for r in listify(t.props(rid).get("SecurityGroupIngress")):
            if isinstance(r, dict):
                out.append(rule(r, "#" + rid))
    return out


def rule(p, group):
    proto = str(p.get("IpProtocol", "")).lower()
    lo, hi = as_int(p.get("FromPort")), as_int(p.get("ToPort"))
    if proto in ("-1", "all") or lo in (None, -1):
        lo, hi = 0, 65535
    hi = lo if hi is None or hi == -1 else hi
    src = p.get("SourceSecurityGroupId")
    return group, proto, lo, hi, key(src) if src is not None else None, lit(p.get("CidrIp"))


def allows(t, sources, groups, lo, hi=None, cidr_ok=("0.0.0.0/0",)):
    """Whether some rule lets `sources` (group keys) reach `groups` on every port lo..hi (TCP)."""
    hi = lo if hi is None else hi
    for g, proto, a, b, src, cidr in ingress_rules(t):
        if g not in groups or proto not in ("-1", "all", "tcp", "6"):
            continue
        if not (a <= lo and hi <= b):
            continue
        if (src is not None and src in sources) or (cidr is not None and cidr in cidr_ok):
            return True
    return False


def vpc_cidrs(t):
    return tuple(c for c in (lit(t.props(v).get("CidrBlock")) for v in t.of_type("AWS::EC2::VPC")) if c) + ("0.0.0.0/0",)


def image_text(container):
    return text(container.get("Image"))
