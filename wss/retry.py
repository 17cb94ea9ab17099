"""The retry policy of the integration guide, as one object that returns decisions.

* A network connectivity error (:class:`~wss.errors.TransportError`: connect/read
  failure, timeout, reset) is retried 3 times with exponential back-off starting at 2 s:
  waits of 2, 4 and 8 s.
* An HTTP 5xx answer is retried 3 times, 2–5 s apart (a jitter source picks the point in
  that range).
* An HTTP 4xx answer is never retried with the same input: it is returned to the caller,
  which must correct the input first.
* Anything else (2xx, 3xx, TLS or protocol errors) ends the retries at once.

Network and 5xx retries are counted separately. :meth:`RetryPolicy.decide` is pure;
:meth:`RetryPolicy.execute` runs a call with the injected ``sleep`` and ``clock``, so tests
never sleep.

Source: integration guide, "Retry, timeout, and factory reset guidance" items 1–3.
"""

from __future__ import annotations

import enum
import logging
import random
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from .compat.types import HttpResponse
from .errors import TransportError, WssError

__all__ = ["FailureKind", "RetryDecision", "RetryRecord", "RetryPolicy"]

log = logging.getLogger(__name__)


class FailureKind(enum.Enum):
    """What went wrong with one attempt."""

    NETWORK = "network"  #: transport failure (retry with back-off)
    SERVER = "server"  #: HTTP 5xx (retry 2–5 s apart)
    CLIENT = "client"  #: HTTP 4xx (never retry the same input)


@dataclass(frozen=True)
class RetryDecision:
    """The verdict for one failed attempt.

    Attributes:
        retry: send the same request again.
        delay_s: seconds to wait first (0 when not retrying).
        kind: the failure kind.
        failures: failures of this kind so far, this one included.
        reason: a short human explanation.
    """

    retry: bool
    delay_s: float
    kind: FailureKind
    failures: int
    reason: str


@dataclass(frozen=True)
class RetryRecord:
    """One retry that :meth:`RetryPolicy.execute` made.

    Attributes:
        kind: why.
        failures: failures of this kind so far.
        delay_s: how long it waited, seconds.
        at_s: the clock reading when the failure was seen, seconds.
        detail: the HTTP status or the exception class name.
    """

    kind: FailureKind
    failures: int
    delay_s: float
    at_s: float
    detail: str


class RetryPolicy:
    """Decide, and optionally carry out, retries of one DSS request.

    Args:
        network_retries: retries after network errors (3).
        network_first_delay_s: first back-off, seconds (2).
        network_backoff: multiplier between back-offs (2 → 2, 4, 8 s).
        server_retries: retries after HTTP 5xx (3).
        server_min_delay_s: shortest wait after a 5xx, seconds (2).
        server_max_delay_s: longest wait after a 5xx, seconds (5).
        jitter: returns a float in [0, 1) that places each 5xx wait in its range
            (default :func:`random.random`).
        sleep: waits a number of seconds (default :func:`time.sleep`).
        clock: monotonic seconds (default :func:`time.monotonic`).
    """

    def __init__(
        self,
        *,
        network_retries: int = 3,
        network_first_delay_s: float = 2.0,
        network_backoff: float = 2.0,
        server_retries: int = 3,
        server_min_delay_s: float = 2.0,
        server_max_delay_s: float = 5.0,
        jitter: Optional[Callable[[], float]] = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if network_retries < 0 or server_retries < 0:
            raise ValueError("retry counts must be >= 0")
        if not 0 <= server_min_delay_s <= server_max_delay_s or network_first_delay_s < 0:
            raise ValueError("delays must be >= 0 and server_min_delay_s <= server_max_delay_s")
        self.network_retries = network_retries
        self.network_first_delay_s = network_first_delay_s
        self.network_backoff = network_backoff
        self.server_retries = server_retries
        self.server_min_delay_s = server_min_delay_s
        self.server_max_delay_s = server_max_delay_s
        self._jitter = jitter if jitter is not None else random.random
        self._sleep = sleep
        self._clock = clock

    @staticmethod
    def classify_error(error: BaseException) -> Optional[FailureKind]:
        """NETWORK for a :class:`~wss.errors.TransportError`, else None (not retried)."""
        return FailureKind.NETWORK if isinstance(error, TransportError) else None

    @staticmethod
    def classify_status(status: int) -> Optional[FailureKind]:
        """SERVER for 5xx, CLIENT for 4xx, None otherwise."""
        if 500 <= status <= 599:
            return FailureKind.SERVER
        if 400 <= status <= 499:
            return FailureKind.CLIENT
        return None

    def decide(self, kind: FailureKind, failures: int) -> RetryDecision:
        """Decide about the ``failures``-th failure (1-based) of ``kind``.

        Source: integration guide, retry items 1 (network), 2 (5xx), 3 (4xx).
        """
        if failures < 1:
            raise ValueError("failures counts from 1")
        if kind is FailureKind.NETWORK:
            if failures > self.network_retries:
                return RetryDecision(False, 0.0, kind, failures, "network retries exhausted")
            delay = self.network_first_delay_s * self.network_backoff ** (failures - 1)
            return RetryDecision(True, delay, kind, failures, "network error: back off")
        if kind is FailureKind.SERVER:
            if failures > self.server_retries:
                return RetryDecision(False, 0.0, kind, failures, "5xx retries exhausted")
            fraction = self._jitter()
            if not 0.0 <= fraction <= 1.0:
                raise ValueError(f"jitter must return a value in [0, 1], got {fraction!r}")
            span = self.server_max_delay_s - self.server_min_delay_s
            return RetryDecision(
                True, self.server_min_delay_s + fraction * span, kind, failures, "server error: let it recover"
            )
        return RetryDecision(False, 0.0, kind, failures, "4xx: never retry the same input")

    def execute(
        self, call: Callable[[], HttpResponse], on_retry: Optional[Callable[[RetryRecord], None]] = None
    ) -> HttpResponse:
        """Run ``call`` until it succeeds or the policy gives up.

        Args:
            call: performs the request once (e.g. ``ffs_http_execute``).
            on_retry: told about every retry before its wait.
        Returns:
            The last response (which may still be a 4xx or 5xx).
        Raises:
            WssError: the last error when it is not retried (or retries are exhausted).
        """
        counts: Dict[FailureKind, int] = {}
        result: Optional[HttpResponse]  # the response, when the call returned one
        error: Optional[WssError]  # the error, when the call raised one
        while True:
            try:
                response = call()
            except WssError as exc:
                kind = self.classify_error(exc)
                if kind is None:
                    raise
                detail, result, error = type(exc).__name__, None, exc
            else:
                kind = self.classify_status(response.status)
                if kind is None:
                    return response
                detail, result, error = str(response.status), response, None
            counts[kind] = counts.get(kind, 0) + 1
            decision = self.decide(kind, counts[kind])
            if not decision.retry:
                if error is not None:
                    raise error
                assert result is not None  # no error: the call returned a response
                return result
            record = RetryRecord(kind, decision.failures, decision.delay_s, self._clock(), detail)
            log.warning(
                "DSS request failed (%s %s); retry %d in %.1f s",
                kind.value,
                detail,
                decision.failures,
                decision.delay_s,
            )
            if on_retry is not None:
                on_retry(record)
            self._sleep(decision.delay_s)
