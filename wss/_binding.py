"""Loads the compiled core ``wss._core`` once and checks its return codes.

* The core's version must equal the package's: a stale build refuses to import.
* The mbedTLS library loaded at run time must be the version whose headers the core was
  compiled with (:func:`check_mbedtls_versions`): a core built against 3.6 headers that
  loads a 2.28 library (or the reverse) refuses to import instead of crashing later. The
  build checks the same (cmake/mbedtls.cmake); this catches a library swapped since, or
  one that ``LD_LIBRARY_PATH``/``LD_PRELOAD`` puts first.
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


def version_text(number: int) -> str:
    """``0xMMNNPP00`` (``MBEDTLS_VERSION_NUMBER``'s layout) as ``"MM.NN.PP"``."""
    return f"{number >> 24 & 0xFF}.{number >> 16 & 0xFF}.{number >> 8 & 0xFF}"


def check_mbedtls_versions(header: int, library: int) -> None:
    """Refuse a core whose mbedTLS headers and loaded library are different versions.

    Args:
        header: ``MBEDTLS_VERSION_NUMBER`` the core was compiled with (``0xMMNNPP00``).
        library: what the loaded library's ``mbedtls_version_get_number()`` returns;
            0 means the library was built without ``MBEDTLS_VERSION_C`` (not checked).
    Raises:
        ImportError: the two differ; the message names both versions.
    """
    if library != 0 and library != header:
        raise ImportError(
            f"wss._core was compiled with mbedTLS {version_text(header)} headers but loaded the "
            f"mbedTLS {version_text(library)} library: mixed mbedTLS installations. Rebuild "
            "with `pip install .` against one installation (MBEDTLS_ROOT), or fix the library "
            "search path (LD_LIBRARY_PATH, LD_PRELOAD)."
        )


# First, before any other call into mbedTLS: a mismatched library may crash on one.
check_mbedtls_versions(lib.wss_mbedtls_header_version(), lib.wss_mbedtls_library_version())

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
