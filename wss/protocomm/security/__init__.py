"""The protocomm security schemes: 0 (none), 1 (X25519 + PoP + AES-CTR), 2 (SRP-6a + AES-GCM).

Each :class:`SecurityScheme` keeps its secret (PoP, salt and verifier) and makes one
:class:`SecuritySession` per client. The crypto is :mod:`wss.crypto` (mbedTLS in C).

Source: ESP-IDF protocomm security schemes (docs/softap.md, "Security").
"""

from __future__ import annotations

from .base import SecurityScheme, SecuritySession
from .nonce import CounterNonces, FixedNonce
from .sec0 import Security0
from .sec1 import Security1
from .sec2 import Security2

__all__ = ["SecurityScheme", "SecuritySession", "Security0", "Security1", "Security2", "CounterNonces", "FixedNonce"]
