#!/usr/bin/env bash
# Runs the README's set-up commands verbatim: the command lines of the first ```sh block
# under "## Set up" in README.md, taken from the README itself so that they cannot drift
# from what is tested. There must be exactly two.
#   --list   print the commands, one per line, and run nothing
# Run by scripts/test.sh (which is itself the second command: inside it, that command is
# the run in progress and is not started again).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mapfile -t commands < <(awk '
    /^## / { in_setup = ($0 == "## Set up") }
    in_setup && /^```sh$/ && !done { in_block = 1; next }
    in_block && /^```$/ { in_block = 0; done = 1; next }
    in_block && $0 !~ /^[[:space:]]*(#|$)/ { print }
' README.md)

if [ "${#commands[@]}" -ne 2 ]; then
    echo "README.md: expected exactly two set-up commands under \"## Set up\", found ${#commands[@]}" >&2
    exit 1
fi
if [ "${1:-}" = "--list" ]; then
    printf '%s\n' "${commands[@]}"
    exit 0
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for i in "${!commands[@]}"; do
    c="${commands[$i]}"
    if [ "$c" = "bash scripts/test.sh" ] && [ -n "${COMPOSE_TO_ECS_IN_TEST:-}" ]; then
        echo "   README command $((i + 1)): \`$c\`: the run in progress"
        continue
    fi
    if ! bash -c "$c" >"$out/stdout" 2>"$out/stderr"; then
        echo "README command $((i + 1)) failed: $c" >&2
        tail -n 20 "$out/stderr" >&2
        exit 1
    fi
    echo "   README command $((i + 1)): \`$c\`: ok ($(wc -c <"$out/stdout") bytes on stdout)"
done
