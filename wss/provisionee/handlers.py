"""One small handler per provisionee state (all 12).

A handler takes the :class:`~wss.provisionee.context.TaskContext` and returns a
:class:`~wss.provisionee.states.StateOutcome`; most are generators that yield compat
actions on the way. Handlers never choose the next state: the transition table does.

Source: protocol §6.2 (per-state behaviour), §6.3 (canProceed), §6.4 (page loops).
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

from ..compat.types import ConfigKey, ConnectionState, FfsResult, LogLevel
from ..compat.types import ProvisioneeState as S
from ..dss import requests
from ..dss.client import Operation
from ..errors import CompatError, LocalProtocolError, WssError
from .actions import (
    AddWifiConfiguration,
    CanGetWifiCredentials,
    CanPostWifiScanData,
    ConnectToWifi,
    GetSetupNetworkConfiguration,
    GetWifiConnectionDetails,
    GetWifiScanResult,
    Log,
    RemoveWifiConfiguration,
    SetConfigurationValue,
    SetRegistrationToken,
    Sha256,
)
from .context import TaskContext
from .operations import Steps, config_value, device_details, failed, fill_list, nonce, perform, report_state
from .setup import fallback_network, join_network, use_setup_network
from .states import Event, StateOutcome

__all__ = ["HANDLERS"]


def handle_not_provisioned(ctx: TaskContext) -> StateOutcome:
    """Nothing to do (§6.2)."""
    return StateOutcome(Event.STARTED)


def handle_connecting_to_setup_network(ctx: TaskContext) -> Steps:
    """Join the encoded network; on any failure forget it and join the fallback (§7.2, §7.3).

    No report. Failing to join the fallback aborts the task.
    """
    encoded = ctx.encoded_network
    if encoded is not None:
        try:
            joined = yield from join_network(encoded)
        except WssError as exc:
            yield Log(LogLevel.WARNING, f"joining the encoded setup network failed: {exc}")
            joined = False
        if joined:
            use_setup_network(ctx, encoded, encoded=True)
            return StateOutcome(Event.SETUP_NETWORK_JOINED)
        ctx.encoded_network = None
        yield RemoveWifiConfiguration(encoded.ssid)  # the SDK leaves it; we do not retry it
        yield Log(LogLevel.INFO, "encoded setup network not joined; trying the fallback")
    result, configuration = yield GetSetupNetworkConfiguration()
    network = fallback_network(result, configuration, ctx.options.fallback_setup_network)
    if not (yield from join_network(network)):
        raise CompatError(f"could not join the fallback setup network {network.ssid!r}")
    use_setup_network(ctx, network, encoded=False)
    return StateOutcome(Event.SETUP_NETWORK_JOINED)


def handle_start_provisioning(ctx: TaskContext) -> Steps:
    """startProvisioningSession, then report with connection attempts (§6.2, §6.3)."""
    request_nonce = yield from nonce(ctx)
    result = yield from perform(
        ctx, Operation.START_PROVISIONING_SESSION, requests.start_provisioning_session(request_nonce)
    )
    if not failed(result) and not result.can_proceed:
        return StateOutcome(Event.CLOUD_DECLINED)
    return (yield from report_state(ctx, S.START_PROVISIONING, not failed(result), with_attempts=True))


def handle_start_pin_based_setup(ctx: TaskContext) -> Steps:
    """startPinBasedSetup with hashedPin = base64(SHA-256(PIN ‖ salt)), then report (§8.6)."""
    request_nonce = yield from nonce(ctx)
    details = yield from device_details(ctx)
    pin = yield from config_value(ConfigKey.PIN, str)
    if pin is None or ctx.dss.salt is None:
        raise LocalProtocolError("startPinBasedSetup needs the device PIN and the session salt")
    digest = yield Sha256(requests.pin_digest_input(pin, ctx.dss.salt))
    body = requests.start_pin_based_setup(
        request_nonce, ctx.dss.session_id, details, requests.encode_hashed_pin(digest)
    )
    result = yield from perform(ctx, Operation.START_PIN_BASED_SETUP, body)
    if not failed(result) and not result.can_proceed:
        return StateOutcome(Event.CLOUD_DECLINED)
    return (yield from report_state(ctx, S.START_PIN_BASED_SETUP, not failed(result)))


def _apply_configuration(response) -> Steps:
    """Store every configuration entry and the registration token; False on an ERROR."""
    for key, value in response.configuration:
        result = yield SetConfigurationValue(key, value)
        if result not in (FfsResult.SUCCESS, FfsResult.NOT_IMPLEMENTED):
            yield Log(LogLevel.WARNING, f"storing configuration {key} failed: {FfsResult.string(result)}")
            return False
    if response.registration is not None:
        yield SetRegistrationToken(response.registration)
    return True


def handle_compute_configuration(ctx: TaskContext) -> Steps:
    """computeConfigurationData (no canProceed check), store its values, report (§6.2)."""
    request_nonce = yield from nonce(ctx)
    details = yield from device_details(ctx)
    result = yield from perform(
        ctx,
        Operation.COMPUTE_CONFIGURATION_DATA,
        requests.compute_configuration_data(request_nonce, ctx.dss.session_id, details),
    )
    success = not failed(result) and (yield from _apply_configuration(result))
    return (yield from report_state(ctx, S.COMPUTE_CONFIGURATION, success))


def _why_skipped(scan) -> Optional[str]:
    return "hidden network (empty SSID) not posted" if not scan.ssid else None


def _scan_page(ctx: TaskContext, sequence_number: int) -> Steps:
    """Fill one postWifiScanData page; returns (body, SSIDs) or None if the page fails."""
    request_nonce = yield from nonce(ctx)
    details = yield from device_details(ctx)
    body = requests.post_wifi_scan_data(request_nonce, ctx.dss.session_id, details, sequence_number, ctx.dss.body_limit)
    try:
        added = yield from fill_list(
            ctx, body, "carried_scan_result", GetWifiScanResult(), requests.scan_result_item, _why_skipped
        )
    except LocalProtocolError as exc:
        yield Log(LogLevel.WARNING, f"postWifiScanData page {sequence_number} failed: {exc}")
        return None
    ssids = [scan.ssid for scan in added]
    return body.finish(), ssids


def handle_post_wifi_scan_data(ctx: TaskContext) -> Steps:
    """Page loop of postWifiScanData; FAILURE if no page was sent or one failed (§6.4)."""
    sequence_number, total, all_found, pages, success = 1, 0, False, 0, False
    while (yield CanPostWifiScanData(sequence_number, total, all_found)):
        success = False
        page: Optional[Tuple[bytes, List[bytes]]] = yield from _scan_page(ctx, sequence_number)
        if page is None:
            break
        result = yield from perform(ctx, Operation.POST_WIFI_SCAN_DATA, page[0])
        if failed(result):
            break
        ctx.posted_ssids.update(page[1])
        pages, success = pages + 1, True
        total, all_found = result.total_credentials_found, result.all_credentials_found
        sequence_number += 1
    return (yield from report_state(ctx, S.POST_WIFI_SCAN_DATA, success and pages > 0))


def _add_credentials(ctx: TaskContext, response) -> Steps:
    """Log rejected entries, then add each credential in the DSS order (most secure first)."""
    for reason in response.rejected:
        yield Log(LogLevel.WARNING, f"credential skipped: {reason}")
    for credential in response.credentials:
        if ctx.options.only_scanned_credentials and credential.ssid not in ctx.posted_ssids:
            yield Log(LogLevel.WARNING, f"credential for {credential.ssid!r}, which was not posted, ignored")
            continue
        yield AddWifiConfiguration(credential)


def handle_get_wifi_list(ctx: TaskContext) -> Steps:
    """Page loop of getWifiCredentials; FAILURE if the hook said no at once or a page failed.

    At most ``options.max_credential_pages`` pages: a DSS that never says
    ``allCredentialsReturned`` keeps what it sent so far.
    """
    sequence_number, all_returned, success = 1, False, False
    most = ctx.options.max_credential_pages
    while (yield CanGetWifiCredentials(sequence_number, all_returned)):
        if sequence_number > most:
            yield Log(LogLevel.WARNING, f"getWifiCredentials: stopped after {most} pages (max_credential_pages)")
            break
        request_nonce = yield from nonce(ctx)
        details = yield from device_details(ctx)
        body = requests.get_wifi_credentials(request_nonce, ctx.dss.session_id, details, sequence_number)
        result = yield from perform(ctx, Operation.GET_WIFI_CREDENTIALS, body)
        success = not failed(result)
        if not success:
            break
        yield from _add_credentials(ctx, result)
        all_returned = result.all_credentials_returned
        sequence_number += 1
    return (yield from report_state(ctx, S.GET_WIFI_LIST, success))


def handle_connecting_to_user_network(ctx: TaskContext) -> Steps:
    """Leave the setup network, join a user network; on failure go back (§6.2)."""
    setup = ctx.setup_network
    if setup is not None:
        yield RemoveWifiConfiguration(setup.ssid)
    ctx.dss.on_encoded_network = False
    yield ConnectToWifi()
    details = yield GetWifiConnectionDetails()
    success = details.state is ConnectionState.ASSOCIATED and (setup is None or details.ssid != setup.ssid)
    if success:
        ctx.joined_home_network = True
    else:
        if setup is None or not (yield from join_network(setup)):
            raise CompatError("could not return to the setup network")
        use_setup_network(ctx, setup, ctx.setup_is_encoded)
    return (yield from report_state(ctx, S.CONNECTING_TO_USER_NETWORK, success, with_attempts=True))


def handle_connected_to_user_network(ctx: TaskContext) -> Steps:
    """Report CONNECTED_TO_USER_NETWORK, always SUCCESS (§6.2)."""
    return (yield from report_state(ctx, S.CONNECTED_TO_USER_NETWORK, True))


def handle_terminal(ctx: TaskContext) -> StateOutcome:
    """DONE, FAILURE, TERMINATED: the task stops (§6.1 step 4)."""
    return StateOutcome(Event.TERMINAL)


#: State -> handler, for all 12 states.
HANDLERS: Dict[S, Callable[[TaskContext], object]] = {
    S.NOT_PROVISIONED: handle_not_provisioned,
    S.CONNECTING_TO_SETUP_NETWORK: handle_connecting_to_setup_network,
    S.START_PROVISIONING: handle_start_provisioning,
    S.START_PIN_BASED_SETUP: handle_start_pin_based_setup,
    S.COMPUTE_CONFIGURATION: handle_compute_configuration,
    S.POST_WIFI_SCAN_DATA: handle_post_wifi_scan_data,
    S.GET_WIFI_LIST: handle_get_wifi_list,
    S.CONNECTING_TO_USER_NETWORK: handle_connecting_to_user_network,
    S.CONNECTED_TO_USER_NETWORK: handle_connected_to_user_network,
    S.DONE: handle_terminal,
    S.FAILURE: handle_terminal,
    S.TERMINATED: handle_terminal,
}
