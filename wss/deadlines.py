"""The default deadlines and budgets of a provisioning run, in one place.

Every wait in wss is bounded (docs/design.md §6). Single waits — a scan, a join, a TCP
connect, a TLS handshake, one read — have timeouts; the values here bound the *whole* of
something, so that a peer answering just fast enough to beat every single timeout (a DSS
trickling one byte every few seconds, or asking the device to repeat a state forever)
still cannot hold the device:

==============================  =======  ===============================================
value                           default  bounds
==============================  =======  ===============================================
``DSS_RESPONSE_DEADLINE_S``     30 s     one DSS response, from the end of the request to
                                         its last byte (``HTTPLimits.response_deadline_s``,
                                         ``DevicePolicy.dss_response_deadline_s``)
``DSS_OPERATION_DEADLINE_S``    60 s     one DSS request, connection included
                                         (``HTTPLimits.operation_deadline_s``,
                                         ``DevicePolicy.dss_operation_deadline_s``)
``MAX_RUN_S``                   900 s    one whole provisioning run, by the runner's clock
                                         (``MachineOptions.max_run_s``)
``MAX_TRANSITIONS``             50       state transitions of one run
                                         (``MachineOptions.max_transitions``)
``MAX_CREDENTIAL_PAGES``        32       getWifiCredentials pages of one GET_WIFI_LIST
                                         state (``MachineOptions.max_credential_pages``)
==============================  =======  ===============================================

A request cut off by a deadline fails with :class:`~wss.errors.DeadlineExceeded` (a
network error to the retry policy: retried 3 times); a run over budget aborts with
:class:`~wss.errors.RunBudgetExceeded`. Both end on the normal failure path: the state is
reported as FAILURE where the DSS still answers, then the device falls back to SoftAP
setup with WSS disabled. ``wss provision`` sets each with an option
(``--dss-response-deadline-s``, ``--dss-operation-deadline-s``, ``--max-run-s``,
``--max-transitions``).

This module imports nothing, so the command line can show the defaults cheaply.

Source: issue 16 (hardening); integration guide (retry and fallback guidance).
"""

from __future__ import annotations

__all__ = [
    "DSS_RESPONSE_DEADLINE_S",
    "DSS_OPERATION_DEADLINE_S",
    "MAX_RUN_S",
    "MAX_TRANSITIONS",
    "MAX_CREDENTIAL_PAGES",
]

#: Seconds from the end of a DSS request to the last byte of its response.
DSS_RESPONSE_DEADLINE_S = 30.0
#: Seconds for one whole DSS request: connecting when needed, sending, the response.
DSS_OPERATION_DEADLINE_S = 60.0
#: Seconds of wall time for one provisioning run: the scans, a 30 s connection attempt per
#: returned network, and the DSS operations with their retries fit with room to spare.
MAX_RUN_S = 900.0
#: State transitions of one run: the normal path makes 8, a DSS that has every state
#: repeated twice after a FAILURE about 25.
MAX_TRANSITIONS = 50
#: getWifiCredentials pages of one GET_WIFI_LIST state (5 credentials a page at the DSS).
MAX_CREDENTIAL_PAGES = 32
