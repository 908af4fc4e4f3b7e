#!/usr/bin/env bash
# Build speedy (seed 003) into its three Debian packages, as the seed asks:
#   OUTPUT_DIR/speedy-app_VERSION_all.deb       the Django web app, /usr/lib/speedy,
#                                               its static files in /usr/share/speedy/static
#   OUTPUT_DIR/speedy-notifier_VERSION_all.deb  the push notification daemon
#   OUTPUT_DIR/speedy-jobs_VERSION_all.deb      the periodic jobs (trending, purge)
# Everything they need at run time is Debian's: python3-django, gunicorn,
# python3-psycopg2, python3-whitenoise. Built with dpkg-deb alone, offline and
# reproducible. The static files are the app's own, copied as collectstatic
# would (no admin, so nothing else to collect): no Django on the build machine.
# The notifier and the jobs depend on speedy-app without a version: the app
# role installs a release's packages one by one.
set -euo pipefail
umask 022
export LC_ALL=C SOURCE_DATE_EPOCH=0

usage() {
    echo "usage: $0 VERSION OUTPUT_DIR" >&2
    echo "  VERSION: a Debian version without epoch or ~, starting with a digit, ending with a letter or digit" >&2
    exit 2
}
[[ $# -eq 2 && $1 =~ ^[0-9]([A-Za-z0-9.+-]{0,126}[A-Za-z0-9])?$ ]] || usage
version=$1
output_dir=$2
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stage=$(mktemp -d)
artifact=
trap 'rm -rf "$stage" ${artifact:+"$artifact.tmp"}' EXIT
mkdir -p "$output_dir"

control() {  # control ROOT NAME DEPENDS DESCRIPTION
    install -d -m 0755 "$1/DEBIAN"
    cat >"$1/DEBIAN/control" <<CONTROL
Package: $2
Version: $version
Architecture: all
Maintainer: hastack.platform maintainers <hastack@example.org>
Depends: $3
Section: web
Priority: optional
Description: $4
 Seed 003's example app, from examples/django_speedy of hastack.platform.
CONTROL
}

build() {  # build ROOT NAME
    find "$1" -exec touch -h -d @0 {} +
    artifact=$output_dir/$2_${version}_all.deb
    # No unit and no maintainer script: the app role runs them from the
    # inventory's commands, and installing a package starts nothing.
    dpkg-deb --root-owner-group -Zxz --build "$1" "$artifact.tmp" >/dev/null
    mv -f -- "$artifact.tmp" "$artifact"
    echo "$artifact"
}

app=$stage/speedy-app
install -d -m 0755 "$app/usr/lib/speedy" "$app/usr/share/speedy/static"
(cd "$src_dir" && find manage.py speedy -type f ! -path '*/__pycache__/*' ! -path '*/static/*' -print0 |
    xargs -0 -I{} install -D -m 0644 {} "$app/usr/lib/speedy/{}")
printf '%s\n' "$version" >"$app/usr/lib/speedy/speedy/VERSION"
cp -r "$src_dir/speedy/posts/static/." "$app/usr/share/speedy/static/"
chmod -R u=rwX,go=rX "$app/usr"
control "$app" speedy-app "python3, python3-django, gunicorn, python3-psycopg2, python3-whitenoise" \
    "speedy web app (Django)"
build "$app" speedy-app

for part in notifier jobs; do
    root=$stage/speedy-$part
    install -d -m 0755 "$root/usr/lib/speedy-$part"
    install -m 0755 "$src_dir/$part/speedy_$part.py" "$root/usr/lib/speedy-$part/speedy_$part.py"
    case $part in
        notifier) description="speedy push notification daemon" ;;
        jobs) description="speedy periodic jobs: trending tags, purge of old posts" ;;
    esac
    control "$root" "speedy-$part" "python3, speedy-app" "$description"
    build "$root" "speedy-$part"
done
