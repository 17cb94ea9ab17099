"""The compatibility layer: the seam between the provisionee and its platform.

:class:`Compat` (in :mod:`wss.compat.base`) declares one abstract method per C function
of the Amazon provisionee SDK's compatibility layer; :mod:`wss.compat.types` holds the
values they take and return. The state machine (:mod:`wss.provisionee`) calls nothing
but these methods.

C name → Python name (protocol §3.1; C = ``ffs_common_compat.h``, W =
``ffs_wifi_provisionee_compat.h``, D = ``ffs_dss_client_compat.h``):

==  ==========================================  =================================================  ==
#   C function                                  Python method                                      H
==  ==========================================  =================================================  ==
1   ``ffsLog``                                  ``ffs_log``                                        C
2   ``ffsRandomBytes``                          ``ffs_random_bytes``                               C
3   ``ffsSha256``                               ``ffs_sha256``                                     C
4   ``ffsComputeHMACSHA256``                    ``ffs_compute_hmac_sha256``                        C
5   ``ffsComputeECDHKey``                       ``ffs_compute_ecdh_key``                           C
6   ``ffsSetConfigurationValue``                ``ffs_set_configuration_value``                    C
7   ``ffsGetConfigurationValue``                ``ffs_get_configuration_value``                    C
8   ``ffsSetRegistrationToken``                 ``ffs_set_registration_token``                     C
9   ``ffsGetRegistrationToken``                 ``ffs_get_registration_token``                     C
10  ``ffsGetRegistrationDetails``               ``ffs_get_registration_details``                   C
11  ``ffsVerifyCloudSignature``                 ``ffs_verify_cloud_signature``                     C
12  ``ffsHttpExecute``                          ``ffs_http_execute``                               C
13  ``ffsGetWifiScanResult``                    ``ffs_get_wifi_scan_result``                       C
14  ``ffsAddWifiConfiguration``                 ``ffs_add_wifi_configuration``                     C
15  ``ffsRemoveWifiConfiguration``              ``ffs_remove_wifi_configuration``                  C
16  ``ffsConnectToWifi``                        ``ffs_connect_to_wifi``                            C
17  ``ffsGetWifiConnectionDetails``             ``ffs_get_wifi_connection_details``                C
18  ``ffsGetWifiConnectionAttempt``             ``ffs_get_wifi_connection_attempt``                C
19  ``ffsDssClientGetBuffers``                  ``ffs_dss_client_get_buffers``                     D
20  ``ffsSetWifiProvisioneeState``              ``ffs_set_wifi_provisionee_state``                 W
21  ``ffsGetWifiProvisioneeState``              ``ffs_get_wifi_provisionee_state``                 W
22  ``ffsGetSetupNetworkConfiguration``         ``ffs_get_setup_network_configuration``            W
23  ``ffsWifiProvisioneeCanProceed``            ``ffs_wifi_provisionee_can_proceed``               W
24  ``ffsWifiProvisioneeCanPostWifiScanData``   ``ffs_wifi_provisionee_can_post_wifi_scan_data``   W
25  ``ffsWifiProvisioneeCanGetWifiCredentials`` ``ffs_wifi_provisionee_can_get_wifi_credentials``  W
==  ==========================================  =================================================  ==

The public integration guide spells row 4 "ffsComputeMACSHA265"; the SDK symbol is
``ffsComputeHMACSHA256``.

Source: protocol §3.1.
"""

from __future__ import annotations

from .base import Compat
from .types import (
    BSSID_SIZE,
    DEVICE_DETAILS_FIELDS,
    MAX_KEY_SIZE,
    MAX_SSID_SIZE,
    NULL_ERROR_CODE,
    ConfigKey,
    ConfigValue,
    ConnectionAttempt,
    ConnectionDetails,
    ConnectionState,
    DSSClientBuffers,
    ErrorDetails,
    FfsResult,
    HttpRequest,
    HttpResponse,
    LogLevel,
    MapValueType,
    OutputStream,
    ProvisioneeState,
    RegistrationDetails,
    RegistrationRequest,
    RegistrationState,
    SecurityProtocol,
    WifiConfiguration,
    WifiScanResult,
    map_value_type,
)

#: C name -> Python method name, the table above as data.
C_NAMES = {
    "ffsLog": "ffs_log",
    "ffsRandomBytes": "ffs_random_bytes",
    "ffsSha256": "ffs_sha256",
    "ffsComputeHMACSHA256": "ffs_compute_hmac_sha256",
    "ffsComputeECDHKey": "ffs_compute_ecdh_key",
    "ffsSetConfigurationValue": "ffs_set_configuration_value",
    "ffsGetConfigurationValue": "ffs_get_configuration_value",
    "ffsSetRegistrationToken": "ffs_set_registration_token",
    "ffsGetRegistrationToken": "ffs_get_registration_token",
    "ffsGetRegistrationDetails": "ffs_get_registration_details",
    "ffsVerifyCloudSignature": "ffs_verify_cloud_signature",
    "ffsHttpExecute": "ffs_http_execute",
    "ffsGetWifiScanResult": "ffs_get_wifi_scan_result",
    "ffsAddWifiConfiguration": "ffs_add_wifi_configuration",
    "ffsRemoveWifiConfiguration": "ffs_remove_wifi_configuration",
    "ffsConnectToWifi": "ffs_connect_to_wifi",
    "ffsGetWifiConnectionDetails": "ffs_get_wifi_connection_details",
    "ffsGetWifiConnectionAttempt": "ffs_get_wifi_connection_attempt",
    "ffsDssClientGetBuffers": "ffs_dss_client_get_buffers",
    "ffsSetWifiProvisioneeState": "ffs_set_wifi_provisionee_state",
    "ffsGetWifiProvisioneeState": "ffs_get_wifi_provisionee_state",
    "ffsGetSetupNetworkConfiguration": "ffs_get_setup_network_configuration",
    "ffsWifiProvisioneeCanProceed": "ffs_wifi_provisionee_can_proceed",
    "ffsWifiProvisioneeCanPostWifiScanData": "ffs_wifi_provisionee_can_post_wifi_scan_data",
    "ffsWifiProvisioneeCanGetWifiCredentials": "ffs_wifi_provisionee_can_get_wifi_credentials",
}

__all__ = [
    "Compat",
    "C_NAMES",
    "BSSID_SIZE",
    "DEVICE_DETAILS_FIELDS",
    "MAX_KEY_SIZE",
    "MAX_SSID_SIZE",
    "NULL_ERROR_CODE",
    "ConfigKey",
    "ConfigValue",
    "ConnectionAttempt",
    "ConnectionDetails",
    "ConnectionState",
    "DSSClientBuffers",
    "ErrorDetails",
    "FfsResult",
    "HttpRequest",
    "HttpResponse",
    "LogLevel",
    "MapValueType",
    "OutputStream",
    "ProvisioneeState",
    "RegistrationDetails",
    "RegistrationRequest",
    "RegistrationState",
    "SecurityProtocol",
    "WifiConfiguration",
    "WifiScanResult",
    "map_value_type",
]
