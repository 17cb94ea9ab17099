"""What the hwsim guest's access points are (the hostapd-ap*.conf files of guest/ say
the same in hostapd's words; guest/setup.sh sets up the addresses and DHCP servers).

Plain data, importable on the host (to parametrise tests) and in the guest (the agent,
the nl80211 contract run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from hal import NetworkConfig, Security


@dataclass(frozen=True)
class Net:
    """One network of the guest.

    Attributes:
        ssid, security, key, hidden: As the device would be configured for it.
        scanned_as: The class a scan must report for its AP.
        gateway: The AP side's address (None: the network has no IP service).
        dhcp: Whether a DHCP server runs behind it.
        freq_mhz: Its channel's frequency.
    """

    ssid: bytes
    security: Security
    key: bytes
    hidden: bool
    scanned_as: Security
    gateway: Optional[str]
    dhcp: bool
    freq_mhz: int

    def config(self, **changes: object) -> NetworkConfig:
        fields = dict(ssid=self.ssid, security=self.security, key=self.key, hidden=self.hidden)
        fields.update(changes)  # type: ignore[arg-type]
        return NetworkConfig(**fields)  # type: ignore[arg-type]


HOME = Net(b"HomeNet", Security.WPA2_PSK, b"homenet-secret-42", False, Security.WPA2_PSK, "192.168.50.1", True, 2412)
WPA3 = Net(b"Wpa3Only", Security.WPA3_SAE, b"wpa3-secret-77", False, Security.WPA3_SAE, "192.168.51.1", True, 2412)
MIXED = Net(b"MixedNet", Security.WPA2_WPA3, b"mixed-secret-55", False, Security.WPA2_WPA3, "192.168.52.1", True, 2412)
HIDDEN = Net(
    b"simple_setup", Security.WPA2_PSK, b"setup-secret-99", True, Security.WPA2_PSK, "192.168.60.1", True, 2437
)
WPA1 = Net(b"OldWpa", Security.WPA_PSK, b"oldwpa-secret-33", False, Security.WPA_PSK, "192.168.61.1", True, 2437)
CORP = Net(b"CorpNet", Security.WPA2_PSK, b"never-joined-1", False, Security.ENTERPRISE, "192.168.62.1", False, 2437)
OPEN = Net(b"OpenCafe", Security.OPEN, b"", False, Security.OPEN, "192.168.70.1", True, 2462)
NO_LEASE = Net(b"NoLease", Security.OPEN, b"", False, Security.OPEN, "192.168.71.1", False, 2462)
WEP = Net(b"LegacyWep", Security.WEP, b"wep-key-13chr", False, Security.WEP, "192.168.72.1", True, 2462)

#: Every network, in radio order.
ALL: Tuple[Net, ...] = (HOME, WPA3, MIXED, HIDDEN, WPA1, CORP, OPEN, NO_LEASE, WEP)
#: Networks the device can join with a working lease.
JOINABLE: Tuple[Net, ...] = tuple(n for n in ALL if n.dhcp)
#: An SSID no AP uses.
ABSENT_SSID = b"NoSuchNet"
#: The TCP echo server (busybox nc) on every AP address.
ECHO_PORT = 7777
#: Port 80 of OpenCafe's gateway redirects to a login page (busybox httpd + CGI).
PORTAL = ("192.168.70.1", 443)
#: The spare radio for a test's own hostapd (the WSS provisioner), and its channel.
SPARE_RADIO = "ap4"
#: The device's interface and the options the tests open the driver with: scanning the
#: three channels in use keeps a scan at 0.2-0.4 s instead of about 4 s for all 38 (the
#: driver then listens on channels 1/6/11 for about 0.35 s).
DEVICE_IFACE = "wlan0"
DRIVER_OPTIONS = {"iface": DEVICE_IFACE, "scan_freqs_mhz": (2412, 2437, 2462)}
