#!/usr/bin/env bash
# Create <repo>/.venv and install the pinned deployment/lint tools into it:
#   cfn-lint, aws-sam-cli (sam), cargo-lambda (+ the ziglang it cross-links with), and
#   moto in server mode (moto_server: a local AWS API endpoint for the tests of `up`,
#   `down`, `ps` and `logs`, tests/up.rs).
# Idempotent: when every tool is already at its pinned version it prints nothing
# and exits 0. Needs only python3 and PyPI.
#
# Use: scripts/tools-venv.sh && export PATH="$PWD/.venv/bin:$PATH"
#   then: sam validate --lint; sam build; cfn-lint some-template.json
# (sam build runs `cargo lambda build --release --arm64`, which finds cargo-lambda
# and zig on PATH, and adds the aarch64-unknown-linux-gnu Rust target via rustup.)
set -euo pipefail

CFN_LINT_VERSION=1.58.0
SAM_CLI_VERSION=1.170.0
CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.1
MOTO_VERSION=5.2.6

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
bin="$venv/bin"

# True when every tool answers with its pinned version.
tools_ok() {
    [ -x "$bin/python" ] || return 1
    [ "$("$bin/cfn-lint" --version 2>/dev/null)" = "cfn-lint $CFN_LINT_VERSION" ] || return 1
    [ "$("$bin/sam" --version 2>/dev/null)" = "SAM CLI, version $SAM_CLI_VERSION" ] || return 1
    case "$("$bin/cargo-lambda" lambda --version 2>/dev/null)" in
        "cargo-lambda $CARGO_LAMBDA_VERSION "*) ;;
        *) return 1 ;;
    esac
    [ "$("$bin/python" -m ziglang version 2>/dev/null)" = "$ZIGLANG_VERSION" ] || return 1
    [ -x "$bin/moto_server" ] || return 1
    [ "$("$bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" = "$MOTO_VERSION" ] || return 1
}

if tools_ok; then
    exit 0
fi

log() { echo "tools-venv: $*" >&2; }

if [ ! -x "$bin/python" ]; then
    log "creating $venv"
    # A Debian/Ubuntu python3 without python3-venv (no ensurepip) cannot make a
    # venv with pip; fall back to virtualenv from PyPI, which bundles pip.
    if ! python3 -m venv "$venv" >/dev/null 2>&1 || [ ! -x "$bin/pip" ]; then
        rm -rf "$venv"
        log "python3 -m venv failed; using virtualenv from PyPI"
        python3 -m pip install --user --quiet --disable-pip-version-check virtualenv \
            || python3 -m pip install --user --quiet --disable-pip-version-check --break-system-packages virtualenv
        python3 -m virtualenv --quiet "$venv"
    fi
fi

log "installing cfn-lint==$CFN_LINT_VERSION aws-sam-cli==$SAM_CLI_VERSION cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION moto[server]==$MOTO_VERSION"
# All in one resolution, so aws-sam-cli's own cfn-lint requirement cannot move
# cfn-lint off its pin.
"$bin/python" -m pip install --quiet --disable-pip-version-check \
    "cfn-lint==$CFN_LINT_VERSION" \
    "aws-sam-cli==$SAM_CLI_VERSION" \
    "cargo-lambda==$CARGO_LAMBDA_VERSION" \
    "ziglang==$ZIGLANG_VERSION" \
    "moto[server]==$MOTO_VERSION"

if ! tools_ok; then
    log "installed, but a tool does not report its pinned version:"
    "$bin/cfn-lint" --version >&2 || true
    "$bin/sam" --version >&2 || true
    "$bin/cargo-lambda" lambda --version >&2 || true
    "$bin/python" -m ziglang version >&2 || true
    "$bin/python" -c 'import moto; print("moto", moto.__version__)' >&2 || true
    exit 1
fi
log "ready: $bin"
