"""The QR code of the setup service, drawn in a terminal with segno (the ``softap`` extra).

Source: segno's terminal output (``QRCode.terminal``, compact half-block characters);
ISO/IEC 18004 error correction level L, as ESP-IDF's example draws it.
"""

from __future__ import annotations

from typing import TextIO

__all__ = ["draw_qr"]


def draw_qr(payload: str, out: TextIO) -> bool:
    """Draw ``payload`` as a QR code on ``out`` (a terminal).

    Returns:
        False (after a line saying so) when segno is not installed.
    """
    try:
        import segno
    except ImportError:
        print("(the QR code needs segno: pip install 'wss-provisionee[softap]')", file=out)
        return False
    code = segno.make(payload, error="l", boost_error=False)
    code.terminal(out=out, compact=True, border=2)
    return True
