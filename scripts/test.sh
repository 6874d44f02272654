#!/usr/bin/env bash
# Every test, from a fresh clone: installs what it needs (pinned Python tools into .venv,
# the cfn-check emulator's environments under ~/.cache/cfn-check), then runs
#   1. cargo test: unit, property, golden fixtures (tests/fixtures), schema coverage, docs,
#      and `up`/`down`/`ps`/`logs` against a local moto server (tests/up.rs); then that the
#      Lambda's package compiles no AWS SDK crate
#   2. cfn-lint over every expected template of the fixtures (any error fails); the run-time
#      model (scripts/runtime.py): its self-test, then every fixture's expected.json
#   3. the examples: expand each with the CLI, cfn-lint it, run the run-time model over it,
#      and deploy it in the offline CloudFormation emulator through the macro path
#      (`compose-to-ecs macro`)
#   4. the README's set-up commands, taken from the README verbatim (scripts/readme-setup.sh;
#      the second is this script itself)
#   5. sam validate --lint on the macro's own template.yaml
#   6. the real-world corpus (../shared/corpus/public): no crash, house-style diagnostics,
#      every produced template lint-clean, deployed in cfn-check and through the run-time
#      model; the report goes to docs/corpus.md
#   7. the real applications (../shared/corpus/apps, whole folders): `compose-to-ecs package`
#      with a stub docker, then cfn-lint, the run-time model and the emulator through the
#      macro path; their
#      section of docs/corpus.md (fails below the threshold set in scripts/apps.py)
# Run-time findings fail every step that checks them, except the entries of
# tests/runtime-known-findings.txt (strict: a listed finding that no longer occurs fails too).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
shared="${SHARED_DIR:-$root/../shared}"

echo "== tools"
bash scripts/tools-venv.sh
export PATH="$root/.venv/bin:$PATH"

echo "== cargo test"
# --workspace: the Lambda's package (lambda/) too. tests/up.rs starts .venv/bin/moto_server.
cargo test --workspace --all-targets

echo "== the Lambda is built without the AWS SDK"
# The CLI's AWS commands are behind the root package's default feature `aws`; the Lambda's
# package turns it off, so its dependency tree (what `sam build` compiles) has no aws- crate.
if cargo tree -p compose-to-ecs-lambda -e normal,build --prefix none | grep -E '^aws-'; then
    echo "the Lambda's dependencies include the AWS SDK (above)" >&2
    exit 1
fi

# cfn-lint's exit status is a bit mask: 2 errors, 4 warnings, 8 informational; fail on
# errors (and on a crash of cfn-lint itself), report warnings.
lint() {
    local rc=0
    cfn-lint "$@" || rc=$?
    if [ $((rc & 3)) -ne 0 ]; then
        echo "cfn-lint reported errors (exit status $rc)" >&2
        return 1
    fi
}

echo "== cfn-lint: fixtures"
lint tests/fixtures/*/expected.json

echo "== run-time model: self-test, fixtures"
known=tests/runtime-known-findings.txt
python3 scripts/runtime.py --self-test
python3 scripts/runtime.py --known "$known" \
    --package-repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop tests/fixtures/*/expected.json

echo "== examples"
cargo build --release --quiet
bin="$root/target/release/compose-to-ecs"
out="$(mktemp -d)"
expanded=()
for t in examples/*.yaml; do
    name="$(basename "$t" .yaml)"
    # The VPC parameters, to the examples that declare them (the others create their VPC).
    params=()
    if grep -q '^  VpcId:' "$t"; then
        params=(--param VpcId=vpc-0123456789abcdef0
            --param SubnetIds=subnet-0123456789abcdef0,subnet-0123456789abcdef1)
    fi
    "$bin" expand "$t" "${params[@]}" -o "$out/$name.json"
    lint "$out/$name.json"
    expanded+=("$out/$name.json@$t")
    echo "   $name: expanded, no cfn-lint error"
done
python3 scripts/runtime.py --known "$known" "${expanded[@]}"
bash scripts/deploy-check.sh "$bin" examples/*.yaml tests/deploy/*.yaml

echo "== README set-up commands"
COMPOSE_TO_ECS_IN_TEST=1 bash scripts/readme-setup.sh

echo "== sam validate --lint"
export SAM_CLI_TELEMETRY=0
AWS_DEFAULT_REGION=us-east-1 sam validate --lint --template template.yaml

echo "== corpus"
python3 scripts/corpus.py "$bin" "$shared/corpus/public" --report docs/corpus.md --cfn-lint "$root/.venv/bin/cfn-lint" \
    --cfn-check "$shared/tools/cfn-check/check-template.sh" --runtime-known "$known"

echo "== apps"
python3 scripts/apps.py "$bin" "$shared/corpus/apps" --report docs/corpus.md \
    --cfn-lint "$root/.venv/bin/cfn-lint" --cfn-check "$shared/tools/cfn-check/check-template.sh" \
    --runtime-known "$known"
echo "all checks passed"
