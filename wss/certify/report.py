"""The certification report: ``report.json`` and one self-contained ``report.html``.

The JSON holds everything (the guide's fields, the verdict, every requirement, every
run); the HTML page shows it with the four plots and the barcode embedded as PNG data
URIs — one file, no network, no script. Both are written atomically (a temporary file
renamed into place), so an interrupted write never leaves half a report.

The guide's fields (step 2 of "Certification Steps"): the barcode images and their
dimensions, the Amazon customer ID, the number of tests executed, the test start and end
times in UTC.

Source: provisionee certification guide ("Certification Steps", step 2); issue 13
("Report").
"""

from __future__ import annotations

import base64
import html
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

__all__ = ["REPORT_FORMAT", "SECTIONS", "render_html", "write_atomically", "write_report"]

REPORT_FORMAT = "wss-certify-report/1"
#: The HTML page's sections: (id, heading), in order.
SECTIONS = (
    ("verdict", "Verdict"),
    ("guide-fields", "Fields the certification guide asks for"),
    ("requirements", "Requirements"),
    ("barcode", "Packaging barcode"),
    ("success-rate", "Success rate"),
    ("phase-times", "Phase times"),
    ("error-codes", "Failures by error code"),
    ("success-over-plan", "Success over the course of the plan"),
    ("tls", "TLS connections seen by the DSS"),
    ("failed-runs", "Failed runs"),
    ("plan", "Plan and profile"),
)

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:980px;color:#1b1b1b}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #ddd;padding:4px 7px;text-align:left;
vertical-align:top}th{background:#f4f4f4}.pass{color:#1b5e20;font-weight:600}.fail{color:#b71c1c;font-weight:600}
.banner{font-size:1.4em;padding:.5em .8em;border-radius:6px;display:inline-block}.banner.pass{background:#e8f5e9}
.banner.fail{background:#ffebee}img{max-width:100%}.mono{font-family:ui-monospace,monospace}.muted{color:#666}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _img(png: bytes, alt: str, width_mm: Optional[float] = None) -> str:
    """An embedded PNG; ``width_mm`` shows it at that printed width (CSS millimetres)."""
    size = f' style="width:{width_mm:.2f}mm"' if width_mm else ""
    return f'<img alt="{_e(alt)}"{size} src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _table(headers: Optional[Sequence[str]], rows: Sequence[Sequence[Any]], raw: Sequence[int] = ()) -> str:
    """An HTML table (no header row when ``headers`` is None); cells are escaped except
    the columns listed in ``raw``."""
    head = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>" if headers else ""
    body = "".join(
        "<tr>" + "".join(f"<td>{cell if i in raw else _e(cell)}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table>{head}{body}</table>"


def _mark(passed: bool) -> str:
    return '<span class="pass">PASS</span>' if passed else '<span class="fail">FAIL</span>'


def render_html(document: Mapping[str, Any], images: Mapping[str, bytes]) -> str:
    """The report page.

    Args:
        document: the JSON report (:func:`write_report` builds it).
        images: PNG bytes by name: ``success_rate``, ``phase_times``,
            ``failures_by_code``, ``success_over_plan`` and ``barcode``.
    """
    verdict, fields, plan = document["verdict"], document["guide_fields"], document["plan"]
    passed = verdict["result"] == "PASS"
    low, high = verdict["wilson_95"]
    parts: Dict[str, str] = {}
    reasons = "".join(f"<li>{_e(r)}</li>" for r in verdict["reasons"])
    parts["verdict"] = (
        f'<p class="banner {"pass" if passed else "fail"}">{_e(verdict["result"])}: '
        f"{verdict['successes']}/{verdict['runs']} runs provisioned ({verdict['rate']:.1%}; Wilson 95 % "
        f"[{low:.1%}, {high:.1%}])</p><p>Requirement: at least {verdict['threshold']:.0%}. The measured rate "
        f"{'meets' if verdict['rate_passes'] else 'misses'} it; the interval's lower bound "
        f"{'also clears' if verdict['lower_bound_passes'] else 'does not clear'} it.</p>"
        + (f"<ul>{reasons}</ul>" if reasons else "")
    )
    barcode = fields.get("barcode") or {}
    parts["guide-fields"] = _table(
        ["field", "value"],
        [
            ["Amazon customer ID", fields["customer_id"]],
            ["Number of tests executed", fields["tests_executed"]],
            ["Test start (UTC)", fields["start_utc"]],
            ["Test end (UTC)", fields["end_utc"]],
            ["Device type", fields.get("device_type") or "—"],
            ["Original device type (product derivative)", fields.get("original_device_type") or "—"],
            ["Barcode value", barcode.get("value", "—")],
            ["Barcode dimensions", _dimensions(barcode)],
        ],
    )
    parts["requirements"] = _table(
        ["requirement", "result", "fails the plan", "runs", "detail"],
        [
            [
                row["title"],
                _mark(row["passed"]),
                "yes" if row["plan_failing"] else "run only",
                _runs(row["runs"]),
                row["detail"],
            ]
            for row in document["requirements"]
        ],
        raw=(1,),
    )
    parts["barcode"] = _barcode_section(document.get("barcode") or [], images)
    parts["success-rate"] = _img(images["success_rate"], "success rate with its Wilson interval")
    parts["phase-times"] = _img(images["phase_times"], "phase-time distributions") + _phase_table(document["phases"])
    parts["error-codes"] = _img(images["failures_by_code"], "failures by error code") + _codes_table(
        document["error_codes"]
    )
    parts["success-over-plan"] = _img(images["success_over_plan"], "success over the course of the plan")
    parts["tls"] = _tls_section(document["tls"])
    parts["failed-runs"] = _failed_section(document["failed_runs"])
    parts["plan"] = _plan_section(plan, document)
    body = "".join(f'<section id="{sid}"><h2>{_e(title)}</h2>{parts[sid]}</section>' for sid, title in SECTIONS)
    title = f"wss certify — {verdict['result']} — {fields['customer_id']}"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head><body>'
        f"<h1>WSS provisionee certification report</h1>"
        f'<p class="muted">Made by wss {_e(document["tool"]["wss"])} on {_e(document["tool"]["platform"])}; '
        f"plan {_e(plan['kind'])}, driver {_e(plan['hal'])}, profile {_e(plan['profile']['name'])}.</p>"
        f"{body}</body></html>\n"
    )


def _runs(runs: Sequence[int]) -> str:
    if not runs:
        return "—"
    shown = ", ".join(map(str, runs[:12]))
    return shown + (f" … ({len(runs)} runs)" if len(runs) > 12 else "")


def _dimensions(barcode: Mapping[str, Any]) -> str:
    if not barcode:
        return "—"
    return (
        f"{barcode['symbol_mm']:.2f} mm × {barcode['bar_height_mm']:.2f} mm symbol "
        f"({barcode['total_mm']:.2f} mm with quiet zones); X = {barcode['module_mm']:.3f} mm "
        f"({barcode['module_px']:.2f} px at {barcode['dpi']} dpi); {barcode['modules']} modules; quiet zones "
        f"{barcode['quiet_modules'][0]:.1f} / {barcode['quiet_modules'][1]:.1f} modules"
    )


def _barcode_section(barcodes: Sequence[Mapping[str, Any]], images: Mapping[str, bytes]) -> str:
    out = []
    for i, item in enumerate(barcodes):
        image = images.get("barcode" if i == 0 else f"barcode_{i}")
        decoded = item["decoded"] if item["decoded"] is not None else "nothing"
        result = _mark(item["passes"]) + "".join(f"<br>{_e(p)}" for p in item["problems"])
        rows = [  # values escaped here: the last one holds markup
            ["source", _e(item["source"])],
            ["value", _e(item["value"])],
            [f"decoded ({item['decoder']})", _e(decoded)],
            ["dimensions", _e(_dimensions(item))],
            ["image", f"{item['image_px'][0]} × {item['image_px'][1]} px at {item['dpi']} dpi"],
            ["reflectance of spaces / bars", f"{item['reflectance_light']:.3f} / {item['reflectance_dark']:.3f}"],
            ["print contrast signal", f"{item['pcs']:.3f} (at least 0.75)"],
            [
                "symbol contrast (ISO/IEC 15416)",
                f"{item['symbol_contrast']:.1%}, grade {_e(item['grade'])} (C or better)",
            ],
            ["result", result],
        ]
        picture = _img(image, f"barcode {item['value']}", item["total_mm"]) if image else ""
        picture += '<p class="muted">Shown at its printed width (CSS millimetres: exact when printed at 100 %).</p>'
        out.append(picture + _table(None, rows, raw=(1,)))
    return "".join(out) or "<p>No barcode was measured.</p>"


def _phase_table(phases: Mapping[str, Mapping[str, float]]) -> str:
    return _table(
        ["state", "runs", "median", "95th percentile", "maximum"],
        [
            [
                name,
                s["runs"],
                f"{s['median_s'] * 1000:.1f} ms",
                f"{s['p95_s'] * 1000:.1f} ms",
                f"{s['max_s'] * 1000:.1f} ms",
            ]
            for name, s in phases.items()
        ],
    )


def _codes_table(rows: Sequence[Mapping[str, Any]]) -> str:
    return _table(
        ["code", "meaning", "runs", "still provisioned", "failed", "seen as", "faults in those runs", "first runs"],
        [
            [
                r["code"],
                r["meaning"],
                r["runs"],
                r["recovered"],
                r["failed"],
                ", ".join(r["sources"]) or "—",
                ", ".join(r["faults"]) or "—",
                _runs(r["first_runs"]),
            ]
            for r in rows
        ],
    )


def _tls_section(tls: Mapping[str, Any]) -> str:
    total = tls["handshakes"] or 1
    rows = [
        ["handshakes completed", tls["handshakes"]],
        ["by port", ", ".join(f"{k}: {v}" for k, v in tls["by_listener"].items()) or "—"],
        ["protocol versions", ", ".join(f"{k}: {v}" for k, v in tls["versions"].items()) or "—"],
        ["cipher suites", ", ".join(f"{k}: {v}" for k, v in tls["ciphers"].items()) or "—"],
        ["Extended Master Secret negotiated", f"{tls['ems_negotiated']} ({tls['ems_negotiated'] / total:.0%})"],
        [
            "Encrypt-then-MAC offered / negotiated",
            f"{tls['etm_offered']} / {tls['etm_negotiated']} (negotiated only with CBC suites)",
        ],
        ["SNI", ", ".join(f"{k}: {v}" for k, v in tls["sni"].items()) or "—"],
        ["client chain length", ", ".join(f"{k} certificates: {v}" for k, v in tls["chain_lengths"].items()) or "—"],
    ]
    return _table(None, rows)


def _failed_section(failed: Sequence[Mapping[str, Any]]) -> str:
    if not failed:
        return "<p>No run failed.</p>"
    return _table(
        ["run", "faults", "cause", "findings", "SoftAP fallback"],
        [
            [
                r["index"],
                ", ".join(r["faults"]) or "none",
                r["cause"],
                "; ".join(f"{f['requirement']}: {f['message']}" for f in r["findings"]) or "—",
                r.get("softap") or "—",
            ]
            for r in failed
        ],
    )


def _plan_section(plan: Mapping[str, Any], document: Mapping[str, Any]) -> str:
    profile = plan["profile"]
    rows = [
        ["plan", plan["kind"]],
        ["runs", plan["runs"]],
        ["seed", plan["seed"]],
        ["workers", plan["workers"]],
        ["driver", plan["hal"]],
        ["DSS", plan["dss"]],
        ["profile", f"{profile['name']} — {profile['description']}"],
        ["profile file", f"{profile['source']} (SHA-256 {profile['sha256']})"],
        ["draw", profile["draw"]],
        ["faults", "; ".join(f"{f['name']} {f['rate']:.1%}" for f in profile["faults"]) or "none"],
        ["wall time", f"{plan['wall_s']:.1f} s ({plan['runs_per_minute']:.0f} runs/min)"],
        [
            "device",
            f"chain of {len(document['device']['chain_sha256'])} certificates; leaf SHA-256 "
            f"{document['device']['chain_sha256'][0] if document['device']['chain_sha256'] else '—'}",
        ],
    ]
    return _table(None, rows)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.
    The file is mode 0644: a report holds no secret and is meant to be handed on."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), 0o644)
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(out: Path, document: Dict[str, Any], images: Mapping[str, bytes]) -> List[Path]:
    """Write ``report.json``, ``report.html`` and the barcode PNG(s) into ``out``.

    Returns:
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, png in images.items():
        if name.startswith("barcode"):
            path = out / f"{name}.png"
            write_atomically(path, png)
            written.append(path)
    json_path, html_path = out / "report.json", out / "report.html"
    write_atomically(json_path, (json.dumps(document, indent=1, sort_keys=False) + "\n").encode("utf-8"))
    write_atomically(html_path, render_html(document, images).encode("utf-8"))
    return written + [json_path, html_path]
