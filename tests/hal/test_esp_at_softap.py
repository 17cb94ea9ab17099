"""The ESP-AT SoftAP: the emulator's commands on the wire, and the driver's SoftAP ops.

The emulator side is checked with plain pyserial (command in, lines out, no driver code),
so a driver bug cannot hide an emulator bug; the driver side against the emulator, with
the "phone" as a plain loopback socket to the emulator's side of the module's server.
Adafruit's ESP-AT library (the independent peer of the station commands) has no SoftAP
or server calls beyond ``mode``; it checks ``AT+CWMODE`` in AP+station mode.

Source: ESP-AT "Wi-Fi AT Commands" (AT+CWMODE, AT+CWSAP, AT+CIPAP, AT+CIPSTAMAC),
"TCP/IP AT Commands" (AT+CIPSERVER, AT+CIPSTATE); docs/esp-at.md ("SoftAP").
"""

from __future__ import annotations

import socket
import time
from typing import List

import pytest
from esp_at_world import BAUD, HOME_KEY, emulated

from hal import ConnectionState, NetworkConfig, Security, SoftAPConfig
from hal.errors import DriverNotSupported, InvalidArgument, StreamClosed, StreamError, StreamReset
from wss.emulators.esp_at import EspAtEmulator

serial = pytest.importorskip("serial", reason="pyserial not installed: pip install -e '.[test]'")

FINALS = (b"OK", b"ERROR", b"SEND OK", b"SEND FAIL")


class Wire:
    """AT commands written to the emulator's pty; each answer read up to its final line."""

    def __init__(self, path: str) -> None:
        self.port = serial.serial_for_url(path, baudrate=BAUD, timeout=0.05)
        self.pending = b""
        deadline = time.monotonic() + 5.0
        while self.command("AT", 0.3)[-1:] != [b"OK"]:  # until the module has booted
            assert time.monotonic() < deadline, "the emulated module never answered AT"
        self.command("ATE0")

    def command(self, text: str, timeout_s: float = 3.0) -> List[bytes]:
        """The answer's lines (blank ones dropped), the final one last; [] on timeout."""
        self.port.write(text.encode() + b"\r\n")
        return self.read_until(lambda line: line in FINALS, timeout_s)

    def read_until(self, done, timeout_s: float) -> List[bytes]:
        lines: List[bytes] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.pending += self.port.read(4096)
            while b"\r\n" in self.pending:
                line, self.pending = self.pending.split(b"\r\n", 1)
                if line:
                    lines.append(line)
                    if done(line):
                        return lines
        return lines

    def close(self) -> None:
        self.port.close()


@pytest.fixture
def wire():
    with EspAtEmulator({"access_points": []}, baud=BAUD, mac="24:6f:28:26:1f:cc") as emulator:
        w = Wire(emulator.path)
        w.emulator = emulator
        try:
            yield w
        finally:
            w.close()


# ------------------------------------------------------------------ the emulator --


def test_cwsap_needs_ap_mode_and_a_valid_wpa_passphrase(wire):
    assert wire.command('AT+CWSAP="PROV_261FCC","abcdefgh",6,3')[-1] == b"ERROR"  # station mode
    assert wire.command("AT+CWMODE=3")[-1] == b"OK"
    assert wire.command('AT+CWSAP="PROV_261FCC","short",6,3')[-1] == b"ERROR"  # WPA2 under 8
    assert wire.command('AT+CWSAP="PROV_261FCC","abcdefgh",6,1')[-1] == b"ERROR"  # WEP
    assert wire.command('AT+CWSAP="PROV_261FCC","abcdefgh",15,3')[-1] == b"ERROR"  # channel
    assert wire.command('AT+CWSAP="","abcdefgh",6,3')[-1] == b"ERROR"  # no SSID
    assert wire.command('AT+CWSAP="PROV_261FCC","abcdefgh",6,3,4,1')[-1] == b"OK"
    assert wire.command("AT+CWSAP?")[:-1] == [b'+CWSAP:"PROV_261FCC","abcdefgh",6,3,4,1']
    assert wire.command('AT+CWSAP="OpenAP","",11,0')[-1] == b"OK"
    assert wire.command("AT+CWSAP?")[:-1] == [b'+CWSAP:"OpenAP","",11,0,10,0']


def test_the_ap_address_and_the_mac_addresses(wire):
    assert wire.command("AT+CIPAP?")[-1] == b"ERROR"  # no AP interface in station mode
    assert wire.command("AT+CIPSTAMAC?")[:-1] == [b'+CIPSTAMAC:"24:6f:28:26:1f:cc"']
    wire.command("AT+CWMODE=2")
    assert wire.command("AT+CIPAP?")[:-1] == [
        b'+CIPAP:ip:"192.168.4.1"',
        b'+CIPAP:gateway:"192.168.4.1"',
        b'+CIPAP:netmask:"255.255.255.0"',
    ]
    assert wire.command('AT+CIPAP="192.168.5.1"')[-1] == b"OK"
    assert wire.command("AT+CIPAP?")[0] == b'+CIPAP:ip:"192.168.5.1"'
    assert wire.command('AT+CIPAP="192.168.5.300"')[-1] == b"ERROR"
    assert wire.command("AT+CIPAPMAC?")[:-1] == [b'+CIPAPMAC:"24:6f:28:26:1f:cd"']
    assert wire.command('AT+CIPAPMAC="24:6f:28:26:1f:cc"')[-1] == b"ERROR"  # the station's
    assert wire.command('AT+CIPAPMAC="25:6f:28:26:1f:ce"')[-1] == b"ERROR"  # multicast


def test_cipserver_needs_multiple_links_and_phones_become_links(wire):
    emulator = wire.emulator
    wire.command("AT+CWMODE=3")
    assert wire.command("AT+CIPSERVER=1,80")[-1] == b"ERROR"  # AT+CIPMUX=0
    wire.command("AT+CIPMUX=1")
    assert wire.command("AT+CIPSERVER?")[:-1] == [b"+CIPSERVER:0"]
    with pytest.raises(RuntimeError):
        emulator.phone_address()
    assert wire.command("AT+CIPSERVER=1,80")[-1] == b"OK"
    assert wire.command("AT+CIPSERVER=1,81")[-1] == b"ERROR"  # one server at a time
    assert wire.command("AT+CIPMUX=0")[-1] == b"ERROR"  # not while a server runs
    assert wire.command("AT+CIPSERVER?")[:-1] == [b'+CIPSERVER:1,80,"TCP",0']
    phone = socket.create_connection(emulator.phone_address(), timeout=2)
    assert wire.read_until(lambda line: line.endswith(b"CONNECT"), 2.0) == [b"0,CONNECT"]
    phone.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert wire.read_until(lambda line: line.startswith(b"+IPD"), 2.0) == [b"+IPD,0,18:GET / HTTP/1.1"]
    state = wire.command("AT+CIPSTATE?")
    assert state[0].startswith(b'+CIPSTATE:0,"TCP","192.168.4.2",') and state[0].endswith(b",80,1")
    wire.port.write(b"AT+CIPSEND=0,2\r\n")
    assert wire.read_until(lambda line: line == b"OK", 2.0)[-1] == b"OK"
    wire.port.write(b"hi")
    assert wire.read_until(lambda line: line in FINALS, 2.0)[-1] == b"SEND OK"
    assert phone.recv(16) == b"hi"
    phone.close()
    assert b"0,CLOSED" in wire.read_until(lambda line: line == b"0,CLOSED", 2.0)
    assert wire.command("AT+CIPSERVER=0,1")[-1] == b"OK"
    with pytest.raises(RuntimeError):
        emulator.phone_address()


def test_a_phone_is_refused_once_the_ap_is_down(wire):
    emulator = wire.emulator
    wire.command("AT+CWMODE=3")
    wire.command("AT+CIPMUX=1")
    wire.command("AT+CIPSERVER=1")  # the default port
    assert wire.command("AT+CIPSERVER?")[0] == b'+CIPSERVER:1,333,"TCP",0'
    phone = socket.create_connection(emulator.phone_address(), timeout=2)
    assert wire.read_until(lambda line: line.endswith(b"CONNECT"), 2.0) == [b"0,CONNECT"]
    answer = wire.command("AT+CWMODE=1")  # the SoftAP goes: its station's link with it
    assert b"0,CLOSED" in answer and answer[-1] == b"OK"
    assert phone.recv(16) == b""
    late = socket.create_connection(emulator.phone_address(), timeout=2)
    assert late.recv(16) == b""  # refused: closed at once, no CONNECT
    assert wire.read_until(lambda line: line.endswith(b"CONNECT"), 0.3) == []
    phone.close()
    late.close()


# --------------------------------------------------------------------- the driver --


def _phone(emulator: EspAtEmulator) -> socket.socket:
    return socket.create_connection(emulator.wait_for_server(5.0), timeout=5)


def test_the_driver_serves_a_phone_while_the_station_joins_and_leaves():
    with emulated() as (emulator, driver):
        driver.start_softap(SoftAPConfig(b"PROV_000001", Security.WPA2_PSK, b"ap passphrase", channel=11))
        listener = driver.softap_listen(80)
        assert listener.address == ("192.168.4.1", 80)
        phone = _phone(emulator)
        stream = listener.accept(5.0)
        driver.add_network(NetworkConfig(b"HomeNet", Security.WPA2_PSK, HOME_KEY.encode()))
        assert driver.connect(timeout_s=10.0) is ConnectionState.ASSOCIATED  # AP + station at once
        phone.sendall(b"x" * 7000)  # more than one +IPD notice and one AT+CIPRECVDATA
        received = b""
        while len(received) < 7000:
            received += stream.recv(8192)
        assert received == b"x" * 7000
        driver.disconnect()  # the station leaves: the phone's link stays
        stream.sendall(b"still here")
        assert phone.recv(64) == b"still here"
        driver.stop_softap()
        with pytest.raises(StreamReset):
            stream.recv(16)
        with pytest.raises(StreamClosed):
            listener.accept(0.1)
        phone.close()


def test_stations_may_hold_three_links_and_the_fourth_is_refused():
    with emulated() as (emulator, driver):
        driver.start_softap(SoftAPConfig(b"PROV_000001"))
        listener = driver.softap_listen(80)
        assert emulator.firmware.state.server_max_conn == 3  # AT+CIPSERVERMAXCONN=3
        phones = [_phone(emulator) for _ in range(3)]
        streams = [listener.accept(5.0) for _ in phones]
        assert sorted(stream.link_id for stream in streams) == [0, 1, 2]
        fourth = _phone(emulator)
        assert fourth.recv(16) == b""  # refused by the module: two links stay the station's
        for sock in [*phones, fourth]:
            sock.close()
        driver.stop_softap()


def test_one_server_at_a_time_and_closing_the_listener_deletes_it():
    with emulated() as (emulator, driver):
        driver.start_softap(SoftAPConfig(b"PROV_000001"))
        first = driver.softap_listen(0)
        assert first.address == ("192.168.4.1", 333)  # the firmware's default port
        with pytest.raises(StreamError, match="one server at a time"):
            driver.softap_listen(8080)
        first.close()
        with pytest.raises(RuntimeError):
            emulator.phone_address()  # AT+CIPSERVER=0 went out
        second = driver.softap_listen(8080)
        assert second.address[1] == 8080
        driver.stop_softap()


def test_softap_security_the_module_cannot_offer_is_refused_before_anything_is_sent():
    with emulated() as (_emulator, driver):
        with pytest.raises(InvalidArgument, match="WPA3_SAE"):
            driver.start_softap(SoftAPConfig(b"PROV_000001", Security.WPA3_SAE, b"sae passphrase"))
        driver.start_softap(SoftAPConfig(b"PROV_000001", Security.WPA_PSK, b"wpa passphrase"))
        driver.stop_softap()


def test_firmware_without_the_softap_commands_has_no_softap():
    faults = [{"type": "missing_command", "command": "AT+CIPSERVER"}]
    with emulated(faults=faults) as (_emulator, driver):
        assert not driver.capabilities().softap
        with pytest.raises(DriverNotSupported, match="AT\\+CIPSERVER"):
            driver.start_softap(SoftAPConfig(b"PROV_000001"))
        assert len(driver.mac_address()) == 6  # AT+CIPSTAMAC is still there


def test_after_a_module_restart_the_softap_and_its_server_come_back():
    with emulated() as (emulator, driver):
        driver.start_softap(SoftAPConfig(b"PROV_000001"))
        listener = driver.softap_listen(80)
        phone = _phone(emulator)
        stream = listener.accept(5.0)
        emulator.firmware.restart()  # as a brown-out would: "ready" with nothing kept
        with pytest.raises(StreamReset):
            stream.recv(16)
        assert len(driver.mac_address()) == 6  # the next operation re-initialises the module
        emulator.wait_for_server(5.0)
        assert emulator.firmware.state.server_port == 80  # AT+CIPSERVER=1,80 sent again
        assert emulator.firmware.state.ap_ssid == b"PROV_000001"  # and AT+CWSAP
        again = _phone(emulator)
        again.sendall(b"!")
        assert listener.accept(5.0).recv(1) == b"!"  # the same listener serves on
        phone.close()
        again.close()
        driver.stop_softap()


def test_adafruit_esp_atcontrol_sets_and_reads_ap_station_mode():
    espatcontrol = pytest.importorskip(
        "adafruit_espatcontrol.adafruit_espatcontrol",
        reason="adafruit-circuitpython-esp-atcontrol not installed: pip install -e '.[test]'",
    )
    uart_module = pytest.importorskip(
        "adafruit_blinka.microcontroller.generic_linux.uart", reason="Adafruit-Blinka not installed"
    )
    with EspAtEmulator({"access_points": []}, baud=115200) as emulator:
        uart = uart_module.UART(emulator.path, baudrate=115200, timeout=0.1)
        try:
            esp = espatcontrol.ESP_ATcontrol(uart, 115200)
            esp.begin()
            esp.mode = esp.MODE_SOFTAPSTATION
            assert esp.mode == esp.MODE_SOFTAPSTATION
            esp.mode = esp.MODE_SOFTAP
            assert esp.mode == esp.MODE_SOFTAP
            esp.mode = esp.MODE_STATION
            assert esp.mode == esp.MODE_STATION
        finally:
            uart.deinit()
