#!/usr/bin/env bash
# The lab's base image, made without a container registry: a minimal Debian bookworm root file
# system from Debian's archive (debootstrap --variant=minbase) with everything any lab image needs
# already inside — so every later `docker build` runs with `--network none` — imported with
# `docker import`. About 30–60 s; ~120 MB.
#
#   images/base/bootstrap.sh <image-ref> [--force]
#
# `npx ibcm-lab images build` calls this with ibcm-lab/base:<content hash of this file>. It is
# idempotent: when <image-ref> exists it does nothing (unless --force).
#
# Environment:
#   IBCM_LAB_DEBIAN_MIRROR  the archive to bootstrap from (default: the host's Debian sources when
#                           it is a Debian machine, else http://deb.debian.org/debian)
#   IBCM_LAB_IMAGES_WORK    where the root file system is made (default: .ibcm-lab/images/ in the
#                           repository, which git ignores); removed again afterwards
#   IBCM_LAB_IMAGE_INPUTS   the content hash recorded in the io.ibcm-lab.inputs label (default: the tag)
#   IBCM_LAB_BASE_PACKAGES  the packages to include instead of PACKAGES below, space-separated, and
#   IBCM_LAB_BASE_KIND      the io.ibcm-lab.image label (default base): .ci/fresh-machine makes a
#                           "fresh machine" this way — minbase with Node's libraries and nothing else
#
# Needs root (debootstrap, and reading the new root's files for the tar) — it uses `sudo -n` when
# not root — plus debootstrap, debian-archive-keyring and a running Docker engine.
#
# On a machine with Docker Hub the base can come from images/base/Dockerfile instead
# (`npx ibcm-lab images build --base debian:bookworm-slim`): the same packages on a Debian image.
set -euo pipefail

# Everything any lab image needs, installed at bootstrap (keep in sync with images/base/Dockerfile):
#  - ca-certificates, iproute2: TLS roots and `ip` for the driver's network facts
#  - nginx-light + libnginx-mod-stream, haproxy, squid: the reference proxies (stream = nginx tunnel)
#  - libstdc++6, libgcc-s1 (libc6 is always there): what the host's node binary links against
PACKAGES=(ca-certificates iproute2 nginx-light libnginx-mod-stream haproxy squid libstdc++6 libgcc-s1)
if [ -n "${IBCM_LAB_BASE_PACKAGES:-}" ]; then read -r -a PACKAGES <<<"$IBCM_LAB_BASE_PACKAGES"; fi
kind=${IBCM_LAB_BASE_KIND:-base}
SUITE=bookworm

ref=${1:-}
force=${2:-}
if [ -z "$ref" ] || { [ -n "$force" ] && [ "$force" != --force ]; }; then
  echo "usage: $0 <image-ref> [--force]   e.g. $0 ibcm-lab/base:dev" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

if ! docker info >/dev/null 2>&1; then
  echo "bootstrap: no Docker engine answers (docker info failed): start one, e.g." >&2
  echo "  dockerd --bridge=none --default-address-pool base=198.18.128.0/17,size=24 >/var/log/dockerd.log 2>&1 &" >&2
  exit 2
fi
if [ "$force" != --force ] && docker image inspect "$ref" >/dev/null 2>&1; then
  echo "bootstrap: $ref exists, reusing it"
  exit 0
fi
debootstrap=$(command -v debootstrap || true)
[ -z "$debootstrap" ] && [ -x /usr/sbin/debootstrap ] && debootstrap=/usr/sbin/debootstrap
if [ -z "$debootstrap" ]; then
  echo "bootstrap: debootstrap is not installed: install it with \"apt-get install -y debootstrap\"" >&2
  exit 2
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ ! -r "$keyring" ]; then
  echo "bootstrap: Debian's archive key ($keyring) is missing: install it with \"apt-get install -y debian-archive-keyring\"" >&2
  exit 2
fi

# The archive: the host's own Debian mirror when it has one (deb822 or one-line sources), so a
# machine that can reach only its configured mirror works; never an Ubuntu or other archive.
mirror=${IBCM_LAB_DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) { print $i; exit } }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

work=${IBCM_LAB_IMAGES_WORK:-$root/.ibcm-lab/images}
mkdir -p "$work"
rootfs=$(mktemp -d "$work/rootfs.XXXXXX")
cleanup() { as_root rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

include=$(IFS=,; echo "${PACKAGES[*]}")
echo "bootstrap: debootstrap --variant=minbase $SUITE from $mirror with $include"
started=$(date +%s)
if ! as_root "$debootstrap" --variant=minbase --keyring="$keyring" --include="$include" "$SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
  tail -n 20 "$rootfs.log" >&2
  echo "bootstrap: debootstrap failed (full log: $rootfs.log)" >&2
  exit 1
fi
rm -f "$rootfs.log"

# Strip what an image does not need: apt's caches and lists, documentation, translations, logs, the host's
# resolver and hostname (Docker provides both at run time).
as_root sh -c '
  cd "$1" &&
  rm -rf var/cache/apt/archives/*.deb var/cache/apt/archives/partial/* var/cache/apt/*.bin var/lib/apt/lists/* \
         var/cache/debconf/*-old var/log/*.log var/log/apt/* usr/share/doc/* usr/share/man/* usr/share/info/* tmp/* &&
  find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + &&
  : > etc/resolv.conf && : > etc/hostname
' sh "$rootfs"

as_root tar --numeric-owner --xattrs -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL io.ibcm-lab.image=$kind" \
  --change "LABEL io.ibcm-lab.suite=$SUITE" \
  --change "LABEL io.ibcm-lab.inputs=${IBCM_LAB_IMAGE_INPUTS:-${ref##*:}}" \
  --change 'CMD ["/bin/bash"]' \
  --message "ibcm-lab $kind: debootstrap --variant=minbase $SUITE + $include" \
  - "$ref" >/dev/null
echo "bootstrap: $ref imported ($(( $(date +%s) - started )) s, $(docker image inspect -f '{{.Size}}' "$ref" | awk '{ printf "%d MB", $1 / 1000000 }'))"
