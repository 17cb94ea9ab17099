"""The Wi-Fi provisioning service and its three endpoints, at their own layer.

The station is a scripted stand-in for :class:`ProvisioningStation` (the interface the
service drives; the HAL-backed one is tested in tests/softap). Messages are built with
esp_prov's generated classes, so the wire is the client's.
"""

from __future__ import annotations

from typing import List, Optional

import esp_prov_peer
import pytest

from wss.protocomm.errors import MalformedMessage, ProtocommError, Status
from wss.protocomm.proto import wifi_config_pb2
from wss.protocomm.wifi import (
    AccessPoint,
    AuthMode,
    Connection,
    FailReason,
    JoinState,
    JoinStatus,
    Phase,
    ProvisioningStation,
    StationConfig,
    WifiProvisioning,
)
from wss.protocomm.wifi.handlers import config_handler, ctrl_handler, scan_handler

APS = [AccessPoint(b"ap%d" % n, bytes([2, 0, 0, 0, 0, n]), n, -40 - n, AuthMode.WPA2_PSK) for n in range(1, 6)]


class ScriptedStation(ProvisioningStation):
    def __init__(self) -> None:
        self.status = JoinStatus(JoinState.IDLE)
        self.joins: List[StationConfig] = []
        self.finished = True
        self.scan_error = False

    def start_scan(self, blocking, passive, group_channels, period_ms):
        if self.scan_error:
            raise ProtocommError("radio busy")
        self.scan_args = (blocking, passive, group_channels, period_ms)

    def scan_finished(self):
        return self.finished

    def scan_results(self):
        return APS

    def check_config(self, config) -> Optional[str]:
        return "too short" if config.passphrase == b"short" else None

    def start_join(self, config):
        self.joins.append(config)
        self.status = JoinStatus(JoinState.CONNECTING)

    def join_status(self):
        return self.status

    def reset(self):
        self.status = JoinStatus(JoinState.IDLE)


@pytest.fixture
def peer():
    return esp_prov_peer.load().proto


def call(handler, request, answer_type):
    answer = answer_type()
    answer.ParseFromString(handler(1, request.SerializeToString()))
    return answer


def test_the_config_flow_and_its_statuses(peer):
    station = ScriptedStation()
    service = WifiProvisioning(station)
    handle = config_handler(service)
    P = peer.wifi_config_pb2

    def status():
        request = P.WiFiConfigPayload(msg=P.TypeCmdGetStatus)
        answer = call(handle, request, P.WiFiConfigPayload)
        assert answer.msg == P.TypeRespGetStatus
        return answer.resp_get_status

    assert status().sta_state == 2  # Disconnected before anything is applied
    apply = P.WiFiConfigPayload(msg=P.TypeCmdApplyConfig)  # its oneof unset, as esp_prov sends it
    assert call(handle, apply, P.WiFiConfigPayload).resp_apply_config.status == Status.INTERNAL_ERROR
    set_config = P.WiFiConfigPayload(msg=P.TypeCmdSetConfig)
    set_config.cmd_set_config.ssid, set_config.cmd_set_config.passphrase = b"HomeNet", b"a good passphrase"
    answer = call(handle, set_config, P.WiFiConfigPayload)
    assert answer.msg == P.TypeRespSetConfig and answer.resp_set_config.status == Status.SUCCESS
    assert service.phase is Phase.CONFIGURED
    answer = call(handle, apply, P.WiFiConfigPayload)
    assert answer.msg == P.TypeRespApplyConfig and answer.resp_apply_config.status == Status.SUCCESS
    assert station.joins[-1].ssid == b"HomeNet" and service.phase is Phase.APPLIED
    assert status().sta_state == 1  # Connecting
    station.status = JoinStatus(JoinState.CONNECTING, FailReason.AUTH_ERROR, attempts_remaining=2)
    answer = status()  # esp_prov's bundled messages predate attempt_failed: read it with ours
    mine = wifi_config_pb2.RespGetStatus()
    mine.ParseFromString(answer.SerializeToString())
    assert mine.sta_state == 1 and mine.attempt_failed.attempts_remaining == 2
    station.status = JoinStatus(JoinState.FAILED, FailReason.AUTH_ERROR)
    answer = status()
    assert answer.sta_state == 3 and answer.WhichOneof("state") == "fail_reason" and answer.fail_reason == 0
    station.status = JoinStatus(JoinState.FAILED, FailReason.NETWORK_NOT_FOUND)
    assert status().fail_reason == 1
    assert call(handle, set_config, P.WiFiConfigPayload).resp_set_config.status == Status.INTERNAL_ERROR
    assert not service.wait_finished(0)
    station.status = JoinStatus(
        JoinState.CONNECTED, connection=Connection(b"HomeNet", b"\x02" * 6, 6, AuthMode.WPA2_PSK)
    )
    answer = status()
    assert answer.sta_state == 0 and answer.connected.ssid == b"HomeNet" and answer.connected.channel == 6
    assert answer.connected.bssid == b"\x02" * 6 and answer.connected.auth_mode == 3
    assert service.wait_finished(0) and service.joined.ssid == b"HomeNet"


@pytest.mark.parametrize(
    "ssid,passphrase,bssid,channel",
    [
        (b"", b"12345678", b"", 0),
        (b"x" * 33, b"", b"", 0),
        (b"ok", b"p" * 65, b"", 0),
        (b"ok", b"", b"\x01", 0),
        (b"ok", b"", b"", -1),
        (b"ok", b"short", b"", 0),
    ],
    ids=["empty-ssid", "long-ssid", "long-passphrase", "bssid", "channel", "station-refuses"],
)
def test_a_malformed_config_is_invalid_argument(peer, ssid, passphrase, bssid, channel):
    P = peer.wifi_config_pb2
    service = WifiProvisioning(ScriptedStation())
    request = P.WiFiConfigPayload(msg=P.TypeCmdSetConfig)
    request.cmd_set_config.ssid, request.cmd_set_config.passphrase = ssid, passphrase
    request.cmd_set_config.bssid, request.cmd_set_config.channel = bssid, channel
    answer = call(config_handler(service), request, P.WiFiConfigPayload)
    assert answer.resp_set_config.status == Status.INVALID_ARGUMENT and service.phase is Phase.STARTED


def test_reset_only_after_a_failure_and_reprov_only_after_success(peer):
    C = peer.wifi_ctrl_pb2
    station = ScriptedStation()
    service = WifiProvisioning(station, auto_stop=False)
    handle = ctrl_handler(service)
    reset, reprov = C.WiFiCtrlPayload(msg=C.TypeCmdCtrlReset), C.WiFiCtrlPayload(msg=C.TypeCmdCtrlReprov)
    assert call(handle, reprov, C.WiFiCtrlPayload).status == Status.INTERNAL_ERROR
    service.set_config(StationConfig(b"HomeNet", b"a good passphrase"))
    service.apply_config()
    assert call(handle, reset, C.WiFiCtrlPayload).status == Status.INTERNAL_ERROR  # still connecting
    station.status = JoinStatus(JoinState.FAILED, FailReason.AUTH_ERROR)
    answer = call(handle, reset, C.WiFiCtrlPayload)
    assert (answer.msg, answer.status, answer.WhichOneof("payload")) == (2, 0, "resp_ctrl_reset")
    assert service.phase is Phase.STARTED and station.status.state is JoinState.IDLE
    service.set_config(StationConfig(b"HomeNet", b"a good passphrase"))
    service.apply_config()
    station.status = JoinStatus(JoinState.CONNECTED)
    service.status()
    answer = call(handle, reprov, C.WiFiCtrlPayload)
    assert (answer.msg, answer.status, answer.WhichOneof("payload")) == (4, 0, "resp_ctrl_reprov")
    assert service.phase is Phase.STARTED


def test_scan_start_status_and_results_in_pages(peer):
    S = peer.wifi_scan_pb2
    station = ScriptedStation()
    handle = scan_handler(WifiProvisioning(station))
    start = S.WiFiScanPayload(msg=S.TypeCmdScanStart)
    start.cmd_scan_start.blocking, start.cmd_scan_start.group_channels, start.cmd_scan_start.period_ms = True, 5, 120
    answer = call(handle, start, S.WiFiScanPayload)
    assert (answer.msg, answer.status) == (S.TypeRespScanStart, 0) and station.scan_args == (True, False, 5, 120)
    station.finished = False
    answer = call(handle, S.WiFiScanPayload(msg=S.TypeCmdScanStatus), S.WiFiScanPayload)
    assert not answer.resp_scan_status.scan_finished and answer.resp_scan_status.result_count == 0
    station.finished = True
    answer = call(handle, S.WiFiScanPayload(msg=S.TypeCmdScanStatus), S.WiFiScanPayload)
    assert answer.resp_scan_status.scan_finished and answer.resp_scan_status.result_count == 5
    page = S.WiFiScanPayload(msg=S.TypeCmdScanResult)
    page.cmd_scan_result.start_index, page.cmd_scan_result.count = 3, 2
    answer = call(handle, page, S.WiFiScanPayload)
    entries = answer.resp_scan_result.entries
    assert [e.ssid for e in entries] == [b"ap4", b"ap5"] and entries[0].rssi == -44 and entries[0].auth == 3
    page.cmd_scan_result.count = 3  # past the end
    assert call(handle, page, S.WiFiScanPayload).status == Status.INVALID_ARGUMENT
    station.scan_error = True
    assert call(handle, start, S.WiFiScanPayload).status == Status.INTERNAL_ERROR


@pytest.mark.parametrize("make", [config_handler, scan_handler, ctrl_handler])
def test_garbage_and_unknown_commands_are_malformed(make):
    handle = make(WifiProvisioning(ScriptedStation()))
    with pytest.raises(MalformedMessage):
        handle(1, b"\xff\xff\xff")
    with pytest.raises(MalformedMessage, match="is not a command"):
        handle(1, b"\x08\x05")  # msg = 5: a response type (or unknown), not a command


@pytest.mark.parametrize("make", [config_handler, scan_handler])
@pytest.mark.parametrize("msg_type", [2**31 - 1, -1, 999])
def test_a_message_type_that_is_no_command_is_malformed_not_a_crash(make, msg_type):
    """Found by fuzzing: ``msg`` is an open proto3 enum, so int32 max parsed and ``msg + 1``
    overflowed while the answer was built (a handler crash). Any type that is no command is
    refused as malformed."""
    service = WifiProvisioning(ScriptedStation())
    body = wifi_config_pb2.WiFiConfigPayload(msg=msg_type).SerializeToString()  # ``msg`` is field 1 in all three
    with pytest.raises(MalformedMessage, match="is not a command"):
        make(service)(1, body)
