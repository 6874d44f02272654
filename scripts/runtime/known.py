"""The allow-list of known findings (tests/runtime-known-findings.txt): one
`<file> <rule> <resource>  <reason>` per line, `#` comments. Strict: a listed finding that no
longer occurs (for a file checked in this run) is an error, like tests/deploy-known-gaps.txt."""


def load(path):
    entries = {}
    if not path:
        return entries
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            if len(parts) < 4:
                raise SystemExit(f"{path}:{n}: expected `<file> <rule> <resource> <reason>`")
            entries[tuple(parts[:3])] = parts[3]
    return entries


def prune(path, stale):
    """Rewrites the list without the stale entries (it never adds one: a new finding is fixed,
    or listed by hand with its reason)."""
    gone = set(stale)
    with open(path) as fh:
        lines = fh.readlines()
    keep = [l for l in lines if tuple(l.split(None, 3)[:3]) not in gone]
    with open(path, "w") as fh:
        fh.writelines(keep)


def split(findings, entries, files):
    """(unexpected findings, stale entries) for findings [(file, rule, resource, message)]
    over the files checked in this run."""
    seen = {(f, r, res) for f, r, res, _ in findings}
    unexpected = [f for f in findings if (f[0], f[1], f[2]) not in entries]
    stale = sorted(e for e in entries if e[0] in files and e not in seen)
    return unexpected, stale
