"""Transcript of every request and response the cloud simulator handled, as JSON lines.

One JSON object per line. ``event`` is ``"exchange"`` (one HTTP request and its
response), ``"tls_connection"`` (a completed handshake as the server saw it:
:mod:`wss.cloud.tls_view`) or ``"tls_refused"`` (a handshake that failed, e.g. an
unknown client certificate). An exchange record holds the listener (``dss`` or ``setup``), the port, the
peer address, a per-connection number (to see keep-alive reuse), the client identity from
its certificate, the request (method, path, headers, body text), the response (status,
headers, body text, ``body_sha256`` of the exact bytes sent) and the injected fault.

Secrets are redacted by default: the values of ``key``, ``hashedPin``,
``registrationToken`` and ``FFS.SessionToken`` become ``"<redacted>"`` and the record is
marked ``"redacted": true`` (its body text is then the re-encoded JSON; ``body_sha256``
still identifies the bytes on the wire). Pass ``redact=False`` to keep exact bodies.

Source: issue "Local Device Setup Service" (transcript); team brief (no secrets in logs).
"""

from __future__ import annotations

import collections
import hashlib
import json
import threading
import time
from typing import Any, Deque, Dict, List, Optional, Tuple

from ..errors import ConfigError

__all__ = ["SECRET_FIELDS", "Transcript"]

#: JSON member names whose values never reach a transcript unless ``redact=False``.
SECRET_FIELDS = frozenset({"key", "hashedPin", "registrationToken", "FFS.SessionToken"})
_REDACTED = "<redacted>"


def _scrub(value: Any) -> Tuple[Any, bool]:
    if isinstance(value, dict):
        changed = False
        out = {}
        for name, item in value.items():
            if name in SECRET_FIELDS:
                out[name], changed = _REDACTED, True
            else:
                out[name], sub = _scrub(item)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        items = [_scrub(item) for item in value]
        return [item for item, _ in items], any(sub for _, sub in items)
    return value, False


def body_record(body: bytes, redact: bool) -> Dict[str, Any]:
    """Return ``{"body", "body_sha256"[, "redacted"]}`` for one message body.

    Args:
        body: The exact body bytes.
        redact: Whether to blank the values of :data:`SECRET_FIELDS`.
    """
    record: Dict[str, Any] = {"body": body.decode("utf-8", "replace"), "body_sha256": hashlib.sha256(body).hexdigest()}
    if redact and body:
        try:
            parsed = json.loads(body.decode("utf-8", "surrogateescape"))
        except (ValueError, RecursionError):
            return record
        scrubbed, changed = _scrub(parsed)
        if changed:
            record["body"] = json.dumps(scrubbed, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
            record["redacted"] = True
    return record


class Transcript:
    """Collects records in memory (the last ``keep``) and appends them to a JSON-lines file.

    Args:
        path: File to append to, or None for memory only.
        redact: Blank secret values (see the module docstring).
        keep: How many of the latest records to keep in memory.
    """

    def __init__(self, path: Optional[str] = None, redact: bool = True, keep: int = 10000) -> None:
        self.path = path
        self.redact = redact
        self._records: Deque[Dict[str, Any]] = collections.deque(maxlen=keep)
        self._lock = threading.Lock()
        self._count = 0
        try:
            self._file = open(path, "a", encoding="utf-8") if path else None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot open the transcript ({exc.strerror or exc})") from None

    def __repr__(self) -> str:
        return f"Transcript(path={self.path!r}, records={self._count})"

    def write(self, event: str, **fields: Any) -> Dict[str, Any]:
        """Append one record (``seq`` and ``t`` are added) and return it."""
        with self._lock:
            self._count += 1
            record = {"seq": self._count, "t": time.time(), "event": event, **fields}
            self._records.append(record)
            if self._file is not None:
                self._file.write(json.dumps(record, sort_keys=True) + "\n")
                self._file.flush()
        return record

    def records(self, event: Optional[str] = None) -> List[Dict[str, Any]]:
        """Return the records kept in memory (all, or of one ``event`` kind), oldest first."""
        with self._lock:
            return [r for r in self._records if event is None or r["event"] == event]

    def close(self) -> None:
        """Close the file, if any. Records stay readable in memory."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
