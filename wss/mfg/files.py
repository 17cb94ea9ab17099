"""Atomic output for the manufacturing tools: all files of a step appear, or none do.

A factory station can lose power at any moment, and an operator may point a tool at a
folder it cannot write. Every manufacturing command therefore writes through one of two
helpers here:

* :class:`OutputSet` — several files in one existing folder (``dak-csr``, ``sign``…).
  Each file is first written to a hidden temporary file next to its final name and
  flushed to disk; only when every file has been written are they renamed into place.
  If any write or rename fails, the temporaries and the files already renamed are
  removed, so the folder looks as it did before.
* :func:`staged_dir` — a whole new folder (``dev-pki``, one device of a ``batch``): the
  folder is built under a temporary sibling name and renamed in one step.

Private-key files are created with mode 0600 from the start (never chmod-ed afterwards),
so a key is never readable by others, not even for an instant.

Source: issue 4 ("All writes of outputs must be atomic"); POSIX ``rename(2)`` atomicity.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, List, Tuple

from ..errors import WssError

__all__ = ["OutputError", "OutputSet", "staged_dir", "write_new_file", "KEY_MODE", "PUBLIC_MODE"]

#: Mode of private-key files: owner read/write only.
KEY_MODE = 0o600
#: Mode of certificates, CSRs, logs: world-readable.
PUBLIC_MODE = 0o644


class OutputError(WssError):
    """An output file or folder could not be created; nothing partial was left behind."""


def _describe(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def write_new_file(path: Path, data: bytes, mode: int = PUBLIC_MODE) -> None:
    """Create ``path`` with ``data``, flushed to disk; fail if it already exists.

    Args:
        path: File to create. Its folder must exist.
        data: Complete content.
        mode: Permission bits given at creation (``KEY_MODE`` for private keys).

    Raises:
        OSError: The file exists or cannot be written (a partial file is removed).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(path, mode)  # the umask may have removed bits from PUBLIC_MODE
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class OutputSet:
    """A set of files written into one folder all together, or not at all.

    Add the files with :meth:`add`, then call :meth:`commit`. Nothing touches the disk
    before :meth:`commit`.

    Args:
        folder: The existing folder the files go to.
        overwrite: Replace files that already exist. When False (the default), an existing
            output file is an error reported before anything is written, so a private key
            is never overwritten by accident.
        create: Create the folder (and missing parents) at commit time; they are removed
            again if the commit fails.
    """

    def __init__(self, folder: Path, *, overwrite: bool = False, create: bool = False) -> None:
        self.folder = Path(folder)
        self.overwrite = overwrite
        self.create = create
        self._files: List[Tuple[str, bytes, int]] = []
        self._made: List[Path] = []

    def add(self, name: str, data: bytes, mode: int = PUBLIC_MODE) -> Path:
        """Queue one file; returns the path it will have.

        Args:
            name: File name inside the folder (no separators).
            data: Complete content.
            mode: ``KEY_MODE`` for private keys, else ``PUBLIC_MODE``.
        """
        if os.sep in name or name in ("", ".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        self._files.append((name, data, mode))
        return self.folder / name

    def _make_folder(self) -> None:
        missing = []
        folder = self.folder
        while not folder.exists() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            try:
                path.mkdir()
            except OSError as exc:
                self._remove_made()
                raise OutputError(f"cannot create {path}: {_describe(exc)}") from exc
            self._made.append(path)

    def _remove_made(self) -> None:
        for path in reversed(self._made):
            with contextlib.suppress(OSError):
                path.rmdir()
        self._made = []

    def _check_targets(self) -> None:
        if self.create:
            self._make_folder()
        if not self.folder.is_dir():
            raise OutputError(f"output folder {self.folder} does not exist or is not a folder")
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise OutputError(f"output folder {self.folder} is not writable")
        for name, _, _ in self._files:
            target = self.folder / name
            if target.is_dir():
                raise OutputError(f"{target} is a folder; cannot write a file there")
            if target.exists() and not self.overwrite:
                raise OutputError(f"{target} already exists; refusing to overwrite it (remove it or use --force)")

    def commit(self) -> List[Path]:
        """Write every queued file, then rename them all into place.

        Returns:
            The final paths, in the order the files were added.

        Raises:
            OutputError: The folder is missing or unwritable, a target exists (without
                ``overwrite``) or a write/rename failed. No new output file is left
                behind (files replaced with ``overwrite`` before the failure stay replaced).
        """
        try:
            self._check_targets()
        except OutputError:
            self._remove_made()
            raise
        existed = {self.folder / name for name, _, _ in self._files if (self.folder / name).exists()}
        temps: List[Tuple[Path, Path]] = []
        placed: List[Path] = []
        current = self.folder
        try:
            for name, data, mode in self._files:
                current = self.folder / name
                temp = self.folder / f".{name}.{secrets.token_hex(6)}.tmp"
                write_new_file(temp, data, mode)
                temps.append((temp, current))
            for temp, current in temps:
                os.replace(temp, current)
                placed.append(current)
        except OSError as exc:
            for temp, _ in temps:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            for final in placed:
                if final not in existed:
                    with contextlib.suppress(OSError):
                        os.unlink(final)
            self._remove_made()
            raise OutputError(f"cannot write {current}: {_describe(exc)}; no output written") from exc
        _fsync_dir(self.folder)
        return placed


@contextlib.contextmanager
def staged_dir(final: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Build a folder under a temporary name and rename it to ``final`` on success.

    The ``with`` body fills the yielded temporary folder. If the body raises, the
    temporary folder is deleted and ``final`` is untouched.

    Args:
        final: The folder to create. It must not exist, or be an empty folder; with
            ``overwrite`` an existing folder is replaced (after the new one is complete).
        overwrite: Replace an existing non-empty ``final``.

    Yields:
        The temporary folder (a sibling of ``final``), mode 0700.

    Raises:
        OutputError: ``final`` exists and is not empty (without ``overwrite``), is a file,
            or its parent cannot be written.
    """
    final = Path(final)
    parent = final.parent
    if final.exists() and not final.is_dir():
        raise OutputError(f"{final} exists and is not a folder")
    if final.is_dir() and any(final.iterdir()) and not overwrite:
        raise OutputError(
            f"{final} already exists and is not empty; refusing to overwrite it (remove it or use --force)"
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot create {final}: {_describe(exc)}") from exc
    try:
        yield temp
        os.chmod(temp, 0o755)
        _fsync_dir(temp)
        _replace_dir(temp, final, overwrite)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _fsync_dir(parent)


def _replace_dir(temp: Path, final: Path, overwrite: bool) -> None:
    """Rename ``temp`` to ``final``. With ``overwrite`` an existing ``final`` is moved aside
    first, then deleted; without, a non-empty ``final`` (made meanwhile by someone else)
    makes the rename fail."""
    old = None
    try:
        if overwrite and final.is_dir() and any(final.iterdir()):
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=final.parent))
            os.replace(final, old)
        os.replace(temp, final)
    except OSError as exc:
        if old is not None and not final.exists():
            os.replace(old, final)
            old = None
        raise OutputError(f"cannot create {final}: {_describe(exc)}; nothing written") from exc
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
