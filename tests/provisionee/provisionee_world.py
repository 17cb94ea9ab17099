"""Helpers of the provisionee tests: a home with a provisioner, a fake clock, a runner."""

from __future__ import annotations

from typing import List

from fake_compat import AccessPoint, FakeCompat

from wss.compat import SecurityProtocol
from wss.provisionee import MachineOptions, run
from wss.retry import RetryPolicy

#: Protocol §12.3: nonce, encoded SSID and passphrase of the spec's own device/cloud keys.
SETUP_NONCE = bytes.fromhex("0f1e2d3c4b5a69788796a5b4")
SETUP_SSID = b"BeZ`Eg1<AHcpL1IH>4<0Q%OIm4ohnA(Z"
SETUP_PASSPHRASE = b"+0s4Ym3u04+YZ7+CuAYb2JHQSrzGyD749iRQdZ/n5xo="
HOME_KEY = b"correct horse battery"


def scripted_random(count: int, _calls=None) -> bytes:
    """12-byte requests get the §12.3 nonce; others repeat ``O{-`` (nonce ``T3st…``)."""
    if count == 12:
        return SETUP_NONCE
    return (b"O{-" * count)[:count]


def provisioner() -> AccessPoint:
    return AccessPoint(
        SETUP_SSID,
        SecurityProtocol.WPA_PSK,
        SETUP_PASSPHRASE,
        hidden=True,
        bssid=b"\x02\xaa\x00\x00\x00\x01",
        channel=1,
    )


def home_access_points() -> List[AccessPoint]:
    return [
        provisioner(),
        AccessPoint(
            b"HomeNet", SecurityProtocol.WPA_PSK, HOME_KEY, bssid=b"\x10\x20\x30\x40\x50\x60", channel=6, rssi_dbm=-40
        ),
        AccessPoint(b"Neighbour", SecurityProtocol.WPA_PSK, b"not ours", channel=11, rssi_dbm=-80),
        AccessPoint(b"Cafe", SecurityProtocol.NONE, channel=1, rssi_dbm=-70),
    ]


class FakeClock:
    """Monotonic seconds that advance 1 ms per reading, plus whatever sleep() adds."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: List[float] = []

    def __call__(self) -> float:
        self.now += 0.001
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_compat(dss, access_points=None, **kwargs) -> FakeCompat:
    kwargs.setdefault("random", scripted_random)
    return FakeCompat(dss, home_access_points() if access_points is None else access_points, **kwargs)


def provision(compat, clock: FakeClock, **options):
    policy = RetryPolicy(sleep=clock.sleep, clock=clock, jitter=lambda: 0.5)
    return run(compat, options=MachineOptions(**options), retry_policy=policy, clock=clock)
