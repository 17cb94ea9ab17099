"""tools/find-python.sh: the interpreter `make test-pythons` runs the suite on (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools/find-python.sh"
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def _run(*args: str, pyenv_root: Path, path: str = "/usr/bin:/bin") -> subprocess.CompletedProcess:
    env = {"PATH": path, "PYENV_ROOT": str(pyenv_root), "HOME": str(pyenv_root)}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


def test_the_newest_pyenv_version_that_runs_is_chosen(tmp_path):
    for patch in ("1", "12"):
        bin_dir = tmp_path / f"versions/{HERE}.{patch}/bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / f"python{HERE}").symlink_to(sys.executable)
    broken = tmp_path / f"versions/{HERE}.99/bin"
    broken.mkdir(parents=True)
    (broken / f"python{HERE}").symlink_to(tmp_path / "nowhere")  # listed but does not run
    done = _run(HERE, pyenv_root=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / f"versions/{HERE}.12/bin/python{HERE}")


def test_a_python_on_path_is_found_without_pyenv(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / f"python{HERE}").symlink_to(sys.executable)
    done = _run(HERE, pyenv_root=tmp_path / "no-pyenv", path=f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(bin_dir / f"python{HERE}")


def test_a_missing_version_says_what_was_searched(tmp_path):
    done = _run("2.1", pyenv_root=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"Python 2.1 not found: not in pyenv ({tmp_path}/versions/2.1.*)")
    assert "PYTHON_OLDEST=/path/to/python2.1" in done.stderr


def test_a_malformed_version_is_a_usage_error(tmp_path):
    done = _run("three", pyenv_root=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("usage:")
