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
TEST_DEBS := $(DEMO_DEBS) openssl qemu-system-x86 linux-image-amd64 hostapd wpasupplicant iw iproute2 \
	busybox-static kmod cpio libzbar0 protobuf-compiler
# pip's editable install freezes the package list: re-install when a package appears.
PACKAGE_INITS := $(shell find wss hal -name __init__.py 2>/dev/null)
CORE_SOURCES := $(PACKAGE_INITS) pyproject.toml CMakeLists.txt \
	$(wildcard csrc/*.c csrc/*.h csrc/*.py csrc/bindings/*.py csrc/hot/*.c)
DEMO_STAMP := $(VENV)/.wss-demo
TEST_STAMP := $(VENV)/.wss-test
PIP := $(PY) -m pip install --progress-bar off --disable-pip-version-check
# Espressif's esp_prov client code, a test peer only: installed with --no-deps (its CLI's
# own dependencies are not needed); protobuf comes with the [test] extra.
ESP_RAINMAKER_CLI := 1.14.1
comma := ,

.PHONY: demo test test-hwsim lint docs bench fuzz demo-deps test-deps clean protos

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
test: lint
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

# Only the tests on the kernel's Wi-Fi stack in the QEMU guest (about 3 minutes).
test-hwsim: test-deps $(TEST_STAMP)
	$(PY) -m pytest -m hwsim $(PYTEST_ARGS)

# Rewrite the documents' generated parts (the state table) from the code.
docs: $(TEST_STAMP)
	$(PY) docs/generate.py

# Benchmarks (not tests): each prints a table and writes JSON to benchmarks/out/.
# python-mbedtls is a peer column only (the `bench` extra).
bench: test-deps $(TEST_STAMP)
	@$(PY) -c "import mbedtls" 2>/dev/null || $(PIP) -q -e ".[test,bench]"
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_tls.py
	$(PY) benchmarks/bench_provision.py
	$(PY) benchmarks/bench_esp_at.py
	$(PY) benchmarks/bench_softap.py

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

clean:
	rm -rf build $(VENV) .pytest_cache .mypy_cache .ruff_cache
