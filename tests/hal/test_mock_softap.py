"""The mock's SoftAP side: its MAC address, and stations' TCP connections on loopback."""

from __future__ import annotations

import socket

import pytest

from hal import SoftAPConfig
from hal.errors import InvalidArgument, StreamClosed, StreamError, StreamReset
from hal.mock import SOFTAP_ADDRESS, WifiDriverMock
from hal.options import parse_options

ENV = {"access_points": []}


def test_the_mac_address_is_an_option():
    assert WifiDriverMock(ENV).mac_address() == bytes.fromhex("020000ea69fc")
    assert WifiDriverMock(ENV, mac="24:6f:28:26:1f:cc").mac_address() == bytes.fromhex("246f28261fcc")
    assert parse_options(WifiDriverMock, ["mac=24-6f-28-26-1f-cc"]) == {"mac": "24-6f-28-26-1f-cc"}
    with pytest.raises(InvalidArgument):
        WifiDriverMock(ENV, mac="not a mac")


def test_stations_connect_on_loopback_until_the_softap_stops():
    driver = WifiDriverMock(ENV)
    driver.open()
    driver.start_softap(SoftAPConfig(b"PROV_EA69FC"))
    listener = driver.softap_listen(0)
    assert listener.address[0] == SOFTAP_ADDRESS
    station = socket.create_connection(listener.address, timeout=2)
    stream = listener.accept(2.0)
    station.sendall(b"hello")
    assert stream.recv(16) == b"hello"
    stream.sendall(b"world")
    assert station.recv(16) == b"world"
    driver.stop_softap()
    with pytest.raises(StreamReset):  # the station is gone with the AP
        stream.recv(16)
    with pytest.raises(StreamClosed):
        listener.accept(0.1)
    station.close()
    driver.close()


def test_a_port_in_use_is_a_stream_error():
    driver = WifiDriverMock(ENV)
    driver.open()
    driver.start_softap(SoftAPConfig(b"PROV_EA69FC"))
    first = driver.softap_listen(0)
    with pytest.raises(StreamError, match=f"cannot listen on 127.0.0.1:{first.address[1]}"):
        driver.softap_listen(first.address[1])
    driver.close()  # closing the driver stops the SoftAP and its listeners
    with pytest.raises(StreamClosed):
        first.accept(0.1)
