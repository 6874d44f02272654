#!/usr/bin/env python3
"""Package and deploy every application of a folder of whole projects (../shared/corpus/apps).

Per application folder: a small template with `ComposeFile: <its Compose file>` is written
in a temporary folder; `compose-to-ecs package` runs on it with a stub `docker` on PATH
(it records its arguments and succeeds: no Docker engine here), `--image-repository` and
`--parameters-out`; the packaged template is expanded with the secret parameters from the
parameters file, linted with cfn-lint, and deployed in the offline CloudFormation emulator
(../shared/tools/cfn-check) through the macro path. Each folder ends as:

  deployed  packaged, expanded, no cfn-lint error, cfn-check "ok": true
  refused   `package` or the macro answered with diagnostics (listed)
  failed    a crash, a cfn-lint error, or a cfn-check stage that failed (why)

The expanded template then goes through the run-time model (scripts/runtime.py, as
`apps/<folder>`, with the packaged template's `Package` as its source): the finding count is
in the report next to the deploy result, and a finding not listed in --runtime-known
(tests/runtime-known-findings.txt), or a listed one that no longer occurs, fails the run.

The report replaces the section `## Real applications` of the report file (docs/corpus.md,
where scripts/corpus.py writes the rest first). Fails (exit 1) on a crash, a diagnostic not
in the house style, fewer deployed applications than --min-deployed (default: the
MIN_DEPLOYED variable below, or $APPS_MIN_DEPLOYED), a warning of the `--verbose` run whose
cause the grouped lines do not show, or (issue 25) more printed warning lines than half the
occurrences `--verbose` lists, over the applications and the public corpus together (the
corpus's count read from the report scripts/corpus.py wrote).

Usage: scripts/apps.py BINARY APPS_DIR [--report docs/corpus.md] [--cfn-lint PATH]
                       [--cfn-check PATH] [--min-deployed N] [--runtime-known FILE]
"""
import argparse
import json
import re
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import WARNINGS_LINE, kept_section, lost_causes, style_problem, warning_lines  # noqa: E402
from runtime.cli import check_file, judge, load_json, package_of  # noqa: E402

# The fewest applications that must deploy: what deploys today (16 of 21; the other five
# need what ECS cannot give a Fargate task: host networking, the Docker socket, kernel
# capabilities, or a 1.8 MB file in the template). Raise it when more deploy.
MIN_DEPLOYED = int(os.environ.get("APPS_MIN_DEPLOYED", "16"))

REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/apps"
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
SECTION = "## Real applications"

STUB_DOCKER = """#!/bin/sh
# A stand-in for docker that answers as docker does (docs.docker.com): records the
# invocation and reads a Dockerfile given on stdin; `build` remembers its --platform,
# `image inspect` prints the JSON list docker prints for an image of that architecture,
# `push` prints the line `<tag>: digest: sha256:<64 hex> size: <n>`. It invents no exposed
# port nor user (docker omits `ExposedPorts` when a Dockerfile has no EXPOSE).
dir=$(dirname "$0")
printf '%s\\n' "docker $*" >> "$dir/docker.log"
case " $* " in *" -f - "*) cat > /dev/null ;; esac
hash() { printf '%s' "$1" | sha256sum | cut -c1-64; }
case "$1" in
  build)
    prev=""
    for a in "$@"; do
      if [ "$prev" = "--platform" ]; then echo "$a" > "$dir/platform"; fi
      prev="$a"
    done
    echo "stub docker: build" ;;
  image)
    arch=$(sed 's,^linux/,,' "$dir/platform" 2>/dev/null || echo amd64)
    printf '[{"Id":"sha256:%s","RepoTags":["%s"],"RepoDigests":[],"Architecture":"%s","Os":"linux","Config":{"User":"","Env":["PATH=/usr/bin"]}}]\\n' "$(hash "$3")" "$3" "$arch" ;;
  push)
    echo "The push refers to repository [${2%:*}]"
    echo "5f70bf18a086: Pushed"
    echo "${2##*:}: digest: sha256:$(hash "${2##*-}") size: 1570" ;;
  *) echo "stub docker: $1" ;;
esac
"""


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def run(cmd, env=None, timeout=900):
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def answered(proc, name, step, refused_by, problems):
    """Checks a step's diagnostics against the house style; the app's verdict when the
    step crashed or refused, else None."""
    diags = [l for l in proc.stderr.splitlines() if l.startswith(("error:", "warning:"))]
    for l in diags:
        p = style_problem(l)
        if p:
            problems.append(f"{name}: {p}: {l}")
    if proc.returncode not in (0, 1) or "panicked" in proc.stderr:
        problems.append(f"{name}: {step} crashed with exit status {proc.returncode}")
        return "failed", f"`{step}` crashed (exit status {proc.returncode})", diags
    if proc.returncode == 1:
        return "refused", refused_by, [l for l in diags if l.startswith("error:")]
    return None


def runtime(args, name, packaged, expanded):
    """The run-time model's findings for an expanded application, labelled `apps/<name>`."""
    found, _ = check_file(expanded, f"apps/{name}", package_of(load_json(packaged)), (REPOSITORY,))
    args.runtime_findings += found
    args.runtime_labels.append(f"apps/{name}")
    return found


def warnings_compared(args, name, cmd, env, grouped, problems):
    """Runs `cmd` again with `--verbose` (every occurrence) and compares it with the grouped
    run: no occurrence's cause may be missing from the grouped lines. Records both counts
    and the grouped lines."""
    verbose = run(cmd + ["--verbose"], env=env)
    every, shown = warning_lines(verbose.stderr), warning_lines(grouped.stderr)
    for w in lost_causes(every, shown)[:3]:
        problems.append(f"{name}: the grouped warnings lost a cause: {w}")
    args.warning_counts[name] = (len(every), len(shown))
    args.app_warnings[name] = shown


def credential_sources(packaged):
    """How many `NoEcho` parameters `package` made for credentials, by where it found them:
    `.env` and env files, or literals in the Compose file (from each parameter's
    Description, which names the source)."""
    import re
    with open(packaged) as fh:
        text = fh.read()
    found = {"env": 0, "compose": 0}
    for desc in re.findall(r"a credential from (.*?) \(written by compose-to-ecs package", text):
        found["compose" if desc.startswith("the Compose file") else "env"] += 1
    return found


def one_app(args, name, folder, work, problems):
    """(result, details, diagnostics lines) for one application folder."""
    compose = next((c for c in COMPOSE_NAMES if os.path.isfile(os.path.join(folder, c))), None)
    if compose is None:
        return "failed", "no Compose file in the folder", []
    os.makedirs(work)
    bin_dir = os.path.join(work, "bin")
    os.makedirs(bin_dir)
    stub = os.path.join(bin_dir, "docker")
    with open(stub, "w") as fh:
        fh.write(STUB_DOCKER)
    os.chmod(stub, 0o755)
    project = "".join(c for c in name.lower() if c.isalnum() or c in "-_")
    template = os.path.join(work, "template.yaml")
    with open(template, "w") as fh:
        fh.write(
            'AWSTemplateFormatVersion: "2010-09-09"\n'
            "Transform: ComposeToECS\n"
            "Resources:\n"
            "  App:\n"
            "    Type: ComposeToECS::Project\n"
            "    Properties:\n"
            f"      ComposeFile: {os.path.relpath(os.path.join(folder, compose), work)}\n"
            f"      ProjectName: {project}\n"
        )
    packaged = os.path.join(work, "packaged.json")  # JSON: the run-time model reads its `Package`
    params_file = os.path.join(work, "params.json")
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    # The template sits in the work folder, the application elsewhere: the package step
    # reads only the template's folder unless told (`--allow-outside`).
    cmd = [args.binary, "package", template, "-o", packaged, "--parameters-out", params_file,
           "--image-repository", REPOSITORY, "--allow-outside", folder]
    proc = run(cmd, env=env)
    verdict = answered(proc, name, "package", "by `package`", problems)
    if verdict:
        return verdict
    # The same step once more, every occurrence printed: `package` already ran the macro's
    # checks on its result, so these are all the warnings a user sees.
    again = os.path.join(work, "again")
    os.makedirs(again)
    verbose_cmd = cmd[:]
    verbose_cmd[verbose_cmd.index(packaged)] = os.path.join(again, "packaged.json")
    verbose_cmd[verbose_cmd.index(params_file)] = os.path.join(again, "params.json")
    warnings_compared(args, name, verbose_cmd, env, proc, problems)
    with open(params_file) as fh:
        params = [f"{p['ParameterKey']}={p['ParameterValue']}" for p in json.load(fh)]
    credentials = credential_sources(packaged)
    param_args = [a for p in params for a in ("--param", p)]
    builds = 0
    log = os.path.join(bin_dir, "docker.log")
    if os.path.exists(log):
        with open(log) as fh:
            builds = sum(1 for l in fh if l.startswith("docker build "))
    expanded = os.path.join(work, "expanded.json")
    proc = run([args.binary, "expand", packaged, "-o", expanded] + param_args)
    verdict = answered(proc, name, "expand", "by the macro", problems)
    if verdict:
        return verdict
    found = runtime(args, name, packaged, expanded)
    lint = run([args.cfn_lint, "--format", "json", expanded])
    findings = json.loads(lint.stdout or "[]")
    lint_errors = [f for f in findings if f.get("Level") == "Error"]
    if lint_errors:
        return "failed", "cfn-lint: " + "; ".join(f"{f['Rule']['Id']} {f['Message']}" for f in lint_errors[:3]), []
    check = run([args.cfn_check, "--no-checkov", "--macro", f"ComposeToECS={args.binary} macro", packaged]
                + param_args)
    lines = [l for l in check.stdout.splitlines() if l.strip()]
    try:
        summary = json.loads(lines[-1])
    except (IndexError, ValueError):
        return "failed", "cfn-check printed no summary: " + cell((check.stderr or check.stdout)[-300:]), []
    detail = (f"{summary.get('resources')} resources, {builds} image builds, {len(params)} secret parameters"
              f" ({credentials['env']} credentials from env files, {credentials['compose']} from the Compose file), "
              f"{len(found)} run-time findings")
    if summary.get("ok"):
        return "deployed", detail, []
    reason = summary.get("moto_reason") or summary.get("lint_rules") or summary.get("static_ids") or ""
    return "failed", f"{len(found)} run-time findings; cfn-check {summary.get('failed_stages')}: {cell(str(reason))[:400]}", []


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("apps")
    ap.add_argument("--report")
    ap.add_argument("--cfn-lint", default=".venv/bin/cfn-lint")
    ap.add_argument("--cfn-check", default=os.path.join(here, "..", "..", "shared", "tools", "cfn-check",
                                                        "check-template.sh"))
    ap.add_argument("--min-deployed", type=int, default=MIN_DEPLOYED)
    ap.add_argument("--runtime-known", help="the run-time model's allow-list (tests/runtime-known-findings.txt)")
    args = ap.parse_args()
    args.runtime_findings, args.runtime_labels = [], []
    args.warning_counts, args.app_warnings = {}, {}
    args.binary = os.path.abspath(args.binary)

    names = sorted(d for d in os.listdir(args.apps) if os.path.isdir(os.path.join(args.apps, d)))
    root = tempfile.mkdtemp(prefix="apps-")
    rows, problems = [], []
    for name in names:
        result, detail, diags = one_app(args, name, os.path.abspath(os.path.join(args.apps, name)),
                                        os.path.join(root, name), problems)
        rows.append((name, result, detail, diags))
        print(f"   {name}: {result} ({detail})", flush=True)
        for d in diags:
            if d.startswith("error:"):
                print(f"      {d}")

    count = {k: sum(1 for r in rows if r[1] == k) for k in ("deployed", "refused", "failed")}
    problems += judge(args.runtime_findings, args.runtime_labels, args.runtime_known)
    by_rule = {}
    for f in args.runtime_findings:
        by_rule[f[1]] = by_rule.get(f[1], 0) + 1
    rules = ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items(), key=lambda kv: int(kv[0][1:]))) or "none"
    clean = sum(1 for r in rows if r[1] == "deployed" and ", 0 run-time findings" in r[2])
    import re
    from_env = sum(int(m.group(1)) for r in rows if r[1] == "deployed"
                   for m in [re.search(r"\((\d+) credentials from env files", r[2])] if m)
    from_compose = sum(int(m.group(1)) for r in rows if r[1] == "deployed"
                       for m in [re.search(r", (\d+) from the Compose file\)", r[2])] if m)
    lines = [
        SECTION,
        "",
        f"`scripts/apps.py` over `../shared/corpus/apps/` ({len(names)} applications, whole folders): "
        f"**{count['deployed']} deployed**, **{count['refused']} refused** with diagnostics, "
        f"{count['failed']} failed. Each folder gets a template with `ComposeFile:`; "
        "`compose-to-ecs package` runs with a stub `docker` (it records the builds and pushes, "
        f"no image is built), `--image-repository {REPOSITORY}` and `--parameters-out`; the "
        "packaged template is expanded, linted with cfn-lint, and deployed through the macro path "
        "in `../shared/tools/cfn-check` with the secret parameters from the parameters file. "
        f"The run fails below {args.min_deployed} deployed. "
        f"The run-time model (`scripts/runtime.py`, [runtime.md](runtime.md)) over the expanded templates: "
        f"**{len(args.runtime_findings)} findings** ({rules}); **{clean} deployed applications have none**.",
        "",
        f"Credentials (issue 21): in the deployed applications, {from_env} credentials found in "
        f"`.env` and env files and {from_compose} literal credentials of the Compose files' "
        "`environment` arrive as secrets: `package` made each a `NoEcho` parameter (its value only "
        "in the parameters file), delivered to the container from a created secret.",
        "",
        "| application | result | details | diagnostics |",
        "|---|---|---|---|",
    ]
    for name, result, detail, diags in rows:
        errors = [d for d in diags if d.startswith("error:")]
        shown = "<br>".join(cell(e) for e in errors[:6]) + (" …" if len(errors) > 6 else "")
        lines.append(f"| `{name}` | {result} | {cell(detail)} | {shown} |")
    every = sum(v[0] for v in args.warning_counts.values())
    grouped = sum(v[1] for v in args.warning_counts.values())
    # The whole count (issue 25): the public corpus's, as scripts/corpus.py wrote it into the
    # report, and the applications'; the printed lines must be at most half the occurrences.
    corpus_counts = None
    if args.report and os.path.exists(args.report):
        m = WARNINGS_LINE.search(open(args.report).read().split(SECTION)[0])
        if m:
            corpus_counts = (int(m.group(2)), int(m.group(1)))
        else:
            problems.append("the report has no warning count of scripts/corpus.py: run it first")
    whole = ""
    if corpus_counts:
        all_every, all_grouped = every + corpus_counts[0], grouped + corpus_counts[1]
        whole = (f" With the public corpus ({corpus_counts[1]} lines for {corpus_counts[0]} occurrences): "
                 f"**{all_grouped} printed warning lines for {all_every} occurrences**, "
                 f"{100 * all_grouped // max(all_every, 1)}% (the run fails above half).")
        if 2 * all_grouped > all_every:
            problems.append(f"{all_grouped} warning lines printed for {all_every} occurrences: more than half")
    lines += [
        "",
        "### Warnings by application",
        "",
        f"What `package` prints for each application that packages (issue 25): one line per kind of "
        f"warning, its places and details folded in (a family of kinds, such as keys ignored or "
        f"where data lives, shares a line), run-time risks first. **{grouped} lines** for the "
        f"{every} occurrences `--verbose` lists; no occurrence's cause is missing from the grouped "
        f"lines (the run fails otherwise).{whole}",
        "",
    ]
    for name in sorted(args.app_warnings):
        shown = args.app_warnings[name]
        lines.append(f"- `{name}` ({len(shown)}): " + ("none" if not shown else ""))
        lines += [f"  - {w}" for w in shown]
    section = "\n".join(lines) + "\n"
    if args.report:
        text = open(args.report).read() if os.path.exists(args.report) else "# Corpus report\n"
        # The section about projects outside the corpus, written by hand, stays last.
        kept = kept_section(text)
        if kept:
            text = text.replace(kept.rstrip("\n"), "").rstrip("\n") + "\n"
        if SECTION in text:
            text = text[: text.index(SECTION)].rstrip("\n") + "\n"
        with open(args.report, "w") as fh:
            fh.write(text.rstrip("\n") + "\n\n" + section + ("\n" + kept if kept else ""))
    every = sum(v[0] for v in args.warning_counts.values())
    grouped = sum(v[1] for v in args.warning_counts.values())
    print(f"apps: {grouped} warning lines ({every} occurrences with --verbose); "
          f"{count['deployed']} deployed, {count['refused']} refused, {count['failed']} failed, "
          f"{len(args.runtime_findings)} run-time findings ({rules}), {clean} deployed without any, "
          f"{len(problems)} problems (at least {args.min_deployed} must deploy)")
    for p in problems:
        print("  " + p)
    if problems or count["deployed"] < args.min_deployed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
