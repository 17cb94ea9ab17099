"""SQLite state of the cloud simulator: sessions, scan data, credentials served, reports,
errors and injected faults, so that a run can be inspected afterwards.

One connection is shared by all server threads behind a re-entrant lock; every
operation runs inside :meth:`StateDB.transaction`, which makes a request's reads and
writes atomic with respect to other requests. Wi-Fi keys are never stored: the
``credentials_served`` table records which networks went to which session, not secrets.
Scan results keep the SSID twice: ``ssid`` as text (octets that are not UTF-8 shown as
``\\xNN``) and ``ssid_raw``, the exact octets the vicinity rule compares.

Source: issue "Local Device Setup Service" (state in SQLite, a file or in memory).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Sequence

from ..errors import StoreError

__all__ = ["StateDB"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created REAL NOT NULL, port INTEGER,
    device_type TEXT, serial TEXT, public_key_sha256 TEXT NOT NULL,
    customer_id TEXT, salt TEXT NOT NULL, pin_required INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    scan_seq INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS scan_results (
    session_id TEXT NOT NULL, page INTEGER NOT NULL, ssid TEXT NOT NULL,
    ssid_raw BLOB NOT NULL, bssid TEXT,
    security TEXT NOT NULL, rssi INTEGER, frequency INTEGER);
CREATE TABLE IF NOT EXISTS credentials_served (
    session_id TEXT NOT NULL, at REAL NOT NULL, page INTEGER NOT NULL,
    ssid TEXT NOT NULL, security TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    session_id TEXT NOT NULL, at REAL NOT NULL, client_seq INTEGER, state TEXT NOT NULL,
    result TEXT NOT NULL, registration_state TEXT, next_state TEXT, can_proceed INTEGER,
    attempts TEXT);
CREATE TABLE IF NOT EXISTS errors (
    at REAL NOT NULL, session_id TEXT, operation TEXT, status INTEGER NOT NULL,
    code TEXT NOT NULL, message TEXT, peer TEXT, serial TEXT);
CREATE TABLE IF NOT EXISTS faults (
    at REAL NOT NULL, session_id TEXT, operation TEXT, kind TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS scan_by_session ON scan_results(session_id);
CREATE INDEX IF NOT EXISTS reports_by_session ON reports(session_id);
"""


class StateDB:
    """The simulator's SQLite database.

    Args:
        path: A file path, or ``":memory:"`` (the default) for a private in-memory DB.

    Raises:
        StoreError: The database cannot be opened or created.
    """

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.row_factory = sqlite3.Row
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the state database ({exc})") from None

    def __repr__(self) -> str:
        return f"StateDB({self.path!r})"

    @contextmanager
    def transaction(self) -> Iterator[StateDB]:
        """Hold the lock and run the block as one SQLite transaction (rolled back on error)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows changed."""
        with self._lock:
            return self._conn.execute(sql, tuple(params)).rowcount

    def query(self, sql: str, params: Sequence[Any] = ()) -> List[Dict[str, Any]]:
        """Run a read-only query; return the rows as dicts (for tests and inspection)."""
        with self._lock:
            return [dict(row) for row in self._conn.execute(sql, tuple(params)).fetchall()]

    def close(self) -> None:
        """Close the connection (further calls fail)."""
        with self._lock:
            self._conn.close()

    # --- writers used by the operations -------------------------------------------------

    def insert(self, table: str, **values: Any) -> None:
        """Insert one row; ``attempts`` values that are lists are stored as JSON text."""
        if "attempts" in values and values["attempts"] is not None:
            values["attempts"] = json.dumps(values["attempts"], sort_keys=True)
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))

    def update_session(self, session_id: str, **values: Any) -> None:
        """Set columns of one session row."""
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.execute(f"UPDATE sessions SET {assignments} WHERE id = ?", [*values.values(), session_id])

    def record_error(
        self,
        status: int,
        code: str,
        message: str,
        *,
        session_id: Optional[str] = None,
        operation: Optional[str] = None,
        peer: Optional[str] = None,
        serial: Optional[str] = None,
    ) -> None:
        """Record a refused request (4xx, injected 5xx, TLS refusal)."""
        self.insert(
            "errors",
            at=time.time(),
            session_id=session_id,
            operation=operation,
            status=status,
            code=code,
            message=message,
            peer=peer,
            serial=serial,
        )

    # --- readers -------------------------------------------------------------------------

    def session(self, session_id: str) -> Optional[Dict[str, Any]]:
        """Return one session row, or None."""
        rows = self.query("SELECT * FROM sessions WHERE id = ?", (session_id,))
        return rows[0] if rows else None

    def sessions(self) -> List[Dict[str, Any]]:
        """Return every session, oldest first."""
        return self.query("SELECT * FROM sessions ORDER BY created, rowid")

    def scan_results(self, session_id: str) -> List[Dict[str, Any]]:
        """Return the scan results a session posted, in posting order."""
        return self.query("SELECT * FROM scan_results WHERE session_id = ? ORDER BY page, rowid", (session_id,))

    def credentials_served(self, session_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Return the networks whose credentials were sent (to one session, or to all)."""
        if session_id is None:
            return self.query("SELECT * FROM credentials_served ORDER BY rowid")
        return self.query("SELECT * FROM credentials_served WHERE session_id = ? ORDER BY rowid", (session_id,))

    def reports(self, session_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Return reports (of one session, or all), with ``attempts`` decoded from JSON."""
        sql = "SELECT * FROM reports" + (" WHERE session_id = ?" if session_id else "")
        rows = self.query(sql + " ORDER BY rowid", (session_id,) if session_id else ())
        for row in rows:
            row["attempts"] = json.loads(row["attempts"]) if row["attempts"] else None
        return rows

    def errors(self) -> List[Dict[str, Any]]:
        """Return every recorded error, oldest first."""
        return self.query("SELECT * FROM errors ORDER BY rowid")

    def faults(self) -> List[Dict[str, Any]]:
        """Return every injected fault, oldest first."""
        return self.query("SELECT * FROM faults ORDER BY rowid")
