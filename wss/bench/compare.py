"""``wss bench compare A.json B.json ...``: runs or boards side by side, and a chart.

Each file is a ``wss bench`` JSON (or one suite's JSON as ``benchmarks/*.py`` write it).
The table has one line per figure (crypto CPU ns/op per row and column — wall ns/op for
files from before the CPU column —, TLS handshake and
transfer medians and CPU, provisioning CPU and wall) and per ratio to the C floor; the
first file is the baseline and every other file's cell shows its change against it.
``--chart`` draws each file's wss / floor ratios as grouped bars (matplotlib).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from wss.errors import UsageError, WssError

from .common import format_ns, render
from .machine import one_line

#: figure name -> (value, unit)
Figures = Dict[str, Tuple[float, str]]


def load(path: Path) -> dict:
    """A benchmark JSON as ``{"meta": ..., "suites": {...}}``.

    Raises:
        UsageError: unreadable, not JSON, or not a benchmark result.
    """
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{path}: not a wss bench result")
    if "suites" in doc:
        return doc
    for suite, key in (("crypto", "rows"), ("tls", "columns"), ("provision", "summary")):
        if key in doc:
            return {"meta": doc.get("meta", {}), "suites": {suite: doc}}
    raise UsageError(f"{path}: not a wss bench result (no suites, rows, columns or summary)")


def figures(doc: dict) -> Figures:
    """Every comparable figure of a result: ns/op, ms, and ratios to the floor (``x``)."""
    out: Figures = {}
    suites = doc["suites"]
    crypto = suites.get("crypto", {})
    for row in crypto.get("rows", {}).values():
        # CPU ns/op where the file has it (wss bench since issue 17), else the wall ns/op
        cpu = "cpu_ratio_to_floor" in row
        for col, cell in row["columns"].items():
            if "ns_per_op" in cell:
                out[f"crypto {row['label']}: {col}"] = (cell["cpu_ns_per_op" if cpu else "ns_per_op"], "ns")
        ratios = row.get("cpu_ratio_to_floor" if cpu else "ratio_to_floor", {})
        if "wss" in ratios:
            out[f"crypto {row['label']}: wss / floor"] = (ratios["wss"], "x")
    tls = suites.get("tls", {})
    floor = tls.get("columns", {}).get("C floor", {})
    for col, cell in tls.get("columns", {}).items():
        for what in ("handshake", "transfer"):
            if what in cell:
                out[f"tls {what}: {col}"] = (cell[what]["median_ms"], "ms")
                if cell[what].get("cpu_median_ms") is not None:
                    out[f"tls {what} CPU: {col}"] = (cell[what]["cpu_median_ms"], "ms")
    for what in ("handshake", "transfer"):
        ours = tls.get("columns", {}).get("wss socket", {}).get(what)
        ref = floor.get(what)
        if ours and ref:
            out[f"tls {what}: wss socket / floor"] = (ours["median_ms"] / ref["median_ms"], "x")
            if ours.get("cpu_median_ms") and ref.get("cpu_median_ms"):
                out[f"tls {what} CPU: wss socket / floor"] = (ours["cpu_median_ms"] / ref["cpu_median_ms"], "x")
    summary = suites.get("provision", {}).get("summary")
    if summary:
        out["provision CPU (median)"] = (summary["total"]["cpu_median_ms"], "ms")
        out["provision wall (median)"] = (summary["total"]["wall_median_ms"], "ms")
        out["provision floor CPU (median)"] = (summary["floor"]["total_cpu_median_ms"], "ms")
        out["provision CPU: wss / floor"] = (summary["ratio_cpu_to_floor"]["median"], "x")
    return out


def _value(value: float, unit: str) -> str:
    if unit == "ns":
        return format_ns(value)
    if unit == "ms":
        return f"{value:.2f} ms"
    return f"{value:.3f}x"


def table(paths: Sequence[Path], docs: Sequence[dict]) -> str:
    """The side-by-side table; the first file is the baseline of every change (%)."""
    figs = [figures(d) for d in docs]
    names: List[str] = []
    for f in figs:
        names += [n for n in f if n not in names]
    head = ["figure"] + [f"[{i + 1}] {p.name}" for i, p in enumerate(paths)]
    rows = [head]
    for name in names:
        base = figs[0].get(name)
        cells = [name]
        for i, f in enumerate(figs):
            if name not in f:
                cells.append("-")
                continue
            value, unit = f[name]
            text = _value(value, unit)
            if i and base and base[0]:
                text += f" ({(value / base[0] - 1) * 100:+.1f}%)"
            cells.append(text)
        rows.append(cells)
    lines = [f"[{i + 1}] {p}: " + _describe(d) for i, (p, d) in enumerate(zip(paths, docs))]
    lines += ["", "changes (%) are against [1]; ns/ms: lower is faster; x: ratio to the C floor", ""]
    return "\n".join(lines + render(rows))


def _describe(doc: dict) -> str:
    meta = doc.get("meta", {})
    if isinstance(meta.get("machine"), dict):
        text = one_line(meta["machine"])
    else:
        text = str(meta.get("machine", "unknown machine"))
    versions = meta.get("mbedtls") or meta.get("versions") or {}
    core = versions.get("core") or versions.get("wss_mbedtls")
    return text + (f"; mbedTLS {core}" if core else "")


def chart(paths: Sequence[Path], docs: Sequence[dict], out: Path) -> None:
    """Grouped bars of every file's ratios to the floor, written as a PNG to ``out``.

    Raises:
        WssError: matplotlib is not installed. UsageError: nothing to draw.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise WssError(
            "--chart needs matplotlib, which is not installed: pip install matplotlib "
            "(or the certify extra: pip install 'wss-provisionee[certify]')"
        ) from None
    figs = [{k: v for k, (v, unit) in figures(d).items() if unit == "x"} for d in docs]
    names: List[str] = []
    for f in figs:
        names += [n for n in f if n not in names]
    if not names:
        raise UsageError("--chart: the files hold no ratio to a C floor to draw")
    width = 0.8 / len(figs)
    fig, ax = plt.subplots(figsize=(max(8.0, 0.6 * len(names)), 5.0))
    for i, (path, f) in enumerate(zip(paths, figs)):
        xs = [j + i * width for j in range(len(names))]
        ax.bar(xs, [f.get(n, 0.0) for n in names], width, label=f"[{i + 1}] {path.name}")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks([j + width * (len(figs) - 1) / 2 for j in range(len(names))])
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("ratio to the C floor (1 = the floor)")
    ax.set_title("wss bench compare")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def compare(paths: Sequence[Path], chart_out: Optional[Path] = None) -> str:
    """Load ``paths`` (at least two), return the table; draw the chart when asked.

    Raises:
        UsageError: fewer than two files, or a file that is not a benchmark result.
    """
    if len(paths) < 2:
        raise UsageError("compare needs at least two JSON files")
    docs = [load(p) for p in paths]
    text = table(paths, docs)
    if chart_out is not None:
        chart(paths, docs, chart_out)
    return text
