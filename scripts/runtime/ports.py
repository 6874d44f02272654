"""R8: a host- or bridge-mode service behind a load balancer has a port mapping for each
target group port, and the instances' security group lets the load balancer in on the
host port: the same port in host mode, in bridge mode the fixed host port or, for a
dynamic one (HostPort 0 or absent), the whole ephemeral range the agent draws from
(Linux ip_local_port_range, 32768-60999 on the ECS-optimized AMIs; docs: PortMapping.hostPort)."""
from .cfn import as_int, key, listify, referenced_ids
from .ecs import allows, services, vpc_cidrs

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
        for lb in listify(svc.props.get("LoadBalancers")):
            if isinstance(lb, dict):
                out += one_target(t, svc, lb)
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
