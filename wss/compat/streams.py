"""The output stream of protocol §2.2: a byte buffer with a fixed capacity.

The C SDK hands the compat layer fixed-size ``FfsStream_t`` buffers; writing past the
capacity is an ``FFS_OVERRUN``. Python code that must respect the same limits (the DSS
body buffer that decides request paging, protocol §8.4) uses :class:`OutputStream`.
Input streams are plain ``bytes``.

Source: protocol §2.2.
"""

from __future__ import annotations

from .results import FfsResult

__all__ = ["OutputStream"]


class OutputStream:
    """A write-only byte buffer of at most ``maximum_size`` bytes.

    Writes are all-or-nothing: a write that would exceed the capacity stores nothing and
    returns ``FfsResult.OVERRUN``.

    Args:
        maximum_size: capacity in bytes (>= 0).

    Source: protocol §2.2 (``maximumDataSize``, ``dataSize``).
    """

    __slots__ = ("_buffer", "_maximum_size")

    def __init__(self, maximum_size: int) -> None:
        if not isinstance(maximum_size, int) or maximum_size < 0:
            raise ValueError(f"maximum_size must be a non-negative integer, got {maximum_size!r}")
        self._maximum_size = maximum_size
        self._buffer = bytearray()

    @property
    def maximum_size(self) -> int:
        """Capacity, bytes."""
        return self._maximum_size

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return len(self._buffer)

    @property
    def free_space(self) -> int:
        """Bytes that can still be written."""
        return self._maximum_size - len(self._buffer)

    @property
    def data(self) -> bytes:
        """A copy of the bytes written so far."""
        return bytes(self._buffer)

    def write(self, data: bytes) -> FfsResult:
        """Append ``data`` if it fits entirely.

        Returns:
            ``FfsResult.SUCCESS``, or ``FfsResult.OVERRUN`` (nothing written).
        """
        if len(data) > self.free_space:
            return FfsResult.OVERRUN
        self._buffer += data
        return FfsResult.SUCCESS

    def clear(self) -> None:
        """Forget everything written (the capacity stays)."""
        self._buffer.clear()

    def __repr__(self) -> str:
        return f"OutputStream(size={self.size}, maximum_size={self._maximum_size})"
