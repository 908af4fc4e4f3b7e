#!/usr/bin/env bash
# Build the demo app as a Debian package: OUTPUT_DIR/NAME_VERSION_all.deb
# with demo_app.py and VERSION (and BROKEN for --broken) in /usr/lib/NAME,
# depending on Debian's gunicorn and python3-psycopg2. Built with dpkg-deb
# alone (no packaging service); reproducible: two builds of one version have
# the same sha256. NAME defaults to demo.
set -euo pipefail
umask 022  # the package's directories 0755 whatever the caller's umask
export LC_ALL=C SOURCE_DATE_EPOCH=0

usage() {
    echo "usage: $0 VERSION OUTPUT_DIR [--broken] [--name NAME]" >&2
    echo "  VERSION: a Debian version without epoch or ~, starting with a digit, ending with a letter or digit" >&2
    exit 2
}

[[ $# -ge 2 ]] || usage
version=$1
output_dir=$2
shift 2
broken='' name=demo
while [[ $# -gt 0 ]]; do
    case $1 in
        --broken) broken=1 ;;
        --name) [[ $# -ge 2 ]] || usage; name=$2; shift ;;
        *) usage ;;
    esac
    shift
done
[[ $version =~ ^[0-9]([A-Za-z0-9.+-]{0,126}[A-Za-z0-9])?$ && $name =~ ^[a-z][a-z0-9-]{0,30}$ ]] || usage

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$(mktemp -d)
artifact=
trap 'rm -rf "$stage" ${artifact:+"$artifact.tmp"}' EXIT

chmod 0755 "$stage"
install -d -m 0755 "$stage/DEBIAN" "$stage/usr/lib/$name"
install -m 0644 "$src_dir/demo_app.py" "$stage/usr/lib/$name/demo_app.py"
printf '%s\n' "$version" >"$stage/usr/lib/$name/VERSION"
if [[ -n $broken ]]; then
    # A deliberately broken build: /health answers 500 (for the deploy tests).
    printf 'deliberately broken build\n' >"$stage/usr/lib/$name/BROKEN"
fi
chmod 0644 "$stage/usr/lib/$name"/*
# No unit and no maintainer script: the app role runs the app from the
# inventory's commands, and installing the package starts nothing.
cat >"$stage/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: all
Maintainer: hastack.platform maintainers <hastack@example.org>
Depends: python3, gunicorn, python3-psycopg2
Section: web
Priority: optional
Description: hastack demo notes app
 A small notes app that hastack.platform deploys in its lab and tests.
CONTROL
find "$stage" -exec touch -h -d @0 {} +

mkdir -p "$output_dir"
artifact="$output_dir/${name}_${version}_all.deb"
# xz control and data (dpkg-deb's default may be zstd elsewhere); written
# next to the target and renamed, so a failed build leaves no half package.
dpkg-deb --root-owner-group -Zxz --build "$stage" "$artifact.tmp" >/dev/null
mv -f -- "$artifact.tmp" "$artifact"
echo "$artifact"
