#!/usr/bin/env bash
# Build the test-host images local/hastack-debian:<suite> (bookworm = Debian 12,
# trixie = Debian 13) from Debian packages: debootstrap -> docker import -> one
# metadata layer. Nothing is pulled from a registry. An image is rebuilt only
# when this script changed (label build-script-sha256) or it is older than
# HASTACK_IMAGE_MAX_AGE_DAYS (security updates).
#   build-image.sh [--force] [SUITE...]     (default: bookworm trixie)
set -euo pipefail

force=no
if [ "${1:-}" = --force ]; then force=yes; shift; fi
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
max_age_days=${HASTACK_IMAGE_MAX_AGE_DAYS:-7}
script_sha=$(sha256sum "$0" | cut -d' ' -f1)
work=
trap 'rm -rf "${work:-/nonexistent}"' EXIT

current() {  # current IMAGE: built from this script, young enough
  local image=$1 label created
  docker image inspect "$image" >/dev/null 2>&1 || return 1
  label=$(docker image inspect -f '{{ index .Config.Labels "build-script-sha256" }}' "$image")
  created=$(date -d "$(docker image inspect -f '{{ .Created }}' "$image")" +%s)
  [ "$label" = "$script_sha" ] && [ $(( ($(date +%s) - created) / 86400 )) -lt "$max_age_days" ]
}

build() {  # build SUITE
  local suite=$1 image=local/hastack-debian:$1 rootfs
  if [ "$force" = no ] && current "$image"; then
    echo "image $image is current"
    return 0
  fi
  work=$(mktemp -d /var/tmp/hastack-image.XXXXXX)
  rootfs=$work/rootfs

  debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,openssh-server,ca-certificates,gnupg,curl,iproute2,iputils-ping,procps,less \
    "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log"; return 1; }

  # deb822 sources, as Debian 13 writes them (and Debian 12 reads them).
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

  # Test hosts only: packages install faster. dpkg skips fsync (a crashed
  # container is thrown away, never repaired), no manuals, documentation or
  # translations are unpacked, and apt fetches no translated descriptions.
  echo force-unsafe-io >"$rootfs/etc/dpkg/dpkg.cfg.d/hastack-unsafe-io"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/hastack-nodoc" <<'NODOC'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
NODOC
  printf 'Acquire::Languages "none";\nAcquire::PDiffs "false";\n' >"$rootfs/etc/apt/apt.conf.d/90hastack-test-host"

  # Every container gets its own machine-id at boot.
  : >"$rootfs/etc/machine-id"
  echo 'LANG=C.UTF-8' >"$rootfs/etc/default/locale"
  echo 'LANG=C.UTF-8' >"$rootfs/etc/locale.conf"

  # Host keys are made per container on first start, never baked in.
  rm -f "$rootfs"/etc/ssh/ssh_host_*
  mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
  printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' \
    >"$rootfs/etc/systemd/system/ssh.service.d/keygen.conf"

  # Units that cannot work (or make no sense) in a container.
  for unit in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
              getty@tty1.service console-getty.service systemd-timesyncd.service \
              sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
              systemd-remount-fs.service systemd-firstboot.service; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
  done

  # Empty apt lists with an old mtime, so cache_valid_time never skips the first update.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  touch -d @0 "$rootfs/var/lib/apt/lists"

  tar -C "$rootfs" -c . | docker import - "$image-rootfs" >/dev/null

  cat >"$work/Dockerfile" <<DOCKERFILE
FROM $image-rootfs
ENV container=docker LANG=C.UTF-8
STOPSIGNAL SIGRTMIN+3
LABEL build-script-sha256=$script_sha debian-suite=$suite
CMD ["/lib/systemd/systemd"]
DOCKERFILE
  # The legacy builder works offline; buildx is not packaged with docker.io.
  DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; return 1; }
  rm -rf "$work"
  echo "built $image"
}

for suite in "${suites[@]}"; do
  case $suite in
    bookworm|trixie) build "$suite" ;;
    *) echo "unknown suite $suite: bookworm (Debian 12) or trixie (Debian 13)" >&2; exit 2 ;;
  esac
done
