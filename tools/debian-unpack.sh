#!/usr/bin/env bash
# Unpack Debian packages of another release or architecture into a folder, without touching
# this machine's own packages or apt state.
#
#   tools/debian-unpack.sh SUITE ARCH DEST PACKAGE...
#
# SUITE is a Debian release (trixie, bookworm), ARCH a Debian architecture (amd64, arm64),
# DEST the folder that receives the packages' files (`dpkg -x`: usr/include,
# usr/lib/<triplet>, ...). apt runs with a private state under DEST/.apt (its own sources
# list naming only SUITE's main component, its own package lists and download cache), so
# the machine's /etc/apt, /var/lib/apt and dpkg database are only read, never written.
# Re-running is cheap: a package already unpacked at the same version is skipped.
# Prints one line per step. Exit status 2 on a usage error.
set -euo pipefail

if [ $# -lt 4 ]; then
  echo "usage: $0 SUITE ARCH DEST PACKAGE..." >&2
  exit 2
fi
suite=$1 arch=$2 dest=$3
shift 3
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

mkdir -p "$dest/.apt/lists/partial" "$dest/.apt/cache/archives/partial" "$dest/.apt/debs"
dest=$(cd "$dest" && pwd)
state=$dest/.apt
echo "deb [arch=$arch] $mirror $suite main" >"$state/sources.list"
: >"$state/status"
apt_opts=(
  -o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status"
  -o "Dir::Cache=$state/cache" -o "APT::Get::List-Cleanup=0"
  -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
  -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -q
)

# A list older than a day is refreshed; otherwise the download reuses it.
if [ -z "$(find "$state/lists" -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null)" ]; then
  echo "[debian-unpack] apt-get update: Debian $suite ($arch) package list, private state in $state"
  apt-get "${apt_opts[@]}" update >"$state/update.log" 2>&1 || { cat "$state/update.log" >&2; exit 1; }
fi

cd "$state/debs"
for pkg in "$@"; do
  version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
  if [ -z "$version" ]; then
    echo "[debian-unpack] $pkg: no such package in Debian $suite ($arch)" >&2
    exit 1
  fi
  stamp="$state/unpacked-$pkg"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ]; then
    continue
  fi
  echo "[debian-unpack] $pkg $version ($suite, $arch) -> $dest"
  rm -f "$pkg"_*.deb
  apt-get "${apt_opts[@]}" download "$pkg:$arch" >/dev/null
  dpkg -x "$pkg"_*.deb "$dest"
  echo "$version" >"$stamp"
done
