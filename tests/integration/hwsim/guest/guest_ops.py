"""Operations the host tests call in the guest agent (``HwsimGuest.call("guest_ops:...")``).

Each opens the nl80211 driver on the device radio (``hwsim_topology.DRIVER_OPTIONS``),
does one thing and returns plain JSON. SSIDs travel as hex, since they are octets.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from typing import Any, Dict, Iterator, List, Optional

import hwsim_topology as topo

import hal
from hal import ConnectivityCheck, DriverEvent, NetworkConfig, Security
from hal.errors import HALError


@contextlib.contextmanager
def _driver(**options: Any) -> Iterator[hal.WifiDriver]:
    driver = hal.load_driver("nl80211", **dict(topo.DRIVER_OPTIONS, **options))
    driver.open()
    try:
        yield driver
    finally:
        driver.close()


def _result(r: hal.ScanResult) -> Dict[str, Any]:
    return {
        "ssid": r.ssid.hex(),
        "bssid": r.bssid_text,
        "freq_mhz": r.freq_mhz,
        "channel": r.channel,
        "rssi_dbm": r.rssi_dbm,
        "security": r.security.value,
        "hidden": r.hidden,
    }


def _attempt(a: hal.ConnectionAttempt) -> Dict[str, Any]:
    return {
        "ssid": a.ssid.hex(),
        "security": a.security.value,
        "state": a.state.name,
        "failure": a.failure.name if a.failure else None,
        "detail": a.detail,
    }


def scan(ssids_hex: Optional[List[str]] = None, timeout_s: float = 20.0) -> Dict[str, Any]:
    """One scan (directed at ``ssids_hex`` if given) -> capabilities and results."""
    with _driver() as driver:
        results = driver.scan([bytes.fromhex(s) for s in ssids_hex or []], timeout_s=timeout_s)
        return {"results": [_result(r) for r in results], "capabilities": vars(driver.capabilities())}


def _config(spec: Dict[str, Any]) -> NetworkConfig:
    return NetworkConfig(
        bytes.fromhex(spec["ssid"]),
        Security(spec["security"]),
        bytes.fromhex(spec.get("key", "")),
        bool(spec.get("hidden")),
    )


def connect(
    networks: List[Dict[str, Any]],
    check: Optional[List[Any]] = None,
    timeout_s: float = 20.0,
    echo: Optional[List[Any]] = None,
) -> Dict[str, Any]:
    """Configure ``networks`` (dicts: ssid/key hex, security, hidden), connect, and if it
    joined, optionally send 4 KiB through a TCP stream to the ``echo`` server."""
    out: Dict[str, Any] = {}
    with _driver() as driver:
        for spec in networks:
            driver.add_network(_config(spec))
        state = driver.connect(timeout_s, ConnectivityCheck(*check) if check else None)
        out["state"] = state.name
        out["attempts"] = [_attempt(a) for a in driver.connection_attempts()]
        out["address"] = subprocess.run(
            ["ip", "-4", "-o", "addr", "show", "dev", topo.DEVICE_IFACE], capture_output=True, text=True
        ).stdout.split()[3:4]
        if echo and state is hal.ConnectionState.ASSOCIATED:
            payload = bytes(range(256)) * 16
            with driver.open_tcp_stream(echo[0], int(echo[1]), timeout_s=10.0) as stream:
                stream.sendall(payload)
                got = b""
                while len(got) < len(payload):
                    chunk = stream.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            out["echo_ok"] = got == payload
    out["address_after_close"] = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "dev", topo.DEVICE_IFACE], capture_output=True, text=True
    ).stdout.strip()
    return out


def link_loss(network: Dict[str, Any], kick_cmd: str, timeout_s: float = 15.0) -> Dict[str, Any]:
    """Join ``network``, run ``kick_cmd`` on the AP side (e.g. a hostapd deauth), and
    report whether the driver noticed (DISCONNECTED event, state)."""
    lost = threading.Event()
    with _driver() as driver:
        driver.add_event_callback(lambda e: lost.set() if e is DriverEvent.DISCONNECTED else None)
        driver.add_network(_config(network))
        state = driver.connect(timeout_s)
        kick = subprocess.run(["nsenter", "-t", "1", "-n", "bash", "-c", kick_cmd], capture_output=True, text=True)
        noticed = lost.wait(timeout_s)
        return {
            "joined": state.name,
            "kick_rc": kick.returncode,
            "kick_out": kick.stdout + kick.stderr,
            "noticed": noticed,
            "state_after": driver.connection_state().name,
            "address_after": subprocess.run(
                ["ip", "-4", "-o", "addr", "show", "dev", topo.DEVICE_IFACE], capture_output=True, text=True
            ).stdout.strip(),
        }


def open_error(**options: Any) -> Optional[str]:
    """Open the driver with ``options``; return the error message, or None if it opened."""
    try:
        with _driver(**options):
            return None
    except HALError as exc:
        return f"{type(exc).__name__}: {exc}"
