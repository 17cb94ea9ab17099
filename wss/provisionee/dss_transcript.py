"""Reading the local DSS's transcript from the device's side: what the provisionee did.

The local DSS (``wss cloud serve --transcript FILE``, or ``DSSServer(...).transcript``)
records every exchange as one JSON object. These helpers turn those records into the
facts a demo prints and the end-to-end tests check: the operations in order with their
HTTP status and injected fault, each report (state, result, next state), every reported
connection attempt with its error-details code, and the SSIDs the device posted.

Source: issue 6 (``make demo`` transcript summary; "never posts or requests an SSID it did
not scan"); protocol §8.4 (request bodies and the SSID quoting rule).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Union

__all__ = ["Exchange", "Attempt", "load", "exchanges", "attempts", "posted_ssids", "credential_ssids", "summarize"]


@dataclass(frozen=True)
class Exchange:
    """One request and its answer.

    Attributes:
        operation: the DSS operation name (None for an unknown path).
        listener: ``"dss"`` or ``"setup"`` (the setup-network port, §7.4).
        status: the HTTP status answered (None when the connection was reset).
        fault: the fault injected into it, or None.
        request: the request body as JSON (empty when it was not JSON).
        response: the response body as JSON (empty when none).
    """

    operation: Optional[str]
    listener: Optional[str]
    status: Optional[int]
    fault: Optional[str]
    request: Dict[str, Any]
    response: Dict[str, Any]


@dataclass(frozen=True)
class Attempt:
    """A connection attempt as a report carried it (``wifiNetworkInfoList``)."""

    state: str
    ssid: str
    connection_state: str
    code: Optional[str]
    cause: Optional[str]


def _json(text: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(text or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _unquote(ssid: Any) -> str:
    """An SSID of a request body without its literal quotes (§8.4 quoting rule)."""
    text = str(ssid)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def load(path: Union[str, Path]) -> List[Dict[str, Any]]:
    """The records of a JSON-lines transcript file."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def exchanges(records: Iterable[Dict[str, Any]]) -> List[Exchange]:
    """The exchanges, in order."""
    out = []
    for record in records:
        if record.get("event") != "exchange":
            continue
        response = record.get("response") or {}
        out.append(
            Exchange(
                record.get("operation"),
                record.get("listener"),
                response.get("status"),
                record.get("fault"),
                _json((record.get("request") or {}).get("body")),
                _json(response.get("body")),
            )
        )
    return out


def attempts(records: Iterable[Dict[str, Any]]) -> List[Attempt]:
    """Every connection attempt reported, in order, with the state that reported it."""
    out = []
    for exchange in exchanges(records):
        if exchange.operation != "report":
            continue
        for item in exchange.request.get("wifiNetworkInfoList") or []:
            details = item.get("errorDetails") or {}
            out.append(
                Attempt(
                    str(exchange.request.get("currentProvisioningState")),
                    _unquote(item.get("ssid")),
                    str(item.get("wifiConnectionState")),
                    details.get("code"),
                    details.get("cause"),
                )
            )
    return out


def posted_ssids(records: Iterable[Dict[str, Any]]) -> Set[str]:
    """Every SSID the device posted in postWifiScanData."""
    return {
        _unquote(item.get("ssid"))
        for exchange in exchanges(records)
        if exchange.operation == "postWifiScanData"
        for item in exchange.request.get("wifiScanDataList") or []
    }


def credential_ssids(records: Iterable[Dict[str, Any]]) -> Set[str]:
    """Every SSID the DSS returned credentials for."""
    return {
        _unquote(item.get("ssid"))
        for exchange in exchanges(records)
        if exchange.operation == "getWifiCredentials"
        for item in exchange.response.get("wifiCredentialsList") or []
    }


def summarize(records: List[Dict[str, Any]]) -> str:
    """A plain-text summary: operations, reports, connection attempts."""
    lines = ["DSS transcript:"]
    for number, exchange in enumerate(exchanges(records), start=1):
        fault = f"  [fault: {exchange.fault}]" if exchange.fault else ""
        what = ""
        if exchange.operation == "report":
            request, response = exchange.request, exchange.response
            what = (
                f"{request.get('currentProvisioningState')} {request.get('stateTransitionResult')}"
                f" -> {response.get('nextProvisioningState')}"
                f"{'' if response.get('canProceed') else ' (canProceed false)'}"
            )
        elif exchange.operation == "postWifiScanData":
            what = f"page {exchange.request.get('sequenceNumber')}: " + ", ".join(
                _unquote(item.get("ssid")) for item in exchange.request.get("wifiScanDataList") or []
            )
        elif exchange.operation == "getWifiCredentials":
            what = f"page {exchange.request.get('sequenceNumber')}: " + ", ".join(
                _unquote(item.get("ssid")) for item in exchange.response.get("wifiCredentialsList") or []
            )
        lines.append(
            f"  {number:2}. {exchange.listener or '-':5} {exchange.operation or '?':24} "
            f"{exchange.status if exchange.status is not None else 'reset'}  {what}{fault}".rstrip()
        )
    reported = attempts(records)
    if reported:
        lines.append("connection attempts reported:")
        for attempt in reported:
            code = f"  {attempt.code} ({attempt.cause})" if attempt.code else ""
            lines.append(f"  {attempt.state:27} {attempt.ssid:34} {attempt.connection_state}{code}")
    return "\n".join(lines)
