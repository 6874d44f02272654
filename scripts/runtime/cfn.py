"""The template as an ECS engineer reads it: resources, references, services and their
tasks, networks and security groups. Pure functions over the parsed JSON; no AWS calls."""
import re

HELPER_SUFFIXES = ("_Secrets_InitContainer", "_Seed_InitContainer")


def ref_id(value):
    """The logical ID a `Ref`/`Fn::GetAtt` names, else None."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value and isinstance(value["Ref"], str):
            return value["Ref"]
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and isinstance(att[0], str):
            return att[0]
        if isinstance(att, str):
            return att.split(".")[0]
    return None


def key(value):
    """A comparable form of a value: the logical ID it references, or its literal text."""
    rid = ref_id(value)
    if rid is not None:
        return "#" + rid
    return value if isinstance(value, str) else repr(value)


def text(value):
    """The literal text a value is known to contain (`Fn::Sub` templates and `Fn::Join`
    literal parts kept; references become empty)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Fn::Sub":
            return arg if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg and isinstance(arg[0], str) else "")
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            sep = arg[0] if isinstance(arg[0], str) else ""
            return sep.join(text(p) for p in arg[1])
    return ""


def dig(value, *keys):
    """value[k1][k2]... through mappings only, else None."""
    for k in keys:
        value = value.get(k) if isinstance(value, dict) else None
    return value


def lit(value):
    """A literal string, else None (an intrinsic function is not literal)."""
    return value if isinstance(value, str) else None


def as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def listify(value):
    return value if isinstance(value, list) else ([] if value is None else [value])


SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def referenced_ids(value, out):
    """Every logical ID a value refers to (Ref, GetAtt, ${X} in Fn::Sub)."""
    if isinstance(value, dict):
        rid = ref_id(value)
        if rid is not None:
            out.add(rid)
        sub = value.get("Fn::Sub")
        if sub is not None:
            for s in listify(sub)[:1]:
                if isinstance(s, str):
                    out.update(SUB_REF.findall(s))
        for v in value.values():
            referenced_ids(v, out)
    elif isinstance(value, list):
        for v in value:
            referenced_ids(v, out)
    return out


class Template:
    def __init__(self, doc, source=None):
        self.doc = doc if isinstance(doc, dict) else {}
        res = self.doc.get("Resources")
        self.resources = res if isinstance(res, dict) else {}
        self.source = source or {}
        self._deps = {}
        self._closure = {}

    def props(self, rid):
        r = self.resources.get(rid)
        p = r.get("Properties") if isinstance(r, dict) else None
        return p if isinstance(p, dict) else {}

    def type_of(self, rid):
        r = self.resources.get(rid)
        return r.get("Type") if isinstance(r, dict) else None

    def of_type(self, *types):
        return [rid for rid, r in sorted(self.resources.items(), key=lambda kv: kv[0]) if isinstance(r, dict) and r.get("Type") in types]

    def resolve(self, value, *types):
        """The logical ID of a resource of one of `types` that `value` references, else None."""
        rid = ref_id(value)
        if rid in self.resources and (not types or self.type_of(rid) in types):
            return rid
        return None

    def warnings(self):
        meta = self.doc.get("Metadata")
        w = dig(meta, "ComposeToECS", "Warnings")
        return [x for x in w if isinstance(x, str)] if isinstance(w, list) else []

    def warned(self, service, *words):
        """Whether a warning about the Compose service (`services.<name>...`) holds every word:
        where the template cannot decide, the converter's warning tells the user."""
        prefix = f"services.{service}"
        return bool(service) and any(w.startswith((prefix + ".", prefix + ":")) and all(x in w for x in words)
                                     for w in self.warnings())

    def deps(self, rid):
        """Resources `rid` is created after directly: DependsOn and references."""
        if rid not in self._deps:
            r = self.resources.get(rid) or {}
            out = {d for d in (listify(r.get("DependsOn")) if isinstance(r, dict) else []) if isinstance(d, str)}
            referenced_ids(r.get("Properties") if isinstance(r, dict) else None, out)
            self._deps[rid] = {d for d in out if isinstance(d, str) and d in self.resources and d != rid}
        return self._deps[rid]

    def created_after(self, rid, other):
        """Whether CloudFormation creates `rid` only after `other` exists (transitively)."""
        if rid not in self._closure:
            seen, stack = set(), [rid]
            while stack:
                for d in self.deps(stack.pop()):
                    if d not in seen:
                        seen.add(d)
                        stack.append(d)
            self._closure[rid] = seen
        return other in self._closure[rid]
