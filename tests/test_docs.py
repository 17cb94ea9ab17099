"""The documents: generated parts are current, cited sections exist, nothing points outside."""

from __future__ import annotations

import importlib.util
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _generate_module():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_tables_are_current():
    generate = _generate_module()
    assert generate.stale_documents() == []


def test_a_stale_table_is_detected():
    generate = _generate_module()
    text = (ROOT / "docs" / "provisionee.md").read_text(encoding="utf-8")
    assert "| NOT_PROVISIONED | started | CONNECTING_TO_SETUP_NETWORK |" in text
    edited = text.replace(
        "| NOT_PROVISIONED | started | CONNECTING_TO_SETUP_NETWORK |", "| NOT_PROVISIONED | started | DONE |"
    )
    assert generate.render(edited) == text


def _headings(path: pathlib.Path) -> set:
    """Numbered headings, and the numbered rules written as ``- **§5.R1**`` list items."""
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"^#+ §?(\d+(?:\.\d+)*)[ .]", text, re.M)) | set(
        re.findall(r"^- \*\*§(\d+\.R\d+)\*\*", text, re.M)
    )


def _tracked_text() -> str:
    files = subprocess.run(
        ["git", "ls-files", "*.py", "*.md", "*.c", "*.h"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return "\n".join((ROOT / name).read_text(encoding="utf-8") for name in files if (ROOT / name).is_file())


def test_every_protocol_section_the_code_cites_exists():
    sections = _headings(ROOT / "docs" / "protocol.md")
    cited = set(re.findall(r"protocol §(\d+(?:\.\d+)*)", _tracked_text()))
    assert cited and cited <= sections, sorted(cited - sections)


def test_every_design_section_the_code_cites_exists():
    sections = _headings(ROOT / "docs" / "design.md")
    cited = set(re.findall(r"docs/design\.md`* §(\d+(?:\.R?\d+)*)", _tracked_text()))
    assert cited and cited <= sections, sorted(cited - sections)
