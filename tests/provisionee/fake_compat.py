"""An in-memory :class:`wss.compat.Compat` for the provisionee tests.

A tiny radio (access points with SSID, key, hidden flag and an optional fault), the
protocol §12.3 device key for ECDH (through ``cryptography``), hashlib/hmac for SHA-256
and HMAC (independent of ``wss.crypto``), and a DSS callable for ``ffs_http_execute``.
Every call is recorded in ``calls`` by compat method name.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fake_dss import DEVICE_SCALAR, cloud_private_key

from wss import error_details
from wss.compat import (
    Compat,
    ConfigKey,
    ConnectionDetails,
    ConnectionState,
    DSSClientBuffers,
    ErrorDetails,
    FfsResult,
    HttpRequest,
    HttpResponse,
    LogLevel,
    ProvisioneeState,
    RegistrationDetails,
    RegistrationState,
    SecurityProtocol,
    WifiConfiguration,
    WifiScanResult,
)
from wss.errors import CompatError

log = logging.getLogger("wss.ffs")


def spki(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


DEVICE_KEY = ec.derive_private_key(DEVICE_SCALAR, ec.SECP256R1())
DEVICE_SPKI = spki(DEVICE_KEY.public_key())
CLOUD_SPKI = spki(cloud_private_key().public_key())

DEFAULT_CONFIG: Dict[str, object] = {
    ConfigKey.DEVICE_EC_PUBLIC_KEY_DER: DEVICE_SPKI,
    ConfigKey.CLOUD_EC_PUBLIC_KEY_DER: CLOUD_SPKI,
    ConfigKey.PRODUCT_INDEX: "AbCd",
    ConfigKey.MANUFACTURER_NAME: "Amazon",
    ConfigKey.MODEL_NUMBER: "Test Model Number",
    ConfigKey.SERIAL_NUMBER: "Test Device Serial Number",
    ConfigKey.PIN: "12345678",
}


@dataclass
class AccessPoint:
    ssid: bytes
    security: SecurityProtocol = SecurityProtocol.WPA_PSK
    key: bytes = b""
    hidden: bool = False
    bssid: bytes = b"\x02\x00\x00\x00\x00\x01"
    channel: int = 6
    rssi_dbm: int = -50
    fault: Optional[ErrorDetails] = None  # associates, then fails with this


class FakeCompat(Compat):
    """Args: dss (request -> response), access_points, config overrides, post_policy
    ("lnx" or "afr", protocol §6.4), can_proceed (called each loop), scan_filter."""

    def __init__(
        self,
        dss: Callable[[HttpRequest], HttpResponse],
        access_points: Sequence[AccessPoint] = (),
        *,
        config: Optional[dict] = None,
        random: Callable[[int], bytes] = os.urandom,
        buffers: DSSClientBuffers = DSSClientBuffers(),
        setup_network: Optional[WifiConfiguration] = None,
        post_policy: str = "lnx",
        can_proceed: Optional[Callable[[], bool]] = None,
        scan_filter: Callable[[AccessPoint], bool] = lambda ap: True,
        unsupported_keys: Sequence[str] = (),
    ) -> None:
        self.dss = dss
        self.access_points = list(access_points)
        self.config = dict(DEFAULT_CONFIG)
        self.config.update(config or {})
        self.random, self.buffers, self.setup_network = random, buffers, setup_network
        self.post_policy, self.can_proceed, self.scan_filter = post_policy, can_proceed, scan_filter
        self.unsupported_keys = set(unsupported_keys)
        self.state = ProvisioneeState.DONE  # a stale stored state: the task must reset it
        self.states: List[ProvisioneeState] = []
        self.calls: List[str] = []
        self.logs: List[tuple] = []
        self.networks: List[WifiConfiguration] = []
        self.added: List[WifiConfiguration] = []  # every configuration ever added
        self.attempts: List[ConnectionDetails] = []
        self.connected: Optional[AccessPoint] = None
        self.token = None
        self.http: List[HttpRequest] = []
        self._scan_index, self._scan_exhausted = 0, False

    def _call(self, name: str) -> None:
        self.calls.append(name)

    # -- common ------------------------------------------------------------------------
    def ffs_log(self, level, message, function_name=None, line_number=0):
        self._call("ffs_log")
        self.logs.append((LogLevel(level), message))
        log.log(LogLevel(level).python_level, "%s", message)

    def ffs_random_bytes(self, count):
        self._call("ffs_random_bytes")
        return self.random(count)

    def ffs_sha256(self, data):
        self._call("ffs_sha256")
        return hashlib.sha256(data).digest()

    def ffs_compute_hmac_sha256(self, key, data):
        self._call("ffs_compute_hmac_sha256")
        return hmac.new(key, data, hashlib.sha256).digest()

    def ffs_compute_ecdh_key(self, public_key_der):
        self._call("ffs_compute_ecdh_key")
        peer = serialization.load_der_public_key(public_key_der)
        return hashlib.sha256(DEVICE_KEY.exchange(ec.ECDH(), peer)).digest()

    def ffs_set_configuration_value(self, key, value):
        self._call("ffs_set_configuration_value")
        if key in self.unsupported_keys:
            return FfsResult.NOT_IMPLEMENTED
        self.config[key] = value
        return FfsResult.SUCCESS

    def ffs_get_configuration_value(self, key):
        self._call("ffs_get_configuration_value")
        if key not in self.config:
            return FfsResult.NOT_IMPLEMENTED, None
        return FfsResult.SUCCESS, self.config[key]

    def ffs_set_registration_token(self, request):
        self._call("ffs_set_registration_token")
        self.token = request

    def ffs_get_registration_token(self):
        self._call("ffs_get_registration_token")
        if self.token is None:
            return FfsResult.NOT_IMPLEMENTED, None
        return FfsResult.SUCCESS, self.token.token

    def ffs_get_registration_details(self):
        self._call("ffs_get_registration_details")
        return RegistrationDetails(RegistrationState.COMPLETE)

    def ffs_verify_cloud_signature(self, payload, signature):
        self._call("ffs_verify_cloud_signature")
        try:
            serialization.load_der_public_key(CLOUD_SPKI).verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def ffs_http_execute(self, request):
        self._call("ffs_http_execute")
        self.http.append(request)
        if self.connected is None:
            raise CompatError("not connected to any network")
        return self.dss(request)

    # -- Wi-Fi -----------------------------------------------------------------------
    def _visible(self) -> List[AccessPoint]:
        return [ap for ap in self.access_points if self.scan_filter(ap)]

    def ffs_get_wifi_scan_result(self):
        self._call("ffs_get_wifi_scan_result")
        visible = self._visible()
        if self._scan_index >= len(visible):
            self._scan_exhausted = True
            return None
        ap = visible[self._scan_index]
        self._scan_index += 1
        return WifiScanResult(b"" if ap.hidden else ap.ssid, ap.bssid, ap.security, ap.channel, ap.rssi_dbm)

    def ffs_add_wifi_configuration(self, configuration):
        self._call("ffs_add_wifi_configuration")
        self.networks.append(configuration)
        self.added.append(configuration)

    def ffs_remove_wifi_configuration(self, ssid):
        self._call("ffs_remove_wifi_configuration")
        self.networks = [item for item in self.networks if item.ssid != ssid]
        if self.connected is not None and self.connected.ssid == ssid:
            self.connected = None

    def _try(self, configuration: WifiConfiguration) -> Optional[ErrorDetails]:
        ap = next(
            (
                ap
                for ap in self.access_points
                if ap.ssid == configuration.ssid and (configuration.is_hidden or not ap.hidden)
            ),
            None,
        )
        if ap is None:
            return error_details.AP_NOT_FOUND
        if ap.security is not SecurityProtocol.NONE and ap.key != configuration.key:
            return error_details.BAD_PSK
        if ap.fault is not None:
            return ap.fault
        self.connected = ap
        return None

    def ffs_connect_to_wifi(self):
        self._call("ffs_connect_to_wifi")
        self.connected = None
        if not self.networks:
            self.attempts.append(
                ConnectionDetails(
                    b"", SecurityProtocol.NONE, ConnectionState.FAILED, error_details.NO_CONFIGURED_NETWORKS
                )
            )
        for configuration in self.networks:
            problem = self._try(configuration)
            state = ConnectionState.ASSOCIATED if problem is None else ConnectionState.FAILED
            self.attempts.append(ConnectionDetails(configuration.ssid, configuration.security, state, problem))
            if problem is None:
                return

    def ffs_get_wifi_connection_details(self):
        self._call("ffs_get_wifi_connection_details")
        if self.connected is None:
            return ConnectionDetails(b"", SecurityProtocol.NONE, ConnectionState.DISCONNECTED)
        return ConnectionDetails(self.connected.ssid, self.connected.security, ConnectionState.ASSOCIATED)

    def ffs_get_wifi_connection_attempt(self):
        self._call("ffs_get_wifi_connection_attempt")
        return self.attempts.pop(0) if self.attempts else None

    # -- DSS client and provisionee hooks -----------------------------------------------
    def ffs_dss_client_get_buffers(self):
        self._call("ffs_dss_client_get_buffers")
        return self.buffers

    def ffs_set_wifi_provisionee_state(self, state):
        self._call("ffs_set_wifi_provisionee_state")
        self.state = state
        self.states.append(state)

    def ffs_get_wifi_provisionee_state(self):
        self._call("ffs_get_wifi_provisionee_state")
        return self.state

    def ffs_get_setup_network_configuration(self):
        self._call("ffs_get_setup_network_configuration")
        if self.setup_network is None:
            return FfsResult.NOT_IMPLEMENTED, None
        return FfsResult.SUCCESS, self.setup_network

    def ffs_wifi_provisionee_can_proceed(self):
        self._call("ffs_wifi_provisionee_can_proceed")
        return True if self.can_proceed is None else self.can_proceed()

    def ffs_wifi_provisionee_can_post_wifi_scan_data(
        self, sequence_number, total_credentials_found, all_credentials_found
    ):
        self._call("ffs_wifi_provisionee_can_post_wifi_scan_data")
        if sequence_number == 1:
            self._scan_index, self._scan_exhausted = 0, False
        if self._scan_exhausted:
            return False
        if self.post_policy == "afr":
            return total_credentials_found == 0
        return not all_credentials_found

    def ffs_wifi_provisionee_can_get_wifi_credentials(self, sequence_number, all_credentials_returned):
        self._call("ffs_wifi_provisionee_can_get_wifi_credentials")
        return not all_credentials_returned
