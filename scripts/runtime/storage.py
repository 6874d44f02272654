"""R3 (an EFS access point is writable by the user the container runs as) and R4 (a
service writing EFS never runs two tasks at once during a deployment).

EFS semantics (docs.aws.amazon.com/efs/latest/ug/efs-access-points.html): an access
point's PosixUser replaces the user of every NFS request made through it; its
RootDirectory.CreationInfo sets the owner and permissions of the root directory when EFS
creates it; without an access point (or CreationInfo on "/"), the root of a new file
system is owned by 0:0 with mode 0755. Root (uid 0) may write anything unless its
identity is replaced (PosixUser) or squashed by the file system policy."""
from .cfn import as_int, dig, key, listify, lit, text
from .ecs import services
from .users import image_user, parse_user


def efs_volumes(td):
    """{volume name: (file system id value, access point id value)} of EFS volumes."""
    out = {}
    for v in listify(td.get("Volumes")):
        if isinstance(v, dict) and isinstance(v.get("EFSVolumeConfiguration"), dict):
            cfg = v["EFSVolumeConfiguration"]
            auth = cfg.get("AuthorizationConfig") if isinstance(cfg.get("AuthorizationConfig"), dict) else {}
            out[str(v.get("Name"))] = (cfg.get("FilesystemId"), auth.get("AccessPointId"), cfg.get("RootDirectory"))
    return out


def mount_points(c, containers, seen=()):
    """A container's mount points: its own, then those of the containers it takes with
    `VolumesFrom` (at the same paths; read-only when `ReadOnly` says so), each marked with
    whether it came through `VolumesFrom`."""
    out = [(m, False) for m in listify(c.get("MountPoints")) if isinstance(m, dict)]
    by_name = {x.get("Name"): x for x in containers}
    for vf in listify(c.get("VolumesFrom")):
        src = by_name.get(vf.get("SourceContainer")) if isinstance(vf, dict) else None
        if src is None or src.get("Name") in seen:
            continue
        for m, _ in mount_points(src, containers, seen + (c.get("Name"),)):
            m = dict(m)
            if vf.get("ReadOnly") is True:
                m["ReadOnly"] = True
            out.append((m, True))
    return out


def rw_mounts(svc):
    """(container, mount point, (fs, access point), through VolumesFrom) of every read-write
    EFS mount."""
    vols = efs_volumes(svc.td)
    out = []
    for c in svc.containers:
        for m, inherited in mount_points(c, svc.containers):
            if str(m.get("SourceVolume")) in vols and m.get("ReadOnly") is not True:
                out.append((c, m, vols[str(m["SourceVolume"])], inherited))
    return out


def check(t):
    findings = []
    for svc in services(t):
        mounts = rw_mounts(svc)
        for c, m, (fs, ap, _), inherited in mounts:
            problem = not_writable(t, svc, c, fs, ap)
            if problem and inherited and t.warned(c.get("Name"), "`volumes_from`"):
                problem = None  # the converter's warning names the fix
            if problem:
                how = " (through VolumesFrom)" if inherited else ""
                where = f"container {c.get('Name')} mounts {text(m.get('ContainerPath'))} read-write{how}"
                findings.append(("R3", t.resolve(ap) or svc.td_id or svc.id, f"{where}: {problem}"))
        if mounts and two_at_once(svc) and not t.warned(svc.compose_name, "start-first"):
            findings.append(("R4", svc.id, "a read-write EFS volume and a deployment that runs old and new tasks "
                             f"together (MaximumPercent {two_at_once(svc)}): two writers on the same files; "
                             "use MaximumPercent 100, MinimumHealthyPercent 0"))
    return findings


def two_at_once(svc):
    """The MaximumPercent that lets a deployment start new tasks before the old ones stop:
    ECS runs at most floor(desired x MaximumPercent / 100) tasks (default 200), so with one
    task 150 still stops first; the desired count defaults to 1."""
    if svc.props.get("SchedulingStrategy") == "DAEMON":
        return None
    mx = as_int(dig(svc.props, "DeploymentConfiguration", "MaximumPercent"))
    mx = 200 if mx is None else mx
    desired = as_int(svc.props.get("DesiredCount"))
    desired = 1 if desired is None or desired < 1 else desired
    return mx if desired * mx // 100 > desired else None


def not_writable(t, svc, c, fs, ap_value):
    """Why the container's user cannot write the mount's root, or None."""
    ap = t.resolve(ap_value, "AWS::EFS::AccessPoint")
    if ap_value is not None and not ap:
        return None  # an access point the template does not create: cannot tell
    p = t.props(ap) if ap else {}
    if ap and root_path(p) != "/" and not any(info for *_, info in creators(t, ap)):
        return (f"the access point's root directory {root_path(p)} has no CreationInfo: EFS does not create it, "
                "so the mount fails on a new file system")
    posix = p.get("PosixUser") if isinstance(p.get("PosixUser"), dict) else None
    user, how = container_user(t, svc, c)
    if posix:
        uid, gids = as_int(posix.get("Uid")), {as_int(posix.get("Gid"))} | {as_int(g) for g in listify(posix.get("SecondaryGids"))}
        how = "the access point's PosixUser"
    elif user is None:
        if t.warned(svc.compose_name, "`user:"):
            return None  # the converter's warning names the fix; the template cannot tell
        return f"runs as user `{how}`, whose uid cannot be known from the template; set a numeric `user:` or the access point's PosixUser"
    else:
        uid, gids = user[0], {user[1]}
    if uid == 0:
        if posix or not root_squashed(t, svc, fs):
            return None
        uid, gids, how = 65534, {65534}, "root, squashed by the file system policy: no ClientRootAccess for the task role"
    for owner, group, mode, shown, _ in creators(t, ap):
        if not ((uid == owner and mode & 0o200) or (group in gids and mode & 0o020) or mode & 0o002):
            return f"writes as uid {uid} ({how}) into a directory owned by {shown}"
    return None


def grants_root(statements):
    for s in listify(statements):
        if isinstance(s, dict) and s.get("Effect") == "Allow":
            actions = [str(a) for a in listify(s.get("Action"))]
            if any(a in ("elasticfilesystem:ClientRootAccess", "elasticfilesystem:*", "*") for a in actions):
                return True
    return False


def root_squashed(t, svc, fs_value):
    """EFS with a file system policy grants root only to a client allowed ClientRootAccess (by
    the policy, or, with IAM authorization, by the task role); others are squashed to 65534
    (docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html)."""
    fs = t.resolve(fs_value, "AWS::EFS::FileSystem")
    policy = t.props(fs).get("FileSystemPolicy") if fs else None
    if not isinstance(policy, dict) or grants_root(policy.get("Statement")):
        return False
    iam = any(dig(v, "EFSVolumeConfiguration", "AuthorizationConfig", "IAM") == "ENABLED"
              for v in listify(svc.td.get("Volumes")) if isinstance(v, dict))
    role = t.resolve(svc.td.get("TaskRoleArn"), "AWS::IAM::Role")
    if not iam or not role:
        return True
    props = t.props(role)
    if props.get("ManagedPolicyArns"):
        return False  # a managed policy the template cannot read: assume it grants
    docs = [dig(p, "PolicyDocument", "Statement") for p in listify(props.get("Policies"))]
    for pid in t.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        pp = t.props(pid)
        if role in {t.resolve(r) for r in listify(pp.get("Roles"))}:
            docs.append(dig(pp, "PolicyDocument", "Statement"))
    return not any(grants_root(d) for d in docs)


def octal(value):
    try:
        return int(str(value), 8)
    except ValueError:
        return 0


def root_path(p):
    root = p.get("RootDirectory")
    return (text(root.get("Path")) if isinstance(root, dict) else "") or "/"


def creators(t, ap):
    """(uid, gid, mode, text) of each way the access point's root directory may be created:
    EFS applies CreationInfo only when the directory does not exist yet, so access points of
    one file system sharing a path race, and any of their CreationInfo may win."""
    if not ap:
        return [(0, 0, 0o755, "0:0 mode 0755 (the file system's root)", None)]
    p = t.props(ap)
    path = root_path(p)
    out = []
    for other in t.of_type("AWS::EFS::AccessPoint"):
        q = t.props(other)
        if other != ap and (key(q.get("FileSystemId")) != key(p.get("FileSystemId")) or
                            root_path(q) != path):
            continue
        info = q["RootDirectory"].get("CreationInfo") if isinstance(q.get("RootDirectory"), dict) else None
        if isinstance(info, dict):
            o, g, mode = as_int(info.get("OwnerUid")), as_int(info.get("OwnerGid")), octal(info.get("Permissions"))
            shown = f"{o}:{g} mode {info.get('Permissions')}" + (f" (if {other} creates it first)" if other != ap else "")
            out.append((o, g, mode, shown, info))
        else:
            out.append((0, 0, 0o755, "0:0 mode 0755 (no CreationInfo" + (f" on {other})" if other != ap else ")"), None))
    return out


def container_user(t, svc, c):
    """((uid, gid) or None, how it was found) for the user a container runs as."""
    user = lit(c.get("User"))
    image = text(c.get("Image"))
    if user:
        return parse_user(user, image), f"{user}"
    configured = dig(t.source, "ImageConfig", svc.compose_name or "")
    if isinstance(configured, dict):
        u = configured.get("User") or configured.get("user")
        if u:
            return parse_user(str(u), image), f"the image's USER {u}"
    known = image_user(image)
    if known:
        return known[0], f"the image's own user ({known[1]})"
    return (0, 0), "root"
