"""The ESP-AT driver against the emulated module: start-up, faults on the AT link, recovery.

The contract itself runs in ``test_driver_contract.py`` (factory ``esp_at``); here are
what only this driver has: the firmware check, ``ready``/``AT`` start-up, ``busy p...``,
lost and garbled lines, a restart the host could not read, the baud switch, streams.
"""

from __future__ import annotations

import socketserver
import threading
import time

import pytest
from esp_at_world import BAUD, HOME_KEY, emulated

from hal import ConnectionState, DriverEvent, FailureReason, NetworkConfig, Security
from hal.errors import InterfaceError, ScanFailed, StreamClosed
from hal.esp_at import WifiDriverEspAt

HOME = NetworkConfig(b"HomeNet", Security.WPA_PSK, HOME_KEY.encode())


def _ssids(results):
    return sorted(r.ssid for r in results)


def test_start_up_reads_the_firmware_version_and_chip():
    with emulated() as (_emulator, driver):
        firmware = driver.firmware
        assert (firmware.version, firmware.chip) == ((4, 0, 0, 0), "ESP32")
        caps = driver.capabilities()
        assert caps.wpa3 and caps.directed_scan and caps.max_scan_ssids == 1
        assert not caps.stream_fileno and not caps.band_5ghz
        assert caps.softap and caps.concurrent_softap_station  # AT+CMD? lists the SoftAP commands


def test_firmware_lacking_a_needed_command_is_refused_naming_it():
    faults = [{"type": "missing_command", "command": "AT+CWSTATE"}]
    with emulated(faults, open_driver=False) as (_emulator, driver):
        with pytest.raises(InterfaceError, match=r"ESP-AT 4\.0\.0\.0 \(ESP32\) lacks AT\+CWSTATE"):
            driver.open()
        assert not driver.is_open


def test_a_module_that_never_says_ready_is_a_clear_start_up_error_within_its_timeout():
    with emulated([{"type": "never_ready"}], open_driver=False, ready_timeout_s=0.5) as (_emulator, driver):
        started = time.monotonic()
        with pytest.raises(InterfaceError, match=r"no answer from an ESP-AT module on .* within 0\.5 s"):
            driver.open()
        assert time.monotonic() - started < 10.0  # the deadline holds (generous: a loaded CI)


def test_a_port_that_cannot_be_opened_is_an_interface_error(tmp_path):
    driver = WifiDriverEspAt(str(tmp_path / "no-such-tty"))
    with pytest.raises(InterfaceError, match="cannot open serial port"):
        driver.open()


def test_busy_answers_are_sent_again_after_a_pause():
    with emulated([{"type": "busy", "command": "AT+CWLAP", "count": 3}]) as (emulator, driver):
        assert b"HomeNet" in _ssids(driver.scan(timeout_s=10.0))
        assert emulator.plan.faults[0].seen == 4  # three busy answers, then the scan


def test_a_lost_final_result_is_recovered_by_resynchronising():
    faults = [{"type": "drop_line", "command": "AT+CWLAP", "line": "^OK$"}]
    with emulated(faults, scan_timeout_s=1.0) as (_emulator, driver):
        results = driver.scan(timeout_s=15.0)
        assert _ssids(results) == [b"", b"HomeNet"]  # the hidden one, unnamed


def test_a_garbled_answer_fails_only_the_command_it_belongs_to():
    faults = [{"type": "garble_line", "command": "AT+CIPSTA?", "line": "^OK$"}]
    with emulated(faults, command_timeout_s=1.0) as (_emulator, driver):
        driver.add_network(HOME)
        assert driver.connect(timeout_s=10.0) is ConnectionState.ASSOCIATED
        assert driver.ip_address is not None


def test_a_lost_data_notice_is_found_by_asking_the_buffered_length(echo_port):
    faults = [{"type": "drop_line", "line": r"^\+IPD,"}]
    with emulated(faults) as (_emulator, driver):
        driver.add_network(HOME)
        driver.connect(timeout_s=10.0)
        with driver.open_tcp_stream("echo.test", echo_port, timeout_s=5.0) as stream:
            stream.sendall(b"ping")
            assert stream.recv(16) == b"ping"


def test_wrong_key_and_absent_network_give_their_failure_reasons():
    with emulated() as (_emulator, driver):
        driver.add_network(NetworkConfig(b"HomeNet", Security.WPA_PSK, b"not the key"))
        driver.add_network(NetworkConfig(b"Elsewhere", Security.WPA_PSK, b"whatever1"))
        assert driver.connect(timeout_s=10.0) is ConnectionState.FAILED
        assert [a.failure for a in driver.connection_attempts()] == [
            FailureReason.WRONG_KEY,
            FailureReason.AP_NOT_FOUND,
        ]


def test_a_slow_association_past_the_deadline_is_a_timeout():
    faults = [{"type": "slow_association", "ssid": "HomeNet", "delay_s": 30}]
    with emulated(faults) as (_emulator, driver):
        driver.add_network(HOME)
        assert driver.connect(timeout_s=4.0) is ConnectionState.FAILED
        assert driver.connection_attempts()[0].failure is FailureReason.TIMEOUT


def test_switch_baud_raises_the_rate_and_close_puts_it_back():
    with emulated(switch_baud=3_000_000) as (emulator, driver):
        assert emulator.uart.baud == 3_000_000
        assert b"HomeNet" in _ssids(driver.scan(timeout_s=10.0))
        driver.close()
        deadline = time.monotonic() + 5.0
        while emulator.uart.baud != BAUD and time.monotonic() < deadline:
            time.sleep(0.01)
        assert emulator.uart.baud == BAUD


def test_a_restart_the_host_could_not_read_fails_the_scan_then_the_module_is_brought_back():
    # At 3 Mbaud the restarted module (back at 2 Mbaud) is garbage to the host: it stops
    # answering as far as the driver can tell; the next operation finds it at the
    # start-up rate, re-initialises it and switches again.
    faults = [{"type": "reset", "command": "AT+CWLAP", "nth": 2}]
    seen = []
    options = {"switch_baud": 3_000_000, "scan_timeout_s": 1.0, "command_timeout_s": 1.0}
    with emulated(faults, event_callback=seen.append, **options) as (emulator, driver):
        driver.scan(timeout_s=10.0)
        with pytest.raises(ScanFailed):
            driver.scan(timeout_s=15.0)
        assert b"HomeNet" in _ssids(driver.scan(timeout_s=15.0))
        assert emulator.restarts == 1 and emulator.uart.baud == 3_000_000
        assert DriverEvent.INTERFACE_LOST not in seen


def test_a_restart_while_joined_is_healed_by_rejoining_before_the_next_stream(echo_port):
    faults = [{"type": "reset", "command": "AT+CIPSEND", "nth": 1}]
    with emulated(faults) as (emulator, driver):
        driver.add_network(HOME)
        driver.connect(timeout_s=10.0)
        stream = driver.open_tcp_stream("echo.test", echo_port, timeout_s=5.0)
        with pytest.raises(ConnectionResetError):
            stream.send(b"lost")
        with driver.open_tcp_stream("echo.test", echo_port, timeout_s=5.0) as again:
            again.sendall(b"after")
            assert again.recv(16) == b"after"
        assert emulator.restarts == 1
        assert driver.connection_state() is ConnectionState.ASSOCIATED


class _SayAndClose(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.sendall(b"x" * 9000 + b"\r\nOK\r\n")


def test_a_closed_link_reads_to_its_end_then_eof():
    server = socketserver.TCPServer(("127.0.0.1", 0), _SayAndClose)
    threading.Thread(target=server.handle_request, daemon=True).start()
    try:
        with emulated() as (_emulator, driver):
            driver.add_network(HOME)
            driver.connect(timeout_s=10.0)
            stream = driver.open_tcp_stream("127.0.0.1", server.server_address[1], timeout_s=5.0)
            received = b""
            while True:
                chunk = stream.recv(4096)
                if not chunk:
                    break
                received += chunk
            assert received == b"x" * 9000 + b"\r\nOK\r\n"
            stream.close()
            with pytest.raises(StreamClosed):
                stream.recv(1)
    finally:
        server.server_close()
