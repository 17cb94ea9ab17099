"""A driver kept outside the ``hal`` package, as an integrator's own would be.

It declares an option of its own (``tx_power_dbm``) beside the mock radio's, and is
loaded by ``wss provision --hal out_of_tree_chip:WifiDriverOutOfTree``: no edit of the
command line knows it.
"""

from __future__ import annotations

from typing import Any, ClassVar, List

from hal.args import MockArgs
from hal.mock import WifiDriverMock


class OutOfTreeArgs(MockArgs, total=False):
    """The mock's options plus this chip's transmit power, dBm."""

    tx_power_dbm: int


class WifiDriverOutOfTree(WifiDriverMock):
    """The simulated radio, with a transmit-power setting that a real chip would apply."""

    OPTIONS = OutOfTreeArgs
    #: The transmit power of every instance built, in order (what the test checks).
    built: ClassVar[List[int]] = []

    def __init__(self, environment: Any, *, tx_power_dbm: int = 20, **options: Any) -> None:
        super().__init__(environment, **options)
        self.tx_power_dbm = tx_power_dbm
        type(self).built.append(tx_power_dbm)
