"""Atomic output: all files of a step appear, or none do; keys are 0600 from the start."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import tree

from wss.mfg.files import KEY_MODE, OutputError, OutputSet, staged_dir


def test_output_set_writes_all_with_modes(tmp_path):
    old = os.umask(0o077)
    try:
        out = OutputSet(tmp_path)
        out.add("key.pem", b"k", KEY_MODE)
        out.add("cert.pem", b"c")
        assert out.commit() == [tmp_path / "key.pem", tmp_path / "cert.pem"]
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "cert.pem").stat().st_mode) == 0o644
    assert (tmp_path / "cert.pem").read_bytes() == b"c"
    assert tree(tmp_path) == ["cert.pem", "key.pem"]


def test_nothing_is_written_before_commit(tmp_path):
    out = OutputSet(tmp_path)
    out.add("a", b"1")
    assert tree(tmp_path) == []


def test_rename_failure_rolls_back_files_already_placed(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "inside").write_text("x")
    out = OutputSet(tmp_path, overwrite=True)
    out.add("a", b"1")
    out.add("b", b"2")
    with pytest.raises(OutputError, match="is a folder"):
        out.commit()
    assert tree(tmp_path) == ["b", "b/inside"]


def test_write_failure_mid_way_rolls_back(tmp_path, monkeypatch):
    import wss.mfg.files as files

    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(5, "Input/output error", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", flaky_replace)
    out = OutputSet(tmp_path / "new", create=True)
    out.add("one", b"1")
    out.add("two", b"2")
    with pytest.raises(OutputError, match="cannot write .*two: Input/output error; no output written"):
        out.commit()
    assert tree(tmp_path) == []  # files, temporaries and the created folder are gone


def test_existing_file_refused_without_overwrite(tmp_path):
    (tmp_path / "a").write_text("old")
    out = OutputSet(tmp_path)
    out.add("a", b"new")
    out.add("b", b"new")
    with pytest.raises(OutputError, match="already exists"):
        out.commit()
    assert tree(tmp_path) == ["a"] and (tmp_path / "a").read_text() == "old"


def test_missing_folder_without_create(tmp_path):
    out = OutputSet(tmp_path / "absent")
    out.add("a", b"1")
    with pytest.raises(OutputError, match="does not exist"):
        out.commit()


def test_plain_names_only(tmp_path):
    with pytest.raises(ValueError):
        OutputSet(tmp_path).add("../escape", b"")


def test_staged_dir_removed_on_error_and_target_untouched(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_dir(tmp_path / "final") as temp:
            (temp / "file").write_text("x")
            raise RuntimeError("boom")
    assert tree(tmp_path) == []


def test_staged_dir_appears_complete(tmp_path):
    with staged_dir(tmp_path / "final") as temp:
        (temp / "a").write_text("1")
        assert not (tmp_path / "final").exists()
    assert tree(tmp_path) == ["final", "final/a"]
