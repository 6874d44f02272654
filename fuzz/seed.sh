#!/usr/bin/env bash
# Writes the fuzz seed corpora (generated, not committed) from the project's own inputs:
#   fuzz/corpus/macro_handler/   events/*.json, and every tests/fixtures/*/input.yaml and
#                                examples/*.yaml as the macro event CloudFormation would send
#   fuzz/corpus/compose_loader/  the Compose document of each of those, plus the real-world
#                                corpus (../shared/corpus/public) when it is there
# libFuzzer adds what it finds to the same folders; run this again to restore the seeds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(cd .. && pwd)"
shared="${SHARED_DIR:-$root/../shared}"
corpus=()
if [ -d "$shared/corpus/public" ]; then
    corpus=("$shared/corpus/public")
fi
cargo +nightly run --quiet --release --example seed -- \
    corpus "$root/tests/fixtures" "$root/events" "$root/examples" "${corpus[@]}"

# A libFuzzer dictionary: every Compose key of the support table, and the YAML and
# interpolation tokens the loader gives meaning to.
{
    grep '^| `' "$root/docs/compose-support.md" | cut -d'`' -f2 | tr '.' '\n' \
        | grep -v -e '^\*$' -e '^\[\]$' | sed 's/\[\]$//'
    printf '%s\n' '<<' '&a' '*a' '!reset' '!override' '!Ref' '!Sub' '!GetAtt' '${' '$$' \
        ':-' ':?' ':+' 'Fn::Sub' 'Ref' 'ComposeToECS::Project' 'Resources' 'Properties' \
        'Compose' 'fragment' 'requestId' 'templateParameterValues' 'params' 'Profiles' \
        'Variables' 'ProjectName' 'Vpc' 'Subnets' 'Cluster' 'LoadBalancer' 'NoEcho' \
        'Parameters' '80:80' '443:8443/udp' 'host' 'ingress' '0.5' '512M' '1m30s'
} | sort -u | sed 's/\\/\\\\/g; s/"/\\"/g; s/.*/"&"/' > compose.dict
echo "$(wc -l < compose.dict) entries in fuzz/compose.dict"
