"""The simulated radio environment: access points, a provisioner, the internet, faults.

Loaded from YAML or from a dict of the same shape; the format is documented in
``hal/mock/README.md``. Every entry is validated when loaded and an error names the file
and the entry (``home.yaml: access_points[2].security: ...``), never a passphrase.

Source: issue 6 ("hal/mock"); protocol §7.1 (the provisioner hosts the encoded hidden
WPA2 network), §7.3 (``simple_setup``), §7.4 (setup-network DSS port).
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from .. import yamltext
from ..errors import DriverNotSupported, EnvironmentConfigError, HALError
from ..types import ScanResult, Security, channel_to_freq_mhz, check_key, parse_bssid

__all__ = [
    "TcpRule",
    "AccessPoint",
    "FaultKind",
    "Fault",
    "ProvisionerSpec",
    "Internet",
    "RadioEnvironment",
    "load_environment",
    "decode_yaml",
]

#: Default BSSID of the provisioner's setup SoftAP (locally administered address).
DEFAULT_PROVISIONER_BSSID = bytes.fromhex("02feed000001")
#: Top-level sections of the local DSS accounts file, ignored here so that one YAML file
#: can describe both the radio and the customer's account (``wss.cloud.accounts``).
FOREIGN_SECTIONS = frozenset({"customers"})


@dataclass(frozen=True)
class TcpRule:
    """Which TCP endpoints a network reaches once joined.

    Attributes:
        kind: ``internet`` (every known host, any port, except the DSS setup port),
            ``setup`` (only the DSS host on the setup port, §7.4), ``none`` (an address
            but no route), or ``list`` (exactly ``endpoints``).
        endpoints: For ``list``: (host or ``*``, port or None for any).
    """

    kind: str
    endpoints: Tuple[Tuple[str, Optional[int]], ...] = ()


INTERNET = TcpRule("internet")
SETUP = TcpRule("setup")


@dataclass(frozen=True)
class AccessPoint:
    """One simulated AP. ``passphrase`` (WEP key or WPA passphrase) is never in a repr.

    Attributes:
        setup_host: True for the network the provisioner brings up on a directed probe.
    """

    ssid: bytes
    bssid: bytes
    channel: int
    rssi_dbm: int
    security: Security
    passphrase: bytes = field(default=b"", repr=False)
    hidden: bool = False
    tcp: TcpRule = INTERNET
    setup_host: bool = False

    @property
    def freq_mhz(self) -> int:
        return channel_to_freq_mhz(self.channel)

    def scan_result(self, reveal: bool) -> ScanResult:
        """How a scan reports it: a hidden AP's SSID only when ``reveal`` (probed by name)."""
        ssid = self.ssid if (reveal or not self.hidden) else b""
        return ScanResult(
            ssid, self.bssid, self.freq_mhz, self.channel, self.rssi_dbm, self.security, hidden=self.hidden
        )


class FaultKind(str, enum.Enum):
    """Faults the mock can inject into one AP (see README)."""

    WRONG_PSK = "wrong_psk"  #: rejects every key, even its own
    AP_VANISHES = "ap_vanishes"  #: after ``after_s``, or on first join
    CAPTIVE_PORTAL = "captive_portal"  #: joins, traffic goes to a login page
    LIMITED_CONNECTIVITY = "limited_connectivity"  #: joins, no usable IP connectivity
    SLOW_ASSOCIATION = "slow_association"  #: joining takes ``delay_s`` seconds
    CHIP_ERROR = "chip_error"  #: the chip's firmware fails the join with an internal error


@dataclass(frozen=True)
class Fault:
    """One fault and the AP it targets (by ``ssid``, ``bssid``, or the setup network)."""

    kind: FaultKind
    ssid: Optional[bytes] = None
    bssid: Optional[bytes] = None
    setup_network: bool = False
    after_s: Optional[float] = None
    on_first_connect: bool = False
    delay_s: float = 0.0

    def targets(self, ap: AccessPoint) -> bool:
        if self.setup_network:
            return ap.setup_host
        if self.bssid is not None:
            return ap.bssid == self.bssid
        return ap.ssid == self.ssid


@dataclass(frozen=True)
class ProvisionerSpec:
    """The provisioner (an Amazon device on the customer's account) as configured.

    Attributes:
        cloud_private_key: PEM path of the device type's cloud private key (resolved).
        devices: Paths of known devices' public keys or certificates (resolved), for a
            factory that needs them; may be empty.
        bssid, channel, rssi_dbm: Radio of the setup SoftAP it brings up (2.4 GHz).
    """

    cloud_private_key: Optional[Path] = None
    devices: Tuple[Path, ...] = ()
    bssid: bytes = DEFAULT_PROVISIONER_BSSID
    channel: int = 1
    rssi_dbm: int = -45


@dataclass(frozen=True)
class Internet:
    """The simulated internet behind the APs; every name in it resolves to 127.0.0.1.

    Attributes:
        dss_host: The DSS host name the device uses.
        dss_setup_port: The DSS port reachable only on the setup network (§7.4).
        hosts: Other names that resolve.
    """

    dss_host: str = "localhost"
    dss_setup_port: int = 8888
    hosts: Tuple[str, ...] = ()

    def resolves(self, host: str) -> bool:
        """Whether ``host`` resolves here (a known name, or a loopback IP literal)."""
        if host == self.dss_host or host in self.hosts:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True)
class RadioEnvironment:
    """A whole simulated place. ``source`` names it in messages (a file name or ``<dict>``)."""

    access_points: Tuple[AccessPoint, ...] = ()
    provisioner: Optional[ProvisionerSpec] = None
    internet: Internet = Internet()
    faults: Tuple[Fault, ...] = ()
    source: str = "<dict>"

    def with_overrides(
        self,
        *,
        dss_host: Optional[str] = None,
        dss_setup_port: Optional[int] = None,
        cloud_private_key: Union[str, Path, None] = None,
    ) -> RadioEnvironment:
        """A copy with the DSS endpoint or the cloud key path replaced (None keeps)."""
        internet = replace(
            self.internet,
            dss_host=dss_host if dss_host is not None else self.internet.dss_host,
            dss_setup_port=(dss_setup_port if dss_setup_port is not None else self.internet.dss_setup_port),
        )
        provisioner = self.provisioner
        if cloud_private_key is not None:
            provisioner = replace(provisioner or ProvisionerSpec(), cloud_private_key=Path(cloud_private_key))
        return replace(self, internet=internet, provisioner=provisioner)


# ------------------------------------------------------------------------ loading --


def load_environment(
    source: Union[str, Path, Mapping[str, Any], RadioEnvironment], *, base_dir: Union[str, Path, None] = None
) -> RadioEnvironment:
    """Load and validate an environment.

    Args:
        source: A YAML file path, a dict of the same shape, or a RadioEnvironment
            (returned as is).
        base_dir: Folder that relative paths (``cloud_private_key``, ``devices``) resolve
            against; default the YAML file's folder, or the working directory for a dict.
    Returns:
        The environment.
    Raises:
        EnvironmentConfigError: Unreadable file, bad YAML, or an invalid entry; the
            message names the file and the entry.
    """
    if isinstance(source, RadioEnvironment):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = str(path)
        data = _read_yaml(path)
        base = Path(base_dir) if base_dir is not None else path.resolve().parent
    elif isinstance(source, Mapping):
        name, data = "<dict>", source
        base = Path(base_dir) if base_dir is not None else Path.cwd()
    else:
        raise EnvironmentConfigError(f"an environment is a YAML path or a dict, not {type(source).__name__}")
    try:
        return _Parser(name, base).environment(data)
    except EnvironmentConfigError:
        raise
    except HALError as exc:  # a value check of hal.types (e.g. a channel), already located
        raise EnvironmentConfigError(f"{name}: {exc}") from None


#: Largest radio environment file read, in bytes.
_MAX_FILE_BYTES = 1024 * 1024


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise EnvironmentConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > _MAX_FILE_BYTES:
        raise EnvironmentConfigError(f"{path}: larger than {_MAX_FILE_BYTES} bytes; not a radio environment file")
    return decode_yaml(data, str(path))


def decode_yaml(data: bytes, name: str) -> Any:
    """The YAML document in ``data`` (what a radio environment file holds).

    Args:
        data: the file's bytes.
        name: the file, for messages.
    Raises:
        EnvironmentConfigError: not UTF-8, not YAML (with the line), or nested too deeply.
        DriverNotSupported: PyYAML (the [mock] extra) is not installed.
    """
    try:
        import yaml  # noqa: F401  (PyYAML: the [mock] extra, imported only when a file is loaded)
    except ImportError:
        raise DriverNotSupported(
            "reading a radio environment file needs PyYAML: pip install 'wss-provisionee[mock]'"
        ) from None
    return yamltext.decode_yaml(data, name, EnvironmentConfigError)


class _Parser:
    """Turns the YAML/dict shape into the dataclasses above, naming every bad entry."""

    def __init__(self, name: str, base_dir: Path) -> None:
        self.name, self.base_dir = name, base_dir

    def fail(self, where: str, message: str) -> EnvironmentConfigError:
        return EnvironmentConfigError(f"{self.name}: {where}: {message}")

    def mapping(self, raw: Any, where: str, allowed: Tuple[str, ...], required: Tuple[str, ...] = ()) -> Dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be a mapping")
        unknown = sorted(set(raw) - set(allowed), key=repr)  # a YAML key may be null or a number
        if unknown:
            raise self.fail(where, f"unknown keys {unknown}; expected some of {list(allowed)}")
        missing = [k for k in required if k not in raw]
        if missing:
            raise self.fail(where, f"missing {missing}")
        return dict(raw)

    def typed(self, raw: Any, kind: Union[type, Tuple[type, ...]], where: str, what: str) -> Any:
        if isinstance(raw, bool) and kind is not bool or not isinstance(raw, kind):
            raise self.fail(where, f"must be {what}, not {raw!r}" if kind is not str else f"must be {what}")
        return raw

    def ssid(self, raw: Any, where: str) -> bytes:
        value = self.typed(raw, str, where, "a string").encode("utf-8")
        if not 1 <= len(value) <= 32:
            raise self.fail(where, f"SSID is {len(value)} octets; needs 1-32")
        return value

    def bssid(self, raw: Any, where: str) -> bytes:
        if not isinstance(raw, str):
            raise self.fail(where, 'must be a quoted string like "02:00:00:00:01:00"')
        try:
            return parse_bssid(raw)
        except HALError as exc:
            raise self.fail(where, str(exc)) from None

    def path(self, raw: Any, where: str) -> Path:
        p = Path(self.typed(raw, str, where, "a path"))
        return p if p.is_absolute() else self.base_dir / p

    def environment(self, raw: Any) -> RadioEnvironment:
        if raw is None:
            raw = {}
        top = self.mapping(
            raw, "top level", ("access_points", "provisioner", "internet", "faults") + tuple(FOREIGN_SECTIONS)
        )
        aps = [
            self.access_point(a, f"access_points[{i}]")
            for i, a in enumerate(self.typed(top.get("access_points", []), list, "access_points", "a list"))
        ]
        provisioner = None if top.get("provisioner") is None else self.provisioner(top["provisioner"])
        internet = self.internet(top.get("internet") or {})
        faults = [
            self.fault(f, f"faults[{i}]")
            for i, f in enumerate(self.typed(top.get("faults") or [], list, "faults", "a list"))
        ]
        seen: Dict[bytes, str] = {}
        for i, ap in enumerate(aps):
            if ap.bssid in seen:
                raise self.fail(f"access_points[{i}].bssid", f"same BSSID as {seen[ap.bssid]}")
            seen[ap.bssid] = f"access_points[{i}]"
        if provisioner is not None and provisioner.bssid in seen:
            raise self.fail("provisioner.bssid", f"same BSSID as {seen[provisioner.bssid]}")
        return RadioEnvironment(tuple(aps), provisioner, internet, tuple(faults), self.name)

    def access_point(self, raw: Any, where: str) -> AccessPoint:
        m = self.mapping(
            raw,
            where,
            ("ssid", "bssid", "channel", "rssi", "security", "passphrase", "hidden", "tcp"),
            ("ssid", "bssid", "channel", "rssi", "security"),
        )
        try:
            security = Security(self.typed(m["security"], str, f"{where}.security", "a string"))
        except ValueError:
            raise self.fail(f"{where}.security", f"unknown security; one of {[s.value for s in Security]}") from None
        passphrase = self.typed(m.get("passphrase", ""), str, f"{where}.passphrase", "a string").encode("utf-8")
        if security in (Security.ENTERPRISE, Security.OTHER):
            if passphrase:
                raise self.fail(f"{where}.passphrase", f"a {security.value} AP takes no passphrase")
        else:
            try:
                check_key(security, passphrase)
            except HALError as exc:
                raise self.fail(f"{where}.passphrase", str(exc)) from None
        channel = self.typed(m["channel"], int, f"{where}.channel", "an integer")
        try:
            channel_to_freq_mhz(channel)
        except HALError as exc:
            raise self.fail(f"{where}.channel", str(exc)) from None
        return AccessPoint(
            ssid=self.ssid(m["ssid"], f"{where}.ssid"),
            bssid=self.bssid(m["bssid"], f"{where}.bssid"),
            channel=channel,
            rssi_dbm=self.rssi(m["rssi"], f"{where}.rssi"),
            security=security,
            passphrase=passphrase,
            hidden=self.typed(m.get("hidden", False), bool, f"{where}.hidden", "true or false"),
            tcp=self.tcp(m.get("tcp", "internet"), f"{where}.tcp"),
        )

    def rssi(self, raw: Any, where: str) -> int:
        value = self.typed(raw, int, where, "an integer (dBm)")
        if not -120 <= value <= 0:
            raise self.fail(where, f"{value} dBm is outside -120..0")
        return value

    def tcp(self, raw: Any, where: str) -> TcpRule:
        if raw in ("internet", "setup", "none"):
            return TcpRule(raw)
        if not isinstance(raw, list):
            raise self.fail(where, 'must be internet, setup, none, or a list of "host:port"')
        endpoints: List[Tuple[str, Optional[int]]] = []
        for i, item in enumerate(raw):
            text = self.typed(item, str, f"{where}[{i}]", 'a "host:port" string')
            host, sep, port = text.rpartition(":")
            if not sep or not host or not (port == "*" or port.isdigit() and 1 <= int(port) <= 65535):
                raise self.fail(f"{where}[{i}]", f"{text!r} is not host:port (host or port may be *)")
            endpoints.append((host, None if port == "*" else int(port)))
        return TcpRule("list", tuple(endpoints))

    def provisioner(self, raw: Any) -> ProvisionerSpec:
        m = self.mapping(raw, "provisioner", ("cloud_private_key", "devices", "bssid", "channel", "rssi"))
        devices = self.typed(m.get("devices") or [], list, "provisioner.devices", "a list of paths")
        spec = ProvisionerSpec(
            cloud_private_key=(
                self.path(m["cloud_private_key"], "provisioner.cloud_private_key")
                if m.get("cloud_private_key") is not None
                else None
            ),
            devices=tuple(self.path(d, f"provisioner.devices[{i}]") for i, d in enumerate(devices)),
        )
        if "bssid" in m:
            spec = replace(spec, bssid=self.bssid(m["bssid"], "provisioner.bssid"))
        if "channel" in m:
            channel = self.typed(m["channel"], int, "provisioner.channel", "an integer")
            if not 1 <= channel <= 14:
                raise self.fail("provisioner.channel", "the provisioner's setup network is 2.4 GHz (1-14)")
            spec = replace(spec, channel=channel)
        if "rssi" in m:
            spec = replace(spec, rssi_dbm=self.rssi(m["rssi"], "provisioner.rssi"))
        return spec

    def internet(self, raw: Any) -> Internet:
        m = self.mapping(raw, "internet", ("dss_host", "dss_setup_port", "hosts"))
        port = self.typed(m.get("dss_setup_port", 8888), int, "internet.dss_setup_port", "an integer")
        if not 1 <= port <= 65535:
            raise self.fail("internet.dss_setup_port", f"{port} is not a TCP port")
        hosts = self.typed(m.get("hosts") or [], list, "internet.hosts", "a list of host names")
        return Internet(
            dss_host=self.typed(m.get("dss_host", "localhost"), str, "internet.dss_host", "a host name"),
            dss_setup_port=port,
            hosts=tuple(self.typed(h, str, f"internet.hosts[{i}]", "a host name") for i, h in enumerate(hosts)),
        )

    def fault(self, raw: Any, where: str) -> Fault:
        m = self.mapping(raw, where, ("type", "ssid", "bssid", "setup_network", "after_s", "on", "delay_s"), ("type",))
        try:
            kind = FaultKind(m["type"])
        except ValueError:
            raise self.fail(f"{where}.type", f"unknown fault; one of {[k.value for k in FaultKind]}") from None
        targets = [k for k in ("ssid", "bssid", "setup_network") if m.get(k) not in (None, False)]
        if len(targets) != 1:
            raise self.fail(where, "needs exactly one target: ssid, bssid, or setup_network: true")
        fault = Fault(
            kind,
            ssid=self.ssid(m["ssid"], f"{where}.ssid") if "ssid" in m else None,
            bssid=self.bssid(m["bssid"], f"{where}.bssid") if "bssid" in m else None,
            setup_network=self.typed(m.get("setup_network", False), bool, f"{where}.setup_network", "true or false"),
        )
        if kind is FaultKind.AP_VANISHES:
            return self.vanishing(fault, m, where)
        if kind is FaultKind.SLOW_ASSOCIATION:
            delay = self.typed(m.get("delay_s"), (int, float), f"{where}.delay_s", "seconds")
            if delay < 0:
                raise self.fail(f"{where}.delay_s", "must be >= 0")
            return replace(fault, delay_s=float(delay))
        extra = sorted(k for k in ("after_s", "on", "delay_s") if k in m)
        if extra:
            raise self.fail(where, f"{extra} do not apply to {kind.value}")
        return fault

    def vanishing(self, fault: Fault, m: Dict[str, Any], where: str) -> Fault:
        if ("after_s" in m) == ("on" in m) or "delay_s" in m:
            raise self.fail(where, "ap_vanishes needs either after_s: SECONDS or on: first_connect")
        if "on" in m:
            if m["on"] != "first_connect":
                raise self.fail(f"{where}.on", "the only event is first_connect")
            return replace(fault, on_first_connect=True)
        after = self.typed(m["after_s"], (int, float), f"{where}.after_s", "seconds")
        if after < 0:
            raise self.fail(f"{where}.after_s", "must be >= 0")
        return replace(fault, after_s=float(after))
