#!/usr/bin/env bash
# Build (once) a Debian root folder with debootstrap, cached: a root that is complete
# carries the stamp file .wss-root-ok listing the arguments it was made with, and a
# second call with the same arguments returns at once. Needs root and Debian's
# `debootstrap`; a foreign architecture (e.g. arm64 on amd64) also needs
# `qemu-user-static` registered in binfmt_misc (tests/roots/arm64.sh registers it).
#
#   debian_root.sh DEST ARCH VARIANT PACKAGES
#     DEST      the root folder (e.g. build/roots/bookworm-arm64)
#     ARCH      amd64, arm64, ... (dpkg's names), or "-" for this machine's
#     VARIANT   debootstrap's --variant (minbase, buildd) or "-" for the default
#     PACKAGES  comma-separated packages to include ("" for none)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SUITE
# (default bookworm).
set -euo pipefail
dest=$1 arch=$2 variant=$3 packages=$4
[ "$arch" = "-" ] && arch=$(dpkg --print-architecture)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}
want="suite=$suite arch=$arch variant=$variant packages=$packages"
stamp=$dest/.wss-root-ok
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "[root] $dest: cached ($want)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "debian_root.sh: debootstrap needs root (uid 0)" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
args=(--arch="$arch")
[ "$variant" != "-" ] && args+=(--variant="$variant")
[ -n "$packages" ] && args+=(--include="$packages")
foreign=0
[ "$arch" != "$(dpkg --print-architecture)" ] && foreign=1
start=$(date +%s)
echo "[root] debootstrap $suite $arch ${variant} into $dest (packages: ${packages:-none})"
if [ $foreign = 1 ]; then
  debootstrap --foreign "${args[@]}" "$suite" "$dest" "$mirror"
  echo "[root] second stage under qemu-user ($arch)"
  chroot "$dest" /debootstrap/debootstrap --second-stage
else
  debootstrap "${args[@]}" "$suite" "$dest" "$mirror"
fi
# apt inside the root: the same mirror; no daemons start in a chroot.
printf 'deb %s %s main\n' "$mirror" "$suite" >"$dest/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' >"$dest/usr/sbin/policy-rc.d"
chmod 755 "$dest/usr/sbin/policy-rc.d"
apt-get -qq clean -o RootDir="$dest" 2>/dev/null || rm -f "$dest"/var/cache/apt/archives/*.deb
echo "$want" >"$stamp"
echo "[root] $dest ready in $(($(date +%s) - start)) s"
