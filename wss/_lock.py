"""An exclusive lock on a folder, for commands that must not run twice on the same one.

``wss provision`` holds it on its state folder for the whole run, ``wss mfg batch`` on its
batch folder: a second process that wants the same folder fails at once with one line
instead of racing the first (two runs rewriting one store, one deleting the other's
temporary files).

Source: POSIX ``flock(2)`` semantics as Linux implements them (an advisory lock on an
open file description, released when it is closed, also when the process dies).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, TextIO, Type, Union

from .errors import WssError

__all__ = ["FolderLock", "LOCK_NAME"]

#: The file in the locked folder that carries the lock.
LOCK_NAME = ".lock"


class FolderLock:
    """An exclusive advisory lock on ``FOLDER/.lock``, held inside a ``with`` block.

    Never waits: if another process holds it, entering fails at once.

    Args:
        folder: the folder to lock (it must exist).
        error: the exception class raised when the lock cannot be taken.
        busy: the message of that exception when another process holds the lock.

    Raises (on entering):
        ``error``: another process holds the lock (``busy``), or the lock file cannot be
            created (the message names it).
    """

    def __init__(self, folder: Union[str, os.PathLike[str]], error: Type[WssError], busy: str) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.error = error
        self.busy = busy
        self.handle: Optional[TextIO] = None

    def __enter__(self) -> FolderLock:
        import fcntl

        try:
            handle = open(self.path, "a")
        except OSError as exc:
            raise self.error(f"cannot create the lock file {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise self.error(self.busy) from None
        self.handle = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        handle, self.handle = self.handle, None
        if handle is not None:
            handle.close()
