#!/usr/bin/env bash
# Build the test-host images local/hastack-debian:<suite> (bookworm = Debian 12,
# trixie = Debian 13) from Debian packages: debootstrap -> docker import -> one
# metadata layer. Nothing is pulled from a registry. An image is rebuilt only
# when this script changed (label build-script-sha256) or it is older than
# HASTACK_IMAGE_MAX_AGE_DAYS (security updates).
# Beside each, local/hastack-debian:<suite>-preinstalled: the same system with
# the Debian packages the roles install already unpacked and their services
# disabled (every role must still enable and start its own). Most scenarios
# run on it; a converge then spends its time on our tasks, not on dpkg
# (docs/testing.md). Bare hosts keep the install path proven.
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
# shellcheck disable=SC2317  # run by the EXIT traps
cleanup() {
  if [ -n "${work:-}" ]; then
    umount "$work/rootfs/proc" 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# What the roles install with apt (roles/*/tasks, roles/*/vars), by suite.
# Left out: postfix (its installer writes the build host's name into
# main.cf), chrony (common skips it in containers; a test asserts it is
# absent) and Patroni's package on Debian 12 (there it comes from our wheel).
packages() {  # packages SUITE: with their recommends, as the roles' apt tasks
  local pg patroni rails=
  case $1 in
    bookworm)
      pg=15
      patroni="python3-yaml python3-click python3-prettytable python3-dateutil python3-psutil python3-cdiff python3-urllib3 python3-venv python3-pip"
      # the Rails example is built for Debian 12's Rails (trixie has no ruby-sprockets-rails)
      rails="ruby-rails puma ruby-pg ruby-sprockets-rails ruby-delayed-job-active-record" ;;
    trixie) pg=17; patroni=patroni ;;
  esac
  echo "ca-certificates curl dbus gnupg less logrotate lsof nftables openssh-server procps python3-apt rsync sudo tzdata" \
    "python3-cryptography ssl-cert etcd-server etcd-client haproxy socat openssl keepalived" \
    "rsyslog rsyslog-relp rsyslog-openssl postgresql-common python3-psycopg2 python3-etcd $patroni" \
    "postgresql-$pg postgresql-client-$pg pgbackrest restic" \
    "gunicorn python3-django python3-whitenoise $rails"
}
monitoring_packages() {  # monitoring_packages SUITE: without recommends, as the monitoring role
  echo "prometheus prometheus-alertmanager prometheus-blackbox-exporter prometheus-node-exporter prometheus-postgres-exporter"
  [ "$1" = bookworm ] || echo "promtool prometheus-pgbackrest-exporter"
}

current() {  # current IMAGE: built from this script, young enough
  local image=$1 label created
  docker image inspect "$image" >/dev/null 2>&1 || return 1
  label=$(docker image inspect -f '{{ index .Config.Labels "build-script-sha256" }}' "$image")
  created=$(date -d "$(docker image inspect -f '{{ .Created }}' "$image")" +%s)
  [ "$label" = "$script_sha" ] && [ $(( ($(date +%s) - created) / 86400 )) -lt "$max_age_days" ]
}

# import_image ROOTFS IMAGE SUITE: the tree as IMAGE, with systemd as its command
import_image() {
  local rootfs=$1 image=$2 suite=$3
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
  docker image rm "$image-rootfs" >/dev/null 2>&1 || true
  echo "built $image"
}

# preinstall ROOTFS SUITE: the roles' packages unpacked in the tree, nothing
# started (policy-rc.d) and every service or socket they enabled disabled
# again; timers (logrotate's) stay as Debian enables them.
preinstall() {
  local rootfs=$1 suite=$2 before after
  mount -t proc proc "$rootfs/proc"
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  before=$(cd "$rootfs/etc/systemd/system" && find . -type l | sort)
  # shellcheck disable=SC2046  # word lists of package names
  chroot "$rootfs" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(packages "$suite") \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(monitoring_packages "$suite" | tr '\n' ' ')" \
    >"$work/preinstall.log" 2>&1 || { tail -n 30 "$work/preinstall.log"; return 1; }
  after=$(cd "$rootfs/etc/systemd/system" && find . -type l | sort)
  comm -13 <(echo "$before") <(echo "$after") | grep -vE '\.timer$' | while read -r link; do
    rm -f "$rootfs/etc/systemd/system/$link"
  done
  # No PostgreSQL cluster of Debian's, no snakeoil pair shared by every host
  # (ssl-cert makes one per container at first boot, as on a fresh install).
  for cluster in "$rootfs"/etc/postgresql/*/main; do
    [ -d "$cluster" ] || continue
    chroot "$rootfs" pg_dropcluster "$(basename "$(dirname "$cluster")")" main
  done
  rm -f "$rootfs/etc/ssl/private/ssl-cert-snakeoil.key" "$rootfs/etc/ssl/certs/ssl-cert-snakeoil.pem"
  mkdir -p "$rootfs/etc/systemd/system/multi-user.target.wants"
  cat >"$rootfs/etc/systemd/system/hastack-snakeoil.service" <<'UNIT'
[Unit]
Description=A snakeoil pair of this host's own, as ssl-cert's installer makes
ConditionPathExists=!/etc/ssl/private/ssl-cert-snakeoil.key

[Service]
Type=oneshot
ExecStart=/usr/sbin/make-ssl-cert generate-default-snakeoil

[Install]
WantedBy=multi-user.target
UNIT
  ln -sf ../hastack-snakeoil.service "$rootfs/etc/systemd/system/multi-user.target.wants/hastack-snakeoil.service"
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  : >"$rootfs/etc/resolv.conf"
  umount "$rootfs/proc"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  touch -d @0 "$rootfs/var/lib/apt/lists"
}

build() {  # build SUITE: the bare image and the preinstalled one
  local suite=$1 image=local/hastack-debian:$1 rootfs
  if [ "$force" = no ] && current "$image" && current "$image-preinstalled"; then
    echo "images $image and $image-preinstalled are current"
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

  import_image "$rootfs" "$image" "$suite"
  preinstall "$rootfs" "$suite"
  import_image "$rootfs" "$image-preinstalled" "$suite"
  rm -rf "$work"
  work=
}

# The suites build side by side: most of the time is waiting on the mirror.
pids=()
for suite in "${suites[@]}"; do
  case $suite in
    bookworm|trixie) ( trap cleanup EXIT; build "$suite" ) & pids+=($!) ;;
    *) echo "unknown suite $suite: bookworm (Debian 12) or trixie (Debian 13)" >&2; exit 2 ;;
  esac
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit $rc
