"""The protobuf side of ``prov-config``, ``prov-scan`` and ``prov-ctrl``: parse the
request, call the service, build the answer.

Dispatch is by the ``msg`` field alone, and the answer's ``msg`` is the request's + 1.
Commands without arguments (ApplyConfig, ScanStatus, CtrlReset, CtrlReprov) are served
with their oneof unset, as esp_prov sends them. A body that is not the endpoint's
message, or an unknown ``msg``, is refused (:class:`~wss.protocomm.errors.MalformedMessage`).

Source: ESP-IDF wifi_provisioning endpoint handlers (docs/softap.md, "Wi-Fi provisioning").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, Iterable, Tuple, TypeVar

from google.protobuf.message import DecodeError, Message

from ..errors import MalformedMessage, ProtocommError, Status
from ..proto import wifi_config_pb2, wifi_constants_pb2, wifi_ctrl_pb2, wifi_scan_pb2
from .station import JoinState, JoinStatus, StationConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..core import Handler
    from .provisioning import WifiProvisioning

__all__ = ["config_handler", "scan_handler", "ctrl_handler", "status_message"]

_M = TypeVar("_M", bound=Message)


def _parse(message: _M, data: bytes, name: str, commands: Iterable[int]) -> _M:
    """``data`` as a ``name`` message whose ``msg`` is one of ``commands``.

    The check comes first: ``msg`` is an open proto3 enum, so any int32 parses, and an
    answer type (``msg + 1``) exists only for a command.
    """
    try:
        message.ParseFromString(data)
    except DecodeError:
        raise MalformedMessage(f"the body is not a {name} message") from None
    if message.msg not in commands:  # type: ignore[attr-defined]
        raise MalformedMessage(f"{name} type {message.msg} is not a command")  # type: ignore[attr-defined]
    return message


# ---- prov-config ---------------------------------------------------------------------

_CONFIG_COMMANDS = frozenset(
    (wifi_config_pb2.TypeCmdGetStatus, wifi_config_pb2.TypeCmdSetConfig, wifi_config_pb2.TypeCmdApplyConfig)
)
_SCAN_COMMANDS = frozenset(
    (wifi_scan_pb2.TypeCmdScanStart, wifi_scan_pb2.TypeCmdScanStatus, wifi_scan_pb2.TypeCmdScanResult)
)


def status_message(status: JoinStatus) -> wifi_config_pb2.RespGetStatus:
    """A ``RespGetStatus`` for a join status."""
    answer = wifi_config_pb2.RespGetStatus()
    state = status.state
    if state is JoinState.IDLE:
        answer.sta_state = wifi_constants_pb2.Disconnected
    elif state is JoinState.CONNECTING:
        answer.sta_state = wifi_constants_pb2.Connecting
        if status.fail_reason is not None:
            answer.attempt_failed.attempts_remaining = status.attempts_remaining
    elif state is JoinState.CONNECTED:
        answer.sta_state = wifi_constants_pb2.Connected
        link = status.connection
        if link is not None:
            answer.connected.ip4_addr = link.ip4_address
            answer.connected.auth_mode = int(link.auth)  # type: ignore[assignment]
            answer.connected.ssid = link.ssid
            answer.connected.bssid = link.bssid
            answer.connected.channel = link.channel
        else:
            answer.connected.SetInParent()
    else:
        answer.sta_state = wifi_constants_pb2.ConnectionFailed
        reason = status.fail_reason
        answer.fail_reason = int(reason if reason is not None else 1)  # type: ignore[assignment]
    return answer


def config_handler(service: WifiProvisioning) -> Handler:
    """The ``prov-config`` handler (``WiFiConfigPayload``)."""

    def handle(_session_id: int, data: bytes) -> bytes:
        request = _parse(wifi_config_pb2.WiFiConfigPayload(), data, "WiFiConfigPayload", _CONFIG_COMMANDS)
        answer = wifi_config_pb2.WiFiConfigPayload(msg=request.msg + 1)  # type: ignore[arg-type]
        if request.msg == wifi_config_pb2.TypeCmdGetStatus:
            answer.resp_get_status.CopyFrom(status_message(service.status()))
        elif request.msg == wifi_config_pb2.TypeCmdSetConfig:
            cmd = request.cmd_set_config
            config = StationConfig(cmd.ssid, cmd.passphrase, cmd.bssid, cmd.channel)
            answer.resp_set_config.status = service.set_config(config)  # type: ignore[assignment]
        else:  # TypeCmdApplyConfig
            answer.resp_apply_config.status = service.apply_config()  # type: ignore[assignment]
        return answer.SerializeToString()

    return handle


# ---- prov-scan -----------------------------------------------------------------------


def scan_handler(service: WifiProvisioning) -> Handler:
    """The ``prov-scan`` handler (``WiFiScanPayload``)."""
    station = service.station

    def handle(_session_id: int, data: bytes) -> bytes:
        request = _parse(wifi_scan_pb2.WiFiScanPayload(), data, "WiFiScanPayload", _SCAN_COMMANDS)
        answer = wifi_scan_pb2.WiFiScanPayload(msg=request.msg + 1, status=Status.SUCCESS)  # type: ignore[arg-type]
        if request.msg == wifi_scan_pb2.TypeCmdScanStart:
            cmd = request.cmd_scan_start
            try:
                station.start_scan(cmd.blocking, cmd.passive, cmd.group_channels, cmd.period_ms)
            except ProtocommError:
                answer.status = Status.INTERNAL_ERROR  # type: ignore[assignment]
            answer.resp_scan_start.SetInParent()
        elif request.msg == wifi_scan_pb2.TypeCmdScanStatus:
            finished = station.scan_finished()
            answer.resp_scan_status.scan_finished = finished
            answer.resp_scan_status.result_count = len(station.scan_results()) if finished else 0
        else:  # TypeCmdScanResult
            _scan_results(station, request.cmd_scan_result, answer)
        return answer.SerializeToString()

    return handle


def _scan_results(station, cmd: wifi_scan_pb2.CmdScanResult, answer: wifi_scan_pb2.WiFiScanPayload) -> None:
    results = station.scan_results() if station.scan_finished() else ()
    start, count = cmd.start_index, cmd.count
    answer.resp_scan_result.SetInParent()
    if start + count > len(results):
        answer.status = Status.INVALID_ARGUMENT  # type: ignore[assignment]
        return
    for ap in results[start : start + count]:
        entry = answer.resp_scan_result.entries.add()
        entry.ssid, entry.bssid, entry.channel, entry.rssi = ap.ssid, ap.bssid, ap.channel, ap.rssi_dbm
        entry.auth = int(ap.auth)  # type: ignore[assignment]


# ---- prov-ctrl -----------------------------------------------------------------------


def ctrl_handler(service: WifiProvisioning) -> Handler:
    """The ``prov-ctrl`` handler (``WiFiCtrlPayload``)."""
    commands: Dict[int, Tuple[Callable[[], Status], str]] = {
        wifi_ctrl_pb2.TypeCmdCtrlReset: (service.reset, "resp_ctrl_reset"),
        wifi_ctrl_pb2.TypeCmdCtrlReprov: (service.reprovision, "resp_ctrl_reprov"),
    }

    def handle(_session_id: int, data: bytes) -> bytes:
        request = _parse(wifi_ctrl_pb2.WiFiCtrlPayload(), data, "WiFiCtrlPayload", commands)
        run, field = commands[request.msg]
        answer = wifi_ctrl_pb2.WiFiCtrlPayload(msg=request.msg + 1, status=run())  # type: ignore[arg-type]
        getattr(answer, field).SetInParent()
        return answer.SerializeToString()

    return handle
