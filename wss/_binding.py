"""Loads the compiled core ``wss._core`` once and checks its return codes.

* The core's version must equal the package's: a stale build refuses to import.
* :func:`check` is the one place where an mbedTLS (or ``WSS_ERR_*``) return code becomes
  an exception from :mod:`wss.errors`, carrying the code and its ``mbedtls_strerror`` text.

There is no pure-Python fallback: without the compiled module, importing this raises
:class:`ImportError` saying how to build it.
"""

from __future__ import annotations

from typing import Type

from . import __version__
from .errors import InternalError, WssError

try:
    # Absolute: mypy resolves `from . import _core` through wss.__getattr__, not through the
    # stub-less extension's [[tool.mypy.overrides]] entry that makes it Any.
    import wss._core as _core
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "wss._core, the compiled mbedTLS core, is not built or cannot load "
        f"({exc}). Build it with `pip install .` from the source tree "
        "(needs a C compiler and mbedTLS: `apt-get install libmbedtls-dev`)."
    ) from exc

ffi = _core.ffi
lib = _core.lib

CORE_VERSION: str = ffi.string(lib.wss_core_version()).decode()
MBEDTLS_VERSION: str = ffi.string(lib.wss_mbedtls_version()).decode()
HAS_MBEDTLS3 = bool(lib.WSS_HAS_MBEDTLS3)
HAS_THREADING = bool(lib.WSS_HAS_THREADING)
HAS_TLS13 = bool(lib.WSS_HAS_TLS13)

if CORE_VERSION != __version__:  # pragma: no cover
    raise ImportError(
        f"wss._core is version {CORE_VERSION} but the wss package is {__version__}: rebuild with `pip install .`"
    )


def strerror(code: int) -> str:
    """The text mbedTLS (or the core) gives for a negative error ``code``."""
    buf = ffi.new("char[]", 160)
    lib.wss_strerror(code, buf, len(buf))
    return ffi.string(buf).decode("ascii", "replace")


def check(rc: int, what: str, exc: Type[WssError] = InternalError) -> None:
    """Raise ``exc(what, code, reason)`` when ``rc`` is non-zero.

    Args:
        rc: the return code of a core call (0 = success, negative = error).
        what: a short description of the failed operation, without secrets.
        exc: the exception class, a subclass of an mbedTLS-coded :class:`WssError`.
    """
    if rc != 0:
        raise exc(what, rc, strerror(rc))
