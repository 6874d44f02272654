#!/usr/bin/env bash
# Pins the secrets helper image (src/convert/secrets/init.rs INIT_IMAGE) by the digest of its
# multi-arch index, so that every task runs the same bytes whatever the tag later points
# to. Needs registry access and one of `docker buildx` or `crane`.
#
#   bash scripts/pin-helper-image.sh            # the tag in INIT_IMAGE
#   bash scripts/pin-helper-image.sh python:3.12-alpine3.22
#
# Then run the tests: `UPDATE_FIXTURES=1 cargo test --test fixtures` rewrites the golden
# files that name the image; review the diff and commit it with the digest.
set -euo pipefail
cd "$(dirname "$0")/.."
file=src/convert/secrets/init.rs
repo=public.ecr.aws/docker/library
current=$(sed -n 's|^pub const INIT_IMAGE: &str = "\(.*\)";|\1|p' "$file")
tag=${1:-${current#"$repo/"}}
tag=${tag%%@*}
ref="$repo/$tag"
if command -v crane >/dev/null; then
  digest=$(crane digest "$ref")
elif docker buildx version >/dev/null 2>&1; then
  digest=$(docker buildx imagetools inspect "$ref" --format '{{json .Manifest}}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
else
  echo "need crane or docker buildx" >&2
  exit 1
fi
case $digest in
  sha256:????????????????????????????????????????????????????????????????) ;;
  *) echo "unexpected digest: $digest" >&2; exit 1 ;;
esac
# The index must list both platforms the helper runs on.
if command -v crane >/dev/null; then
  platforms=$(crane manifest "$ref@$digest" | python3 -c 'import json,sys; print(" ".join(sorted("%s/%s" % (m["platform"]["os"], m["platform"]["architecture"]) for m in json.load(sys.stdin).get("manifests", []))))')
else
  platforms=$(docker buildx imagetools inspect "$ref@$digest" --format '{{json .Manifest}}' | python3 -c 'import json,sys; print(" ".join(sorted("%s/%s" % (m["platform"]["os"], m["platform"]["architecture"]) for m in json.load(sys.stdin).get("manifests", []))))')
fi
for p in linux/amd64 linux/arm64; do
  case " $platforms " in *" $p "*) ;; *) echo "$ref@$digest lacks $p (has: $platforms)" >&2; exit 1 ;; esac
done
sed -i "s|^pub const INIT_IMAGE: &str = \".*\";|pub const INIT_IMAGE: \&str = \"$ref@$digest\";|" "$file"
echo "INIT_IMAGE = $ref@$digest ($platforms)"
