"""Wi-Fi commands of the emulated firmware, over the mock radio's simulated place.

The radio is a :class:`hal.mock.WifiDriverMock` on the same YAML environment the mock
driver uses, so the same access points, hidden networks and faults apply, and its
provisioner brings up the encoded setup network when a scan or a join probes for it.

* ``AT+CWLAP``: every BSS heard (a hidden one with an empty SSID), fields chosen by
  ``AT+CWLAPOPT``'s print mask, in parentheses as the firmware prints them;
  ``AT+CWLAP="<ssid>"`` probes that SSID and lists only the APs that answer to it.
* ``AT+CWJAP``: the join probes the SSID by name (so hidden networks join as on the
  real module); ``WIFI CONNECTED``, ``WIFI GOT IP``, ``OK``, or ``+CWJAP:<code>`` and
  ``ERROR``: 1 timeout (a ``slow_association`` longer than ``<jap_timeout>``, or no
  address: ``limited_connectivity``, after ``WIFI CONNECTED``), 2 wrong password, 3 no AP
  (absent, or none whose security the credential fits; ``<pci_en>``=1 refuses OPEN and
  WEP), 4 anything else. A ``captive_portal`` AP joins but routes no TCP.
* ``AT+CWQAP``, ``AT+CWSTATE?``, ``AT+CWMODE``, ``AT+CWLAPOPT``, ``AT+CWAUTOCONN``,
  ``AT+CWRECONNCFG``, ``AT+CIPSTA?``, ``AT+CIFSR``, ``AT+CIPDOMAIN``.

Source: ESP-AT "Wi-Fi AT Commands", "TCP/IP AT Commands" (AT+CIPDOMAIN, AT+CIFSR);
``hal/mock/README.md`` (the environment).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from hal.errors import AssociationFailed, DriverTimeout, HALError, InvalidArgument
from hal.mock import AccessPoint, WifiDriverMock
from hal.types import FailureReason, NetworkConfig, Security, check_key, format_bssid

from .firmware import Command, Firmware
from .params import EXEC_FAIL, PARA_INVALID, AtError, Params

__all__ = ["Station", "WIFI_COMMANDS", "ECN"]

#: Our security classes as ``<ecn>`` values of AT+CWLAP.
ECN: Dict[Security, int] = {
    Security.OPEN: 0,
    Security.WEP: 1,
    Security.WPA_PSK: 2,
    Security.WPA2_PSK: 3,
    Security.ENTERPRISE: 5,
    Security.WPA3_SAE: 6,
    Security.WPA2_WPA3: 7,
    Security.OTHER: 9,
}
#: (pairwise, group) cipher codes printed for each class.
_CIPHERS: Dict[Security, tuple] = {Security.OPEN: (0, 0), Security.WEP: (2, 2), Security.WPA_PSK: (3, 3)}
_JOIN_CODES = {FailureReason.WRONG_KEY: 2, FailureReason.AP_NOT_FOUND: 3, FailureReason.LIMITED_CONNECTIVITY: 1}


class Station:
    """The station interface: which AP it is on, with which address.

    Args:
        radio: The opened mock radio.
    """

    def __init__(self, radio: WifiDriverMock) -> None:
        self.radio = radio
        self.ap: Optional[AccessPoint] = None
        self.ssid = b""  #: the SSID of the last join
        self.routes = True  #: False on a captive-portal network: TCP goes nowhere

    @property
    def ip(self) -> Optional[str]:
        ap = self.ap
        return None if ap is None else f"192.168.{ap.channel}.{100 + ap.bssid[-1] % 100}"

    def leave(self) -> bool:
        """Leave the AP; True if the station was on one."""
        if self.ap is None:
            return False
        self.radio.disassociate()
        self.ap, self.routes = None, True
        return True

    def config_for(self, ssid: bytes, password: bytes, pci_en: int) -> Optional[NetworkConfig]:
        """The credential the module would try (None: not a usable key for it)."""
        if not password:
            security = Security.OPEN
        elif pci_en == 0 and any(ap.ssid == ssid and ap.security is Security.WEP for ap in self._aps()):
            security = Security.WEP
        else:
            security = Security.WPA2_PSK
        try:
            check_key(security, password)
            return NetworkConfig(ssid, security, password, hidden=True)
        except InvalidArgument:
            return None

    def _aps(self) -> List[AccessPoint]:
        return list(self.radio.environment.access_points)

    def find(self, ssid: bytes) -> Optional[AccessPoint]:
        for ap in self._aps():
            if ap.ssid == ssid:
                return ap
        return None


def _cwmode(m: Firmware, form: str, p: Params) -> None:
    if form == "query":
        m.emit(b"+CWMODE:%d" % m.state.mode)
        return
    mode = p.integer(0, low=0, high=3)
    p.integer(1, 1, low=0, high=1)
    if mode in (0, 2) and m.station.leave():
        m.links.cut_station()
        m.emit(b"WIFI DISCONNECT")
    if mode in (0, 1) and m.state.mode in (2, 3):
        m.links.cut_server()  # the SoftAP is down: its stations are gone
    m.state.mode = mode


def _cwstate(m: Firmware, form: str, p: Params) -> None:
    m.emit(b'+CWSTATE:%d,"%s"' % (m.state.wifi_state, m.station.ssid))


def _cwlapopt(m: Firmware, form: str, p: Params) -> None:
    state = m.state
    state.lap_sort = p.integer(0, low=0, high=1)
    state.lap_mask = p.integer(1, low=0, high=0x7FF)
    state.lap_rssi_min = p.integer(2, -100, low=-100, high=40)
    state.lap_auth_mask = p.integer(3, 0xFFFF, low=0, high=0xFFFF)


def _cwlap(m: Firmware, form: str, p: Params) -> None:
    if m.state.mode not in (1, 3):
        raise AtError(EXEC_FAIL)
    probe = p.string(0) if form == "set" else None
    mac = p.string(1) if form == "set" else None
    channel = p.integer(2, 0, low=0, high=196) if form == "set" else 0
    try:
        results = m.station.radio.scan([probe] if probe else [], timeout_s=15.0)
    except InvalidArgument:
        raise AtError(PARA_INVALID) from None
    except HALError:
        raise AtError(EXEC_FAIL) from None
    state = m.state
    for r in results:
        ecn = ECN.get(r.security, 9)
        if probe is not None and r.ssid != probe or mac and r.bssid_text.encode() != mac.lower():
            continue
        if channel and r.channel != channel or r.rssi_dbm < state.lap_rssi_min or not state.lap_auth_mask >> ecn & 1:
            continue
        pairwise, group = _CIPHERS.get(r.security, (4, 4))
        fields = (
            b"%d" % ecn,
            b'"%s"' % r.ssid,
            b"%d" % r.rssi_dbm,
            b'"%s"' % r.bssid_text.encode(),
            b"%d" % r.channel,
            b"0",
            b"0",
            b"%d" % pairwise,
            b"%d" % group,
            b"7",
            b"0",
        )
        shown = [f for bit, f in enumerate(fields) if state.lap_mask >> bit & 1]
        m.emit(b"+CWLAP:(" + b",".join(shown) + b")")


def _cwjap(m: Firmware, form: str, p: Params) -> None:
    station = m.station
    if form == "query":
        ap = station.ap
        if ap is not None:
            bssid = format_bssid(ap.bssid).encode()
            m.emit(b'+CWJAP:"%s","%s",%d,%d,1,0,3,1,1' % (ap.ssid, bssid, ap.channel, ap.rssi_dbm))
        return
    if form == "execute":
        raise AtError(EXEC_FAIL)  # no saved configuration: AT+SYSSTORE is not emulated
    ssid, password = p.string(0), p.string(1, b"") or b""
    pci_en = p.integer(3, 0, low=0, high=1)
    p.integer(4, 1, low=0, high=7200)
    p.integer(5, 3, low=1, high=100)
    p.integer(6, 0, low=0, high=1)
    jap_timeout_s = p.integer(7, 15, low=3, high=600)
    p.integer(8, 1, low=0, high=3)
    if not ssid or len(ssid) > 32 or len(password) > 64:
        raise AtError(PARA_INVALID)
    if m.state.mode not in (1, 3):
        raise AtError(EXEC_FAIL)
    if station.leave():
        m.links.cut_station()
        m.emit(b"WIFI DISCONNECT")
    station.ssid = ssid
    m.state.wifi_state = 3
    code = _join(m, station, ssid, password, pci_en, float(jap_timeout_s))
    if code:
        m.state.wifi_state = 4
        raise AtError(EXEC_FAIL, b"+CWJAP:%d" % code)
    m.state.wifi_state = 2
    m.emit(b"WIFI CONNECTED")
    m.emit(b"WIFI GOT IP")


def _join(m: Firmware, station: Station, ssid: bytes, password: bytes, pci_en: int, timeout_s: float) -> int:
    """Join through the radio; 0 on success, else the ``+CWJAP`` code."""
    forced = m.faults.join_error(ssid)
    if forced:
        return forced
    config = station.config_for(ssid, password, pci_en)
    if config is None:
        return 3 if not password else 2
    if pci_en and config.security in (Security.OPEN, Security.WEP):
        return 3
    try:
        station.radio.associate(config, timeout_s, None)
    except AssociationFailed as failure:
        if failure.reason is FailureReason.CAPTIVE_PORTAL:
            station.ap, station.routes = station.find(ssid), False
            return 0 if station.ap is not None else 4
        if failure.reason is FailureReason.LIMITED_CONNECTIVITY:
            m.emit(b"WIFI CONNECTED")
        return _JOIN_CODES.get(failure.reason, 4)
    except DriverTimeout:
        return 1
    except HALError:
        return 4
    station.ap, station.routes = station.radio.associated_ap, True
    return 0


def _cwqap(m: Firmware, form: str, p: Params) -> None:
    if m.station.leave():
        m.links.cut_station()
        m.state.wifi_state = 4
        m.emit(b"WIFI DISCONNECT")


def _stored(name: bytes, default: bytes) -> Any:
    """A setting the emulator keeps (until a restart) and reports, but does not act on."""
    key = "stored_" + name.decode()

    def handler(m: Firmware, form: str, p: Params) -> None:
        if form == "query":
            m.emit(b"+%s:%s" % (name, getattr(m.state, key, default)))
            return
        setattr(m.state, key, b",".join(b"%d" % p.integer(i) for i in range(len(p))))

    return handler


def _cipsta(m: Firmware, form: str, p: Params) -> None:
    if form == "set":
        raise AtError(EXEC_FAIL)  # static addresses are not emulated
    ip = (m.station.ip or "0.0.0.0").encode()
    gateway = ip.rsplit(b".", 1)[0] + b".1" if m.station.ip else b"0.0.0.0"
    m.emit(b'+CIPSTA:ip:"%s"' % ip)
    m.emit(b'+CIPSTA:gateway:"%s"' % gateway)
    m.emit(b'+CIPSTA:netmask:"%s"' % (b"255.255.255.0" if m.station.ip else b"0.0.0.0"))


def _cifsr(m: Firmware, form: str, p: Params) -> None:
    if m.state.mode in (2, 3):
        m.emit(b'+CIFSR:APIP,"%s"' % m.state.ap_ip)
        m.emit(b'+CIFSR:APMAC,"%s"' % format_bssid(m.state.ap_mac).encode())
    m.emit(b'+CIFSR:STAIP,"%s"' % (m.station.ip or "0.0.0.0").encode())
    m.emit(b'+CIFSR:STAMAC,"%s"' % format_bssid(m.state.sta_mac).encode())


def _cipdomain(m: Firmware, form: str, p: Params) -> None:
    host = p.string(0)
    p.integer(1, 1, low=1, high=3)
    station = m.station
    if not host or station.ap is None or not station.routes:
        raise AtError(EXEC_FAIL)
    name = host.decode("ascii", "replace")
    internet = station.radio.environment.internet
    if not internet.resolves(name):
        raise AtError(EXEC_FAIL)
    # Every name of the simulated internet is 127.0.0.1; what else resolves is a
    # (loopback) address literal, its own answer.
    named = name == internet.dss_host or name in internet.hosts
    m.emit(b'+CIPDOMAIN:"%s"' % (b"127.0.0.1" if named else host))


WIFI_COMMANDS: Dict[bytes, Command] = {
    b"AT+CWMODE": Command(_cwmode, query=True, set=True),
    b"AT+CWSTATE": Command(_cwstate, query=True),
    b"AT+CWLAPOPT": Command(_cwlapopt, set=True),
    b"AT+CWLAP": Command(_cwlap, set=True, execute=True),
    b"AT+CWJAP": Command(_cwjap, query=True, set=True, execute=True),
    b"AT+CWQAP": Command(_cwqap, execute=True),
    b"AT+CWAUTOCONN": Command(_stored(b"CWAUTOCONN", b"1"), query=True, set=True),
    b"AT+CWRECONNCFG": Command(_stored(b"CWRECONNCFG", b"0,0"), query=True, set=True),
    b"AT+CIPSTA": Command(_cipsta, query=True, set=True),
    b"AT+CIFSR": Command(_cifsr, execute=True),
    b"AT+CIPDOMAIN": Command(_cipdomain, set=True),
}
