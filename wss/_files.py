"""Reading a small input file whole, with a bound on its size and one-line errors.

Every file a command is given (keys, certificates, product index, configuration) is read
through :func:`read_bounded`: a path naming a folder, a missing file or one larger than
expected (``/dev/zero``, a log by mistake) fails with one line naming the file, and never
makes the process read without limit.

Source: docs/design.md §6 (usage errors name the file).
"""

from __future__ import annotations

import os
from typing import Union

from .errors import ConfigError

__all__ = ["MAX_FILE_BYTES", "read_bounded"]

#: Default bound of :func:`read_bounded`, in bytes: far above any key, certificate chain
#: or configuration file wss reads.
MAX_FILE_BYTES = 1024 * 1024


def read_bounded(path: Union[str, os.PathLike[str]], what: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, at most ``max_bytes`` of them.

    Args:
        path: the file.
        what: what the file holds, for the message (e.g. ``"device private key"``).
        max_bytes: the largest size accepted, in bytes.
    Returns:
        The whole content.
    Raises:
        ConfigError: the file is missing, a folder, unreadable or larger than
            ``max_bytes``; the message names the file and what it should hold.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not the {what}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ConfigError(f"{path}: the {what} is larger than {max_bytes} bytes; is it the right file?")
    return data
