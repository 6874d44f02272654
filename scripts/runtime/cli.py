"""`python3 scripts/runtime.py [--known FILE [--prune-known]] [--source JSON] [--package-repository URI] TEMPLATE[@LABEL]...`
prints `<file>: <rule> <resource>: <message>` per finding and exits 1 on a finding not in the
known list or a known entry that no longer occurs; `--self-test` runs tests/runtime/."""
import argparse
import json
import os
import sys

from . import RULES, check, known
from .cfn import dig

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_json(path):
    with open(path) as fh:
        return json.load(fh)


def package_of(source_doc):
    """The `Package` mapping of the first ComposeToECS::Project in a packaged template."""
    res = source_doc.get("Resources") if isinstance(source_doc, dict) else None
    for r in (res.values() if isinstance(res, dict) else []):
        if isinstance(r, dict) and r.get("Type") == "ComposeToECS::Project":
            pkg = dig(r, "Properties", "Package")
            return pkg if isinstance(pkg, dict) else {}
    return {}


def check_file(path, label=None, source=None, repositories=()):
    """[(label, rule, resource, message)], [unknown services] for one template file."""
    label = label or os.path.relpath(path, ROOT)
    found, unknown = check(load_json(path), source, repositories)
    return [(label, r, res, msg) for r, res, msg in found], unknown


def judge(findings, labels, known_path):
    """Problems for a run: findings not in the known list, and known entries (for the files
    of this run) that no longer occur."""
    unexpected, stale = known.split(findings, known.load(known_path), set(labels))
    return ([f"run-time {line(f)}" for f in unexpected] +
            [f"{e[0]}: {e[1]} {e[2]}: listed in {known_path} but no longer found: remove the entry" for e in stale])


def line(f):
    return f"{f[0]}: {f[1]} {f[2]}: {f[3]}"


def self_test():
    base = os.path.join(ROOT, "tests", "runtime")
    failures, covered = [], {}
    for case in sorted(os.listdir(base)):
        folder = os.path.join(base, case)
        src = os.path.join(folder, "source.json")
        source = package_of(load_json(src)) if os.path.exists(src) else None
        repos = tuple(l.strip() for l in open(os.path.join(folder, "repositories.txt"))) if os.path.exists(os.path.join(folder, "repositories.txt")) else ()
        found, _ = check_file(os.path.join(folder, "template.json"), "template.json", source, repos)
        got = [line(f) for f in found]
        want = [l for l in open(os.path.join(folder, "expected.txt")).read().splitlines() if l.strip()]
        rule = case.split("_")[0].upper()
        covered.setdefault(rule, set()).add("good" if not want else "bad")
        if got != want:
            failures.append(f"{case}:\n  expected:\n    " + "\n    ".join(want or ["(nothing)"]) + "\n  got:\n    " + "\n    ".join(got or ["(nothing)"]))
    for rule in RULES:
        missing = {"good", "bad"} - covered.get(rule, set())
        if missing:
            failures.append(f"{rule}: no {' and no '.join(sorted(missing))} case in tests/runtime/")
    for f in failures:
        print("self-test: " + f)
    print(f"self-test: {sum(1 for _ in os.listdir(base))} cases, {len(failures)} failures")
    return 1 if failures else 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="runtime.py", description=__doc__)
    ap.add_argument("templates", nargs="*", help="expanded template (JSON), optionally PATH@LABEL")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--known", help="allow-list of known findings (tests/runtime-known-findings.txt)")
    ap.add_argument("--source", help="the packaged template (JSON) the templates came from: Package.Images/ImageConfig")
    ap.add_argument("--package-repository", action="append", default=[], help="images under it were pushed by package")
    ap.add_argument("--prune-known", action="store_true", help="remove from --known the entries that no longer occur")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    source = package_of(load_json(args.source)) if args.source else None
    findings, unknown, labels = [], 0, set()
    for arg in args.templates:
        path, _, label = arg.partition("@")
        f, u = check_file(path, label or None, source, tuple(args.package_repository))
        labels.add(label or os.path.relpath(path, ROOT))
        findings += f
        unknown += len(u)
    entries = known.load(args.known)
    unexpected, stale = known.split(findings, entries, labels)
    for f in findings:
        print(line(f) + ("  (known)" if f not in unexpected else ""))
    if args.prune_known and args.known and stale:
        known.prune(args.known, stale)
        print(f"removed {len(stale)} entries that no longer occur from {args.known}", file=sys.stderr)
        stale = []
    for e in stale:
        print(f"{e[0]}: {e[1]} {e[2]}: listed in {args.known} but no longer found: remove the entry "
              "(--prune-known does)")
    print(f"runtime: {len(args.templates)} templates, {len(findings)} findings ({len(findings) - len(unexpected)} known), "
          f"{len(stale)} stale known entries, {unknown} services whose image pulls cannot be judged", file=sys.stderr)
    return 1 if unexpected or stale else 0
