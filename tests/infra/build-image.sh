#!/usr/bin/env bash
# Build the test-host image local/hastack-debian:bookworm from Debian packages:
# debootstrap -> docker import -> one metadata layer. Nothing is pulled from a
# registry. Rebuilds only when this script changed (label build-script-sha256)
# or the image is older than HASTACK_IMAGE_MAX_AGE_DAYS (security updates).
set -euo pipefail

image=${HASTACK_IMAGE:-local/hastack-debian:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
max_age_days=${HASTACK_IMAGE_MAX_AGE_DAYS:-7}
script_sha=$(sha256sum "$0" | cut -d' ' -f1)

if [ "${1:-}" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  label=$(docker image inspect -f '{{ index .Config.Labels "build-script-sha256" }}' "$image")
  created=$(date -d "$(docker image inspect -f '{{ .Created }}' "$image")" +%s)
  age_days=$(( ($(date +%s) - created) / 86400 ))
  if [ "$label" = "$script_sha" ] && [ "$age_days" -lt "$max_age_days" ]; then
    echo "image $image is current (built ${age_days}d ago from this script)"
    exit 0
  fi
  echo "image $image is stale (script changed or ${age_days}d old): rebuilding"
fi

work=$(mktemp -d /var/tmp/hastack-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,openssh-server,ca-certificates,gnupg,curl,iproute2,iputils-ping,procps,less \
  bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log"; exit 1; }

cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES

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
LABEL build-script-sha256=$script_sha
CMD ["/lib/systemd/systemd"]
DOCKERFILE
# The legacy builder works offline; buildx is not packaged with docker.io.
DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
echo "built $image"
