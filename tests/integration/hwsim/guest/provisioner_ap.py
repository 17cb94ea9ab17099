"""The AP side of the end-to-end provisioning in the guest: the local DSS and an Echo.

One process in the access points' network namespace:

* the local DSS, :class:`wss.cloud.DSSServer` (what ``wss cloud serve`` runs), on all
  addresses: the DSS port and the setup-network port of protocol §7.4;
* a provisioner, as an Echo behaves: it listens to every frame on the simulated medium
  (``hwsim0``, radiotap), and when a probe request names the encoded setup SSID of a device
  it knows (:meth:`wss.cloud.provisioner.Provisioner.recognise`), it brings that hidden
  WPA2 network up on the spare radio with hostapd, the setup address and a DHCP server
  (protocol §7.1: "the real provisioner reacts to the device's directed probe"). A device
  that boots again probes for a new SSID (a fresh nonce): the new network replaces the old.

Usage (root namespace)::

    provisioner_ap.py --pki DIR --accounts FILE --out DIR [--radio ap4] [--channel 6]
                      [--address 10.201.126.241] [--port 8443] [--setup-port 8888]

Writes ``OUT/provisioner.ready`` once listening; logs to standard output; SIGTERM stops
it (hostapd and udhcpd with it).
"""

from __future__ import annotations

import argparse
import signal
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import List, Optional

from hal.nl80211.ies import EID_SSID, iter_elements
from wss.cloud import DSSServer
from wss.cloud.provisioner import HostedNetwork, Provisioner

ETH_P_ALL = 0x0003


def probed_ssid(frame: bytes) -> Optional[bytes]:
    """The SSID a probe request asks for (None for other frames or the wildcard)."""
    if len(frame) < 4:
        return None
    (header_len,) = struct.unpack_from("<H", frame, 2)  # radiotap it_len
    mgmt = frame[header_len:]
    if len(mgmt) < 24 or mgmt[0] != 0x40:  # type 0 (management), subtype 4
        return None
    for eid, body in iter_elements(mgmt[24:]):
        if eid == EID_SSID:
            return body or None
    return None


class AccessPoint:
    """hostapd + address + udhcpd for one hosted network on the spare radio."""

    def __init__(self, radio: str, channel: int, address: str, out: Path) -> None:
        self.radio, self.channel, self.address, self.out = radio, channel, address, out
        self.procs: List[subprocess.Popen] = []

    def start(self, network: HostedNetwork) -> None:
        conf = self.out / "provisioner-hostapd.conf"
        conf.write_text(
            f"interface={self.radio}\ndriver=nl80211\nctrl_interface=/run/hostapd\nhw_mode=g\n"
            f"channel={self.channel}\nssid2={network.ssid.encode().hex()}\nignore_broadcast_ssid=1\n"
            f"wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\nwpa_passphrase={network.passphrase}\n"
        )
        conf.chmod(0o600)
        net = self.address.rsplit(".", 1)[0]
        subprocess.run(["ip", "addr", "add", f"{self.address}/28", "dev", self.radio], check=False)
        dhcp = self.out / "provisioner-udhcpd.conf"
        dhcp.write_text(
            f"interface {self.radio}\nstart {net}.242\nend {net}.254\nlease_file /tmp/prov.leases\n"
            f"pidfile /tmp/prov-udhcpd.pid\nopt subnet 255.255.255.240\nopt router {self.address}\n"
        )
        Path("/tmp/prov.leases").touch()
        with open(self.out / "provisioner-hostapd.log", "w") as log:
            self.procs.append(subprocess.Popen(["hostapd", "-t", str(conf)], stdout=log, stderr=subprocess.STDOUT))
        self.procs.append(
            subprocess.Popen(
                ["busybox", "udhcpd", "-f", "-a", "200", str(dhcp)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(5)
        self.procs = []


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pki", required=True)
    p.add_argument("--accounts", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--radio", default="ap4")
    p.add_argument("--channel", type=int, default=6)
    p.add_argument("--address", default="10.201.126.241")
    p.add_argument("--port", type=int, default=8443)
    p.add_argument("--setup-port", type=int, default=8888)
    args = p.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    provisioner = Provisioner.from_pki(args.pki, args.accounts)
    dss = DSSServer(
        args.pki,
        args.accounts,
        host="0.0.0.0",
        port=args.port,
        setup_port=args.setup_port,
        transcript=str(args.out / "dss-transcript.jsonl"),
    )
    dss.start()
    subprocess.run(["ip", "link", "set", "hwsim0", "up"], check=True)
    medium = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    medium.bind(("hwsim0", 0))
    medium.settimeout(0.2)
    ap = AccessPoint(args.radio, args.channel, args.address, args.out)
    hosted: Optional[HostedNetwork] = None
    print(f"DSS on ports {dss.port}/{dss.setup_port}; listening for probe requests on hwsim0", flush=True)
    (args.out / "provisioner.ready").write_text("ready\n")
    try:
        while not stop.is_set():
            try:
                frame = medium.recv(4096)
            except socket.timeout:
                continue
            ssid = probed_ssid(frame)
            if ssid is None or len(ssid) != 32 or (hosted is not None and ssid == hosted.ssid.encode()):
                continue
            recognised = provisioner.recognise(ssid)
            if recognised is not None:
                if hosted is not None:
                    ap.stop()  # one SoftAP at a time: the device booted again with a new nonce
                hosted = recognised
                ap.start(hosted)
                print(f"probe for {hosted.ssid} recognised: hosting it on {args.radio}", flush=True)
    finally:
        ap.stop()
        dss.close()
        print(f"stopped after {len(dss.transcript.records('exchange'))} DSS requests", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
