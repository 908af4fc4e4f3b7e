#!/usr/bin/env bash
# Build the demo app's release artifact: OUTPUT_DIR/demo-VERSION.tar.gz with
# demo_app.py and VERSION (and BROKEN for --broken) at the archive root.
# Reproducible: two builds of one version have the same sha256.
set -euo pipefail
export LC_ALL=C # byte order for globs and tar's --sort=name

usage() {
    echo "usage: $0 VERSION OUTPUT_DIR [--broken]" >&2
    echo "  VERSION must match ^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}\$" >&2
    exit 2
}

[[ $# -eq 2 || ($# -eq 3 && ${3:-} == --broken) ]] || usage
version=$1
output_dir=$2
broken=${3:-}
# The version names files and directories on the hosts: keep it plain.
[[ $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$ ]] || usage

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

cp "$src_dir/demo_app.py" "$stage/demo_app.py"
printf '%s\n' "$version" >"$stage/VERSION"
if [[ -n $broken ]]; then
    # A deliberately broken build: /health answers 500 (for the deploy tests).
    printf 'deliberately broken build\n' >"$stage/BROKEN"
fi
# Fixed modes, so the umask and checkout do not change the checksum.
chmod 0644 "$stage"/*

mkdir -p "$output_dir"
artifact="$output_dir/demo-$version.tar.gz"
# Files at the archive root in name order, owner 0 and time 0; written next
# to the target and renamed, so a failed build leaves no half artifact.
(cd "$stage" && tar --create --file=- --sort=name --format=gnu \
    --owner=0 --group=0 --numeric-owner --mtime=@0 -- *) |
    gzip -n -9 >"$artifact.tmp"
mv -f -- "$artifact.tmp" "$artifact"
echo "$artifact"
