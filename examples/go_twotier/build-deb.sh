#!/usr/bin/env bash
# Build the two-tier example from source with Debian's Go toolchain
# (golang-go) into two Debian packages:
#   OUTPUT_DIR/gofront_VERSION_ARCH.deb   /usr/lib/gofront/gofront
#   OUTPUT_DIR/goback_VERSION_ARCH.deb    /usr/lib/goback/goback
# Static binaries (no cgo), so one build runs on Debian 12 and 13 alike.
# Offline (GOPROXY=off: standard library only) and reproducible: two builds
# of one version with one toolchain have the same sha256.
set -euo pipefail
umask 022  # the package's directories 0755 whatever the caller's umask
export LC_ALL=C SOURCE_DATE_EPOCH=0 CGO_ENABLED=0 GOPROXY=off GOFLAGS="-trimpath -buildvcs=false"

usage() {
    echo "usage: $0 VERSION OUTPUT_DIR" >&2
    echo "  VERSION: a Debian version without epoch or ~, starting with a digit, ending with a letter or digit" >&2
    exit 2
}
[[ $# -eq 2 && $1 =~ ^[0-9]([A-Za-z0-9.+-]{0,126}[A-Za-z0-9])?$ ]] || usage
version=$1
output_dir=$2
command -v go >/dev/null || { echo "$0: needs Debian's Go toolchain: apt-get install golang-go" >&2; exit 1; }

src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
artifact=
trap 'rm -rf "$stage" ${artifact:+"$artifact.tmp"}' EXIT
mkdir -p "$output_dir"

declare -A summary=(
    [gofront]="frontend of the two-tier example, about 14 req/s each"
    [goback]="singleton backend of the two-tier example"
)
declare -A source=([gofront]=frontend [goback]=backend)
for name in gofront goback; do
    root=$stage/$name
    install -d -m 0755 "$root/DEBIAN" "$root/usr/lib/$name"
    (cd "$src_dir" && go build -ldflags "-s -w -X main.version=$version" -o "$root/usr/lib/$name/$name" "./${source[$name]}")
    chmod 0755 "$root/usr/lib/$name/$name"
    # No unit and no maintainer script: the app role runs it from the
    # inventory's command line, and installing the package starts nothing.
    cat >"$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: hastack.platform maintainers <hastack@example.org>
Section: web
Priority: optional
Description: ${summary[$name]}
 Built from examples/go_twotier of hastack.platform with Debian's Go.
CONTROL
    find "$root" -exec touch -h -d @0 {} +
    artifact=$output_dir/${name}_${version}_${arch}.deb
    # Written next to the target and renamed: a failed build leaves no half package.
    dpkg-deb --root-owner-group -Zxz --build "$root" "$artifact.tmp" >/dev/null
    mv -f -- "$artifact.tmp" "$artifact"
    echo "$artifact"
done
