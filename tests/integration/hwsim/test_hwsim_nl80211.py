"""The nl80211 driver on the kernel's real 802.11 stack (mac80211_hwsim in the guest).

Every test drives ``hal.nl80211.WifiDriverNl80211`` inside the guest (``guest/guest_ops.py``)
against hostapd access points; the topology is ``hwsim_topology.py``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import hwsim_topology as topo
import pytest

from hal import Security

pytestmark = pytest.mark.hwsim


def _spec(net: topo.Net, **changes: Any) -> Dict[str, Any]:
    spec = {"ssid": net.ssid.hex(), "security": net.security.value, "key": net.key.hex(), "hidden": net.hidden}
    spec.update(changes)
    return spec


def _connect(
    hwsim,
    *specs: Dict[str, Any],
    check: Optional[List[Any]] = None,
    echo: Optional[List[Any]] = None,
    timeout_s: float = 20.0,
) -> Dict[str, Any]:
    return hwsim.call("guest_ops:connect", list(specs), check=check, timeout_s=timeout_s, echo=echo)


def _named(results: List[Dict[str, Any]], net: topo.Net) -> List[Dict[str, Any]]:
    return [r for r in results if r["ssid"] == net.ssid.hex()]


def test_scan_reports_every_visible_ap_with_its_security_class(hwsim):
    scan = hwsim.call("guest_ops:scan")
    results = scan["results"]
    for net in topo.ALL:
        found = _named(results, net)
        if net.hidden:
            assert found == [], "a wildcard scan must not name the hidden network"
            continue
        assert len(found) == 1, net.ssid
        assert (found[0]["security"], found[0]["freq_mhz"]) == (net.scanned_as.value, net.freq_mhz), net.ssid
        assert found[0]["hidden"] is False
    assert scan["capabilities"]["wpa3"] and scan["capabilities"]["directed_scan"]


def test_hidden_network_is_named_only_by_a_directed_scan(hwsim):
    wildcard = hwsim.call("guest_ops:scan")["results"]
    assert not _named(wildcard, topo.HIDDEN)
    directed = hwsim.call("guest_ops:scan", [topo.HIDDEN.ssid.hex()])["results"]
    (found,) = _named(directed, topo.HIDDEN)
    assert found["hidden"] is True
    assert (found["security"], found["freq_mhz"], found["channel"]) == ("WPA2_PSK", 2437, 6)
    again = hwsim.call("guest_ops:scan")["results"]
    assert not _named(again, topo.HIDDEN), "a name learned by a directed scan must not leak into the next scan"


@pytest.mark.parametrize("net", topo.JOINABLE, ids=lambda n: n.ssid.decode())
def test_connect_to_each_network_gets_a_lease_and_a_stream(hwsim, net):
    # personal networks are configured as the DSS reports them: WPA_PSK (protocol §4.1)
    security = Security.WPA_PSK.value if net.key and net.security is not Security.WEP else net.security.value
    out = _connect(hwsim, _spec(net, security=security), echo=[net.gateway, topo.ECHO_PORT])
    assert out["state"] == "ASSOCIATED", out["attempts"]
    subnet = net.gateway.rsplit(".", 1)[0] + "."
    assert out["address"] and out["address"][0].startswith(subnet)
    assert out["echo_ok"] is True
    assert out["address_after_close"] == "", "closing the driver must release the lease"


@pytest.mark.parametrize("net", [topo.HOME, topo.WPA3], ids=lambda n: n.ssid.decode())
def test_wrong_passphrase_is_wrong_key(hwsim, net):
    out = _connect(hwsim, _spec(net, security="WPA_PSK", key=b"not-the-passphrase".hex()))
    assert out["state"] == "FAILED"
    (attempt,) = out["attempts"]
    assert (attempt["state"], attempt["failure"]) == ("FAILED", "WRONG_KEY")


def test_absent_ssid_is_ap_not_found(hwsim):
    absent = {"ssid": topo.ABSENT_SSID.hex(), "security": "WPA_PSK", "key": b"whatever-123".hex()}
    out = _connect(hwsim, absent)
    (attempt,) = out["attempts"]
    assert attempt["failure"] == "AP_NOT_FOUND"


def test_enterprise_network_is_not_joined_with_a_passphrase(hwsim):
    out = _connect(hwsim, _spec(topo.CORP))
    (attempt,) = out["attempts"]
    assert attempt["failure"] == "AP_NOT_FOUND"


def test_attempts_follow_priority_order_until_one_joins(hwsim):
    absent = {"ssid": topo.ABSENT_SSID.hex(), "security": "WPA_PSK", "key": b"whatever-123".hex()}
    wrong = _spec(topo.WPA3, key=b"not-the-passphrase".hex())
    out = _connect(hwsim, absent, wrong, _spec(topo.HIDDEN))
    assert out["state"] == "ASSOCIATED"
    assert [a["failure"] for a in out["attempts"]] == ["AP_NOT_FOUND", "WRONG_KEY", None]


def test_no_dhcp_lease_is_limited_connectivity(hwsim):
    out = _connect(hwsim, _spec(topo.NO_LEASE), timeout_s=6.0)
    (attempt,) = out["attempts"]
    assert attempt["failure"] == "LIMITED_CONNECTIVITY"
    assert "lease" in attempt["detail"]


def test_unreachable_dss_port_is_limited_connectivity(hwsim):
    out = _connect(hwsim, _spec(topo.HOME), check=[topo.HOME.gateway, 9])
    (attempt,) = out["attempts"]
    assert attempt["failure"] == "LIMITED_CONNECTIVITY"
    assert "unreachable" in attempt["detail"]


def test_unresolvable_dss_host_is_limited_connectivity(hwsim):
    out = _connect(hwsim, _spec(topo.HOME), check=["dss.nowhere.invalid", 443])
    (attempt,) = out["attempts"]
    assert attempt["failure"] == "LIMITED_CONNECTIVITY"
    assert "resolve" in attempt["detail"]


def test_redirect_to_a_login_page_is_a_captive_portal(hwsim):
    out = _connect(hwsim, _spec(topo.OPEN), check=list(topo.PORTAL))
    (attempt,) = out["attempts"]
    assert attempt["failure"] == "CAPTIVE_PORTAL"
    assert "login.portal.test" in attempt["detail"]


def test_deauthentication_by_the_ap_is_reported_as_link_loss(hwsim):
    kick = "hostapd_cli -p /run/hostapd -i ap1 deauthenticate 02:00:00:00:00:00"
    out = hwsim.call("guest_ops:link_loss", _spec(topo.HOME), kick)
    assert out["joined"] == "ASSOCIATED" and out["kick_rc"] == 0, out
    assert out["noticed"] is True
    assert out["state_after"] == "DISCONNECTED"
    assert out["address_after"] == ""


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"iface": "wlan9"}, "interface wlan9 does not exist"),
        ({"iface": "lo"}, "lo is not a wireless (nl80211) interface"),
        ({"wpa_ctrl_dir": "/run/no-supplicant"}, "wpa_supplicant is not running for wlan0"),
        ({"dhcp": "no-such-dhcp-client {iface}"}, "DHCP client 'no-such-dhcp-client' not found"),
    ],
    ids=["missing", "not-wireless", "no-wpa_supplicant", "no-dhcp-client"],
)
def test_start_up_checks_name_the_problem(hwsim, options, expected):
    error = hwsim.call("guest_ops:open_error", **options)
    assert error is not None and expected in error
    assert error.startswith("InterfaceError")


def test_insufficient_privileges_are_named(hwsim):
    # the same driver in a root process whose capability bounding set lacks CAP_NET_ADMIN
    code = "import guest_ops; print(guest_ops.open_error())"
    out = hwsim.sh(f"setpriv --inh-caps=-net_admin --bounding-set=-net_admin $WSS_PYTHON -c '{code}'", timeout_s=120)
    assert "insufficient privileges" in out["stdout"], out
