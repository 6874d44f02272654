"""R8: a host- or bridge-mode service behind a load balancer has a port mapping for each
target group port, and the instances' security group lets the load balancer in on the
host port: the same port in host mode, in bridge mode the fixed host port or, for a
dynamic one (HostPort 0 or absent), the whole ephemeral range the agent draws from
(Linux ip_local_port_range, 32768-60999 on the ECS-optimized AMIs; docs: PortMapping.hostPort)."""
from .cfn import as_int, key, listify, referenced_ids
from .ecs import allows, ingress_rules, services, vpc_cidrs

EPHEMERAL = (32768, 60999)


def mapping(svc, container, port):
    for c in svc.containers:
        if c.get("Name") == container:
            for pm in listify(c.get("PortMappings")):
                if isinstance(pm, dict) and as_int(pm.get("ContainerPort")) == port:
                    return pm
    return None


def lb_groups(t, tg_value):
    """The security groups of the load balancers that forward to a target group (None: unknown)."""
    tg = t.resolve(tg_value, "AWS::ElasticLoadBalancingV2::TargetGroup")
    if not tg:
        return None
    groups = set()
    for lst in t.of_type("AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule"):
        p = t.props(lst)
        if tg not in referenced_ids(p.get("DefaultActions") or p.get("Actions"), set()):
            continue
        lb = t.resolve(p.get("LoadBalancerArn"), "AWS::ElasticLoadBalancingV2::LoadBalancer")
        if lb is None and p.get("ListenerArn") is not None:
            parent = t.resolve(p.get("ListenerArn"))
            lb = t.resolve(t.props(parent).get("LoadBalancerArn")) if parent else None
        if lb is None:
            return None
        groups |= {key(g) for g in listify(t.props(lb).get("SecurityGroups"))}
    return groups


def check(t):
    out = []
    for svc in services(t):
        if svc.mode not in ("host", "bridge"):
            continue
        lbs = [lb for lb in listify(svc.props.get("LoadBalancers")) if isinstance(lb, dict)]
        for lb in lbs:
            out += one_target(t, svc, lb)
        out += published(t, svc, {(lb.get("ContainerName"), as_int(lb.get("ContainerPort"))) for lb in lbs})
    return out


def published(t, svc, behind_lb):
    """A fixed host port outside any target group is published on the instance itself: some
    ingress rule on the instances' security group must admit it."""
    out = []
    for c in svc.app_containers():
        for pm in listify(c.get("PortMappings")):
            if not isinstance(pm, dict) or (c.get("Name"), as_int(pm.get("ContainerPort"))) in behind_lb:
                continue
            host = as_int(pm.get("HostPort")) or (as_int(pm.get("ContainerPort")) if svc.mode == "host" else None)
            proto = str(pm.get("Protocol") or "tcp").lower()
            if host and not any(g in svc.instance_groups() and p in ("-1", "all", proto) and a <= host <= b
                                for g, p, a, b, _, _ in ingress_rules(t)):
                out.append(("R8", svc.id, f"publishes {host}/{proto} on the instance (container {c.get('Name')}, "
                            f"{svc.mode} mode) but no ingress rule of the instances' security group admits it"))
    return out


def one_target(t, svc, lb):
    container, port = lb.get("ContainerName"), as_int(lb.get("ContainerPort"))
    pm = mapping(svc, container, port)
    if pm is None:
        return [("R8", svc.id, f"the target group port {port} of container {container} has no port mapping "
                 f"({svc.mode} mode): the load balancer has nothing to reach")]
    host = as_int(pm.get("HostPort")) or 0
    lo, hi = (port, port) if svc.mode == "host" else ((host, host) if host else EPHEMERAL)
    sources = lb_groups(t, lb.get("TargetGroupArn"))
    if sources is None:
        return []  # a load balancer the template does not create
    if not allows(t, sources, svc.instance_groups(), lo, hi, cidr_ok=vpc_cidrs(t)):
        span = f"{lo}" if lo == hi else f"{lo}-{hi}"
        return [("R8", svc.id, f"no ingress on the instances' security group from the load balancer on {span}/tcp "
                 f"(container {container} port {port}, {svc.mode} mode)")]
    return []
