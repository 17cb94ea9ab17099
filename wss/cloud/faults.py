"""Fault injection for the cloud simulator, per operation or probabilistic with a seed.

Faults file (YAML or JSON)::

    seed: 42                      # seeds the random draws of probabilistic rules
    faults:
      - kind: http_5xx            # see FAULT_KINDS
        operation: getWifiCredentials   # an operation name, or "*" (default)
        probability: 0.25         # default 1.0
        count: 3                  # fire at most this many times (default: no limit)
        after: 1                  # let this many matching requests through first
        state: GET_WIFI_LIST      # reports only: match this currentProvisioningState
        status: 503               # http_5xx only (500..599)
        delay_s: 2.5              # delay only, seconds

Kinds and their effect (the first rule that fires wins; one fault per request):

=================  ==========================================================================
``http_5xx``       answer ``status`` with a signed JSON error body; the request is not processed
``delay``          wait ``delay_s`` seconds, then process and answer normally
``reset``          read the request, then reset the TCP connection (RST); not processed
``truncate``       process, send the headers and half of the body, then close
``bad_signature``  process, but send a signature made over different bytes
``cannot_proceed`` process, but answer ``canProceed: false``
``repeat_state``   reports only: the next state is the reported state again
``skip_state``     reports only: jump over the normal next state (e.g. COMPUTE_CONFIGURATION
                   → GET_WIFI_LIST)
=================  ==========================================================================

Source: issue "Local Device Setup Service" (fault injection); protocol §6.2-6.3 (how the
device reacts), §14 (quirks).
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Union

from ..errors import ConfigError
from .protocol import OPERATIONS, STATES
from .yamlfile import read_yaml

__all__ = ["FAULT_KINDS", "FaultRule", "FaultPlan", "load_faults"]

FAULT_KINDS = (
    "http_5xx",
    "delay",
    "reset",
    "truncate",
    "bad_signature",
    "cannot_proceed",
    "repeat_state",
    "skip_state",
)
_REPORT_ONLY = ("repeat_state", "skip_state")
_FIELDS = ("kind", "operation", "probability", "count", "after", "state", "status", "delay_s")


@dataclass(frozen=True)
class FaultRule:
    """One fault rule (see the module docstring for the fields)."""

    kind: str
    operation: str = "*"
    probability: float = 1.0
    count: Optional[int] = None
    after: int = 0
    state: Optional[str] = None
    status: int = 503
    delay_s: float = 1.0

    def matches(self, operation: str, state: Optional[str]) -> bool:
        """Return whether this rule applies to a request (before counting and drawing)."""
        if self.operation not in ("*", operation):
            return False
        if self.kind in _REPORT_ONLY and operation != "report":
            return False
        return self.state is None or self.state == state


def _rule(raw: Any, where: str) -> FaultRule:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a mapping")
    unknown = set(raw) - set(_FIELDS)
    if unknown:
        raise ConfigError(f"{where}: unknown fields {sorted(unknown, key=repr)}")
    try:
        rule = FaultRule(**raw)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    problems = []
    if rule.kind not in FAULT_KINDS:
        problems.append(f"kind must be one of {', '.join(FAULT_KINDS)}")
    if rule.operation != "*" and rule.operation not in OPERATIONS:
        problems.append(f"operation must be '*' or one of {', '.join(OPERATIONS)}")
    if rule.kind in _REPORT_ONLY and rule.operation not in ("*", "report"):
        problems.append(f"{rule.kind} applies to report only")
    if not isinstance(rule.probability, (int, float)) or not 0.0 <= rule.probability <= 1.0:
        problems.append("probability must be within 0..1")
    if rule.count is not None and (not isinstance(rule.count, int) or rule.count < 0):
        problems.append("count must be a non-negative integer")
    if not isinstance(rule.after, int) or rule.after < 0:
        problems.append("after must be a non-negative integer")
    if rule.state is not None and rule.state not in STATES:
        problems.append("state must be a DSS state name")
    if not isinstance(rule.status, int) or not 500 <= rule.status <= 599:
        problems.append("status must be 500..599")
    if not isinstance(rule.delay_s, (int, float)) or rule.delay_s < 0:
        problems.append("delay_s must be a non-negative number of seconds")
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))
    return rule


class FaultPlan:
    """Decides, request by request, which fault (if any) to inject. Thread-safe.

    Args:
        rules: The rules, tried in order.
        seed: Seed of the random draws for rules with ``probability < 1``; the same seed
            and the same request order give the same faults.
    """

    def __init__(self, rules: Sequence[FaultRule] = (), seed: Optional[int] = None) -> None:
        self.rules: List[FaultRule] = list(rules)
        self.seed = seed
        self._random = random.Random(seed)
        self._seen = [0] * len(self.rules)
        self._fired = [0] * len(self.rules)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FaultPlan(rules={len(self.rules)}, seed={self.seed!r})"

    def pick(self, operation: str, state: Optional[str] = None) -> Optional[FaultRule]:
        """Return the fault to inject into this request, or None.

        Args:
            operation: The operation name of the request.
            state: For a report, its ``currentProvisioningState`` (None otherwise or if
                the body cannot be read).
        """
        with self._lock:
            for index, rule in enumerate(self.rules):
                if not rule.matches(operation, state):
                    continue
                self._seen[index] += 1
                if self._seen[index] <= rule.after:
                    continue
                if rule.count is not None and self._fired[index] >= rule.count:
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                self._fired[index] += 1
                return rule
        return None

    def fired(self) -> List[int]:
        """Return how many times each rule has fired, in rule order."""
        with self._lock:
            return list(self._fired)


def load_faults(source: Union[None, str, Dict[str, Any], List[Any], FaultPlan]) -> FaultPlan:
    """Build a fault plan.

    Args:
        source: None (no faults), a YAML/JSON file path, a mapping ``{seed, faults}``, a
            list of rule mappings, or a :class:`FaultPlan` (returned unchanged).

    Returns:
        The plan.

    Raises:
        ConfigError: The file cannot be read or a rule is invalid (the message names it).
    """
    if source is None:
        return FaultPlan()
    if isinstance(source, FaultPlan):
        return source
    name = "faults"
    if isinstance(source, (str, os.PathLike)):
        name, source = os.fspath(source), read_yaml(os.fspath(source))
    if isinstance(source, list):
        source = {"faults": source}
    if not isinstance(source, dict) or not isinstance(source.get("faults", []), list):
        raise ConfigError(f"{name}: needs a 'faults' list")
    seed = source.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigError(f"{name}: seed must be an integer")
    rules = [_rule(raw, f"{name}: faults[{i}]") for i, raw in enumerate(source.get("faults", []))]
    return FaultPlan(rules, seed=seed)
