"""The driver contract: to support a new Wi-Fi chipset, subclass :class:`WifiDriver`.

This file is the porting guide (like hostap's ``src/drivers/driver.h``). It has sections:

1. **Data structures** — :mod:`hal.types` (re-exported here): ScanResult, NetworkConfig,
   ConnectivityCheck, ConnectionState, FailureReason, ConnectionAttempt, Capabilities,
   SoftAPConfig, DriverEvent. Wire values are bytes; units are in names.
2. **Lifecycle** — ``attach()`` / ``detach()``.
3. **Capabilities** — ``capabilities()``; identity: ``mac_address()`` (optional).
4. **Station ops** — ``trigger_scan()`` (+ optional ``abort_scan()``), ``associate()``,
   ``disassociate()``.
5. **SoftAP ops** (optional) — ``start_softap()``, ``stop_softap()``, ``softap_listen()``.
6. **TCP byte stream** — ``tcp_connect()`` returning a :class:`hal.stream.ByteStream`.
7. **Events** — one callback taking a :class:`DriverEvent`; a driver reports
   asynchronous facts with ``_scan_completed()``, ``_scan_failed()``, ``_link_lost()``,
   ``_interface_lost()`` and ``_emit()``.

What a port implements (everything else is concrete here and shared by every driver):

=====================  ========  ==================================================
driver op              optional  called by (public API)
=====================  ========  ==================================================
``attach()``           no        ``open()`` / context manager
``detach()``           no        ``close()``
``capabilities()``     no        anyone; ``start_scan()`` checks it
``mac_address()``      yes       the SoftAP setup flow (its ``PROV_xxxxxx`` name)
``trigger_scan()``     no        ``start_scan()``, ``scan()``
``abort_scan()``       yes       ``scan()`` on timeout
``associate()``        no        ``connect()``, once per configured network, in order
``disassociate()``     no        ``disconnect()``, ``remove_network()``, ``connect()``
``tcp_connect()``      no        ``open_tcp_stream()`` (only while ASSOCIATED)
``start_softap()``     yes       the SoftAP setup fallback
``stop_softap()``      yes       idem
``softap_listen()``    yes       idem (its HTTP server accepts stations' connections)
=====================  ========  ==================================================

The base keeps the bookkeeping every driver would otherwise repeat: the configured
networks and their order (§3.1 rows 14–15), the connect loop that tries them one by one
and records a :class:`ConnectionAttempt` for each (rows 16–18), the scan results (deduped
by BSSID, strongest first; row 13), the connection state, and the event fan-out.

The public API, which the ``wss`` compatibility layer calls (§3.1 row → method):

====  ===========================  ===================================================
row   compat function              WifiDriver method
====  ===========================  ===================================================
13    ffsGetWifiScanResult         ``scan()`` / ``start_scan()`` + SCAN_DONE, ``scan_results()``
14    ffsAddWifiConfiguration      ``add_network()``
15    ffsRemoveWifiConfiguration   ``remove_network()``
16    ffsConnectToWifi             ``connect(timeout_s, check)``
17    ffsGetWifiConnectionDetails  ``connection_details()``, ``connection_state()``
18    ffsGetWifiConnectionAttempt  ``pop_connection_attempt()``, ``connection_attempts()``
—     (DSS traffic, §7.4/§8.1)     ``open_tcp_stream(host, port, timeout_s)``
====  ===========================  ===================================================

plus ``open()``/``close()`` (or ``with driver:``), ``disconnect()``, ``networks()``,
``clear_connection_attempts()``, ``add_event_callback()``. The reasons in attempts are
:class:`FailureReason` values; ``wss`` maps them to error-details codes (§10).

A new driver, in outline::

    class WifiDriverMyChip(WifiDriver):
        def attach(self): ...                     # open the port, check the chip answers
        def detach(self): ...
        def capabilities(self): return Capabilities(wpa3=True, directed_scan=True, max_scan_ssids=1)
        def trigger_scan(self, ssids): ...        # later: self._scan_completed([ScanResult(...), ...])
        def associate(self, config, timeout_s, check): ...   # or raise AssociationFailed(reason)
        def disassociate(self): ...
        def tcp_connect(self, host, port, timeout_s): ...    # return a ByteStream

then run ``tests/hal/test_driver_contract.py`` against it (add its environment to
``tests/hal/conftest.py``).

Threading: public methods may be called from any thread; a driver may call the
``_scan_completed``/``_link_lost``/... helpers from its own event thread. Callbacks run
on the thread that reported the event, with no lock held.

Source: protocol §3.1 rows 13–18, §4.1, §7.2, §10; ``docs/design.md`` §5.1 and §5.3 (bleak, hostap).
"""

from __future__ import annotations

import abc
import logging
import threading
from typing import ClassVar, Optional, Sequence, Tuple

from .errors import (
    AssociationFailed,
    DriverBusyError,
    DriverClosedError,
    DriverNotSupported,
    DriverTimeout,
    HALError,
    InterfaceError,
    InvalidArgument,
    NetworkUnreachable,
    ScanFailed,
)
from .helpers import AttemptLog, EventCallback, EventHub, NetworkList, merge_scan_results
from .stream import ByteStream, StreamListener
from .types import (
    MAX_SSID_OCTETS,
    Capabilities,
    ConnectionAttempt,
    ConnectionState,
    ConnectivityCheck,
    DriverEvent,
    FailureReason,
    NetworkConfig,
    ScanResult,
    Security,
    SoftAPConfig,
)

__all__ = [
    "WifiDriver",
    "EventCallback",
    "ByteStream",
    "Capabilities",
    "ConnectionAttempt",
    "ConnectionState",
    "ConnectivityCheck",
    "DriverEvent",
    "FailureReason",
    "NetworkConfig",
    "ScanResult",
    "Security",
    "SoftAPConfig",
]

log = logging.getLogger("hal")


class WifiDriver(abc.ABC):
    """Base of every Wi-Fi driver: implement the abstract driver ops, inherit the rest.

    Args:
        event_callback: Optional first listener for :class:`DriverEvent` (more with
            :meth:`add_event_callback`).

    Class attributes:
        OPTIONS: a ``TypedDict`` of the constructor's keyword options (see :mod:`hal.args`).
            Declare it and every option whose type can be written as text is settable as
            ``--hal-option KEY=VALUE`` from ``wss provision`` and ``wss scan``
            (:func:`hal.options.parse_options`), with no change to the command line.
    """

    OPTIONS: ClassVar[Optional[type]] = None

    def __init__(self, *, event_callback: Optional[EventCallback] = None) -> None:
        self._lock = threading.RLock()
        self._hub = EventHub(event_callback)
        self._connect_lock = threading.Lock()
        self._opened = False
        self._lost = False
        self._scanning = False
        self._scan_results: Tuple[ScanResult, ...] = ()
        self._networks = NetworkList()
        self._attempts = AttemptLog()
        self._state = ConnectionState.IDLE
        self._current: Optional[NetworkConfig] = None
        self._last: Optional[ConnectionAttempt] = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(open={self._opened}, state={self._state.name})"

    # ================================================ 2. lifecycle (driver ops) ==

    @abc.abstractmethod
    def attach(self) -> None:
        """Take hold of the interface or chip: check it exists and is usable.

        Raises:
            InterfaceError: Missing interface, not wireless, control socket unreachable,
                insufficient privileges, no answer from the chip. The message says which.
        Events: none.  Optional: no.  Source: issue 7 (start-up checks).
        """

    @abc.abstractmethod
    def detach(self) -> None:
        """Release the interface or chip (idempotent; must not raise for a lost device).

        Events: none.  Optional: no.
        """

    # ============================================= 3. capabilities (driver op) ==

    @abc.abstractmethod
    def capabilities(self) -> Capabilities:
        """Report what this driver and its hardware can do.

        Returns:
            A :class:`Capabilities`; it must not change while the driver is open.
        Events: none.  Optional: no.  Source: hostap ``get_capa()``.
        """

    def mac_address(self) -> bytes:
        """The station interface's MAC address (the device's Wi-Fi identity); callable
        once the driver is open.

        Returns:
            6 octets, e.g. ``bytes.fromhex("02000000ea69fc")``.
        Raises:
            DriverNotSupported: The driver cannot read it (the default).
            InterfaceError: The device failed.
        Events: none.  Optional: yes.
        Source: ESP-IDF's provisioning names its SoftAP ``PROV_`` and the last three
            octets of this address in hex (docs/softap.md, "Service name").
        """
        raise DriverNotSupported(f"{type(self).__name__} cannot read its MAC address")

    # ============================================== 4. station (driver ops) ==

    @abc.abstractmethod
    def trigger_scan(self, ssids: Tuple[bytes, ...]) -> None:
        """Start an active scan of every supported channel; report the outcome later.

        Args:
            ssids: SSIDs to probe by name (each 1–32 raw octets), e.g. the hidden setup
                SSID; empty for a wildcard scan only. Already checked against
                ``max_scan_ssids``. A wildcard probe is always sent as well.
        Raises:
            InterfaceError: The radio refused the request.
        Events: call ``self._scan_completed(results)`` with every BSS heard (raw; the base
            dedupes and sorts) or ``self._scan_failed(detail)``, exactly once, from any
            thread, possibly before returning. A hidden BSS must be reported with an
            empty SSID and ``hidden=True`` unless one of ``ssids`` matched it.
        Optional: no.  Source: protocol §3.1 row 13, §7.1 (directed probe of the setup SSID).
        """

    def abort_scan(self) -> None:
        """Abort a running scan; the driver then reports ``_scan_failed()``.

        Raises:
            DriverNotSupported: The driver cannot abort (the default).
        Events: SCAN_FAILED, through ``_scan_failed()``.  Optional: yes.
        """
        raise DriverNotSupported(f"{type(self).__name__} cannot abort a scan")

    @abc.abstractmethod
    def associate(self, config: NetworkConfig, timeout_s: float, check: Optional[ConnectivityCheck]) -> None:
        """Join one network and get it ready for traffic; block until done.

        Find an AP for ``config.ssid`` whose security fits the credential
        (:func:`hal.types.credential_fits`), probing by name if ``config.hidden``;
        authenticate, associate, configure IP (e.g. DHCP); then, if ``check`` is given,
        verify that ``check.host`` resolves and ``check.host:check.port`` is reachable.
        A driver that can tell a captive portal (an HTTP probe is redirected) reports it.

        Args:
            config: The network; its key must never be logged.
            timeout_s: Seconds for the whole join, check included.
            check: What to verify after association; None for IP configuration only.
        Raises:
            AssociationFailed: With the reason: AP_NOT_FOUND (no fitting AP answered),
                WRONG_KEY (4-way handshake / SAE / WEP authentication rejected),
                CAPTIVE_PORTAL, LIMITED_CONNECTIVITY (no lease, check failed, the link
                keeps dropping), UNKNOWN. The driver leaves the station unassociated.
            DriverTimeout: No outcome within ``timeout_s`` (recorded as TIMEOUT).
            InterfaceError: The device failed (recorded as INTERNAL, then re-raised).
            Any other HALError is recorded as INTERNAL and the next network is tried.
        Events: none (the base fires ATTEMPT_RECORDED and CONNECTED).
        Optional: no.  Source: protocol §3.1 rows 16–17, §7.2, §10; guide "Error codes".
        """

    @abc.abstractmethod
    def disassociate(self) -> None:
        """Leave the current network (no-op when not associated); block until left.

        Raises:
            InterfaceError: The device failed.
        Events: none (the base fires DISCONNECTED).  Optional: no.
        Source: protocol §3.1 row 15 ("if connected to it, disconnect").
        """

    # ============================================ 5. SoftAP (optional driver ops) ==

    def start_softap(self, config: SoftAPConfig) -> None:
        """Start a SoftAP (the SoftAP setup fallback of the integration guide).

        Args:
            config: SSID, security, passphrase, channel, hidden.
        Raises:
            DriverNotSupported: No SoftAP support (the default).
            DriverBusyError: The station is joined and the chip cannot do both.
        Events: SOFTAP_STARTED (the driver fires it with ``_emit``).  Optional: yes.
        Source: integration guide, "Device factory reset recommendation".
        """
        raise DriverNotSupported(f"{type(self).__name__} has no SoftAP support")

    def stop_softap(self) -> None:
        """Stop the SoftAP (no-op when none runs).

        Raises:
            DriverNotSupported: No SoftAP support (the default).
        Events: SOFTAP_STOPPED if one was running.  Optional: yes.
        """
        raise DriverNotSupported(f"{type(self).__name__} has no SoftAP support")

    def softap_listen(self, port: int) -> StreamListener:
        """Accept TCP connections from the running SoftAP's stations on ``port``.

        The listener's ``address`` is the SoftAP's own IP address (a radio's usual
        ``192.168.4.1``) and the bound port. ``stop_softap()`` closes every listener and
        resets the streams accepted through them (the stations are gone).

        Args:
            port: TCP port, 0–65535 (0: any free port, shown in ``address``), e.g. 80
                for the provisioning HTTP server.
        Returns:
            A :class:`hal.stream.StreamListener`; the caller closes it.
        Raises:
            DriverNotSupported: No SoftAP support (the default).
            NetworkUnreachable: No SoftAP is running.
            StreamError: The port cannot be listened on (in use, no privilege).
            InvalidArgument: ``port`` outside 0–65535.
        Events: none.  Optional: yes.
        Source: ESP-IDF protocomm over SoftAP (an HTTP server on port 80 of the AP's
            address; docs/softap.md, "HTTP transport").
        """
        raise DriverNotSupported(f"{type(self).__name__} has no SoftAP support")

    # ============================================ 6. TCP byte stream (driver op) ==

    @abc.abstractmethod
    def tcp_connect(self, host: str, port: int, timeout_s: float) -> ByteStream:
        """Open a TCP connection through the joined network (called only while ASSOCIATED).

        Args:
            host: Host name (resolved through the network's DNS) or IP literal.
            port: TCP port, 1–65535 (e.g. the DSS port, or 8888 on the setup network).
            timeout_s: Seconds for resolution plus connect; also the stream's initial
                send/recv timeout.
        Returns:
            A connected :class:`ByteStream` (a :class:`hal.stream.SocketStream` for
            kernel sockets, so ``fileno()`` works when ``Capabilities.stream_fileno``).
        Raises:
            NameResolutionError, StreamRefused, StreamTimeout, NetworkUnreachable.
        Events: none.  Optional: no.  Source: protocol §7.4, §8.1, §9.
        """

    # ==================================== public API: lifecycle (concrete) ==

    def open(self) -> None:
        """Attach the driver (idempotent). Reopening after INTERFACE_LOST re-attaches.

        Raises:
            InterfaceError: From attach().
        """
        with self._lock:
            if self._opened and not self._lost:
                return
            if self._lost:
                self._detach_quietly()
            self.attach()
            self._opened, self._lost, self._scanning = True, False, False
            self._state, self._current = ConnectionState.IDLE, None

    def close(self) -> None:
        """Leave any network (DISCONNECTED fires) and detach (idempotent). Configured
        networks and recorded attempts are kept."""
        left = False
        with self._lock:
            if not self._opened:
                return
            if self._state is ConnectionState.ASSOCIATED and not self._lost:
                try:
                    left = self._leave_locked()
                except HALError as exc:
                    log.warning("leaving the network on close failed: %s", exc)
            self._detach_quietly()
            self._opened, self._scanning = False, False
            self._state, self._current = ConnectionState.IDLE, None
        if left:
            self._hub.emit(DriverEvent.DISCONNECTED)

    @property
    def is_open(self) -> bool:
        """Whether open() succeeded and neither close() nor INTERFACE_LOST came since."""
        return self._opened and not self._lost

    def __enter__(self) -> WifiDriver:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _detach_quietly(self) -> None:
        try:
            self.detach()
        except HALError as exc:
            log.warning("detach failed: %s", exc)

    def _require_open(self) -> None:
        if self._lost:
            raise InterfaceError(f"{type(self).__name__}: the interface was lost; reopen the driver")
        if not self._opened:
            raise DriverClosedError(f"{type(self).__name__} is not open")

    # ======================================= public API: events (concrete) ==

    def add_event_callback(self, callback: EventCallback) -> None:
        """Also call ``callback(event)`` for every later :class:`DriverEvent`."""
        self._hub.add(callback)

    def remove_event_callback(self, callback: EventCallback) -> None:
        """Stop calling ``callback`` (no-op if it was not registered)."""
        self._hub.remove(callback)

    def event_count(self, event: DriverEvent) -> int:
        """How many times ``event`` has fired since the driver was made."""
        return self._hub.count(event)

    # ===================================== public API: scanning (concrete) ==

    def start_scan(self, ssids: Sequence[bytes] = ()) -> None:
        """Start a scan; SCAN_DONE (or SCAN_FAILED) reports its end.

        Args:
            ssids: SSIDs to probe by name (each 1–32 raw octets), e.g. the hidden setup
                SSID of §7.1; empty for a wildcard scan.
        Raises:
            DriverBusyError: A scan is already running.
            DriverNotSupported: ``ssids`` given but the driver has no directed scan.
            InvalidArgument: An SSID is empty or over 32 octets, or more SSIDs than
                ``Capabilities.max_scan_ssids``.
            DriverClosedError, InterfaceError.
        Events: SCAN_DONE once scan_results() is valid, or SCAN_FAILED.  Optional: no.
        Source: protocol §3.1 row 13, §7.1.
        """
        wanted = tuple(ssids)
        for ssid in wanted:
            if not isinstance(ssid, bytes) or not 1 <= len(ssid) <= MAX_SSID_OCTETS:
                raise InvalidArgument(f"SSIDs to probe must be 1-{MAX_SSID_OCTETS} octets of bytes")
        with self._lock:
            self._require_open()
            if wanted:
                caps = self.capabilities()
                if not caps.directed_scan:
                    raise DriverNotSupported(f"{type(self).__name__} cannot probe SSIDs by name")
                if len(wanted) > caps.max_scan_ssids:
                    raise InvalidArgument(f"{len(wanted)} SSIDs; this driver probes at most {caps.max_scan_ssids}")
            if self._scanning:
                raise DriverBusyError("a scan is already running")
            self._scanning = True
        try:
            self.trigger_scan(wanted)
        except BaseException:
            with self._lock:
                self._scanning = False
            raise

    def scan(self, ssids: Sequence[bytes] = (), timeout_s: float = 15.0) -> Tuple[ScanResult, ...]:
        """Scan and wait for the results: start_scan(), then wait for SCAN_DONE.

        Args:
            ssids: As for start_scan().
            timeout_s: Seconds to wait for the scan to finish.
        Returns:
            One result per BSSID, strongest first.
        Raises:
            DriverTimeout: No SCAN_DONE within ``timeout_s`` (aborted if the driver can).
            ScanFailed: The driver reported SCAN_FAILED.
            The errors of start_scan().
        Events: SCAN_DONE or SCAN_FAILED.  Optional: no.  Source: protocol §3.1 row 13.
        """
        ends = (DriverEvent.SCAN_DONE, DriverEvent.SCAN_FAILED)
        since = self._hub.snapshot()
        self.start_scan(ssids)
        outcome = self._hub.wait_for(ends, since, timeout_s)
        if outcome is DriverEvent.SCAN_DONE:
            return self.scan_results()
        if outcome is DriverEvent.SCAN_FAILED:
            raise ScanFailed("the scan failed")
        try:
            self.abort_scan()
        except DriverNotSupported:
            with self._lock:
                self._scanning = False
        raise DriverTimeout(f"no scan results within {timeout_s} s")

    def scan_results(self) -> Tuple[ScanResult, ...]:
        """Results of the last completed scan: one per BSSID, strongest first.

        Source: protocol §3.1 row 13 (``ffsGetWifiScanResult`` iterates these).
        """
        with self._lock:
            return self._scan_results

    # ===================================== public API: networks (concrete) ==

    def add_network(self, config: NetworkConfig) -> None:
        """Configure a network to try in connect(): after every network of higher or equal
        priority already added (first added = first tried).

        Args:
            config: The network (validated when it was built).
        Raises:
            InvalidArgument: ``config`` is not a NetworkConfig.
        Events: none.  Optional: no.  Source: protocol §3.1 row 14.
        """
        if not isinstance(config, NetworkConfig):
            raise InvalidArgument(f"add_network() takes a NetworkConfig, not {type(config).__name__}")
        with self._lock:
            self._networks.add(config)

    def remove_network(self, ssid: bytes) -> int:
        """Remove every configured network with ``ssid``; leave it if joined to it.

        Args:
            ssid: 1–32 raw octets.
        Returns:
            How many configurations were removed (0 is not an error).
        Raises:
            InvalidArgument: ``ssid`` is not bytes.
        Events: DISCONNECTED if the station was joined to ``ssid``.  Optional: no.
        Source: protocol §3.1 row 15, §7.2 (leaving the setup network).
        """
        if not isinstance(ssid, bytes):
            raise InvalidArgument("remove_network() takes the SSID as bytes")
        left = False
        with self._lock:
            removed = self._networks.remove(ssid)
            current = self._current
            if self._state is ConnectionState.ASSOCIATED and current is not None and current.ssid == ssid:
                self._require_open()
                left = self._leave_locked()
        if left:
            self._hub.emit(DriverEvent.DISCONNECTED)
        return removed

    def networks(self) -> Tuple[NetworkConfig, ...]:
        """The configured networks in the order connect() tries them."""
        with self._lock:
            return self._networks.ordered()

    # ====================================== public API: connect (concrete) ==

    def connect(self, timeout_s: float = 30.0, check: Optional[ConnectivityCheck] = None) -> ConnectionState:
        """Try the configured networks in order until one is joined; block until done.

        A joined network is left first. Each network tried records one
        :class:`ConnectionAttempt`; with no network configured, one attempt with an empty
        SSID and NO_CONFIGURED_NETWORKS is recorded.

        Args:
            timeout_s: Seconds allowed for each network (join plus check), > 0.
            check: Verified on each network after association (e.g. the DSS host and
                port); a network failing it is left and the next one tried.
        Returns:
            ASSOCIATED if a network was joined, else FAILED (not an error: the caller
            reads the attempts, as ``ffsConnectToWifi`` succeeds even if none joined).
        Raises:
            DriverBusyError: Another connect() is running.
            InterfaceError: The device failed (the attempt is recorded as INTERNAL).
            DriverClosedError, InvalidArgument (``timeout_s`` not > 0).
        Events: ATTEMPT_RECORDED per network; CONNECTED on success; DISCONNECTED if a
            joined network was left first.  Optional: no.
        Source: protocol §3.1 rows 16–18, §7.2, §10; integration guide "Error codes".
        """
        if not timeout_s > 0:
            raise InvalidArgument(f"timeout_s must be > 0, got {timeout_s}")
        if not self._connect_lock.acquire(blocking=False):
            raise DriverBusyError("a connect() is already running")
        try:
            with self._lock:
                self._require_open()
                left = self._state is ConnectionState.ASSOCIATED and self._leave_locked()
                order = self._networks.ordered()
            if left:
                self._hub.emit(DriverEvent.DISCONNECTED)
            if not order:
                self._record(
                    ConnectionAttempt(
                        b"",
                        Security.OPEN,
                        ConnectionState.FAILED,
                        FailureReason.NO_CONFIGURED_NETWORKS,
                        "no network configured",
                    )
                )
            for config in order:
                if self._try_network(config, timeout_s, check):
                    return ConnectionState.ASSOCIATED
            with self._lock:
                self._state, self._current = ConnectionState.FAILED, None
            return ConnectionState.FAILED
        finally:
            self._connect_lock.release()

    def _try_network(self, config: NetworkConfig, timeout_s: float, check: Optional[ConnectivityCheck]) -> bool:
        with self._lock:
            self._state, self._current = ConnectionState.UNAUTHENTICATED, config
        failure: Optional[Tuple[FailureReason, str]] = None
        try:
            self.associate(config, timeout_s, check)
        except AssociationFailed as exc:
            failure = (exc.reason, exc.detail)
        except DriverTimeout as exc:
            failure = (FailureReason.TIMEOUT, str(exc))
            self._disassociate_quietly()
        except (InterfaceError, DriverClosedError) as exc:
            self._record(_failed(config, FailureReason.INTERNAL, str(exc)))
            with self._lock:
                self._state, self._current = ConnectionState.FAILED, None
            raise
        except HALError as exc:
            failure = (FailureReason.INTERNAL, str(exc))
            self._disassociate_quietly()
        if failure is not None:
            self._record(_failed(config, *failure))
            return False
        with self._lock:
            self._state = ConnectionState.ASSOCIATED
        self._record(ConnectionAttempt(config.ssid, config.security, ConnectionState.ASSOCIATED))
        self._hub.emit(DriverEvent.CONNECTED)
        return True

    def _disassociate_quietly(self) -> None:
        try:
            self.disassociate()
        except HALError as exc:
            log.warning("disassociate after a failed join failed: %s", exc)

    def _record(self, attempt: ConnectionAttempt) -> None:
        with self._lock:
            self._attempts.record(attempt)
            self._last = attempt
        if log.isEnabledFor(logging.INFO):
            log.info(
                "connection attempt: ssid=%r %s%s",
                attempt.ssid,
                attempt.state.name,
                f" ({attempt.failure.name}: {attempt.detail})" if attempt.failure else "",
            )
        self._hub.emit(DriverEvent.ATTEMPT_RECORDED)

    def disconnect(self) -> None:
        """Leave the joined network; no-op when not joined.

        Raises:
            InterfaceError: The device failed.  DriverClosedError.
        Events: DISCONNECTED if a network was left.  Optional: no.
        """
        with self._lock:
            self._require_open()
            left = self._state is ConnectionState.ASSOCIATED and self._leave_locked()
        if left:
            self._hub.emit(DriverEvent.DISCONNECTED)

    def _leave_locked(self) -> bool:
        """Disassociate and mark DISCONNECTED (lock held). The caller fires DISCONNECTED
        after releasing the lock, so listeners never run under it. Returns True."""
        self.disassociate()
        self._state, self._current = ConnectionState.DISCONNECTED, None
        return True

    # ================================ public API: state, attempts (concrete) ==

    def connection_state(self) -> ConnectionState:
        """The station's state now (§4.1 values)."""
        with self._lock:
            return self._state

    def connection_details(self) -> ConnectionAttempt:
        """SSID, security, state and, after a failure, its reason (§3.1 row 17).

        Returns:
            The joined (or being joined) network with the live state; else the last
            attempt with the live state; else an empty SSID, OPEN, and the state.
        """
        with self._lock:
            if self._current is not None:
                return ConnectionAttempt(self._current.ssid, self._current.security, self._state)
            last = self._last
            if last is None:
                return ConnectionAttempt(b"", Security.OPEN, self._state)
            return ConnectionAttempt(last.ssid, last.security, self._state, last.failure, last.detail)

    def connection_attempts(self) -> Tuple[ConnectionAttempt, ...]:
        """Every recorded attempt not yet popped, oldest first (not removed)."""
        with self._lock:
            return self._attempts.snapshot()

    def pop_connection_attempt(self) -> Optional[ConnectionAttempt]:
        """Remove and return the oldest recorded attempt; None when there is none.

        Source: protocol §3.1 row 18 (``ffsGetWifiConnectionAttempt``, underrun = None).
        """
        with self._lock:
            return self._attempts.pop()

    def clear_connection_attempts(self) -> None:
        """Forget every recorded attempt."""
        with self._lock:
            self._attempts.clear()

    # ===================================== public API: streams (concrete) ==

    def open_tcp_stream(self, host: str, port: int, timeout_s: float = 10.0) -> ByteStream:
        """Open a TCP byte stream to ``host:port`` through the joined network.

        Args:
            host: Host name or IP literal (non-empty).
            port: TCP port, 1–65535.
            timeout_s: Seconds for resolution plus connect (> 0); the stream's initial
                send/recv timeout.
        Returns:
            A connected :class:`ByteStream`.
        Raises:
            NetworkUnreachable: Not ASSOCIATED, or no route through this network.
            NameResolutionError, StreamRefused, StreamTimeout.
            InvalidArgument, DriverClosedError.
        Events: none.  Optional: no.  Source: protocol §7.4, §8.1, §9.
        """
        if not isinstance(host, str) or not host or not 1 <= int(port) <= 65535 or not timeout_s > 0:
            raise InvalidArgument(f"bad TCP endpoint {host!r}:{port} or timeout {timeout_s}")
        with self._lock:
            self._require_open()
            if self._state is not ConnectionState.ASSOCIATED:
                raise NetworkUnreachable(f"{host}:{port}: not associated to any network")
        return self.tcp_connect(host, int(port), timeout_s)

    # ========================================= 7. helpers a driver calls ==

    def _scan_completed(self, results: Sequence[ScanResult]) -> None:
        """Store a finished scan's raw results (deduped, sorted) and fire SCAN_DONE."""
        merged = merge_scan_results(results)
        with self._lock:
            self._scan_results, self._scanning = merged, False
        self._hub.emit(DriverEvent.SCAN_DONE)

    def _scan_failed(self, detail: str = "") -> None:
        """End a started scan without results and fire SCAN_FAILED."""
        log.info("scan failed: %s", detail or "(no detail)")
        with self._lock:
            self._scanning = False
        self._hub.emit(DriverEvent.SCAN_FAILED)

    def _link_lost(self, detail: str = "") -> None:
        """The joined link ended without being asked (AP gone, deauthenticated): mark
        DISCONNECTED and fire DISCONNECTED. No-op when not joined."""
        with self._lock:
            if self._state is not ConnectionState.ASSOCIATED:
                return
            self._state, self._current = ConnectionState.DISCONNECTED, None
        log.info("link lost: %s", detail or "(no detail)")
        self._hub.emit(DriverEvent.DISCONNECTED)

    def _interface_lost(self, detail: str = "") -> None:
        """The interface or chip vanished or reset: later ops raise InterfaceError until
        reopened; fires DISCONNECTED (if joined) then INTERFACE_LOST."""
        self._link_lost(detail)
        with self._lock:
            self._lost, self._scanning = True, False
            self._state = ConnectionState.IDLE
        log.warning("interface lost: %s", detail or "(no detail)")
        self._hub.emit(DriverEvent.INTERFACE_LOST)

    def _emit(self, event: DriverEvent) -> None:
        """Fire an event the base does not fire itself (SOFTAP_STARTED / SOFTAP_STOPPED)."""
        self._hub.emit(event)


def _failed(config: NetworkConfig, reason: FailureReason, detail: str) -> ConnectionAttempt:
    return ConnectionAttempt(config.ssid, config.security, ConnectionState.FAILED, reason, detail)
