"""The report's content: the JSON document and the images (plots, barcodes).

Source: provisionee certification guide ("Certification Steps", step 2: barcode images
and dimensions, customer ID, number of tests, start and end time in UTC); issue 13.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Sequence, Tuple

from . import plots
from .barcode import BarcodeReport
from .plan import Plan
from .record import RunRecord
from .report import REPORT_FORMAT
from .summary import error_codes, phase_stats, requirements, tls_summary
from .verdict import Verdict

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .certification import CertifyOptions

__all__ = ["build_document", "build_images"]

_UTC = "%Y-%m-%dT%H:%M:%SZ"


def build_document(
    plan: Plan,
    options: CertifyOptions,
    verdict: Verdict,
    records: Sequence[RunRecord],
    barcodes: Sequence[BarcodeReport],
    device: Mapping[str, Any],
    chain: Sequence[str],
    span: Tuple[datetime, datetime],
    wall_s: float,
    workers: int,
) -> Dict[str, Any]:
    """The whole report as JSON-ready values (format ``wss-certify-report/1``)."""
    from .certification import tool_versions

    profile = plan.profile
    remote = options.remote_dss
    dss = (
        f"remote {remote.host}:{remote.port} (setup port {remote.setup_port}), transcript {remote.transcript}"
        if remote is not None
        else f"local, in this process ({workers} instance(s), loopback)"
    )
    reference = barcodes[0].to_json() if barcodes else None
    return {
        "format": REPORT_FORMAT,
        "tool": tool_versions(),
        "guide_fields": {
            "customer_id": options.customer_id,
            "tests_executed": len(records),
            "start_utc": span[0].strftime(_UTC),
            "end_utc": span[1].strftime(_UTC),
            "device_type": device.get("device_type"),
            "original_device_type": options.original_device_type,
            "barcode": reference,
        },
        "verdict": verdict.to_json(),
        "requirements": requirements(records, verdict, barcodes[0] if barcodes else None),
        "barcode": [b.to_json() for b in barcodes],
        "error_codes": error_codes(records),
        "tls": tls_summary(records),
        "phases": phase_stats(records),
        "failed_runs": [
            {
                "index": r.index,
                "faults": list(r.faults),
                "cause": r.cause,
                "findings": r.to_json()["findings"],
                "softap": None if r.softap is None else r.softap["detail"],
            }
            for r in records
            if not r.succeeded
        ],
        "plan": {
            "kind": plan.kind,
            "runs": len(plan.runs),
            "seed": plan.seed,
            "workers": workers,
            "hal": options.hal,
            "dss": dss,
            "wall_s": wall_s,
            "runs_per_minute": len(records) / wall_s * 60 if wall_s > 0 else 0.0,
            "profile": {
                "name": profile.name,
                "description": profile.description,
                "source": profile.source,
                "sha256": profile.sha256,
                "draw": profile.draw,
                "faults": [{"name": f.name, "kind": "radio", "rate": f.rate} for f in profile.radio_faults]
                + [{"name": f.name, "kind": "dss", "rate": f.rate} for f in profile.dss_faults],
            },
        },
        "device": {**device, "chain_sha256": list(chain), "barcode_value": reference["value"] if reference else None},
        "runs": [r.to_json() for r in records],
    }


def build_images(verdict: Verdict, records: Sequence[RunRecord], barcodes: Sequence[BarcodeReport]) -> Dict[str, bytes]:
    """The four plots and the barcode image(s), as PNG bytes by name."""
    images: Dict[str, bytes] = {
        "success_rate": plots.success_rate(verdict),
        "phase_times": plots.phase_times(records),
        "failures_by_code": plots.failures_by_code(records),
        "success_over_plan": plots.success_over_plan(records, verdict.threshold),
    }
    names: List[str] = ["barcode"] + [f"barcode_{i}" for i in range(1, len(barcodes))]
    images.update(zip(names, (b.png for b in barcodes)))
    return images
