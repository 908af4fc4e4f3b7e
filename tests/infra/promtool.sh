#!/usr/bin/env bash
# promtool and amtool from Debian's packages, unpacked once into .work/tools
# (nothing installed, no daemon started): the rules gate runs them.
#   tests/infra/promtool.sh promtool|amtool ARGS...
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=$PWD/.work/tools
tool=${1:?promtool or amtool}
shift
if [ ! -x "$tools/$tool" ]; then
  mkdir -p "$tools"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Debian 13 has promtool in a package of its own; 12 ships it with prometheus.
  case $tool in
    promtool) packages=(promtool prometheus) ;;
    amtool) packages=(prometheus-alertmanager) ;;
    *) echo "unknown tool $tool" >&2; exit 2 ;;
  esac
  for package in "${packages[@]}"; do
    if (cd "$tmp" && apt-get download -q "$package" >/dev/null 2>&1); then break; fi
  done
  if ! compgen -G "$tmp/*.deb" >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && (cd "$tmp" && apt-get download -q "${packages[-1]}" >/dev/null 2>&1); fi
  fi
  deb=$(compgen -G "$tmp/*.deb" | head -n 1) || { echo "cannot download ${packages[*]} from Debian (apt-get download)" >&2; exit 1; }
  dpkg-deb -x "$deb" "$tmp/root"
  install -m 0755 "$tmp/root/usr/bin/$tool" "$tools/$tool"
fi
exec "$tools/$tool" "$@"
