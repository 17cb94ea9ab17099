"""An independent DNS-SD browser, run as its own process: python-zeroconf's ServiceBrowser
on loopback, printing one JSON line per service it resolves, then exiting after
``argv[2]`` seconds. Usage: ``python browse_peer.py SERVICE_TYPE SECONDS``."""

from __future__ import annotations

import json
import socket
import sys
import time

from zeroconf import IPVersion, ServiceBrowser, ServiceListener, Zeroconf


class Printer(ServiceListener):
    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        info = zc.get_service_info(type_, name, timeout=3000)
        if info is None:
            return
        print(
            json.dumps(
                {
                    "name": name,
                    "server": info.server,
                    "port": info.port,
                    "addresses": [socket.inet_ntoa(a) for a in info.addresses],
                    "txt": {k.decode(): (v or b"").decode() for k, v in info.properties.items()},
                }
            ),
            flush=True,
        )

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        pass

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        print(json.dumps({"removed": name}), flush=True)


def main() -> None:
    zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
    browser = ServiceBrowser(zc, sys.argv[1], Printer())
    print(json.dumps({"ready": True}), flush=True)
    time.sleep(float(sys.argv[2]))
    browser.cancel()
    zc.close()


if __name__ == "__main__":
    main()
