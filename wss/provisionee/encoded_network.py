"""The encoded setup network computed outside a provisioning, by the task's own step.

:func:`encoded_network_through` drives :func:`wss.provisionee.setup.compute_encoded_network`
(the step the task runs at start) through any compat object with the runner's loop
(:func:`wss.provisionee.runner.drive`): one implementation of protocol §7.1, whether the
device computes it at task start, ``wss setup-network`` prints it, or a test checks the
§12.3 vector.

Source: protocol §7.1; vectors §12.1, §12.3.
"""

from __future__ import annotations

from typing import Any, List, Optional, cast

from ..compat.base import Compat
from ..compat.types import LogLevel
from ..errors import ConfigError
from ..retry import RetryPolicy
from ..setup_network import EncodedSetupNetwork
from .context import MachineOptions, TaskContext
from .machine import StepMachine
from .runner import drive
from .setup import SETUP_NONCE_SIZE, compute_encoded_network

__all__ = ["encoded_network_through"]


class _NonceAndLog:
    """``platform`` with the 12-byte nonce pinned (or recorded) and its log lines kept.

    Every other compat method is the platform's own.
    """

    def __init__(self, platform: Any, nonce: Optional[bytes]) -> None:
        self._platform = platform
        self.nonce = nonce
        self.messages: List[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._platform, name)

    def ffs_random_bytes(self, count: int) -> bytes:
        if count != SETUP_NONCE_SIZE:
            return self._platform.ffs_random_bytes(count)
        if self.nonce is None:
            self.nonce = self._platform.ffs_random_bytes(count)
        return self.nonce

    def ffs_log(self, level: LogLevel, message: str, function_name: Optional[str] = None, line_number: int = 0) -> None:
        self.messages.append(message)
        self._platform.ffs_log(level, message, function_name, line_number)


def encoded_network_through(platform: Any, nonce: Optional[bytes] = None) -> EncodedSetupNetwork:
    """Run the task's encoded-network step against ``platform``.

    Args:
        platform: a :class:`~wss.compat.Compat`, or any object with the compat methods the
            step calls: ``ffs_get_configuration_value`` (device public key, product index,
            cloud public key), ``ffs_random_bytes``, ``ffs_sha256``,
            ``ffs_compute_ecdh_key``, ``ffs_compute_hmac_sha256`` and ``ffs_log``.
        nonce: the 12-byte nonce to use instead of ``ffs_random_bytes(12)``.
    Returns:
        The encoded network and the nonce it used.
    Raises:
        ConfigError: the network cannot be computed (the message says why, no secret).
        ValueError: ``nonce`` is not 12 bytes.
    Source: protocol §7.1.
    """
    if nonce is not None and (not isinstance(nonce, bytes) or len(nonce) != SETUP_NONCE_SIZE):
        raise ValueError(f"the setup nonce must be {SETUP_NONCE_SIZE} bytes")
    target = _NonceAndLog(platform, nonce)
    machine = StepMachine(compute_encoded_network(TaskContext(MachineOptions())))
    # Duck-typed, as documented above: the proxy answers every compat method the step's
    # actions call (two of its own, the rest the platform's through __getattr__).
    configuration = drive(machine, cast(Compat, target), RetryPolicy())
    if configuration is None or target.nonce is None:
        raise ConfigError("; ".join(target.messages) or "the encoded setup network cannot be computed")
    return EncodedSetupNetwork(configuration.ssid, configuration.key, target.nonce)
