#!/usr/bin/env bash
# Deploys templates in the offline CloudFormation emulator (../shared/tools/cfn-check)
# through the macro path: the emulator calls `compose-to-ecs macro` as CloudFormation
# calls the Lambda. Fails unless each template reports "ok": true.
#
# Known emulator gaps, reported but not counted as passes: a template listed in
# tests/deploy-known-gaps.txt (`file<TAB>stage<TAB>message substring<TAB>why`) may fail
# exactly that stage with exactly that message; it is printed as KNOWN GAP, never as ok,
# and any other failure of it fails the run. The list is a strict expected failure: a
# listed template that passes fails the run (remove its entry), and so does an entry
# naming a file that does not exist, so the list cannot go stale. Templates under
# examples/ have no known gaps: each must report "ok": true.
# Usage: scripts/deploy-check.sh BINARY TEMPLATE...
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shared="${SHARED_DIR:-$PWD/../shared}"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
gaps_file=tests/deploy-known-gaps.txt
status=0
# An entry for a template that is gone, or that is malformed, is stale.
while IFS= read -r line; do
    case "$line" in ''|\#*) continue ;; esac
    IFS=$'\t' read -r gap_file gap_stage gap_message gap_why <<<"$line"
    if [ -z "$gap_why" ] || [ ! -f "$gap_file" ]; then
        echo "   deploy-check: FAIL stale or malformed entry in $gaps_file: $line"
        status=1
    fi
done <"$gaps_file"
for t in "$@"; do
    full="$("$shared/tools/cfn-check/check-template.sh" --no-checkov \
        --macro "ComposeToECS=$bin macro" "$t" 2>&1)" || true
    line="$(printf '%s\n' "$full" | tail -n 1)"
    delete_line="$(printf '%s\n' "$full" | grep -m1 '^delete: ' || true)"
    verdict="$(python3 - "$t" "$line" "$delete_line" <<'PY'
import json, sys
t, line, delete_line = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    d = json.loads(line)
except Exception:
    print("FAIL no summary from cfn-check"); sys.exit()
gaps = [l.rstrip("\n").split("\t") for l in open("tests/deploy-known-gaps.txt") if l.strip() and not l.startswith("#")]
if d.get("ok"):
    listed = [g for g in gaps if g[0] == t]
    if listed:
        # A strict expected failure: the emulator no longer fails it, so the entry is stale.
        print(f"FAIL listed as a known gap ({listed[0][1]}: {listed[0][2]}) but passes: remove its entry from tests/deploy-known-gaps.txt"); sys.exit()
    print(f"ok ({d.get('resources')} resources, lint warnings {d.get('lint_warnings')})"); sys.exit()
reason = " ".join([str(d.get("moto_reason") or ""), delete_line])
for g in gaps:
    if g[0] == t and not t.startswith("examples/") and d.get("failed_stages") == [g[1]] and g[2] in reason:
        print(f"KNOWN GAP {g[1]}: {g[2]} ({g[3]})"); sys.exit()
print(f"FAIL {d.get('failed_stages')} {reason} lint_rules={d.get('lint_rules')}")
PY
)"
    echo "   deploy-check $t: $verdict"
    case "$verdict" in ok*|KNOWN\ GAP*) ;; *) status=1 ;; esac
done
exit $status
