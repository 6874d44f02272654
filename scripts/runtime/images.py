"""R5 (the task's CPU architecture is pinned and matches its capacity and image), R6 (an
image `package` pushed is named by digest), R9 (every image can be pulled).

Pulls: a Fargate task pulls over its own ENI, which reaches the internet only with a public
IP in a subnet routed to an internet gateway, or through a NAT gateway; ECR Public has no
VPC endpoint, and private ECR needs the ecr.api/ecr.dkr/S3 endpoints
(docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html). On EC2
the container agent pulls through the instance's own network interface, whatever the task's
network mode, so the instance's subnet and public address count."""
import re

from .cfn import listify, lit, text
from .ecs import launch_data, services

PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")
GRAVITON = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)\.")  # m7g, c6gn, t4g, r6gd, im4gn, is4gen, g5g; not g5/g4dn
ARCH = {"amd64": "X86_64", "x86_64": "X86_64", "arm64": "ARM64", "aarch64": "ARM64"}


def arch_of_capacity(t, asg):
    """ARM64 or X86_64 from the launch template's AMI or instance type, or None."""
    data = launch_data(t, asg)
    ami, itype = text(data.get("ImageId")), lit(data.get("InstanceType"))
    if itype:
        return "ARM64" if GRAVITON.match(itype) else "X86_64"
    if "/arm64/" in ami:
        return "ARM64"
    if "/optimized-ami/" in ami:
        return "X86_64"
    return None


def check_platform(t, svc):
    plat = svc.td.get("RuntimePlatform") if isinstance(svc.td.get("RuntimePlatform"), dict) else {}
    arch = lit(plat.get("CpuArchitecture"))
    if not arch:
        return [("R5", svc.td_id or svc.id, "no RuntimePlatform.CpuArchitecture: the image's architecture is never checked "
                 "against the task's (exec format error at start)")]
    out = []
    for asg in svc.asgs:
        cap = arch_of_capacity(t, asg)
        if cap and cap != arch:
            out.append(("R5", svc.td_id, f"CpuArchitecture {arch} but placed on {asg}, whose instances are {cap}"))
    if arch == "ARM64" and "FARGATE_SPOT" in svc.providers:
        out.append(("R5", svc.td_id, "CpuArchitecture ARM64 with FARGATE_SPOT in the capacity provider strategy: "
                    "Fargate Spot runs X86_64 tasks only"))
    cfg = image_config(t, svc)
    built = ARCH.get(str(cfg.get("Architecture") or cfg.get("architecture") or "").lower())
    if built and built != arch:
        out.append(("R5", svc.td_id, f"CpuArchitecture {arch} but Package.ImageConfig records an image built for {built}"))
    return out


def image_config(t, svc):
    cfgs = t.source.get("ImageConfig")
    cfg = cfgs.get(svc.compose_name or "") if isinstance(cfgs, dict) else None
    return cfg if isinstance(cfg, dict) else {}


def check_digests(t, svc, repositories):
    out = []
    images = t.source.get("Images")
    built = {v for v in images.values() if isinstance(v, str)} if isinstance(images, dict) else set()
    for c in svc.containers:
        image = text(c.get("Image"))
        if not image or "@sha256:" in image:
            continue
        by_package = image in built or any(image.startswith(r.rstrip("/") + ":") for r in repositories)
        if by_package:
            out.append(("R6", svc.td_id, f"container {c.get('Name')} runs an image `package` pushed, named by tag: "
                        "a re-pushed tag never rolls out; name it by digest (repo@sha256:...)"))
    return out


def public(image):
    return bool(image) and not image.startswith("${") and not PRIVATE_ECR.match(image)


def subnet_egress(t, subnet_value, public_ip):
    """True (reaches the internet), False (cannot), None (a subnet the template does not create)."""
    sub = t.resolve(subnet_value, "AWS::EC2::Subnet")
    if not sub:
        return None
    if public_ip is None:
        public_ip = t.props(sub).get("MapPublicIpOnLaunch") is True
    tables = [t.props(a).get("RouteTableId") for a in t.of_type("AWS::EC2::SubnetRouteTableAssociation")
              if t.resolve(t.props(a).get("SubnetId")) == sub]
    for table in tables:
        rt = t.resolve(table, "AWS::EC2::RouteTable")
        for r in t.of_type("AWS::EC2::Route"):
            p = t.props(r)
            if t.resolve(p.get("RouteTableId")) != rt or p.get("DestinationCidrBlock") != "0.0.0.0/0":
                continue
            if any(p.get(k) for k in ("NatGatewayId", "TransitGatewayId", "NetworkInterfaceId", "InstanceId")):
                return True
            gw = t.resolve(p.get("GatewayId"), "AWS::EC2::InternetGateway")
            if (gw or (lit(p.get("GatewayId")) or "").startswith("igw-")) and public_ip:
                return True
    return False


def pull_path(t, svc):
    """(subnets, public ip or None for the subnet's default) through which images are pulled."""
    if svc.on_ec2:
        subnets, public_ip = [], None
        for asg in svc.asgs:
            subnets += listify(t.props(asg).get("VPCZoneIdentifier"))
            for ni in listify(launch_data(t, asg).get("NetworkInterfaces")):
                if isinstance(ni, dict) and "AssociatePublicIpAddress" in ni:
                    public_ip = ni["AssociatePublicIpAddress"] is True
        return subnets, public_ip
    return listify(svc.awsvpc.get("Subnets")), svc.awsvpc.get("AssignPublicIp") == "ENABLED"


def ecr_endpoints(t):
    """Whether the template gives private ECR a way in without the internet: the ecr.dkr and
    ecr.api interface endpoints and the S3 gateway endpoint (image layers live in S3)."""
    names = {text(t.props(e).get("ServiceName")) for e in t.of_type("AWS::EC2::VPCEndpoint")}
    return all(any(n.endswith(s) for n in names) for s in (".ecr.dkr", ".ecr.api", ".s3"))


def needs_internet(t, image):
    return public(image) or (bool(PRIVATE_ECR.match(image)) and not ecr_endpoints(t))


def check_pull(t, svc, unknown):
    images = sorted({text(c.get("Image")) for c in svc.containers if needs_internet(t, text(c.get("Image")))})
    if not images:
        return []
    subnets, public_ip = pull_path(t, svc)
    verdicts = [subnet_egress(t, s, public_ip) for s in subnets]
    if False in verdicts:
        return [("R9", svc.id, f"pulls {len(images)} image(s) over the internet ({registry(images[0])}, ...) "
                 "from a subnet with neither a public IP routed to an internet gateway nor a NAT gateway route")]
    if None in verdicts or not subnets:
        if warned_about_pulls(t):
            return []
        unknown.append(svc.id)
    return []


def warned_about_pulls(t):
    for w in t.warnings():
        lw = w.lower()
        if "pull" in lw and ("nat" in lw or "public ip" in lw or "internet" in lw):
            return True
    return False


def registry(image):
    if PRIVATE_ECR.match(image):
        return "private ECR without VPC endpoints"
    first = image.split("/", 1)[0]
    return first if "/" in image and ("." in first or ":" in first) else "Docker Hub"


def check(t, repositories=(), unknown=None):
    unknown = [] if unknown is None else unknown
    out = []
    for svc in services(t):
        out += check_platform(t, svc) + check_digests(t, svc, repositories) + check_pull(t, svc, unknown)
    out += orphan_task_definitions(t)
    return out


def orphan_task_definitions(t):
    used = {s.td_id for s in services(t)}
    out = []
    for td in t.of_type("AWS::ECS::TaskDefinition"):
        plat = t.props(td).get("RuntimePlatform")
        if td not in used and not (isinstance(plat, dict) and plat.get("CpuArchitecture")):
            out.append(("R5", td, "no RuntimePlatform.CpuArchitecture"))
    return out
