"""The compatibility-layer contract: one abstract method per C function of protocol §3.1.

To run the provisionee on a new platform, implement every method of :class:`Compat`.
The provisionee state machine calls nothing else: no HAL driver, socket or file is ever
touched outside these methods.

Conventions (Pythonic form of the C signatures):

* The C user context is ``self``; output parameters become return values.
* Where the C result *carries meaning* (NOT_IMPLEMENTED for "no such value"), the method
  returns an :class:`~wss.compat.types.FfsResult` (alone or in a tuple).
* Where the C result is only SUCCESS-or-error, the method returns its value and signals
  an error by raising :class:`wss.errors.WssError` (typically
  :class:`~wss.errors.CompatError`; transport failures as
  :class:`~wss.errors.TransportError`). The task aborts on such an error, except inside a
  DSS operation (protocol §6.2, failure summary).
* "Exhausted" out-flags (``isUnderrun``) become a ``None`` return.

Source: protocol §3.1 (rows 1–25), §3.2, §4.
"""

from __future__ import annotations

import abc
from typing import Optional, Tuple

from .types import (
    ConfigValue,
    ConnectionAttempt,
    ConnectionDetails,
    DSSClientBuffers,
    FfsResult,
    HttpRequest,
    HttpResponse,
    LogLevel,
    ProvisioneeState,
    RegistrationDetails,
    RegistrationRequest,
    WifiConfiguration,
    WifiScanResult,
)

__all__ = ["Compat"]


class Compat(abc.ABC):
    """The 25 functions the provisionee needs from its platform."""

    # -- common (C header ffs_common_compat.h) ---------------------------------------

    @abc.abstractmethod
    def ffs_log(self, level: LogLevel, message: str, function_name: Optional[str] = None, line_number: int = 0) -> None:
        """``ffsLog``: add one line to the log.

        Args:
            level: DEBUG, INFO, WARNING or ERROR.
            message: the text, without a line terminator; never contains secrets.
            function_name: the caller's name, or None to omit it.
            line_number: the caller's line, or 0 to omit it.

        Source: protocol §3.1 row 1.
        """

    @abc.abstractmethod
    def ffs_random_bytes(self, count: int) -> bytes:
        """``ffsRandomBytes``: ``count`` bytes from a CSPRNG.

        Args:
            count: bytes wanted (the free space of the C output stream).
        Returns:
            Exactly ``count`` random bytes.
        Raises:
            WssError: the generator failed.
        Source: protocol §3.1 row 2 (12 bytes for the setup nonce; DSS nonces, §8.3).
        """

    @abc.abstractmethod
    def ffs_sha256(self, data: bytes) -> bytes:
        """``ffsSha256``: the 32-byte SHA-256 digest of ``data``.

        Source: protocol §3.1 row 3 (encoded SSID, hashed PIN).
        """

    @abc.abstractmethod
    def ffs_compute_hmac_sha256(self, key: bytes, data: bytes) -> bytes:
        """``ffsComputeHMACSHA256``: the 32-byte HMAC-SHA256 of ``data`` under ``key``.

        Source: protocol §3.1 row 4 (setup-network passphrase).
        """

    @abc.abstractmethod
    def ffs_compute_ecdh_key(self, public_key_der: bytes) -> bytes:
        """``ffsComputeECDHKey``: SHA-256 of the raw P-256 ECDH shared secret.

        Args:
            public_key_der: the cloud's public key, 91-byte DER SubjectPublicKeyInfo. The
                private key is the device's own, known to the implementation.
        Returns:
            ``SHA-256(x-coordinate of d_device * Q_cloud)``, 32 bytes (the hashing is the
            port's job, not the core's).
        Source: protocol §3.1 row 5, §7.1.
        """

    @abc.abstractmethod
    def ffs_set_configuration_value(self, key: str, value: ConfigValue) -> FfsResult:
        """``ffsSetConfigurationValue``: store a configuration entry.

        Args:
            key: a key of protocol §5 (or any key the DSS sends).
            value: str (STRING), bool (BOOLEAN), int (INTEGER) or bytes (BYTES).
        Returns:
            SUCCESS, or NOT_IMPLEMENTED for a key the device does not keep (tolerated).
        Source: protocol §3.1 row 6, §5.
        """

    @abc.abstractmethod
    def ffs_get_configuration_value(self, key: str) -> Tuple[FfsResult, Optional[ConfigValue]]:
        """``ffsGetConfigurationValue``: read a configuration entry.

        Returns:
            ``(SUCCESS, value)``; ``(NOT_IMPLEMENTED, None)`` when the value is unknown.
            Values are typed as in :meth:`ffs_set_configuration_value`.
        Source: protocol §3.1 row 7, §5 (which keys, when).
        """

    @abc.abstractmethod
    def ffs_set_registration_token(self, request: RegistrationRequest) -> None:
        """``ffsSetRegistrationToken``: persist the registration token and its expiry.

        Source: protocol §3.1 row 8 (computeConfigurationData ``registrationDetails``).
        """

    @abc.abstractmethod
    def ffs_get_registration_token(self) -> Tuple[FfsResult, Optional[bytes]]:
        """``ffsGetRegistrationToken``: the stored token.

        Returns:
            ``(SUCCESS, token)`` or ``(NOT_IMPLEMENTED, None)``.
        Source: protocol §3.1 row 9 (never called by SDK 2.3.0).
        """

    @abc.abstractmethod
    def ffs_get_registration_details(self) -> RegistrationDetails:
        """``ffsGetRegistrationDetails``: the current registration state.

        Source: protocol §3.1 row 10 (read before every report).
        """

    @abc.abstractmethod
    def ffs_verify_cloud_signature(self, payload: bytes, signature: bytes) -> bool:
        """``ffsVerifyCloudSignature``: verify a DSS response signature.

        Args:
            payload: the exact response body bytes.
            signature: the DER ECDSA signature (already base64-decoded).
        Returns:
            True when ECDSA-P256-SHA256 verifies with the cloud public key, else False.
        Raises:
            WssError: only on an internal failure, never for a bad signature.
        Source: protocol §3.1 row 11, §8.2.
        """

    @abc.abstractmethod
    def ffs_http_execute(self, request: HttpRequest) -> HttpResponse:
        """``ffsHttpExecute``: perform one HTTPS request (mutual TLS) and return the reply.

        Args:
            request: method, host, port, path, headers and body.
        Returns:
            The status, the headers in order, and the whole body.
        Raises:
            TransportError: the network failed (retried by the caller's policy).
            TLSError, HTTPError: the exchange failed otherwise.
        Source: protocol §3.1 row 12, §3.2, §8.1.
        """

    # -- Wi-Fi (C header ffs_common_compat.h) ------------------------------------------

    @abc.abstractmethod
    def ffs_get_wifi_scan_result(self) -> Optional[WifiScanResult]:
        """``ffsGetWifiScanResult``: the next scan result, or None when exhausted.

        A device policy may drop results here (e.g. WEP and open networks).
        Source: protocol §3.1 row 13; integration guide, "Supported Networks".
        """

    @abc.abstractmethod
    def ffs_add_wifi_configuration(self, configuration: WifiConfiguration) -> None:
        """``ffsAddWifiConfiguration``: store a network; first added = first tried.

        A device that cannot store more networks discards it and still succeeds.
        Source: protocol §3.1 row 14.
        """

    @abc.abstractmethod
    def ffs_remove_wifi_configuration(self, ssid: bytes) -> None:
        """``ffsRemoveWifiConfiguration``: remove every stored network named ``ssid``;
        disconnect if connected to it.

        Source: protocol §3.1 row 15.
        """

    @abc.abstractmethod
    def ffs_connect_to_wifi(self) -> None:
        """``ffsConnectToWifi``: blocking; try the stored networks in order until one
        associates or all fail. Succeeds even if none connected (the caller checks the
        state); record every attempt for :meth:`ffs_get_wifi_connection_attempt`.

        Raises:
            WssError: an internal failure only.
        Source: protocol §3.1 row 16.
        """

    @abc.abstractmethod
    def ffs_get_wifi_connection_details(self) -> ConnectionDetails:
        """``ffsGetWifiConnectionDetails``: current SSID, security and state.

        Source: protocol §3.1 row 17 (the SDK requires ASSOCIATED after a connect).
        """

    @abc.abstractmethod
    def ffs_get_wifi_connection_attempt(self) -> Optional[ConnectionAttempt]:
        """``ffsGetWifiConnectionAttempt``: pop the oldest recorded attempt, None if none.

        Every failed attempt carries standard error details (:mod:`wss.error_details`).
        Source: protocol §3.1 row 18; integration guide, "Error codes".
        """

    # -- DSS client (C header ffs_dss_client_compat.h) --------------------------------

    @abc.abstractmethod
    def ffs_dss_client_get_buffers(self) -> DSSClientBuffers:
        """``ffsDssClientGetBuffers``: the sizes of the host, session id, nonce and body
        buffers (the body size decides request paging).

        Source: protocol §3.1 row 19, §8.4.
        """

    # -- Wi-Fi provisionee (C header ffs_wifi_provisionee_compat.h) -------------------

    @abc.abstractmethod
    def ffs_set_wifi_provisionee_state(self, state: ProvisioneeState) -> None:
        """``ffsSetWifiProvisioneeState``: persist the provisionee state.

        Source: protocol §3.1 row 20.
        """

    @abc.abstractmethod
    def ffs_get_wifi_provisionee_state(self) -> ProvisioneeState:
        """``ffsGetWifiProvisioneeState``: the state the task runs next.

        Source: protocol §3.1 row 21.
        """

    @abc.abstractmethod
    def ffs_get_setup_network_configuration(self) -> Tuple[FfsResult, Optional[WifiConfiguration]]:
        """``ffsGetSetupNetworkConfiguration``: a client-defined fallback setup network.

        Returns:
            ``(SUCCESS, configuration)``, or ``(NOT_IMPLEMENTED, None)`` for the SDK default
            (open hidden ``simple_setup``).
        Source: protocol §3.1 row 22, §7.3.
        """

    @abc.abstractmethod
    def ffs_wifi_provisionee_can_proceed(self) -> bool:
        """``ffsWifiProvisioneeCanProceed``: the client kill switch; False ends the task.

        Source: protocol §3.1 row 23, §6.1.
        """

    @abc.abstractmethod
    def ffs_wifi_provisionee_can_post_wifi_scan_data(
        self, sequence_number: int, total_credentials_found: int, all_credentials_found: bool
    ) -> bool:
        """``ffsWifiProvisioneeCanPostWifiScanData``: post another scan page?

        Args:
            sequence_number: the page about to be sent, from 1.
            total_credentials_found: from the previous page's response (0 before).
            all_credentials_found: from the previous page's response (False before).
        Source: protocol §3.1 row 24, §6.4.
        """

    @abc.abstractmethod
    def ffs_wifi_provisionee_can_get_wifi_credentials(
        self, sequence_number: int, all_credentials_returned: bool
    ) -> bool:
        """``ffsWifiProvisioneeCanGetWifiCredentials``: fetch another credentials page?

        Args:
            sequence_number: the page about to be requested, from 1.
            all_credentials_returned: from the previous page's response (False before).
        Source: protocol §3.1 row 25, §6.4.
        """
