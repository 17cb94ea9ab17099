"""``FFS_RESULT``: the status code of every SDK and compat call.

Source: protocol §2.1 (``ffs_result.h``).
"""

from __future__ import annotations

import enum

__all__ = ["FfsResult"]


class FfsResult(enum.IntEnum):
    """``FFS_RESULT``: the status every SDK and compat call returns.

    Source: protocol §2.1.
    """

    SUCCESS = 0
    UNDERRUN = 1  #: read past the available data
    OVERRUN = 2  #: write past the capacity
    TIMEOUT = 3
    NOT_IMPLEMENTED = 4  #: also "value not available / feature not supported"
    ERROR = -1

    @staticmethod
    def string(value: int) -> str:
        """``ffsGetResultString``: the name of a result code, ``"UNKNOWN"`` for others."""
        try:
            return FfsResult(value).name
        except ValueError:
            return "UNKNOWN"
