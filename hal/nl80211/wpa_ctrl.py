"""wpa_supplicant's control interface, spoken directly over its Unix datagram socket.

No ``wpa_cli``: like ``wpa_ctrl.c``, the client binds its own socket in a private folder
and ``connect()``s to ``<ctrl_dir>/<iface>``. Every request is one datagram and its reply
is one datagram. A socket that sent ``ATTACH`` also receives unsolicited events, each
``<level>TEXT`` (e.g. ``<3>CTRL-EVENT-CONNECTED - Connection to ... completed [id=0 id_str=]``);
replies never start with ``<``. The driver keeps two sockets: one for commands, one
attached for events (:class:`EventPump`), so replies and events never interleave.

Secrets: ``SET_NETWORK <id> psk "..."`` carries the passphrase. Commands are never logged
and errors name only the command word and the variable, never its value.

Source: hostap ``src/common/wpa_ctrl.c`` / ``wpa_ctrl.h`` (the protocol),
``wpa_supplicant/ctrl_iface.c`` (commands), ``src/common/wpa_ctrl.h`` (event names).
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import re
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from ..errors import InterfaceError

__all__ = ["WpaCtrl", "WpaEvent", "parse_event", "EventPump"]

log = logging.getLogger("hal.nl80211")

_FIELD_RE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
_EVENT_RE = re.compile(r"\A<(\d+)>(\S*)\s*(.*)\Z", re.S)
#: A network id: an optional minus and ASCII digits (``str.isdigit`` also takes "²").
_NETWORK_ID_RE = re.compile(r"-?[0-9]{1,9}")


@dataclass(frozen=True)
class WpaEvent:
    """One unsolicited message from wpa_supplicant.

    Attributes:
        level: Its message level (2 debug ... 3 info ... 4 warning ... 5 error).
        name: The first word, e.g. ``CTRL-EVENT-CONNECTED`` (or a free-text word).
        text: The rest of the line.
        fields: ``key=value`` pairs found in ``text`` (quotes removed), e.g.
            ``{"id": "0", "reason": "WRONG_KEY"}``.
    """

    level: int
    name: str
    text: str
    fields: Dict[str, str] = field(default_factory=dict)

    def network_id(self) -> Optional[int]:
        """The ``id=`` field as an int (also read from ``[id=N ...]``), or None."""
        value = self.fields.get("id")
        return int(value) if value is not None and _NETWORK_ID_RE.fullmatch(value) else None


def parse_event(datagram: str) -> Optional[WpaEvent]:
    """Parse ``<level>NAME rest``; None for anything else (a reply, noise)."""
    m = _EVENT_RE.match(datagram.strip())
    if not m:
        return None
    fields = {
        k: (v[1:-1] if v.startswith('"') and v.endswith('"') and len(v) >= 2 else v)
        for k, v in _FIELD_RE.findall(m.group(3))
    }
    return WpaEvent(int(m.group(1)), m.group(2), m.group(3), fields)


def _command_word(cmd: str) -> str:
    """The part of a command safe to show: ``SET_NETWORK 0 psk`` without the value."""
    parts = cmd.split(" ", 3)
    return " ".join(parts[:3]) if parts[0] == "SET_NETWORK" else parts[0]


class WpaCtrl:
    """One connection to wpa_supplicant's control socket.

    Args:
        path: The control socket, ``<ctrl_dir>/<iface>`` (e.g. ``/run/wpa_supplicant/wlan0``).
        timeout_s: Default seconds to wait for a reply.
    Raises:
        InterfaceError: The socket is missing (wpa_supplicant not running), refuses
            (stale socket) or may not be used (insufficient privileges).
    """

    def __init__(self, path: str, timeout_s: float = 5.0) -> None:
        self.path = path
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._dir = tempfile.mkdtemp(prefix="wss-wpa-ctrl-")
        self._sock: Optional[socket.socket] = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._sock.bind(os.path.join(self._dir, "c"))
            self._sock.connect(path)
        except OSError as exc:
            self.close()
            raise _connect_error(path, exc) from exc

    def __repr__(self) -> str:
        return f"WpaCtrl({self.path!r})"

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def fileno(self) -> int:
        return self._live().fileno()

    def _live(self) -> socket.socket:
        if self._sock is None:
            raise InterfaceError(f"control connection to {self.path} is closed")
        return self._sock

    def request(self, cmd: str, timeout_s: Optional[float] = None) -> str:
        """Send a command; return its reply (events received meanwhile are dropped).
        Thread-safe: one request at a time per connection.

        Raises:
            InterfaceError: wpa_supplicant went away or did not answer in time.
        """
        with self._lock:
            return self._request(cmd, timeout_s)

    def _request(self, cmd: str, timeout_s: Optional[float]) -> str:
        sock = self._live()
        try:
            sock.setblocking(False)
            while True:  # drop a late reply to an earlier request that timed out
                sock.recv(65536)
        except OSError:
            pass
        try:
            sock.send(cmd.encode())
            sock.settimeout(self.timeout_s if timeout_s is None else timeout_s)
            while True:
                reply = sock.recv(65536).decode(errors="replace")
                if not reply.startswith("<"):
                    return reply
        except socket.timeout:
            raise InterfaceError(f"wpa_supplicant ({self.path}) did not answer {_command_word(cmd)}") from None
        except OSError as exc:
            raise InterfaceError(
                f"wpa_supplicant ({self.path}) failed on {_command_word(cmd)}: {exc.strerror or exc}"
            ) from exc

    def command(self, cmd: str) -> None:
        """Send a command that must answer ``OK``.

        Raises:
            InterfaceError: Any other reply (the message names the command, not its values).
        """
        reply = self.request(cmd).strip()
        if reply != "OK":
            raise InterfaceError(f"wpa_supplicant refused {_command_word(cmd)}: {reply[:60]}")

    def send_only(self, cmd: str) -> None:
        """Send a command without waiting (its reply is dropped by the next read).

        Raises:
            InterfaceError: wpa_supplicant is gone (the socket refuses).
        """
        try:
            self._live().send(cmd.encode())
        except OSError as exc:
            raise InterfaceError(f"wpa_supplicant ({self.path}) is gone: {exc.strerror or exc}") from exc

    def attach(self) -> None:
        """Subscribe this socket to events."""
        self.command("ATTACH")

    def recv_event(self, timeout_s: float) -> Optional[WpaEvent]:
        """Next event on an attached socket, or None after ``timeout_s``.

        Raises:
            InterfaceError: The socket failed (wpa_supplicant gone).
        """
        sock = self._live()
        sock.settimeout(timeout_s)
        try:
            data = sock.recv(65536).decode(errors="replace")
        except socket.timeout:
            return None
        except OSError as exc:
            raise InterfaceError(f"wpa_supplicant event socket failed: {exc.strerror or exc}") from exc
        return parse_event(data)


def _connect_error(path: str, exc: OSError) -> InterfaceError:
    iface = os.path.basename(path)
    if exc.errno == errno.ENOENT:
        return InterfaceError(
            f"wpa_supplicant is not running for {iface}: no control socket {path} "
            f"(start it with: wpa_supplicant -B -i {iface} -D nl80211 -C {os.path.dirname(path)})"
        )
    if exc.errno == errno.ECONNREFUSED:
        return InterfaceError(f"wpa_supplicant is not running for {iface}: {path} is a stale socket")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InterfaceError(f"insufficient privileges to use wpa_supplicant's control socket {path}")
    return InterfaceError(f"cannot reach wpa_supplicant at {path}: {exc.strerror or exc}")


class EventPump:
    """A thread reading an attached control socket and fanning events out.

    Subscribers get every event in a queue of their own; ``on_event`` (if given) is called
    for each event on the pump's thread. The thread ends on :meth:`stop` or when the
    socket fails (``on_event`` then sees a synthetic ``WSS-CTRL-LOST`` event).

    Args:
        path: The control socket path.
        on_event: Callback for every event (must not block for long).
    Raises:
        InterfaceError: From connecting or ATTACH.
    """

    LOST = "WSS-CTRL-LOST"
    #: Seconds between liveness probes of wpa_supplicant while no event arrives.
    PING_INTERVAL_S = 2.0

    def __init__(self, path: str, on_event: Optional[Callable[[WpaEvent], None]] = None) -> None:
        self._ctrl = WpaCtrl(path)
        try:
            self._ctrl.attach()
        except InterfaceError:
            self._ctrl.close()
            raise
        self._on_event = on_event
        self._subscribers: List[queue.Queue[WpaEvent]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"wpa-events:{os.path.basename(path)}", daemon=True)
        self._thread.start()

    def subscribe(self) -> queue.Queue[WpaEvent]:
        """A new queue that receives every later event (call :meth:`unsubscribe` after)."""
        q: queue.Queue[WpaEvent] = queue.Queue()
        with self._lock:
            self._subscribers.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[WpaEvent]) -> None:
        with self._lock:
            if q in self._subscribers:
                self._subscribers.remove(q)

    def _run(self) -> None:
        last_ping = time.monotonic()
        while not self._stop.is_set():
            try:
                event = self._ctrl.recv_event(0.5)
                if time.monotonic() - last_ping >= self.PING_INTERVAL_S:
                    # a Unix datagram socket notices a vanished peer only when sending
                    self._ctrl.send_only("PING")
                    last_ping = time.monotonic()
            except InterfaceError as exc:
                if not self._stop.is_set():
                    log.warning("%s", exc)
                    self._dispatch(WpaEvent(4, self.LOST, str(exc)))
                return
            if event is not None:
                self._dispatch(event)

    def _dispatch(self, event: WpaEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for q in subscribers:
            q.put(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:  # the pump must survive a failing callback
                log.exception("wpa_supplicant event callback failed on %s", event.name)

    def stop(self) -> None:
        """Stop the thread and close the socket (idempotent)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        try:
            self._ctrl.request("DETACH", timeout_s=0.5)
        except InterfaceError:
            pass
        self._ctrl.close()
