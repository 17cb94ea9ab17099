"""Response signatures: ``x-amzn-dss-signature`` = base64(DER ECDSA-P256-SHA256(body)).

The key is the cloud private key of the caller's device type (taken from its client
certificate); a default key serves device types that have no key of their own.

Source: protocol §8.2, §13.1.
"""

from __future__ import annotations

import base64
from typing import Dict, Mapping, Optional

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["SIGNATURE_HEADER", "CloudSigner"]

#: Header name, lower-case exactly as the real service and the SDK spell it (§8.2).
SIGNATURE_HEADER = "x-amzn-dss-signature"


class CloudSigner:
    """Signs response bodies with the cloud key of a device type.

    Args:
        keys: Device type id → P-256 private key; the key under ``None`` is the
            default for any other device type.

    Raises:
        ValueError: No default key was given.
    """

    def __init__(self, keys: Mapping[Optional[str], ec.EllipticCurvePrivateKey]) -> None:
        if None not in keys:
            raise ValueError("a default cloud key (under None) is required")
        self._keys: Dict[Optional[str], ec.EllipticCurvePrivateKey] = dict(keys)

    def __repr__(self) -> str:
        types = sorted(k for k in self._keys if k is not None)
        return f"CloudSigner(device_types={types}, default=True)"

    def key_for(self, device_type: Optional[str]) -> ec.EllipticCurvePrivateKey:
        """Return the private key for ``device_type`` (the default key if it has none)."""
        return self._keys.get(device_type, self._keys[None])

    def public_key_der(self, device_type: Optional[str] = None) -> bytes:
        """Return the DER SubjectPublicKeyInfo (91 bytes) of the device type's cloud key."""
        return (
            self.key_for(device_type)
            .public_key()
            .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        )

    def sign(self, body: bytes, device_type: Optional[str] = None) -> str:
        """Sign the exact response body bytes.

        Args:
            body: The bytes sent as the HTTP body.
            device_type: The caller's device type (from its certificate).

        Returns:
            The header value: standard base64 of the DER ECDSA signature.

        Source: protocol §8.2.
        """
        der = self.key_for(device_type).sign(bytes(body), ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(der).decode("ascii")
