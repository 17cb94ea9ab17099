"""The provisionee's persistent store: one JSON file, replaced atomically on every change.

What it keeps: the provisionee state, the registration token and its expiry, the Wi-Fi
networks added, the recorded connection attempts, the WSS-enabled flag, the SoftAP setup
mode, and the configuration values the DSS sent (``ffsSetConfigurationValue``; device
identity is factory data and lives elsewhere). Every change writes a temporary file in the same folder,
flushes and fsyncs it, renames it over the store and fsyncs the folder, so a power cut or
``kill -9`` at any instant leaves either the old or the new store, never a torn one. The
file is mode 0600. ``repr`` never shows a PSK or the token.

Modes (integration guide, "Device factory reset recommendation"):

* :meth:`ProvisioneeStore.factory_reset` — factory settings: WSS and SoftAP both enabled.
* :meth:`ProvisioneeStore.fall_back_to_softap` — a failure before the home network was
  joined: SoftAP setup mode with WSS disabled (setup data kept).
* :meth:`ProvisioneeStore.clear_setup` — the user's "clear setup" action: setup data
  cleared, WSS disabled, back to SoftAP setup mode.

Source: protocol §3.1 rows 6–8, 14–15, 18, 20–21; integration guide (factory reset).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from typing import Any, Dict, Iterator, Optional, Tuple

from . import _store_codec as codec
from ._lock import LOCK_NAME, FolderLock
from .compat.types import ConfigValue, ConnectionAttempt, ProvisioneeState, RegistrationRequest, WifiConfiguration
from .errors import StoreError

__all__ = ["ProvisioneeStore", "STORE_MODE", "open_locked"]

#: File mode of the store (owner read/write only).
STORE_MODE = 0o600

#: Compact, sorted JSON (the same text as ``json.dumps(..., separators=(",", ":"), sort_keys=True)``).
_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
#: How a temporary file is created: new (never an existing file or a symbolic link), write-only.
_TEMPORARY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
#: Tells this process's temporary files apart (with the process id, kept here: getpid is a
#: system call; a forked child refreshes it).
_TEMPORARY_NUMBERS = itertools.count()
_PROCESS_ID = [os.getpid()]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _PROCESS_ID.__setitem__(0, os.getpid()))


def _create_temporary(folder: str, name: str) -> Tuple[int, str]:
    """Create a new, empty ``.<name>.<pid>-<n>.tmp`` beside the store, mode 0600.

    Returns:
        The open file descriptor and the path.
    Raises:
        OSError: the file cannot be created.
    """
    while True:
        temporary = os.path.join(folder, f".{name}.{_PROCESS_ID[0]}-{next(_TEMPORARY_NUMBERS)}.tmp")
        try:
            return os.open(temporary, _TEMPORARY_FLAGS, STORE_MODE), temporary
        except FileExistsError:  # left by a killed process that had the same id: next number
            continue


def _writer_alive(temporary: str) -> bool:
    """Whether the process that named ``.<name>.<pid>-<n>.tmp`` still runs (this one included)."""
    stem = temporary[: -len(".tmp")]
    pid_text = stem.rpartition(".")[2].partition("-")[0]
    if not pid_text.isdigit():
        return False  # not one of ours: stale
    pid = int(pid_text)
    if pid == _PROCESS_ID[0]:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte of ``data`` is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextlib.contextmanager
def open_locked(path: str) -> Iterator[ProvisioneeStore]:
    """Open the store at ``path`` while holding an exclusive lock on its folder.

    A second process opening the same store this way fails at once instead of racing the
    first (both rewriting the file, one taking the other's state). Hold it for the whole
    provisioning run.

    Yields:
        The store (as :meth:`ProvisioneeStore.open`).
    Raises:
        StoreError: another process holds the folder's lock, the lock file cannot be
            created, or the store cannot be read (the message names the folder or file).
    """
    folder = os.path.dirname(os.path.abspath(path))
    with FolderLock(folder, StoreError, f"{folder}: another process is using this state folder (lock {LOCK_NAME})"):
        yield ProvisioneeStore.open(path)


class ProvisioneeStore:
    """The persistent store at ``path`` (use :meth:`open`).

    Raises (every method that writes):
        StoreError: the file cannot be written (names the file).
    """

    def __init__(self, path: str, data: Optional[Dict[str, Any]] = None) -> None:
        self.path = os.path.abspath(path)
        self._data = data if data is not None else codec.default_data()
        self._batch_depth = 0
        self._dirty = False

    # -- loading and saving ---------------------------------------------------------

    @classmethod
    def open(cls, path: str) -> ProvisioneeStore:
        """Load the store at ``path``; a missing file gives factory defaults (not yet written).

        Raises:
            StoreError: the file is unreadable or corrupt (the message names the file).
        """
        cls._remove_stale_temporaries(path)
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise StoreError(f"cannot read store {path}: {exc.strerror}") from None
        try:
            data = codec.decode(json.loads(raw.decode("utf-8")))
        except KeyError as exc:
            raise StoreError(f"corrupt store {path}: missing or unknown name {exc}") from None
        except (ValueError, TypeError, RecursionError) as exc:
            raise StoreError(f"corrupt store {path}: {type(exc).__name__}: {exc}") from None
        return cls(path, data)

    @staticmethod
    def _remove_stale_temporaries(path: str) -> None:
        """Delete temporaries left by processes that died mid-write; never those of a
        process that is still running (it may be writing its own store right now)."""
        folder, name = os.path.split(os.path.abspath(path))
        with contextlib.suppress(OSError):
            for entry in os.listdir(folder):
                if entry.startswith(f".{name}.") and entry.endswith(".tmp") and not _writer_alive(entry):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(folder, entry))

    def save(self) -> None:
        """Write the store atomically (temp file, fsync, rename, fsync folder), mode 0600."""
        folder, name = os.path.split(self.path)
        payload = _ENCODER.encode(codec.encode(self._data)).encode("utf-8")
        try:
            fd, temporary = _create_temporary(folder, name)
        except OSError as exc:
            raise StoreError(f"cannot write store {self.path}: {exc.strerror}") from None
        try:
            try:
                os.fchmod(fd, STORE_MODE)
                _write_all(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, self.path)
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise StoreError(f"cannot write store {self.path}: {exc.strerror}") from None
        self._dirty = False

    @contextlib.contextmanager
    def batch(self) -> Iterator[ProvisioneeStore]:
        """Group several changes into one atomic write at the end of the block."""
        self._batch_depth += 1
        try:
            yield self
        finally:
            self._batch_depth -= 1
        if self._batch_depth == 0 and self._dirty:
            self.save()

    def begin_batch(self) -> None:
        """Open a batch that stays open across calls (close it with :meth:`end_batch`);
        what :meth:`batch` does for one block."""
        self._batch_depth += 1

    def end_batch(self) -> None:
        """Close a batch opened by :meth:`begin_batch`; the outermost one writes the
        pending changes (one atomic write, none if nothing changed).

        Raises:
            StoreError: the write failed (the batch is closed all the same).
        """
        if self._batch_depth <= 0:
            raise RuntimeError("end_batch() without begin_batch()")
        self._batch_depth -= 1
        if self._batch_depth == 0 and self._dirty:
            self.save()

    def _changed(self) -> None:
        self._dirty = True
        if self._batch_depth == 0:
            self.save()

    # -- provisionee state and registration ----------------------------------------

    @property
    def state(self) -> ProvisioneeState:
        return self._data["state"]

    def set_state(self, state: ProvisioneeState) -> None:
        self._data["state"] = ProvisioneeState(state)
        self._changed()

    @property
    def registration(self) -> Optional[RegistrationRequest]:
        """The registration token and its expiry, or None."""
        return self._data["registration"]

    def set_registration(self, request: RegistrationRequest) -> None:
        self._data["registration"] = request
        self._changed()

    # -- networks and connection attempts ------------------------------------------

    @property
    def networks(self) -> Tuple[WifiConfiguration, ...]:
        """Networks in priority order (first added = first tried)."""
        return tuple(self._data["networks"])

    def add_network(self, configuration: WifiConfiguration) -> None:
        self._data["networks"].append(configuration)
        self._changed()

    def remove_networks(self, ssid: bytes) -> int:
        """Remove every network named ``ssid``; returns how many were removed."""
        before = self._data["networks"]
        self._data["networks"] = [item for item in before if item.ssid != ssid]
        removed = len(before) - len(self._data["networks"])
        if removed:
            self._changed()
        return removed

    @property
    def connection_attempts(self) -> Tuple[ConnectionAttempt, ...]:
        return tuple(self._data["attempts"])

    def add_connection_attempt(self, attempt: ConnectionAttempt) -> None:
        self._data["attempts"].append(attempt)
        self._changed()

    def pop_connection_attempt(self) -> Optional[ConnectionAttempt]:
        """Remove and return the oldest attempt, or None."""
        if not self._data["attempts"]:
            return None
        attempt = self._data["attempts"].pop(0)
        self._changed()
        return attempt

    # -- configuration --------------------------------------------------------------

    def get_configuration_value(self, key: str) -> Optional[ConfigValue]:
        return self._data["configuration"].get(key)

    def set_configuration_value(self, key: str, value: ConfigValue) -> None:
        codec.check_config_value(value)
        self._data["configuration"][key] = value
        self._changed()

    @property
    def configuration_keys(self) -> Tuple[str, ...]:
        return tuple(sorted(self._data["configuration"]))

    # -- modes ------------------------------------------------------------------------

    @property
    def wss_enabled(self) -> bool:
        return self._data["wss_enabled"]

    @property
    def softap_mode(self) -> bool:
        """The device offers (or is in) SoftAP setup mode."""
        return self._data["softap_mode"]

    def fall_back_to_softap(self) -> None:
        """WSS failed before the home network: SoftAP setup mode, WSS disabled."""
        self._data["wss_enabled"], self._data["softap_mode"] = False, True
        self._changed()

    def mark_provisioned(self) -> None:
        """The home network was joined: leave SoftAP setup mode."""
        self._data["softap_mode"] = False
        self._changed()

    def clear_setup(self) -> None:
        """Clear setup data (state, token, networks, attempts, configuration), disable WSS,
        SoftAP setup mode."""
        self._data = codec.default_data()
        self._data["wss_enabled"], self._data["softap_mode"] = False, True
        self._changed()

    def factory_reset(self) -> None:
        """Back to factory settings: everything cleared, WSS and SoftAP both enabled."""
        self._data = codec.default_data()
        self._changed()

    def __repr__(self) -> str:
        return (
            f"ProvisioneeStore(path={self.path!r}, state={self.state.name}, "
            f"networks={len(self._data['networks'])}, attempts={len(self._data['attempts'])}, "
            f"token={'<hidden>' if self.registration else None}, wss_enabled={self.wss_enabled}, "
            f"softap_mode={self.softap_mode})"
        )
