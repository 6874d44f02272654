"""The run-time model: what an ECS engineer finds in review of an expanded template, where
the stack would be created but its tasks would not work. See docs/runtime.md.

check(doc, source=None, repositories=()) -> (findings, unknown): findings are
(rule, logical ID, message) sorted; unknown lists the services whose image pulls the
template cannot judge (subnets it does not create, and no warning about it)."""
from . import images, names, ports, scaling, storage
from .cfn import Template

RULES = {
    "R1": "names resolve on the port used, and security groups let the client in",
    "R2": "servers are created before their clients",
    "R3": "EFS access points are writable by the container's user",
    "R4": "read-write EFS services never run two tasks at once in a deployment",
    "R5": "the CPU architecture is pinned and matches capacity and image",
    "R6": "images `package` pushed are named by digest",
    "R7": "no DesiredCount under Application Auto Scaling",
    "R8": "host/bridge target-group ports are mapped and open to the load balancer",
    "R9": "every image can be pulled (public IP or NAT)",
}


def check(doc, source=None, repositories=()):
    t = Template(doc, source)
    unknown = []
    found = names.check(t) + storage.check(t) + images.check(t, repositories, unknown) + scaling.check(t) + ports.check(t)
    return sorted(set(found), key=lambda f: (int(f[0][1:]), f[1], f[2])), unknown
