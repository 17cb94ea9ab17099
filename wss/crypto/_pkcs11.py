"""P-256 keys in a PKCS#11 token, named by an RFC 7512 ``pkcs11:`` URI.

The C core (csrc/wss_pkcs11.c) loads the module, logs in, and signs (CKM_ECDSA) and derives
(CKM_ECDH1_DERIVE) with the token's key; the private key never leaves the token. This
module parses the URI and finds the PIN. The PIN comes from the URI's ``pin-source=file:…``
or from an environment variable the caller names, never from the URI itself
(``pin-value`` is refused: a URI is often typed on a command line). Messages name the key
by its URI without any PIN. See docs/pkcs11.md.

Source: RFC 7512 (the PKCS#11 URI scheme) §2.3 (attributes), §2.4 (percent-encoding);
OASIS PKCS#11 v2.40.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from typing import Optional

from .._binding import ffi as _ffi
from .._binding import lib as _lib
from .._binding import strerror as _strerror
from ..errors import TokenError, UsageError

#: Path attributes of RFC 7512 §2.3 this client understands. ``type`` must be ``private``.
_PATH_ATTRS = {"token", "object", "id", "type"}
#: Query attributes of RFC 7512 §2.3 this client understands (``pin-value`` is refused).
_QUERY_ATTRS = {"pin-source", "module-path"}
#: Most PINs are a few digits; a pin-source file larger than this is not a PIN file.
_MAX_PIN_FILE = 4096


@dataclass(frozen=True)
class Pkcs11Uri:
    """The parts of a ``pkcs11:`` URI this client uses (values percent-decoded).

    ``id`` is the key's CKA_ID as bytes, ``object`` its CKA_LABEL, ``token`` the token
    label; ``pin_source`` the path of a PIN file (``pin-source=file:…``), ``module_path``
    the module named in the URI. ``text`` is the URI as given, which holds no PIN.
    """

    text: str
    token: Optional[str] = None
    object: Optional[str] = None
    id: Optional[bytes] = None
    pin_source: Optional[str] = None
    module_path: Optional[str] = None


def _decode(value: str, what: str) -> bytes:
    try:
        return urllib.parse.unquote_to_bytes(value)
    except ValueError as exc:  # pragma: no cover - unquote_to_bytes never raises today
        raise UsageError(f"PKCS#11 URI: {what} is not percent-encoded correctly") from exc


def parse_pkcs11_uri(uri: str) -> Pkcs11Uri:
    """Parse an RFC 7512 URI naming a P-256 private key.

    Args:
        uri: ``pkcs11:token=…;object=…`` and/or ``id=%01%02…``, optionally
            ``?pin-source=file:/path`` and ``module-path=/path/to/module.so``.
    Returns:
        The parsed :class:`Pkcs11Uri`.
    Raises:
        wss.errors.UsageError: not a ``pkcs11:`` URI, an attribute this client does not
            understand or given twice, ``pin-value`` (the PIN must not be in the URI), a
            ``type`` other than ``private``, a ``pin-source`` that is not ``file:``, or no
            ``object``/``id`` to find the key by. The message never repeats a PIN.
    """
    if not isinstance(uri, str) or not uri.startswith("pkcs11:"):
        raise UsageError("a PKCS#11 key must be given as an RFC 7512 URI starting with 'pkcs11:'")
    path, _, query = uri[len("pkcs11:") :].partition("?")
    fields = {}
    for part, sep, known in ((path, ";", _PATH_ATTRS), (query, "&", _QUERY_ATTRS)):
        for item in filter(None, part.split(sep)):
            name, eq, value = item.partition("=")
            if name == "pin-value":
                raise UsageError(
                    "PKCS#11 URI: pin-value is refused (the PIN would be on the command line);"
                    " use pin-source=file:PATH or a PIN environment variable"
                )
            if not eq or name not in known:
                raise UsageError(f"PKCS#11 URI: attribute {name!r} is not supported here")
            if name in fields:
                raise UsageError(f"PKCS#11 URI: attribute {name!r} is given twice")
            fields[name] = _decode(value, name)
    if fields.get("type", b"private") != b"private":
        raise UsageError("PKCS#11 URI: type must be 'private' (the device's private key)")
    if "object" not in fields and "id" not in fields:
        raise UsageError("PKCS#11 URI names no key: give object=LABEL and/or id=%xx…")
    pin_source = fields.get("pin-source")
    if pin_source is not None:
        if not pin_source.startswith(b"file:"):
            raise UsageError("PKCS#11 URI: pin-source must be file:PATH")
        pin_source = pin_source[len(b"file:") :]
        if pin_source.startswith(b"//"):  # file:///path (RFC 8089)
            pin_source = pin_source[2:]

    def text(name: str) -> Optional[str]:
        value = fields.get(name)
        try:
            return None if value is None else value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"PKCS#11 URI: {name} is not UTF-8") from exc

    return Pkcs11Uri(
        text=uri,
        token=text("token"),
        object=text("object"),
        id=fields.get("id"),
        pin_source=None if pin_source is None else os.fsdecode(pin_source),
        module_path=text("module-path"),
    )


def _read_pin(parsed: Pkcs11Uri, pin_env: Optional[str]) -> Optional[bytes]:
    if parsed.pin_source is not None and pin_env is not None:
        raise UsageError("give the PIN by pin-source in the URI or by an environment variable, not both")
    if pin_env is not None:
        value = os.environ.get(pin_env)
        if value is None:
            raise UsageError(f"the PIN environment variable {pin_env} is not set")
        return value.encode("utf-8")
    if parsed.pin_source is not None:
        try:
            with open(parsed.pin_source, "rb") as f:
                data = f.read(_MAX_PIN_FILE + 1)
        except OSError as exc:
            raise UsageError(f"cannot read the PIN file {parsed.pin_source}: {exc.strerror}") from None
        if len(data) > _MAX_PIN_FILE:
            raise UsageError(f"the PIN file {parsed.pin_source} is larger than {_MAX_PIN_FILE} bytes")
        return data.rstrip(b"\r\n")
    return None


def open_token_key(uri: str, module: Optional[str], pin_env: Optional[str], generate: bool = False):
    """Open the key named by ``uri`` (``generate``: make it in the token first); return the
    core's ``wss_pkey *`` handle (not yet gc'd).

    Raises:
        wss.errors.UsageError: a bad URI, no module, or no PIN source that works.
        wss.errors.TokenError: the module, token, PIN or key was refused (one line, no PIN).
    """
    parsed = parse_pkcs11_uri(uri)
    module = module or parsed.module_path
    if not module:
        raise UsageError("no PKCS#11 module: give its path (e.g. --pkcs11-module) or module-path= in the URI")
    pin = _read_pin(parsed, pin_env)
    handle = _ffi.new("wss_pkey **")
    rc = _lib.wss_pkey_from_pkcs11(
        os.fsencode(module),
        _ffi.NULL if parsed.token is None else parsed.token.encode("utf-8"),
        _ffi.NULL if parsed.id is None else parsed.id,
        0 if parsed.id is None else len(parsed.id),
        _ffi.NULL if parsed.object is None else parsed.object.encode("utf-8"),
        _ffi.NULL if pin is None else pin,
        0 if pin is None else len(pin),
        int(generate),
        handle,
    )
    if rc != 0:
        where = f"module {module}" if rc == _lib.WSS_ERR_P11_MODULE else parsed.text
        verb = "generate" if generate else "open"
        raise TokenError(f"cannot {verb} PKCS#11 key {where}: {_strerror(rc)}", rc)
    return handle[0]
