#!/bin/sh
# Install the Debian packages the mac80211_hwsim guest needs (Debian 12, as root).
#
# Idempotent: installs only the packages that are missing. INITRD=No stops the kernel
# package's hook from building an initramfs for the host (the guest boots with our own
# small one), which saves about 30 s and 30 MB.
#
#   tests/integration/hwsim/install-deps.sh          # install what is missing
#   tests/integration/hwsim/install-deps.sh --check  # only list what is missing (exit 1 if any)
set -eu

PACKAGES="qemu-system-x86 linux-image-amd64 hostapd wpasupplicant iw iproute2 busybox-static kmod cpio"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "hwsim packages: all installed"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "hwsim packages missing:$missing"
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "hwsim packages missing:$missing; run this script as root" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive INITRD=No
apt-get update -qq
# shellcheck disable=SC2086  # word splitting of the package list is wanted
apt-get install -y -qq --no-install-recommends $missing
