"""The Device Setup Service (DSS) client, sans-IO.

* :mod:`wss.dss.json_codec` — the exact compact JSON encoder and the strict reader.
* :mod:`wss.dss.requests` — request bodies of the six operations (§8.4), with paging.
* :mod:`wss.dss.responses` — typed, strictly parsed responses (§8.5).
* :mod:`wss.dss.signature` — the ``x-amzn-dss-signature`` header (§8.2).
* :mod:`wss.dss.client` — :class:`DSSClient`: endpoint, nonce, sequence counter, session.

Nothing here opens a socket or reads a clock.

Source: protocol §8.
"""

from __future__ import annotations

from .client import DEFAULT_HOST, DEFAULT_PORT, SETUP_NETWORK_PORT, DSSClient, Operation

__all__ = ["DSSClient", "Operation", "DEFAULT_HOST", "DEFAULT_PORT", "SETUP_NETWORK_PORT"]
