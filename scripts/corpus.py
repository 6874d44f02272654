#!/usr/bin/env python3
"""Convert every Compose file of a folder with `compose-to-ecs convert` and report.

Per file: converted (resources, cfn-lint errors and warnings) or rejected (the
diagnostics). Fails (exit 1) on a crash (exit status other than 0 or 1, or a panic), a
diagnostic not in the house style, a cfn-lint error in a produced template, or a warning
of the `--verbose` run (every occurrence) whose cause the grouped lines do not show.

Each file is converted as a user would preview it, from its folder: the bare files of the
public corpus have no folder of their own, so the files they refer to are not there
(`... does not exist in the project folder`); `--image-repository` is given so that a
service to build is checked as far as a preview goes (its build context), never built.

With --cfn-check, every converted template is also deployed in the offline emulator
(create, verify, delete); a template that does not deploy fails the run.

Every converted template also goes through the run-time model (scripts/runtime.py, as
`corpus/<file>`): its finding count is in the report, and a finding not listed in
--runtime-known (tests/runtime-known-findings.txt), or a listed one that no longer occurs,
fails the run.

Usage: scripts/corpus.py BINARY CORPUS_DIR [--report docs/corpus.md] [--cfn-lint PATH] [--cfn-check PATH]
                         [--runtime-known tests/runtime-known-findings.txt]
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runtime.cli import check_file, judge  # noqa: E402  (scripts/runtime/, the run-time model)

# `error: <path>: <message>` / `warning: ...`: the message starts lower case or with a
# backtick, and has no trailing period.
STYLE = re.compile(r"^(error|warning): (?:(?P<path>[^ ]+): )?(?P<msg>[a-z`(].*)$")


# A preview computes image tags with it and never pushes.
REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/corpus"

def style_problem(line):
    m = STYLE.match(line)
    if not m:
        return "not in the house style"
    if m.group("msg").endswith("."):
        return "ends with a period"
    if "{:?}" in line or "Some(" in line or "None" in line.split(": ", 1)[-1][:5]:
        return "debug formatting"
    return None


# The details of a warning that src/report/kind.rs folds when it groups occurrences of one
# kind: backticked values, numbers, the product a published port belongs to.
DETAIL = re.compile(r"`[^`]*`|(?<![A-Za-z0-9_])\d+|(?<=publishes ).+?(?= \(port )")
SERVICE = re.compile(r'(?:^|[. ])services\.("(?:[^"\\]|\\.)*"|[^.\[]+)')
# `warning: <path>: <message>` as --verbose prints each occurrence.
OCCURRENCE = re.compile(r"^([^ ]+): (.*)$")
# Totals the report states, read back by scripts/apps.py for the whole count.
WARNINGS_LINE = re.compile(r"`convert` prints \*\*(\d+) warning lines\*\* for the \*\*(\d+) occurrences\*\*")


def warning_lines(stderr):
    """The warning lines a run printed, without `warning: `."""
    return [l[len("warning: "):] for l in stderr.splitlines() if l.startswith("warning: ")]


def lost_causes(every, grouped):
    """The occurrences of a --verbose run (`every`) whose cause the grouped run does not
    show: no grouped line holds both the text of its kind (the message without its
    details) and its service (or its top-level key)."""
    lost = []
    # Braces are how the grouped lines list values (`{a, b}`, `{Redis (port 6379); ...}`).
    grouped = [g.replace("{", "").replace("}", "") for g in grouped]
    for w in every:
        m = OCCURRENCE.match(w)
        path, msg = (m.group(1), m.group(2)) if m else ("", w)
        pieces = [p.replace("{", "").replace("}", "") for p in DETAIL.split(msg) if len(p.strip()) >= 3]
        svc = SERVICE.search(path)
        where = svc.group(1) if svc else re.split(r"[.\[]", path, maxsplit=1)[0]
        where = where.replace("{", "").replace("}", "")
        if not any(where in g and all(p in g for p in pieces) for g in grouped):
            lost.append(w)
    return lost


def reason(line):
    """The rejection reason, without the path and the specific values."""
    msg = line.split(": ", 2)[-1] if line.count(": ") >= 2 else line
    msg = re.sub(r"`[^`]*`", "`…`", msg)
    return msg


def deploy(check, name, template, problems):
    """Deploys a converted template in cfn-check: `deployed`, or `not deployed` (a problem)."""
    proc = subprocess.run([check, "--no-checkov", "--quiet", template], capture_output=True, text=True, timeout=900)
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    try:
        summary = json.loads(lines[-1])
    except (IndexError, ValueError):
        summary = {}
    if summary.get("ok"):
        return "deployed"
    why = summary.get("moto_reason") or summary.get("failed_stages") or (proc.stderr or "no summary")[-300:]
    problems.append(f"{name}: cfn-check: {why}")
    return "not deployed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("corpus")
    ap.add_argument("--report")
    ap.add_argument("--cfn-lint", default=".venv/bin/cfn-lint")
    ap.add_argument("--cfn-check", help="deploy each converted template in ../shared/tools/cfn-check (check-template.sh)")
    ap.add_argument("--runtime-known", help="the run-time model's allow-list (tests/runtime-known-findings.txt)")
    args = ap.parse_args()

    files = sorted(f for f in os.listdir(args.corpus) if f.endswith((".yaml", ".yml")))
    out_dir = tempfile.mkdtemp(prefix="corpus-")
    rows, problems = [], []
    reasons = collections.Counter()
    reason_files = collections.defaultdict(set)
    runtime_findings, runtime_labels = [], []
    warning_counts = [0, 0]  # occurrences (--verbose), printed lines
    for name in files:
        path = os.path.join(args.corpus, name)
        out = os.path.join(out_dir, name + ".json")
        cmd = [args.binary, "convert", path, "-q", "-o", out, "--image-repository", REPOSITORY]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        # Every occurrence (--verbose) against the grouped lines: none may be lost.
        every_cmd = cmd[:]
        every_cmd[every_cmd.index(out)] = out + ".verbose.json"
        every = warning_lines(subprocess.run(every_cmd + ["--verbose"], capture_output=True, text=True, timeout=60).stderr)
        grouped = warning_lines(proc.stderr)
        warning_counts[0] += len(every)
        warning_counts[1] += len(grouped)
        for w in lost_causes(every, grouped)[:3]:
            problems.append(f"{name}: the grouped warnings lost a cause: {w}")
        lines = [l for l in proc.stderr.splitlines() if l.strip()]
        for l in lines:
            p = style_problem(l)
            if p:
                problems.append(f"{name}: {p}: {l}")
        if proc.returncode not in (0, 1) or "panicked" in proc.stderr:
            problems.append(f"{name}: crashed with exit status {proc.returncode}: {proc.stderr[-500:]}")
            rows.append((name, "CRASH", "", ""))
            continue
        errors = [l for l in lines if l.startswith("error:")]
        warnings = [l for l in lines if l.startswith("warning:")]
        if proc.returncode == 0:
            with open(out) as fh:
                resources = len(json.load(fh).get("Resources", {}))
            lint = subprocess.run([args.cfn_lint, "--format", "json", out], capture_output=True, text=True)
            findings = json.loads(lint.stdout or "[]")
            lint_errors = [f for f in findings if f.get("Level") == "Error"]
            lint_warnings = [f for f in findings if f.get("Level") == "Warning"]
            for f in lint_errors:
                problems.append(f"{name}: cfn-lint {f['Rule']['Id']}: {f['Message']}")
            result = "converted"
            if args.cfn_check:
                result = deploy(args.cfn_check, name, out, problems)
            found, _ = check_file(out, f"corpus/{name}", repositories=(REPOSITORY,))
            runtime_findings += found
            runtime_labels.append(f"corpus/{name}")
            rows.append((name, result, f"{resources} resources, cfn-lint {len(lint_errors)} errors / {len(lint_warnings)} warnings, "
                         f"{len(found)} run-time findings", f"{len(warnings)} warnings"))
        else:
            for e in errors:
                r = reason(e)
                reasons[r] += 1
                reason_files[r].add(name)
            rows.append((name, "rejected", f"{len(errors)} errors", "<br>".join(e.replace("|", "\\|") for e in errors[:6]) + (" …" if len(errors) > 6 else "")))

    deployed = sum(1 for r in rows if r[1] == "deployed")
    converted = sum(1 for r in rows if r[1] in ("converted", "deployed", "not deployed"))
    rejected = sum(1 for r in rows if r[1] == "rejected")
    crashed = sum(1 for r in rows if r[1] == "CRASH")
    problems += judge(runtime_findings, runtime_labels, args.runtime_known)
    by_rule = collections.Counter(f[1] for f in runtime_findings)
    runs = sum(1 for r in rows if r[1] == "deployed" and ", 0 run-time findings" in r[2])
    rules = ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items(), key=lambda kv: int(kv[0][1:]))) or "none"
    report = [
        "# Corpus report",
        "",
        f"`scripts/corpus.py` over `../shared/corpus/public/` ({len(files)} real Compose files): "
        f"**{converted} converted**"
        + (f" (**{deployed} of them deploy** in `../shared/tools/cfn-check`)" if args.cfn_check else "")
        + f", **{rejected} rejected** with diagnostics, {crashed} crashed. "
        + ("Every converted template is checked with `cfn-lint` and deployed in the offline emulator; " if args.cfn_check
           else "Every converted template is checked with `cfn-lint`; ")
        + "every diagnostic against the house style. "
        "These are bare files, without the folders they come from: a file they refer to is not there. "
        "The same applications with their folders are under *Real applications* below.",
        "",
        f"Run-time model (`scripts/runtime.py`, [runtime.md](runtime.md)) over the converted templates: "
        f"**{len(runtime_findings)} findings** ({rules}); **{runs} of the {deployed} that deploy have none**: "
        "every name resolves on its port, volumes are writable by the container's user, no two writers "
        "during an update, images pinned to the task's CPU, servers created before their clients.",
        "",
        f"Warnings (issue 25): `convert` prints **{warning_counts[1]} warning lines** for the "
        f"**{warning_counts[0]} occurrences** `--verbose` lists (one line per kind of warning, its "
        "places and details folded in; a family of kinds shares a line); no occurrence's cause is "
        "missing from the grouped lines (the run fails otherwise). The whole count, with the "
        "applications, is under *Warnings by application*.",
        "",
        "Regenerate: `bash scripts/test.sh` (it runs `scripts/corpus.py`, then `scripts/apps.py` for the section *Real applications*).",
        "",
        "## Rejection reasons (the roadmap)",
        "",
        "| errors | files | reason |",
        "|---|---|---|",
    ]
    for r, n in reasons.most_common():
        cell = r.replace("|", "\\|")
        report.append(f"| {n} | {len(reason_files[r])} | {cell} |")
    report += ["", "## Per file", "", "| file | result | details | diagnostics |", "|---|---|---|---|"]
    for name, result, detail, diag in rows:
        report.append(f"| `{name}` | {result} | {detail} | {diag} |")
    text = "\n".join(report) + "\n"
    if args.report:
        # The section written by hand about projects outside the corpus stays.
        old = open(args.report).read() if os.path.exists(args.report) else ""
        kept = kept_section(old)
        with open(args.report, "w") as fh:
            fh.write(text + ("\n" + kept if kept else ""))
    print(f"corpus: {warning_counts[1]} warning lines ({warning_counts[0]} occurrences with --verbose); "
          f"{converted} converted ({deployed} deployed), {rejected} rejected, {crashed} crashed, "
          f"{len(runtime_findings)} run-time findings ({rules}), {len(problems)} problems")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


# A section of the report written by hand, which the report keeps where it is rewritten.
KEPT = "## Projects outside the corpus"


def kept_section(text):
    """The section `KEPT` of `text`, up to the next `## ` heading (empty when absent)."""
    if KEPT not in text:
        return ""
    start = text.index(KEPT)
    end = text.find("\n## ", start + 1)
    block = text[start:] if end == -1 else text[start : end + 1]
    return block.rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.exit(main())
