"""The crypto rows of the compatibility layer, over the mbedTLS core (:mod:`wss.crypto`).

:class:`DeviceCrypto` implements ``ffsRandomBytes``, ``ffsSha256``,
``ffsComputeHMACSHA256``, ``ffsComputeECDHKey`` and ``ffsVerifyCloudSignature`` for a
device that holds its private key in a :class:`wss.crypto.PrivateKey` (the key never
leaves the C core) and knows its device type's cloud public key. It is a mixin of
:class:`~wss.platform.default.DefaultCompat`, and is used on its own wherever only the
crypto of the flow is needed (``wss setup-network``).

Source: protocol §3.1 rows 2–5 and 11, §7.1, §8.2.
"""

from __future__ import annotations

from .. import crypto

__all__ = ["DeviceCrypto"]


class DeviceCrypto:
    """Compat crypto for one device.

    Args:
        device_key: the device's P-256 private key (the TLS client key, protocol §9).
        cloud_public_key_der: the device type's cloud public key, 91-byte DER
            SubjectPublicKeyInfo (signature checks and the setup passphrase).

    Raises:
        TypeError: ``device_key`` is not a :class:`wss.crypto.PrivateKey`.
        ValueError: ``cloud_public_key_der`` is not bytes.
    """

    def __init__(self, device_key: crypto.PrivateKey, cloud_public_key_der: bytes) -> None:
        if not isinstance(device_key, crypto.PrivateKey):
            raise TypeError(f"device_key must be a wss.crypto.PrivateKey, not {type(device_key).__name__}")
        if not isinstance(cloud_public_key_der, (bytes, bytearray)):
            raise ValueError("cloud_public_key_der must be DER bytes")
        self.device_key = device_key
        self.cloud_public_key_der = bytes(cloud_public_key_der)
        self.device_public_key_der = device_key.public_key_der()

    def ffs_random_bytes(self, count: int) -> bytes:
        """``ffsRandomBytes``: ``count`` bytes of the core's CTR-DRBG (protocol §3.1 row 2)."""
        return crypto.random_bytes(count)

    def ffs_sha256(self, data: bytes) -> bytes:
        """``ffsSha256``: SHA-256 of ``data`` (protocol §3.1 row 3)."""
        return crypto.sha256(data)

    def ffs_compute_hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        """``ffsComputeHMACSHA256``: HMAC-SHA256 of ``data`` under ``key`` (§3.1 row 4)."""
        return crypto.hmac_sha256(key, data)

    def ffs_compute_ecdh_key(self, public_key_der: bytes) -> bytes:
        """``ffsComputeECDHKey``: SHA-256 of the raw ECDH x-coordinate with the device key.

        Raises:
            wss.errors.InvalidKey: ``public_key_der`` is not a P-256 SubjectPublicKeyInfo.
        Source: protocol §3.1 row 5 (the port hashes the shared secret), §7.1.
        """
        return crypto.sha256(self.device_key.ecdh(public_key_der))

    def ffs_verify_cloud_signature(self, payload: bytes, signature: bytes) -> bool:
        """``ffsVerifyCloudSignature``: ECDSA-P256-SHA256 over the exact body bytes.

        Returns:
            True when ``signature`` (DER) verifies with the cloud public key.
        Source: protocol §3.1 row 11, §8.2.
        """
        return crypto.ecdsa_verify(self.cloud_public_key_der, payload, signature)
