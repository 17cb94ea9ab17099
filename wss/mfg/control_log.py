"""The device control log: DHA public key, barcode value, one CSV row per device.

**Public key text.** The guide extracts the DHA public key with::

    openssl x509 -in device-certificate.pem -pubkey -noout \\
        | openssl enc -base64 -d | openssl enc -base64 > dha-control-log-public-key.txt

which is the base64 of the DER SubjectPublicKeyInfo (91 bytes for P-256, uncompressed
point), in lines of 64 characters, each ending in a newline. :func:`public_key_text`
produces exactly those bytes.

**Barcode value** (the "device identification value for a 1D barcode" of the guide; its
format is not published, so wss defines it): the device serial from the DHA subject
attribute 1.3.6.1.4.1.4843.1.1 when the certificate has one (Amazon's sample DHA does;
``dev-pki`` and ``batch --with-serial`` add one); otherwise 16 characters of Crockford
base32 (digits and upper-case letters without I, L, O, U) of the first 10 bytes of
SHA-256(DER SubjectPublicKeyInfo). Both are stable for a given certificate and fit Code
128; the derived form also fits Code 39.

**CSV** (UTF-8, ``\\n`` line ends, one header row)::

    barcode,device_type_id,certificate_serial,not_after,dha_public_key

``certificate_serial`` is upper-case hex (even number of digits), ``not_after`` ISO-8601 UTC, ``dha_public_key``
the base64 SPKI on one line. The upload format Amazon expects is not public; adapt the
CSV if your Amazon contact gives you a template.

Source: guide "Provision AVS devices for FFS" steps 3.3 and 3.4.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from pathlib import Path
from typing import Dict, Iterable, List

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..errors import ConfigError
from . import certs as C
from .chain import not_after
from .files import OutputSet

__all__ = [
    "public_key_der",
    "public_key_text",
    "barcode_value",
    "control_log_row",
    "rows_csv",
    "append_rows",
    "read_rows",
    "COLUMNS",
]

#: CSV columns, in order.
COLUMNS = ("barcode", "device_type_id", "certificate_serial", "not_after", "dha_public_key")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def public_key_der(cert: x509.Certificate) -> bytes:
    """The certificate's DER SubjectPublicKeyInfo."""
    return cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_text(cert: x509.Certificate) -> str:
    """Base64 of the DER SPKI in 64-character lines, each ending in ``\\n`` (guide step 3.3)."""
    encoded = base64.b64encode(public_key_der(cert)).decode("ascii")
    return "".join(encoded[i : i + 64] + "\n" for i in range(0, len(encoded), 64))


def _crockford(data: bytes) -> str:
    number, bits = int.from_bytes(data, "big"), len(data) * 8
    return "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(bits - 5, -1, -5))


def barcode_value(cert: x509.Certificate) -> str:
    """The device identification value for the 1D barcode (definition: module docstring)."""
    serials = cert.subject.get_attributes_for_oid(C.DEVICE_SERIAL_OID)
    if serials and str(serials[0].value):
        return str(serials[0].value)
    return _crockford(hashlib.sha256(public_key_der(cert)).digest()[:10])


def control_log_row(cert: x509.Certificate) -> Dict[str, str]:
    """The CSV row for one DHA certificate (columns: :data:`COLUMNS`)."""
    types = cert.subject.get_attributes_for_oid(C.DEVICE_TYPE_OID)
    return {
        "barcode": barcode_value(cert),
        "device_type_id": str(types[0].value) if types else "",
        "certificate_serial": C.serial_hex(cert.serial_number),
        "not_after": not_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dha_public_key": base64.b64encode(public_key_der(cert)).decode("ascii"),
    }


def rows_csv(rows: Iterable[Dict[str, str]]) -> bytes:
    """The whole CSV file (header and rows) as bytes."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def read_rows(path: Path) -> List[Dict[str, str]]:
    """Read a control log written by :func:`rows_csv`.

    Raises:
        ConfigError: Unreadable, wrong header, or a short row (the message names the line).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the control log: {exc}") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    if tuple(header) != COLUMNS:
        raise ConfigError(f"{path}:1: not a wss control log (expected the header {','.join(COLUMNS)})")
    rows = []
    for row in reader:
        if len(row) != len(COLUMNS):
            raise ConfigError(f"{path}:{reader.line_num}: expected {len(COLUMNS)} columns, found {len(row)}")
        rows.append(dict(zip(COLUMNS, row)))
    return rows


def append_rows(path: Path, rows: Iterable[Dict[str, str]]) -> int:
    """Add rows to a control log, creating it if needed; the file is replaced atomically.

    A row whose barcode is already logged with the same public key is skipped, so running
    a step twice does not duplicate it.

    Args:
        path: The CSV file.
        rows: Rows from :func:`control_log_row`.

    Returns:
        How many rows were added.

    Raises:
        ConfigError: The existing file is not a control log, or a barcode is already
            logged with another public key.
        OutputError: The file cannot be written (it is left as it was).
    """
    path = Path(path)
    existing = read_rows(path) if path.exists() else []
    by_barcode = {row["barcode"]: row for row in existing}
    added = []
    for row in rows:
        old = by_barcode.get(row["barcode"])
        if old is not None:
            if old["dha_public_key"] != row["dha_public_key"]:
                raise ConfigError(f"{path}: barcode {row['barcode']} is already logged for another public key")
            continue
        by_barcode[row["barcode"]] = row
        added.append(row)
    if added or not path.exists():
        out = OutputSet(path.parent, overwrite=True)
        out.add(path.name, rows_csv(existing + added))
        out.commit()
    return len(added)
