"""DHCP hook, connectivity check and start-up checks of hal.nl80211, on the host.

The connectivity checks run over the loopback interface with real sockets bound to
``lo`` (SO_BINDTODEVICE needs root or CAP_NET_RAW; skipped otherwise).
"""

from __future__ import annotations

import http.server
import socket
import subprocess
import threading

import pytest

from hal import ConnectivityCheck, FailureReason
from hal.errors import InterfaceError, InvalidArgument
from hal.nl80211 import checks
from hal.nl80211.connectivity import check_connectivity, parse_redirect, resolve, same_site
from hal.nl80211.ipconfig import HOOK_SCRIPT, IPConfig, Lease, parse_hook_output


def test_hook_output_parsing():
    text = (
        "udhcpc: sending discover\n"
        "wss-lease ip=192.168.50.131 mask=24 router=192.168.50.1,192.168.50.2 dns=192.168.50.1 lease=3600 "
        "serverid=192.168.50.1\n"
    )
    assert parse_hook_output(text) == Lease(
        "192.168.50.131", 24, ("192.168.50.1", "192.168.50.2"), ("192.168.50.1",), 3600
    )
    assert parse_hook_output("wss-lease ip=10.0.0.7 mask= router= dns= lease= serverid=\n") == Lease("10.0.0.7", 24)
    for bad in ("wss-lease ip=300.1.1.1 mask=24", "wss-lease ip=10.0.0.1 mask=33", "lease ip=10.0.0.1", ""):
        assert parse_hook_output(bad) is None


def test_the_hook_script_reports_what_udhcpc_hands_it(tmp_path):
    hook = tmp_path / "hook"
    hook.write_text(HOOK_SCRIPT)
    hook.chmod(0o700)
    env = {
        "PATH": "/usr/bin:/bin",
        "ip": "192.168.60.120",
        "mask": "25",
        "router": "192.168.60.1 192.168.60.2",
        "dns": "1.1.1.1 9.9.9.9",
        "lease": "600",
        "serverid": "192.168.60.1",
    }
    bound = subprocess.run([str(hook), "bound"], env=env, capture_output=True, text=True, check=True).stdout
    assert parse_hook_output(bound) == Lease(
        "192.168.60.120", 25, ("192.168.60.1", "192.168.60.2"), ("1.1.1.1", "9.9.9.9"), 600
    )
    assert subprocess.run([str(hook), "deconfig"], env=env, capture_output=True, text=True).stdout == ""


def test_dhcp_option_is_checked():
    with pytest.raises(InvalidArgument):
        IPConfig("wlan0", dhcp=" ")
    with pytest.raises(InterfaceError, match="DHCP client 'no-such-client' not found"):
        IPConfig("wlan0", dhcp="no-such-client -1 {iface}").check_available()
    IPConfig("wlan0", dhcp="none").check_available()


@pytest.mark.parametrize(
    "head, location",
    [
        (
            b"HTTP/1.1 302 Found\r\nLocation: http://login.portal.test/x\r\nContent-Length: 0",
            "http://login.portal.test/x",
        ),
        (b"HTTP/1.0 307 Temporary Redirect\r\nlocation:  https://a.test/ ", "https://a.test/"),
        (b"HTTP/1.1 200 OK\r\nLocation: http://x.test/", None),
        (b"HTTP/1.1 301 Moved\r\n", None),
        (b"SSH-2.0-OpenSSH\r\n", None),
        (b"", None),
    ],
)
def test_redirect_parsing(head, location):
    assert parse_redirect(head) == location


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("dp-sps-na.amazon.com", "www.amazon.com", True),
        ("DSS.example.com.", "dss.example.com", True),
        ("login.portal.test", "dss.example.com", False),
        ("login.portal.test", "192.168.70.1", False),
        ("192.168.70.1", "192.168.70.1", True),
        ("10.0.0.1", "10.0.1.1", False),
        ("localhost", "otherhost", False),
    ],
)
def test_same_site(a, b, same):
    assert same_site(a, b) is same


class _Redirect(http.server.BaseHTTPRequestHandler):
    target = "http://login.portal.test/welcome"

    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def lo_bindable():
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")
    except PermissionError:
        pytest.skip("binding a socket to an interface needs root or CAP_NET_RAW")
    finally:
        s.close()


@pytest.fixture
def redirect_server():
    def start(target):
        handler = type("H", (_Redirect,), {"target": target})
        server = http.server.HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    yield s.getsockname()[1]
    s.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_redirect_elsewhere_is_a_captive_portal(lo_bindable, redirect_server, listener):
    http_port = redirect_server("http://login.portal.test/welcome")
    verdict = check_connectivity("lo", ConnectivityCheck("127.0.0.1", listener), 5.0, http_port=http_port)
    assert verdict is not None and verdict[0] is FailureReason.CAPTIVE_PORTAL
    assert "login.portal.test" in verdict[1]
    assert (
        check_connectivity("lo", ConnectivityCheck("127.0.0.1", listener), 5.0, probe_portal=False, http_port=http_port)
        is None
    )


def test_upgrade_to_https_on_the_same_host_is_not_a_portal(lo_bindable, redirect_server, listener):
    http_port = redirect_server("https://127.0.0.1/")
    assert check_connectivity("lo", ConnectivityCheck("127.0.0.1", listener), 5.0, http_port=http_port) is None


def test_closed_port_and_unknown_host_are_limited_connectivity(lo_bindable):
    refused = check_connectivity("lo", ConnectivityCheck("127.0.0.1", closed_port()), 5.0, http_port=closed_port())
    assert refused is not None and refused[0] is FailureReason.LIMITED_CONNECTIVITY and "unreachable" in refused[1]
    unknown = check_connectivity("lo", ConnectivityCheck("no-such-host.invalid", 443), 5.0)
    assert unknown is not None and unknown[0] is FailureReason.LIMITED_CONNECTIVITY and "resolve" in unknown[1]
    assert resolve("127.0.0.1", 80, 1.0)


def test_capability_reading(tmp_path):
    status = tmp_path / "status"
    status.write_text("Name:\tx\nCapEff:\t0000000000001000\n")
    assert checks.has_capability(checks.CAP_NET_ADMIN, str(status)) is True
    status.write_text("CapEff:\t0000000000000400\n")
    assert checks.has_capability(checks.CAP_NET_ADMIN, str(status)) is False
    with pytest.raises(InterfaceError, match="insufficient privileges to drive wlan0.*CAP_NET_ADMIN"):
        checks.check_privileges("wlan0", str(status))
    assert checks.has_capability(12, str(tmp_path / "missing")) is None


def test_missing_interface_lists_the_existing_ones():
    assert checks.check_interface_exists("lo") > 0
    with pytest.raises(InterfaceError, match=r"interface wlan-nope does not exist \(interfaces here: .*lo"):
        checks.check_interface_exists("wlan-nope")
