"""``wss mfg batch``: a production run, resumable, atomic per device, no duplicate serials."""

from __future__ import annotations

import shutil
import stat

import pytest
from conftest import openssl, run_mfg, tree

from wss.errors import ConfigError
from wss.mfg import batch as batch_module
from wss.mfg.batch import DEVICE_FILES, run_batch
from wss.mfg.certs import DEVICE_SERIAL_OID
from wss.mfg.chain import load_chain, verify_links
from wss.mfg.control_log import barcode_value, public_key_text, read_rows
from wss.mfg.files import OutputError


@pytest.fixture()
def setup(tmp_path, vectors, dak_pki):
    shutil.copy(vectors / "device.conf", tmp_path / "device.conf")
    return tmp_path, dak_pki


def _run(setup, count, **kwargs):
    folder, pki = setup
    return run_batch(
        count,
        folder / "device.conf",
        "req_ext",
        pki.dak_certificate,
        pki.dak_private_key,
        kwargs.pop("days", 1825),
        folder / "run",
        **kwargs,
    )


def _leaves(folder):
    devices = folder / "run" / "devices"
    return {
        d.name: load_chain((d / "device-certificate.pem").read_bytes(), d.name)[0]
        for d in sorted(devices.iterdir())
        if not d.name.startswith(".")
    }


def test_batch_makes_complete_device_folders(setup):
    folder, pki = setup
    summary = _run(setup, 3)
    assert (summary.created, summary.existing, summary.total) == (3, 0, 3)
    assert summary.device_type == "A13HOHDXTVQYZO"
    devices = folder / "run" / "devices"
    assert sorted(p.name for p in devices.iterdir()) == ["0001", "0002", "0003"]
    for device in devices.iterdir():
        assert sorted(p.name for p in device.iterdir()) == sorted(DEVICE_FILES)
        assert stat.S_IMODE((device / "private_key.pem").stat().st_mode) == 0o600
        chain = load_chain((device / "certificate.pem").read_bytes(), "chain")
        verify_links(chain)
        out = openssl(
            "verify",
            "-x509_strict",
            "-CAfile",
            str(pki.dha_root),
            "-untrusted",
            str(device / "certificate.pem"),
            str(device / "device-certificate.pem"),
        )
        assert out.stdout.strip().endswith(b": OK")
        assert (device / "dha-control-log-public-key.txt").read_text() == public_key_text(chain[0])
        assert (device / "barcode.txt").read_text() == barcode_value(chain[0]) + "\n"
        assert b"verify OK" in openssl("req", "-verify", "-in", str(device / "device.csr"), "-noout").stderr
    rows = read_rows(summary.control_log)
    leaves = _leaves(folder)
    assert [r["barcode"] for r in rows] == [barcode_value(leaves[n]) for n in ("0001", "0002", "0003")]
    assert len({c.serial_number for c in leaves.values()}) == 3


def test_resume_after_interruption(setup):
    folder, _ = setup

    def stop_after_two(name, done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(setup, 5, progress=stop_after_two)
    assert tree(folder / "run" / "devices") == sorted(
        ["0001", "0002"] + [f"000{n}/{f}" for n in (1, 2) for f in DEVICE_FILES]
    )
    first = _leaves(folder)
    summary = _run(setup, 5)
    assert (summary.existing, summary.created, summary.total) == (2, 3, 5)
    after = _leaves(folder)
    assert {n: after[n] for n in first} == first  # finished devices untouched
    assert len({c.serial_number for c in after.values()}) == 5
    assert len(read_rows(summary.control_log)) == 5
    again = _run(setup, 5)
    assert (again.existing, again.created) == (5, 0)
    assert _leaves(folder) == after


def test_crash_inside_a_device_leaves_no_partial_folder(setup, monkeypatch):
    folder, _ = setup
    calls = {"n": 0}
    real = batch_module.write_new_file

    def failing(path, data, mode=0o644):
        calls["n"] += 1
        if calls["n"] == len(DEVICE_FILES) + 3:  # the third file of the second device
            raise OSError(28, "No space left on device")
        return real(path, data, mode)

    monkeypatch.setattr(batch_module, "write_new_file", failing)
    with pytest.raises(OutputError, match="No space left on device"):
        _run(setup, 3)
    assert sorted(p.name for p in (folder / "run" / "devices").iterdir()) == ["0001"]
    monkeypatch.undo()
    summary = _run(setup, 3)
    assert (summary.existing, summary.created) == (1, 2)


def test_leftover_temporary_folder_is_removed_on_resume(setup):
    folder, _ = setup
    _run(setup, 1)
    stale = folder / "run" / "devices" / ".0002.deadbeef.partial"
    stale.mkdir()
    (stale / "private_key.pem").write_text("half")
    summary = _run(setup, 2)
    assert summary.removed_partials == 1 and summary.created == 1
    assert sorted(p.name for p in (folder / "run" / "devices").iterdir()) == ["0001", "0002"]


def test_resume_with_other_options_is_refused(setup, tmp_path):
    folder, _ = setup
    _run(setup, 1)
    with pytest.raises(ConfigError, match="different --days"):
        _run(setup, 2, days=30)
    with pytest.raises(ConfigError, match="different --with-serial"):
        _run(setup, 2, with_serial=True)
    (folder / "device.conf").write_text((folder / "device.conf").read_text() + "# edited\n")
    with pytest.raises(ConfigError, match="different configuration file"):
        _run(setup, 2)
    assert sorted(p.name for p in (folder / "run" / "devices").iterdir()) == ["0001"]


def test_with_serial_puts_a_unique_serial_in_each_subject(setup):
    folder, _ = setup
    _run(setup, 4, with_serial=True)
    leaves = _leaves(folder)
    serials = [c.subject.get_attributes_for_oid(DEVICE_SERIAL_OID)[0].value for c in leaves.values()]
    assert len(set(serials)) == 4 and all(len(s) == 12 for s in serials)
    assert [barcode_value(c) for c in leaves.values()] == serials


def test_second_process_on_the_same_folder_is_refused(setup):
    import fcntl

    folder, _ = setup
    (folder / "run").mkdir()
    with open(folder / "run" / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match="another batch is running"):
            _run(setup, 1)
    assert not (folder / "run" / "devices" / "0001").exists()


def test_bad_inputs_are_checked_before_anything_is_written(setup):
    folder, pki = setup
    with pytest.raises(ConfigError, match="does not belong"):
        run_batch(
            2, folder / "device.conf", "req_ext", pki.dak_certificate, pki.device.private_key, 1825, folder / "run"
        )
    with pytest.raises(ConfigError, match=r"section \[nosuch\]"):
        run_batch(2, folder / "device.conf", "nosuch", pki.dak_certificate, pki.dak_private_key, 1825, folder / "run")
    with pytest.raises(ConfigError, match="--count 0"):
        _run(setup, 0)
    assert not (folder / "run").exists()


def test_damaged_device_folder_is_reported(setup):
    folder, _ = setup
    _run(setup, 2)
    (folder / "run" / "devices" / "0002" / "barcode.txt").unlink()
    with pytest.raises(ConfigError, match="0002 is incomplete"):
        _run(setup, 3)


def test_cli_summary_and_no_key_material_printed(setup, capsys):
    folder, pki = setup
    argv = [
        "batch",
        "--count",
        "2",
        "--config",
        str(folder / "device.conf"),
        "--ca",
        str(pki.dak_certificate),
        "--ca-key",
        str(pki.dak_private_key),
        "--out",
        str(folder / "run"),
    ]
    assert run_mfg(argv) == 0
    out = capsys.readouterr().out
    assert "2 device(s)" in out and "2 made now" in out
    for key in (folder / "run" / "devices").glob("*/private_key.pem"):
        assert key.read_text().splitlines()[1] not in out
    assert "PRIVATE KEY" not in out
