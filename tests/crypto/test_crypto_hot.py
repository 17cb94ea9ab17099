"""wss._hot, the entry points of wss.crypto's short calls (sha256, hmac_sha256,
random_bytes): same results as the cffi path, any buffer as input, initialisation, error
mapping, and when the GIL is kept or released.

How the GIL is observed:

* with the real core: under a 10 s switch interval the interpreter does not preempt a
  worker thread, so the main thread runs while the worker is inside a call only if that
  call released the GIL;
* at the thresholds: a fake export table whose functions are CPython's own
  ``PyGILState_Check`` returns 1 ("held") or 0 ("released") as the call's return code.

Source: issue 2 ("Calls that take longer than a few microseconds release the GIL");
csrc/hot/wss_hot.c.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import hashlib
import hmac
import inspect
import mmap
import os
import subprocess
import sys
import threading

import pytest
from gil_probe import main_ran_during
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wss import _binding, _hot, crypto
from wss.errors import InternalError

HASH_MAX = _hot.HASH_HELD_MAX
RANDOM_MAX = _hot.RANDOM_HELD_MAX
REAL_TABLE = int(_binding.ffi.cast("uintptr_t", _binding.lib.wss_export_table()))


class _Exports(ctypes.Structure):
    """``struct wss_exports`` of csrc/wss_core.h, function pointers as ``void *``."""

    _fields_ = [
        ("version", ctypes.c_int),
        ("size", ctypes.c_size_t),
        ("sha256", ctypes.c_void_p),
        ("hmac_sha256", ctypes.c_void_p),
        ("random_bytes", ctypes.c_void_p),
    ]


SHA256_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
HMAC_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p
)
RANDOM_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)


def _address(fn) -> int:
    return ctypes.cast(fn, ctypes.c_void_p).value


#: PyGILState_Check() as the function of a fake table: 1 when the calling thread holds the
#: GIL, 0 when it released it. It ignores the arguments it is called with (the C ABIs we
#: build for pass them in registers and let the caller clean up).
PROBE = _address(ctypes.pythonapi.PyGILState_Check)


@contextlib.contextmanager
def _table(sha256, hmac_sha256, random_bytes, check=_binding.check, version=None):
    """Run the body with _hot using a fake export table, then give it the real one back."""
    table = _Exports(
        _hot.EXPORT_TABLE_VERSION if version is None else version,
        ctypes.sizeof(_Exports),
        sha256,
        hmac_sha256,
        random_bytes,
    )
    _hot._init(ctypes.addressof(table), check)
    try:
        yield
    finally:
        _hot._init(REAL_TABLE, _binding.check)


class _ProbeSaidHeld(Exception):
    pass


def _raise_held(rc, what):
    raise _ProbeSaidHeld(rc, what)


def _gil_state(call) -> str:
    """ "held" or "released": how ``call()`` ran the core function of the PROBE table."""
    with _table(PROBE, PROBE, PROBE, check=_raise_held):
        try:
            call()
        except _ProbeSaidHeld:
            return "held"
    return "released"


# ---- results ----


def _cffi_sha256(data: bytes) -> bytes:
    out = _binding.ffi.new("unsigned char[32]")
    _binding.check(_binding.lib.wss_sha256(data, len(data), out), "SHA-256")
    return _binding.ffi.buffer(out)[:]


def _cffi_hmac(key: bytes, data: bytes) -> bytes:
    out = _binding.ffi.new("unsigned char[32]")
    _binding.check(_binding.lib.wss_hmac_sha256(key, len(key), data, len(data), out), "HMAC")
    return _binding.ffi.buffer(out)[:]


@settings(max_examples=300, deadline=None)
@given(key=st.binary(max_size=2 * HASH_MAX), data=st.binary(max_size=3 * HASH_MAX))
@example(key=b"", data=b"")
@example(key=b"k" * 32, data=b"d" * (HASH_MAX - 32))
@example(key=b"k" * 32, data=b"d" * (HASH_MAX - 31))
@example(key=b"k", data=b"d" * HASH_MAX)
@example(key=b"k" * 64, data=b"d" * (HASH_MAX + 1))
def test_results_equal_the_cffi_path(key, data):
    assert crypto.sha256(data) == _cffi_sha256(data)
    assert crypto.hmac_sha256(key, data) == _cffi_hmac(key, data)


@pytest.mark.parametrize("n", [0, 1, 32, RANDOM_MAX, RANDOM_MAX + 1, 5 * RANDOM_MAX + 3])
def test_random_bytes_lengths_around_the_threshold(n):
    draws = [crypto.random_bytes(n) for _ in range(64)]
    assert all(type(d) is bytes and len(d) == n for d in draws)
    if n == 0:
        assert set(draws) == {b""}
    elif n < 8:
        # short draws may repeat by chance (8 one-byte draws collide ~10 % of the time);
        # 64 identical draws would mean a stuck generator (chance 256**-63 at n = 1)
        assert len(set(draws)) > 1
    else:
        assert len(set(draws)) == 64


def test_hot_carries_no_copy_of_the_core():
    """One CTR-DRBG and one copy of each primitive: _hot defines none of the core's symbols."""
    hot, core = ctypes.CDLL(_hot.__file__), ctypes.CDLL(_binding._core.__file__)
    for name in ("wss_random_bytes", "wss_sha256", "mbedtls_ctr_drbg_random", "mbedtls_sha256_update"):
        assert not hasattr(hot, name), name
    assert hasattr(core, "wss_random_bytes")


# ---- inputs ----


def _exporters(raw: bytes):
    """``raw`` behind different buffer exporters (len(raw) is a multiple of 4)."""

    class Subclass(bytes):
        pass

    spread = bytes(b for c in raw for b in (c, 0xAA))
    words = array.array("I")
    words.frombytes(raw)
    area = mmap.mmap(-1, len(raw))
    area.write(raw)
    return [
        bytearray(raw),
        memoryview(raw),
        memoryview(bytearray(raw)),
        Subclass(raw),
        memoryview(spread)[::2],
        memoryview(raw).cast("I"),
        words,
        area,
        (ctypes.c_char * len(raw)).from_buffer_copy(raw),
    ]


@pytest.mark.parametrize("size", [64, 4 * HASH_MAX])
def test_any_buffer_is_accepted(size):
    raw, key = os.urandom(size), os.urandom(36)
    for data in _exporters(raw):
        assert crypto.sha256(data) == hashlib.sha256(raw).digest(), type(data)
        for k in _exporters(key):
            assert crypto.hmac_sha256(k, data) == hmac.new(key, raw, "sha256").digest()


@pytest.mark.parametrize("bad", ["abc", 12, None, [1, 2], 3.5])
def test_non_buffers_raise_type_error_naming_the_argument(bad):
    name = type(bad).__name__
    with pytest.raises(TypeError, match=f"^data must be bytes, bytearray or memoryview, not {name}$"):
        crypto.sha256(bad)
    with pytest.raises(TypeError, match=f"^key must be bytes, bytearray or memoryview, not {name}$"):
        crypto.hmac_sha256(bad, b"x")
    with pytest.raises(TypeError, match=f"^data must be bytes, bytearray or memoryview, not {name}$"):
        crypto.hmac_sha256(b"x", bad)


@pytest.mark.parametrize("size", [8, 4 * HASH_MAX])
def test_buffers_are_released_after_every_call(size):
    """A bytearray that is still exported cannot be resized: each must be resizable again."""
    data, key = bytearray(size), bytearray(size)
    crypto.sha256(data)
    crypto.hmac_sha256(key, data)
    with pytest.raises(TypeError):
        crypto.hmac_sha256(key, "not bytes")
    crypto.sha256(memoryview(data)[::2])
    data.append(1)
    key.append(1)


def test_keyword_arguments_signatures_and_docs():
    assert crypto.sha256(data=b"abc") == hashlib.sha256(b"abc").digest()
    assert crypto.hmac_sha256(data=b"m", key=b"k") == hmac.new(b"k", b"m", "sha256").digest()
    assert len(crypto.random_bytes(n=3)) == 3
    assert str(inspect.signature(crypto.hmac_sha256)) == "(key, data)"
    assert str(inspect.signature(crypto.random_bytes)) == "(n)"
    assert "Source: FIPS 180-4" in crypto.sha256.__doc__
    with pytest.raises(TypeError, match="unexpected keyword argument 'msg'"):
        crypto.sha256(msg=b"")
    with pytest.raises(TypeError, match="missing required argument 'data'"):
        crypto.hmac_sha256(b"k")
    with pytest.raises(TypeError, match="multiple values for argument 'key'"):
        crypto.hmac_sha256(b"k", b"d", key=b"k")
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        crypto.random_bytes(1, 2)
    with pytest.raises(TypeError):
        crypto.random_bytes(1.0)
    with pytest.raises(ValueError, match="n must be >= 0, got -5"):
        crypto.random_bytes(-5)


# ---- initialisation and errors ----


def test_functions_refuse_to_work_before_init():
    script = (
        "from wss import _hot\n"
        "for call in (lambda: _hot.sha256(b''), lambda: _hot.hmac_sha256(b'', b''),\n"
        "             lambda: _hot.random_bytes(1)):\n"
        "    try:\n"
        "        call()\n"
        "    except RuntimeError as exc:\n"
        "        print(exc)\n"
        "import wss.crypto\n"
        "print(_hot.sha256(b'abc').hex())\n"
    )
    lines = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert len(lines) == 4
    assert all("not initialised" in line and "import wss.crypto" in line for line in lines[:3])
    assert lines[3] == hashlib.sha256(b"abc").hexdigest()


def test_import_without_hot_says_how_to_build_it():
    script = "import sys\nsys.modules['wss._hot'] = None\nimport wss.crypto\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "ImportError: wss._hot, the compiled fast path" in proc.stderr
    assert "pip install ." in proc.stderr


def test_init_refuses_a_wrong_table_and_keeps_the_working_one():
    with pytest.raises(RuntimeError, match="version"):
        with _table(PROBE, PROBE, PROBE, version=_hot.EXPORT_TABLE_VERSION + 1):
            pass
    with pytest.raises(ValueError, match="address is 0"):
        _hot._init(0, _binding.check)
    with pytest.raises(TypeError, match="check must be callable"):
        _hot._init(REAL_TABLE, None)
    assert crypto.sha256(b"abc") == hashlib.sha256(b"abc").digest()


def test_a_failing_core_call_raises_what_check_raises():
    code = -0x0034  # MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED
    sha, mac, draw = (SHA256_FN(lambda *_: code), HMAC_FN(lambda *_: code), RANDOM_FN(lambda *_: code))
    calls = [
        (lambda n: crypto.sha256(bytearray(n)), "SHA-256"),
        (lambda n: crypto.hmac_sha256(b"k", bytearray(n)), "HMAC-SHA256"),
        (crypto.random_bytes, "CTR-DRBG random bytes"),
    ]
    with _table(_address(sha), _address(mac), _address(draw)):
        for call, what in calls:
            for n in (1, 4 * RANDOM_MAX):  # GIL kept, GIL released
                with pytest.raises(InternalError) as info:
                    call(n)
                assert info.value.code == code
                assert info.value.reason == _binding.strerror(code)
                assert str(info.value).startswith(what)
    with _table(_address(sha), _address(mac), _address(draw), check=lambda rc, what: None):
        with pytest.raises(SystemError, match="check\\(\\) raised nothing"):
            crypto.sha256(b"")


# ---- the GIL ----


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: _hot.sha256(b""), "held"),
        (lambda: _hot.sha256(bytes(HASH_MAX)), "held"),
        (lambda: _hot.sha256(bytes(HASH_MAX + 1)), "released"),
        (lambda: _hot.hmac_sha256(bytes(32), bytes(HASH_MAX - 32)), "held"),
        (lambda: _hot.hmac_sha256(bytes(32), bytes(HASH_MAX - 31)), "released"),
        (lambda: _hot.hmac_sha256(bytes(HASH_MAX + 1), b""), "released"),
        (lambda: _hot.random_bytes(RANDOM_MAX), "held"),
        (lambda: _hot.random_bytes(RANDOM_MAX + 1), "released"),
    ],
)
def test_gil_is_kept_up_to_the_threshold_and_released_above(call, expected):
    crypto.random_bytes(1)  # the DRBG of this process is seeded
    assert _gil_state(call) == expected


def test_first_draw_after_fork_releases_the_gil():
    """The child's first draw reseeds the DRBG from the OS, which may block."""
    crypto.random_bytes(1)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            states = [_gil_state(lambda: _hot.random_bytes(16)) for _ in range(2)]
            os.write(write_fd, ",".join(states).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    child = os.read(read_fd, 64).decode()
    os.close(read_fd)
    os.waitpid(pid, 0)
    assert child == "released,held"
    assert _gil_state(lambda: _hot.random_bytes(16)) == "held"


def test_small_draw_releases_the_gil_while_a_large_draw_holds_the_drbg():
    crypto.random_bytes(1)
    entered, leave = threading.Event(), threading.Event()

    def slow_draw(out, n):
        entered.set()
        leave.wait(30)
        return 0

    draw = RANDOM_FN(slow_draw)
    with _table(PROBE, PROBE, _address(draw)):
        thread = threading.Thread(target=_hot.random_bytes, args=(RANDOM_MAX + 1,))
        thread.start()
        try:
            assert entered.wait(30)
            during = _gil_state(lambda: _hot.random_bytes(16))
        finally:
            leave.set()
            thread.join()
    assert during == "released"
    assert _gil_state(lambda: _hot.random_bytes(16)) == "held"


@pytest.mark.parametrize(
    "call",
    [
        lambda: crypto.sha256(bytes(32 << 20)),
        lambda: crypto.hmac_sha256(b"k" * 32, bytes(32 << 20)),
        lambda: crypto.random_bytes(16 << 20),
    ],
    ids=["sha256", "hmac_sha256", "random_bytes"],
)
def test_large_inputs_release_the_gil(call):
    assert main_ran_during(call) is True


def test_threshold_inputs_keep_the_gil():
    data, key = bytes(HASH_MAX), bytes(32)
    crypto.random_bytes(1)

    def calls():
        for _ in range(300):
            crypto.sha256(data)
            crypto.hmac_sha256(key, data[:-32])
            crypto.random_bytes(RANDOM_MAX)

    assert main_ran_during(calls) is False
