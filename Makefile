# Set-up commands for a fresh Debian 12 machine (run as root, or with sudo available):
#   make demo   — installs everything, then runs the main job
#   make test   — installs everything, then runs the test suite
# Both are idempotent: they install only what is missing.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: mbedTLS headers and libraries for the C core, a C toolchain, the
# openssl CLI (the peer of the manufacturing tests), and the real Linux Wi-Fi stack for
# the nl80211 tests: QEMU and Debian's kernel (mac80211_hwsim), hostapd, wpa_supplicant,
# busybox (DHCP), kmod and cpio (the guest's initramfs). See tests/integration/README.md.
DEB_PACKAGES := libmbedtls-dev build-essential openssl \
	qemu-system-x86 linux-image-amd64 hostapd wpasupplicant iw iproute2 busybox-static kmod cpio
STAMP := $(VENV)/.wss-installed
# pip's editable install freezes the package list: re-install when a package appears.
PACKAGE_INITS := $(shell find wss hal -name __init__.py 2>/dev/null)
CORE_SOURCES := $(PACKAGE_INITS) pyproject.toml CMakeLists.txt $(wildcard csrc/*.c csrc/*.h csrc/*.py csrc/bindings/*.py csrc/hot/*.c)

.PHONY: test test-hwsim demo system-deps install bench clean

system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(CORE_SOURCES) | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	$(PY) -c "import wss.crypto"
	touch $@

install: system-deps $(STAMP)

# pytest exits 5 when it collected no tests: treat that as a failure, not a pass.
test: install
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

# Only the tests on the kernel's Wi-Fi stack in the QEMU guest (about 3 minutes).
test-hwsim: install
	$(PY) -m pytest -m hwsim $(PYTEST_ARGS)

demo: install
	$(PY) examples/demo.py

# Benchmarks (not tests): each prints a table and writes JSON to benchmarks/out/.
# python-mbedtls is a peer column only (the `bench` extra).
bench: install
	@$(PY) -c "import mbedtls" 2>/dev/null || $(PY) -m pip install -q -e ".[test,bench]"
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_tls.py
	$(PY) benchmarks/bench_provision.py

clean:
	rm -rf build $(VENV) .pytest_cache
