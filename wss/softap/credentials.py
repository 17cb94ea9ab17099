"""The security 2 salt and verifier file a factory writes for each device.

Two forms are read:

* **JSON** (ours)::

      {"username": "wifiprov", "salt": "<hex>", "verifier": "<hex>"}

  ``salt`` (at least 16 bytes) and ``verifier`` (at most 384 bytes) in hex; ``username``
  is optional and informative (the device never checks it: a proof made with another
  username fails anyway).
* **esp_prov's output** — what ``esp_prov.py --sec_ver 2 --sec2_gen_cred --sec2_username
  U --sec2_pwd P`` prints: two C arrays, ``sec2_salt[]`` and ``sec2_verifier[]``, of
  ``0x..`` bytes.

Source: ESP-IDF protocomm security 2 (salt and verifier made offline; docs/softap.md,
"The salt and verifier file").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional, Tuple, Union

from .._files import read_bounded
from ..crypto import SRP_GROUP_SIZE
from ..errors import ConfigError

__all__ = ["load_salt_verifier", "dump_salt_verifier", "MIN_SALT"]

#: Shortest salt accepted, bytes.
MIN_SALT = 16
_MAX_FILE = 64 * 1024
_C_ARRAY = re.compile(r"sec2_(salt|verifier)\s*\[\s*\]\s*=\s*\{([^}]*)\}")


def load_salt_verifier(path: Union[str, Path]) -> Tuple[bytes, bytes]:
    """Read a salt and verifier file (JSON, or esp_prov's C arrays).

    Returns:
        ``(salt, verifier)``.
    Raises:
        ConfigError: the file cannot be read, or its content is not one of the two forms
            or has a salt shorter than 16 bytes, an empty verifier or one over 384 bytes
            (the message names the file).
    """
    text = read_bounded(path, "salt and verifier file", _MAX_FILE).decode("utf-8", "replace")
    found = _from_json(text, path) if text.lstrip().startswith("{") else _from_c_arrays(text)
    if found is None:
        raise ConfigError(f"{path}: neither JSON with salt and verifier nor esp_prov's sec2_salt/sec2_verifier arrays")
    salt, verifier = found
    if len(salt) < MIN_SALT:
        raise ConfigError(f"{path}: the salt is {len(salt)} bytes; at least {MIN_SALT}")
    if not 1 <= len(verifier) <= SRP_GROUP_SIZE:
        raise ConfigError(f"{path}: the verifier is {len(verifier)} bytes; 1 to {SRP_GROUP_SIZE}")
    return salt, verifier


def _from_json(text: str, path: Union[str, Path]) -> Optional[Tuple[bytes, bytes]]:
    try:
        document = json.loads(text)
        return bytes.fromhex(document["salt"]), bytes.fromhex(document["verifier"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a salt and verifier JSON object ({type(exc).__name__})") from None


def _from_c_arrays(text: str) -> Optional[Tuple[bytes, bytes]]:
    arrays = dict(_C_ARRAY.findall(text))
    if set(arrays) != {"salt", "verifier"}:
        return None
    return _octets(arrays["salt"]), _octets(arrays["verifier"])


def _octets(body: str) -> bytes:
    """The bytes of a C array's ``0x..`` items."""
    return bytes(int(item, 16) for item in re.findall(r"0x([0-9a-fA-F]{1,2})\b", body))


def dump_salt_verifier(username: str, salt: bytes, verifier: bytes) -> str:
    """The JSON form of a salt and verifier (what :func:`load_salt_verifier` reads)."""
    return json.dumps({"username": username, "salt": salt.hex(), "verifier": verifier.hex()}, indent=2) + "\n"
