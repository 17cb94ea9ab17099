"""Two processes and one store: the folder lock, and a clean-up that spares live writers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wss.compat import ProvisioneeState
from wss.errors import StoreError
from wss.store import ProvisioneeStore, open_locked

HOLD = r"""
import sys, time
from wss.store import open_locked
with open_locked(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "provisionee.json")


def test_a_second_holder_fails_at_once_naming_the_folder(path):
    with open_locked(path) as store:
        store.set_state(ProvisioneeState.DONE)
        with pytest.raises(StoreError, match="another process is using this state folder"):
            with open_locked(path):
                pass
    with open_locked(path) as again:  # released at the end of the block
        assert again.state is ProvisioneeState.DONE


def test_the_lock_holds_across_processes(path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match=os.path.dirname(path)):
            with open_locked(path):
                pass
    finally:
        holder.communicate("\n", timeout=30)
    with open_locked(path):
        pass


def _temporary(path: str, pid: int) -> str:
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.{pid}-0.tmp")
    with open(temporary, "w") as handle:
        handle.write("{half")
    return temporary


def test_the_clean_up_spares_the_temporary_of_a_live_writer(path):
    """Another process is mid-write: its temporary must survive our open (before the fix,
    every ``.tmp`` was deleted and the other writer's rename then failed)."""
    ProvisioneeStore.open(path).set_state(ProvisioneeState.DONE)
    writer = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        live = _temporary(path, writer.pid)
        ProvisioneeStore.open(path)
        assert os.path.exists(live)
    finally:
        writer.communicate(b"", timeout=30)
    ProvisioneeStore.open(path)  # the writer is gone now: its leftover is stale
    assert not os.path.exists(live)


def test_the_clean_up_removes_the_temporary_of_a_dead_writer(path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = _temporary(path, int(gone.stdout))
    assert ProvisioneeStore.open(path).state is ProvisioneeState.NOT_PROVISIONED
    assert not os.path.exists(stale)
