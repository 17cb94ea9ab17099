"""``wss certify``: run the certification test plan on a desk and write the report Amazon asks for.

The pieces, each in its own module:

* :mod:`~wss.certify.profile` — the home and the faults (YAML; two shipped profiles);
* :mod:`~wss.certify.plan` — N runs, each with its faults drawn up front from a seed;
* :mod:`~wss.certify.runner` and :mod:`~wss.certify.execute` — each run through
  :func:`wss.provision` on parallel workers, each worker with its own local DSS;
* :mod:`~wss.certify.observe` and :mod:`~wss.certify.checks` — the checks, from what
  the DSS (:mod:`wss.cloud.tls_view`, its transcript) and the radio (the driver's
  events) saw;
* :mod:`~wss.certify.verdict` — the success rate, its Wilson interval, PASS or FAIL;
* :mod:`~wss.certify.barcode` — the packaging barcode: Code 128, dimensions, contrast,
  decoded back;
* :mod:`~wss.certify.document`, :mod:`~wss.certify.plots`, :mod:`~wss.certify.report`
  — ``report.json`` and a self-contained ``report.html``.

:func:`~wss.certify.certification.certify` ties them together; ``wss certify`` is its
command line. This is a tool for a desk or a lab: the device path never imports it.

Needs the ``certify`` extra (matplotlib, python-barcode, Pillow, pyzbar with the
system's zbar library, tqdm) besides ``tools`` and ``mock``.

Source: issue 13; provisionee certification guide; docs/certify.md.
"""

from __future__ import annotations

from typing import Any

__all__ = ["certify", "CertifyOptions", "load_profile", "build_plan", "wilson_interval"]


def __getattr__(name: str) -> Any:  # the public names, imported on first use (matplotlib and co. stay unloaded)
    if name in ("certify", "CertifyOptions"):
        from . import certification

        return getattr(certification, name)
    if name == "load_profile":
        from .profile import load_profile

        return load_profile
    if name == "build_plan":
        from .plan import build_plan

        return build_plan
    if name == "wilson_interval":
        from .verdict import wilson_interval

        return wilson_interval
    raise AttributeError(f"module 'wss.certify' has no attribute {name!r}")
