"""Local Device Setup Service (DSS): the cloud side of Wi-Fi Simple Setup for desks and CI.

* :class:`DSSServer` — HTTPS mutual-TLS server on the DSS port and the setup-network port
  (``server``), running the six operations (``operations``) over SQLite state (``db``),
  with signed responses (``signing``), fault injection (``faults``) and a JSON-lines
  transcript (``transcript``). CLI: ``wss cloud serve``.
* :class:`Provisioner` — the Echo's part: recognise an encoded setup SSID and derive its
  passphrase with the cloud private key (``provisioner``).

Only ``cryptography`` is used for crypto here, never ``wss.crypto``.

Source: protocol §7, §8, §13.1; issue "Local Device Setup Service".
"""

from __future__ import annotations

from .accounts import Accounts, load_accounts
from .db import StateDB
from .faults import FaultPlan, FaultRule, load_faults
from .identity import ClientIdentity, identity_from_certificate
from .pki import CloudPKI
from .provisioner import HostedNetwork, Provisioner
from .server import DSSServer
from .transcript import Transcript

__all__ = [
    "Accounts",
    "ClientIdentity",
    "DSSServer",
    "CloudPKI",
    "FaultPlan",
    "FaultRule",
    "HostedNetwork",
    "Provisioner",
    "StateDB",
    "Transcript",
    "identity_from_certificate",
    "load_accounts",
    "load_faults",
]
