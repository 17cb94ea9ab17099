"""The exceptions of the HAL: one root, small and flat, independent of ``wss``.

A driver raises these and nothing else on purpose; ``wss.compat`` maps them to FFS
result codes in one wrapper (protocol §2.1). Messages name what was wrong (an interface,
an SSID length, a host:port) and never contain a key, PSK or passphrase.

Hierarchy::

    HALError
    ├── DriverNotSupported   (also NotImplementedError) optional op or driver not available
    ├── DriverBusyError      another operation of the same kind is running
    ├── DriverTimeout        (also TimeoutError) an operation did not finish in time
    ├── DriverClosedError    an operation needs open() first (or came after close())
    ├── ScanFailed           a started scan reported SCAN_FAILED
    ├── InterfaceError       the interface / chip / control socket is missing or failing
    ├── InvalidArgument      (also ValueError) a value breaks the contract (size, range)
    ├── EnvironmentConfigError  a simulated environment (mock YAML) is malformed
    ├── AssociationFailed    (reason: FailureReason) raised by associate() for one network
    └── StreamError          the TCP byte stream
        ├── NetworkUnreachable   no link, or the host is not reachable through it
        ├── NameResolutionError  the host name does not resolve on this network
        ├── StreamRefused        (also ConnectionRefusedError)
        ├── StreamReset          (also ConnectionResetError) reset, or the link was lost
        ├── StreamTimeout        (also DriverTimeout / TimeoutError)
        └── StreamClosed         the stream was already closed

Source: ``docs/design.md`` §5.1 (one root, structured fields) and §5.3 (optional ops raise
``DriverNotSupported``); protocol §2.1 (result codes the compat layer maps to).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .types import FailureReason

__all__ = [
    "HALError",
    "DriverNotSupported",
    "DriverBusyError",
    "DriverTimeout",
    "DriverClosedError",
    "ScanFailed",
    "InterfaceError",
    "InvalidArgument",
    "EnvironmentConfigError",
    "AssociationFailed",
    "StreamError",
    "NetworkUnreachable",
    "NameResolutionError",
    "StreamRefused",
    "StreamReset",
    "StreamTimeout",
    "StreamClosed",
]


class HALError(Exception):
    """Root of every error a HAL driver raises on purpose."""


class DriverNotSupported(HALError, NotImplementedError):
    """An optional operation this driver does not implement, or a driver that cannot load
    here (its module or a dependency such as pyroute2 or pyserial is missing)."""


class DriverBusyError(HALError):
    """Another operation of the same kind is already running (e.g. a scan or a connect)."""


class DriverTimeout(HALError, TimeoutError):
    """An operation did not complete within its ``timeout_s``."""


class DriverClosedError(HALError):
    """The driver is not open: call ``open()`` (or use it as a context manager) first."""


class ScanFailed(HALError):
    """A started scan could not complete (the driver reported SCAN_FAILED)."""


class InterfaceError(HALError):
    """The Wi-Fi interface, chip or its control channel is missing or failed: interface
    absent, not wireless, control socket unreachable, insufficient privileges, serial
    port gone, the co-processor rebooted."""


class InvalidArgument(HALError, ValueError):
    """An argument breaks the contract: an SSID longer than 32 octets, a BSSID that is not
    6 octets, a key of an impossible length for its security type, ..."""


class EnvironmentConfigError(HALError):
    """A simulated radio environment (mock YAML or dict) is malformed. The message names
    the file and the entry (e.g. ``home.yaml: access_points[2].security``), never a key."""


class AssociationFailed(HALError):
    """One network could not be joined; raised by a driver's ``associate()``.

    Attributes:
        reason: The :class:`~hal.types.FailureReason` the base records in the attempt.
        detail: Free text for logs (driver's own words, no secrets).
    """

    def __init__(self, reason: FailureReason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.name}: {detail}" if detail else reason.name)


class StreamError(HALError):
    """A TCP byte stream could not be opened or broke."""


class NetworkUnreachable(StreamError):
    """No link (not associated), or the host is not reachable through the current network."""


class NameResolutionError(StreamError):
    """The host name does not resolve on the current network."""


class StreamRefused(StreamError, ConnectionRefusedError):
    """The peer refused the TCP connection."""


class StreamReset(StreamError, ConnectionResetError):
    """The connection was reset by the peer, or lost with the Wi-Fi link."""


class StreamTimeout(StreamError, DriverTimeout):
    """Connecting, sending or receiving did not finish within the stream's timeout."""


class StreamClosed(StreamError):
    """The stream was used after ``close()``."""
