#!/usr/bin/env bash
# make test-arm64: the package built and tested on Debian 12 arm64 under qemu-user.
#
# 1. qemu-user-static registered in binfmt_misc (mounted first when a container lacks it);
# 2. a Debian arm64 root by debootstrap --foreign + its second stage under qemu-aarch64,
#    with the compiler, libmbedtls-dev, python3-dev/venv, cmake and the suite's Debian
#    peers (openssl, libzbar0, protoc, git, dbus, busybox-static, and SoftHSM2 with opensc's
#    pkcs11-tool for the token-key tests), cached in build/roots/bookworm-arm64;
# 3. this tree (git's files, uncommitted ones included) copied to /opt/wss-src in the root
#    and installed there editable with the [test] extra's packages — except atheris, which
#    publishes no aarch64 wheel (its fuzz test skips, saying so) — into /opt/wss-venv (kept
#    between runs: only what changed is reinstalled);
# 4. in the root: wss selfcheck, the suite without the tests that cannot run under
#    qemu-user (below), and `wss bench --quick` (its JSON must say the run is emulated).
#
# Deselected, with the reason (printed again when the suite starts):
#   -m hwsim  the tests boot a QEMU system guest (mac80211_hwsim): QEMU inside qemu-user
#   -m root   the tests run debootstrap and chroot themselves (the wheel test): a root
#             inside the emulated root; they run natively in `make test`
#   the three tests whose independent mDNS browser is python-zeroconf: Debian 12's
#             qemu-user (7.2) does not emulate setsockopt(IP_MULTICAST_IF), which zeroconf
#             sets on every socket ("[Errno 92] Protocol not available")
#   tests/benchmarks/test_bench_wheel.py: it builds and installs a wheel (the C core compiled
#             again under qemu-user, minutes); the quick benchmarks below run the same code
#
# Extra arguments go to pytest (e.g. tests/crypto -x). Timings printed by the benchmarks
# here measure the emulator, not an arm64 board. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
root=$repo/build/roots/bookworm-arm64
packages=build-essential,libmbedtls-dev,python3-dev,python3-venv,python3-pip,cmake,openssl,ca-certificates,libzbar0,protobuf-compiler,git,dbus,busybox-static,softhsm2,opensc,p11-kit,p11-kit-modules
t0=$(date +%s)
step() { echo "[arm64 $(($(date +%s) - t0)) s] $*"; }

if [ "$(id -u)" != 0 ]; then
  echo "test-arm64: needs root (binfmt_misc, debootstrap, chroot)" >&2
  exit 1
fi
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
  step "mounting binfmt_misc"
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  step "registering qemu-aarch64 with binfmt_misc"
  update-binfmts --enable qemu-aarch64
fi

step "Debian arm64 root"
mkdir -p "$(dirname "$root")"
(
  flock 9
  tests/roots/debian_root.sh "$root" arm64 - "$packages"
) 9>"$(dirname "$root")/.bookworm-arm64.lock"

step "copying the tree to /opt/wss-src"
src=$root/opt/wss-src
mkdir -p "$src"
# Keep the root's build folder (the editable build's CMake tree): only changed C rebuilds.
find "$src" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read --warning=no-failed-read -cf - | tar -xf - -C "$src"
else
  tar --exclude=./build --exclude=./.venv --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
# git's view of the copy: tests/test_docs.py lists the files it reads with `git ls-files`.
(cd "$src" && rm -rf .git && git init -q && git add -A)
# pip inside the root reaches PyPI as the host does: the host's CA bundle (e.g. a TLS proxy's).
host_ca=${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
cp "$host_ca" "$root/opt/host-ca.crt"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# Commands in the root: a clean environment, /proc /sys /dev in a private mount namespace.
in_root() {
  unshare --mount --propagation private sh -c '
    mount -t proc proc "$0/proc" && mount -t sysfs sysfs "$0/sys" && mount --rbind /dev "$0/dev" &&
    exec chroot "$0" "$@"' "$root" \
    env -i PATH=/opt/wss-venv/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/opt/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off \
    sh -ec "cd /opt/wss-src; $1"
}

step "what the benchmarks can see: uname -m in the root, the host's binfmt entry, /proc/cpuinfo"
in_root 'echo "uname -m: $(uname -m)"; grep -m3 -E "^(model name|vendor_id|CPU implementer|flags)" /proc/cpuinfo || true'
echo "host: /proc/sys/fs/binfmt_misc/qemu-aarch64: $(head -n1 /proc/sys/fs/binfmt_misc/qemu-aarch64)"

step "installing the package and the [test] extra's packages (less atheris) in /opt/wss-venv"
esp_rainmaker=$(sed -n 's/^ESP_RAINMAKER_CLI := //p' Makefile)
in_root "
[ -x /opt/wss-venv/bin/python ] || python3 -m venv /opt/wss-venv
python3 tests/roots/extra_requirements.py --without atheris >/tmp/wss-test-requirements.txt
pip install -q --upgrade pip
pip install -q --no-deps esp-rainmaker-cli==$esp_rainmaker
pip install -q -r /tmp/wss-test-requirements.txt
python -c 'import wss.crypto'
"

step "wss selfcheck"
in_root 'wss selfcheck'

deselect=(
  tests/discovery/test_discovery.py::test_mdns_announcement_found_by_an_independent_browser
  tests/discovery/test_local_discovery.py::test_joined_and_unregistered_is_announced_and_found_by_an_independent_browser
  tests/e2e/test_e2e_discovery.py::test_wss_provision_falls_back_is_set_up_then_announces_itself
  tests/benchmarks/test_bench_wheel.py::test_wss_bench_quick_from_an_installed_wheel_fills_every_row_with_its_floor
)
step "the suite; deselected: -m hwsim (QEMU inside qemu-user), -m root (a chroot root inside the root), \
the zeroconf browser tests (qemu-user 7.2 lacks setsockopt IP_MULTICAST_IF), the installed-wheel bench test \
(a second build of the core under qemu-user; the quick benchmarks run the same code)"
set +e
in_root "python -m pytest -q -p no:cacheprovider -m 'not hwsim and not root' ${deselect[*]/#/--deselect } $*"
suite=$?
set -e

step "wss bench --quick (under qemu-user: the figures measure the emulator, and the JSON must say so)"
in_root 'wss bench --quick --out benchmarks/out/bench-arm64.json
python -c "import json, sys
machine = json.load(open(\"benchmarks/out/bench-arm64.json\"))[\"meta\"][\"machine\"]
sys.exit(0 if machine[\"emulation\"][\"emulated\"] else \"wss bench did not mark the qemu-user run as emulated\")"'
mkdir -p "$repo/benchmarks/out" && cp "$root/opt/wss-src/benchmarks/out/bench-arm64.json" "$repo/benchmarks/out/"

step "done: the suite exited $suite"
exit $suite
