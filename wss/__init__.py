"""wss — the device side ("provisionee") of Wi-Fi Simple Setup (Amazon FFS WSS).

Sub-packages (see DESIGN.md of the project):

* :mod:`wss.crypto` — SHA-256, HMAC-SHA256, P-256 ECDH/ECDSA and a CTR-DRBG, in mbedTLS
  through the compiled core ``wss._core``.
* :mod:`wss.errors` — the exception hierarchy; :class:`wss.errors.WssError` is the root.
* :mod:`wss.cli` — the ``wss`` command.

Importing :mod:`wss` itself never loads the compiled core, so tools that need only
``cryptography`` (manufacturing, the cloud simulator) work before the core is built.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
