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

The report replaces the section `## Real applications` of the report file (docs/corpus.md,
where scripts/corpus.py writes the rest first). Fails (exit 1) on a crash, a diagnostic not
in the house style, or fewer deployed applications than --min-deployed (default: the
MIN_DEPLOYED variable below, or $APPS_MIN_DEPLOYED).

Usage: scripts/apps.py BINARY APPS_DIR [--report docs/corpus.md] [--cfn-lint PATH]
                       [--cfn-check PATH] [--min-deployed N]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import style_problem  # noqa: E402

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
    packaged = os.path.join(work, "packaged.yaml")
    params_file = os.path.join(work, "params.json")
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    proc = run([args.binary, "package", template, "-o", packaged, "--parameters-out", params_file,
                "--image-repository", REPOSITORY], env=env)
    verdict = answered(proc, name, "package", "by `package`", problems)
    if verdict:
        return verdict
    with open(params_file) as fh:
        params = [f"{p['ParameterKey']}={p['ParameterValue']}" for p in json.load(fh)]
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
    detail = f"{summary.get('resources')} resources, {builds} image builds, {len(params)} secret parameters"
    if summary.get("ok"):
        return "deployed", detail, []
    reason = summary.get("moto_reason") or summary.get("lint_rules") or summary.get("static_ids") or ""
    return "failed", f"cfn-check {summary.get('failed_stages')}: {cell(str(reason))[:400]}", []


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
    args = ap.parse_args()
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
        f"The run fails below {args.min_deployed} deployed.",
        "",
        "| application | result | details | diagnostics |",
        "|---|---|---|---|",
    ]
    for name, result, detail, diags in rows:
        errors = [d for d in diags if d.startswith("error:")]
        shown = "<br>".join(cell(e) for e in errors[:6]) + (" …" if len(errors) > 6 else "")
        lines.append(f"| `{name}` | {result} | {cell(detail)} | {shown} |")
    section = "\n".join(lines) + "\n"
    if args.report:
        text = open(args.report).read() if os.path.exists(args.report) else "# Corpus report\n"
        if SECTION in text:
            text = text[: text.index(SECTION)].rstrip("\n") + "\n"
        with open(args.report, "w") as fh:
            fh.write(text.rstrip("\n") + "\n\n" + section)
    print(f"apps: {count['deployed']} deployed, {count['refused']} refused, {count['failed']} failed, "
          f"{len(problems)} problems (at least {args.min_deployed} must deploy)")
    for p in problems:
        print("  " + p)
    if problems or count["deployed"] < args.min_deployed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
