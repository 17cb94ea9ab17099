"""What the checks read: the DSS's records of a run, and what the radio let the device hear.

The checks never take the device's word for anything that can be seen elsewhere:

* **The DSS side** is the local DSS's transcript (``wss.cloud.transcript``): every TLS
  handshake as the server saw it (``tls_connection``, ``tls_refused``), every request
  and answer with the fault injected into it. :class:`LocalDSS` runs the DSS in this
  process (one per worker, with the run's fault rule and a fresh transcript per run);
  :class:`RemoteDSS` reads the JSON-lines transcript file of a DSS run elsewhere
  (``wss cloud serve --transcript FILE``), e.g. on the access points' side of a lab.
* **The radio side** is :class:`RadioLog`, a listener on the HAL driver's events: every
  scan's results (``SCAN_DONE`` → ``scan_results()``), every network joined
  (``CONNECTED``) and every connection attempt as the driver recorded it
  (``ATTEMPT_RECORDED``). It is the driver's own account of the air, below the compat
  layer the device's logic runs on.

Source: issue 13 ("checks on every run, from what the DSS and the radio saw, not from
what the device says about itself"); HAL contract (``hal/types.py``, ``DriverEvent``).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from hal.types import ConnectionAttempt, DriverEvent

__all__ = ["RadioLog", "LocalDSS", "RemoteDSS", "DSS_HOST"]

#: The local DSS's tables (``wss.cloud.db``): each run starts with them empty.
_DSS_TABLES = ("sessions", "scan_results", "credentials_served", "reports", "errors", "faults")

#: The DSS host name the device uses with a local DSS: the production name, which the
#: development PKI's DSS certificate also carries (``wss mfg dev-pki``), so SNI and host
#: name verification run as they would against Amazon.
DSS_HOST = "dp-sps-na.amazon.com"


class RadioLog:
    """The driver's account of one run: what it heard, joined and tried.

    Args:
        driver: the run's driver (not yet opened); the log listens to its events.

    Attributes:
        heard: every named SSID any scan reported (bytes), with the number of scans.
        joined: the SSID of every network joined, in order.
        attempts: every connection attempt the driver recorded, in order.
    """

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self._lock = threading.Lock()
        self.heard: Dict[bytes, int] = {}
        self.scans = 0
        self.joined: List[bytes] = []
        self.attempts: List[ConnectionAttempt] = []
        driver.add_event_callback(self._on_event)

    def _on_event(self, event: DriverEvent) -> None:
        if event is DriverEvent.SCAN_DONE:
            results = self._driver.scan_results()
            with self._lock:
                self.scans += 1
                for result in results:
                    if result.ssid:
                        self.heard[result.ssid] = self.heard.get(result.ssid, 0) + 1
        elif event is DriverEvent.CONNECTED:
            ssid = self._driver.connection_details().ssid
            with self._lock:
                self.joined.append(ssid)
        elif event is DriverEvent.ATTEMPT_RECORDED:
            recorded = self._driver.connection_attempts()
            if recorded:
                with self._lock:
                    self.attempts.append(recorded[-1])

    def detach(self) -> None:
        """Stop listening."""
        self._driver.remove_event_callback(self._on_event)


class LocalDSS:
    """The local DSS in this process, serving one run at a time.

    Args:
        pki_dir: the PKI folder (``wss mfg dev-pki`` layout).
        accounts: the customer's account (``{"customers": [...]}``).
    Raises:
        ConfigError: the PKI or the accounts are unusable.
        OSError: no loopback port can be bound.
    """

    remote = False

    def __init__(self, pki_dir: Any, accounts: Mapping[str, Any]) -> None:
        from ..cloud import DSSServer

        self.server = DSSServer(pki_dir, dict(accounts)).start()
        self.host = DSS_HOST

    @property
    def port(self) -> int:
        """The normal DSS port."""
        port = self.server.port
        assert port is not None  # started in __init__
        return port

    @property
    def setup_port(self) -> int:
        """The setup-network port (§7.4)."""
        port = self.server.setup_port
        assert port is not None  # started in __init__ with a setup port
        return port

    def begin(self, rule: Optional[Mapping[str, Any]], seed: int) -> None:
        """Start a run: a fresh transcript, the previous run's rows dropped from the
        DSS's database (so that a plan of many thousands of runs keeps a flat memory),
        and ``rule`` (a fault rule, or None) as the only fault, its random draws seeded
        with ``seed``."""
        from ..cloud import FaultPlan, Transcript, load_faults

        self.server.transcript = Transcript()
        for table in _DSS_TABLES:
            self.server.db.execute(f"DELETE FROM {table}")
        rules = load_faults({"faults": [dict(rule)]}).rules if rule is not None else []
        self.server.faults = FaultPlan(rules, seed=seed)

    def records(self) -> List[Dict[str, Any]]:
        """Every record of the run so far, in order."""
        return self.server.transcript.records()

    def close(self) -> None:
        """Stop the DSS."""
        self.server.close()


class RemoteDSS:
    """A DSS run elsewhere, read through its JSON-lines transcript file.

    Args:
        transcript: the file ``wss cloud serve --transcript`` appends to.
        host, port, setup_port: where the device reaches it.
    Raises:
        ConfigError: the file cannot be read.
    """

    remote = True

    def __init__(self, transcript: Path, host: str, port: int, setup_port: int) -> None:
        from ..errors import ConfigError

        self.path = Path(transcript)
        self.host, self.port, self.setup_port = host, port, setup_port
        try:
            self._offset = os.path.getsize(self.path)
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read the DSS transcript ({exc.strerror or exc})") from None

    def begin(self, rule: Optional[Mapping[str, Any]], seed: int) -> None:
        """Start a run at the file's current end. A remote DSS injects its own faults.

        Raises:
            ValueError: ``rule`` is not None (the plan refuses such profiles earlier).
        """
        if rule is not None:
            raise ValueError("a remote DSS injects its own faults; the plan cannot set them")
        self._offset = os.path.getsize(self.path)

    def records(self) -> List[Dict[str, Any]]:
        """The complete lines appended since :meth:`begin`, parsed (others are skipped)."""
        with open(self.path, "rb") as handle:
            handle.seek(self._offset)
            data = handle.read()
        out = []
        for line in data.split(b"\n")[:-1]:  # the last piece is incomplete or empty
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                out.append(record)
        return out

    def close(self) -> None:
        """Nothing to stop: the DSS is not ours."""
