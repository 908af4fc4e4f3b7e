#!/usr/bin/env bash
# Host prerequisites for the lab and the tests: docker.io, debootstrap, golang-go, Rails
# and python3-venv from Debian (as root, when missing), and a running dockerd.
# A daemon that is already running is never restarted.
set -euo pipefail

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
command -v shellcheck >/dev/null 2>&1 || need_pkgs+=(shellcheck)  # ansible-test sanity
command -v go >/dev/null 2>&1 || need_pkgs+=(golang-go)  # the Go example (examples/go_twotier)
# The Rails example (examples/rails_classroom): assets:precompile loads the app.
for pkg in ruby-rails puma ruby-pg ruby-sprockets-rails ruby-delayed-job-active-record; do
  dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need_pkgs+=("$pkg")
done
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_pkgs+=(python3-venv)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "missing: ${need_pkgs[*]}; install them (Debian: apt-get install ${need_pkgs[*]})" >&2
    exit 1
  fi
  echo "installing ${need_pkgs[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "docker does not answer and we are not root: start dockerd, or add yourself to group docker" >&2
  exit 1
fi
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
  systemctl enable --now docker.service
else
  echo "starting dockerd (log: /var/log/dockerd-hastack.log)"
  setsid dockerd >/var/log/dockerd-hastack.log 2>&1 < /dev/null &
fi
for _ in $(seq 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "dockerd did not answer within 60 s; see /var/log/dockerd-hastack.log" >&2
exit 1
