#!/usr/bin/env bash
# Build classroom (seeds 000 and 002: a Rails site on PostgreSQL) into
# OUTPUT_DIR/classroom_VERSION_all.deb, the app under /usr/lib/classroom.
# Everything it needs is Debian 12's: ruby, ruby-rails (6.1), puma, ruby-pg,
# ruby-sprockets-rails, ruby-delayed-job-active-record; the build machine
# needs the same packages (assets:precompile loads the app) and dpkg-deb.
# No gem is fetched, nothing reaches the network, and the output is
# reproducible (the same sources give the same bytes).
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

usage() {
    echo "usage: $0 VERSION OUTPUT_DIR" >&2
    echo "  VERSION: a Debian version without epoch or ~, starting with a digit, ending with a letter or digit" >&2
    exit 2
}
[[ $# -eq 2 && $1 =~ ^[0-9]([A-Za-z0-9.+-]{0,126}[A-Za-z0-9])?$ ]] || usage
# The assets are precompiled by the build machine's Rails: it must be the
# hosts' (Debian 12's 6.1).
rails=$(dpkg-query -W -f '${Version}' ruby-rails 2>/dev/null || true)
if [[ $rails != 2:6.1* ]]; then
    echo "$0: needs Debian 12's ruby-rails 6.1 (found: ${rails:-none}); build on a Debian 12 machine" >&2
    exit 1
fi
version=$1
output_dir=$2
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$(mktemp -d)
artifact=
trap 'rm -rf "$stage" ${artifact:+"$artifact.tmp"}' EXIT
mkdir -p "$output_dir"

sources=(Rakefile config.ru app bin config db)
root=$stage/root
app=$root/usr/lib/classroom
install -d -m 0755 "$app"
(cd "$src_dir" && find "${sources[@]}" -type f -print0 | sort -z |
    xargs -0 -I{} install -D -m 0644 {} "$app/{}")
chmod 0755 "$app/bin/rails"
printf '%s\n' "$version" >"$app/VERSION"

# Assets: precompiled in a scratch copy (Rails writes tmp/ there), only
# public/assets is kept. Fixed mtimes, as the manifest records them. The
# secret is a throwaway for this one command: the package holds none.
build=$stage/build
cp -a "$app" "$build"
find "$build" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$build" && env -i PATH=/usr/bin:/bin LC_ALL=C TZ=UTC HOME="$stage" RAILS_ENV=production \
    SECRET_KEY_BASE=assets-precompile-only /usr/bin/ruby bin/rails assets:precompile) >&2
cp -r "$build/public" "$app/public"

find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
chmod -R u=rwX,go=rX "$app"
install -d -m 0755 "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: classroom
Version: $version
Architecture: all
Maintainer: hastack.platform maintainers <hastack@example.org>
Depends: ruby (>= 1:3.1), ruby-rails (>= 2:6.1), puma, ruby-pg, ruby-sprockets-rails, ruby-delayed-job-active-record
Section: web
Priority: optional
Description: classroom web app and worker (Rails)
 Seeds 000 and 002's example app, from examples/rails_classroom of
 hastack.platform: uploads in PostgreSQL, a delayed_job worker, mail
 through the host's MTA.
CONTROL
touch -d "@$SOURCE_DATE_EPOCH" "$root/DEBIAN" "$root/DEBIAN/control"

artifact=$output_dir/classroom_${version}_all.deb
# No unit and no maintainer script: the app role runs puma and the worker
# from the inventory's commands, and installing the package starts nothing.
dpkg-deb --root-owner-group -Zxz --build "$root" "$artifact.tmp" >/dev/null
mv -f -- "$artifact.tmp" "$artifact"
echo "$artifact"
