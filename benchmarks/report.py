"""How every benchmark ends: print its table, write its JSON to benchmarks/out/, say where
(:func:`wss.bench.common.publish`)."""

from __future__ import annotations

import _entry  # noqa: F401  (the source tree on sys.path)

from wss.bench.common import publish  # noqa: F401
