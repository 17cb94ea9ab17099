"""Options of one driver only, as TypedDicts (``load_driver(kind, **options)``).

Each driver's constructor takes these keywords and names its TypedDict in
:attr:`hal.base.WifiDriver.OPTIONS`; :func:`hal.options.parse_options` turns
``KEY=VALUE`` text (the CLI's ``--hal-option``) into them. A driver kept outside this
package declares its own TypedDict the same way.

Source: ``docs/design.md`` §5.1 (bleak ``bleak/args/*``: per-backend TypedDicts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, TypedDict, Union

__all__ = ["MockArgs", "Nl80211Args", "EspAtArgs"]


class MockArgs(TypedDict, total=False):
    """Keywords of :class:`hal.mock.WifiDriverMock` (see ``hal/mock/README.md``).

    Attributes:
        environment: A YAML path, a dict of the same shape, or a RadioEnvironment.
        base_dir: Folder relative paths in the environment resolve against (default:
            the YAML file's folder, or the working directory for a dict).
        cloud_private_key: Overrides ``provisioner.cloud_private_key`` (a PEM path).
        provisioner: An object with ``passphrase_for(ssid: str) -> Optional[str]`` (or
            such a callable) that hosts the encoded setup network.
        provisioner_factory: Called once, lazily, with the environment's
            ProvisionerSpec to build the provisioner (e.g. from the cloud private key).
        dss_host: Overrides ``internet.dss_host``.
        dss_setup_port: Overrides ``internet.dss_setup_port``.
        clock: Object with ``monotonic()`` and ``sleep(s)`` (default: the real clock).
        capabilities: Field overrides of the mock's Capabilities (e.g. ``{"wpa3": False}``).
        scan_time_s: Simulated duration of one scan, seconds (default 0).
        mac: The station's MAC address, ``"02:00:00:ea:69:fc"`` (that default names the
            SoftAP ``PROV_EA69FC``).
        event_callback: First DriverEvent listener.
    """

    environment: Union[str, Path, Mapping[str, Any], Any]
    base_dir: Union[str, Path]
    cloud_private_key: Union[str, Path]
    provisioner: Any
    provisioner_factory: Callable[[Any], Any]
    dss_host: str
    dss_setup_port: int
    clock: Any
    capabilities: Mapping[str, Any]
    scan_time_s: float
    mac: str
    event_callback: Callable[[Any], None]


class Nl80211Args(TypedDict, total=False):
    """Keywords of :class:`hal.nl80211.WifiDriverNl80211`.

    Attributes:
        iface: Wireless interface, e.g. ``"wlan0"``.
        wpa_ctrl_dir: wpa_supplicant control-socket folder (e.g. ``/run/wpa_supplicant``).
        dhcp: How to get an address after association: ``"udhcpc"`` (busybox, default),
            ``"none"`` (the system configures IP) or a command such as
            ``"dhclient -1 -4 {iface}"`` (see ``hal/nl80211/ipconfig.py``).
        scan_freqs_mhz: Channels to scan, MHz (default: every enabled channel).
        resolv_conf: File to write the lease's DNS servers to (default: leave DNS alone).
        route_metric: Metric of the default route through the interface (default 600).
        probe_portal: Send the HTTP captive-portal probe in connectivity checks (default True).
        scan_timeout_s: Longest wait for one scan, seconds (default 30).
        event_callback: First DriverEvent listener.
    """

    iface: str
    wpa_ctrl_dir: str
    dhcp: Optional[str]
    scan_freqs_mhz: Sequence[int]
    resolv_conf: Optional[str]
    route_metric: int
    probe_portal: bool
    scan_timeout_s: float
    event_callback: Callable[[Any], None]


class EspAtArgs(TypedDict, total=False):
    """Keywords of :class:`hal.esp_at.WifiDriverEspAt` (see ``docs/esp-at.md``).

    Attributes:
        port: Serial device (``/dev/ttyUSB0``) or any pyserial URL (``socket://...``, a pty path).
        baud: The module's UART rate at start-up and after a restart (default 115200).
        switch_baud: Rate to raise the UART to after start-up with ``AT+UART_CUR`` (e.g. 921600).
        rtscts: Hardware flow control (RTS/CTS) (default false).
        ready_timeout_s: Longest wait for the module to answer at start-up, seconds (default 5).
        command_timeout_s: Deadline of an ordinary AT command, seconds (default 3).
        scan_timeout_s: Deadline of one ``AT+CWLAP``, seconds (default 15).
        event_callback: First DriverEvent listener.
    """

    port: str
    baud: int
    switch_baud: Optional[int]
    rtscts: bool
    ready_timeout_s: float
    command_timeout_s: float
    scan_timeout_s: float
    event_callback: Callable[[Any], None]
