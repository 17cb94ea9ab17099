"""wss — the device side ("provisionee") of Wi-Fi Simple Setup (Amazon FFS WSS).

The front door: :func:`wss.provision` (:func:`wss.provisioning.provision`) provisions a
device once, from opening its HAL driver to persisting the outcome.

Sub-packages (the layers are in ``docs/design.md`` §2):

* :mod:`wss.compat` — the compatibility contract: one method per C SDK compat function.
* :mod:`wss.platform` — its default implementation (HAL driver, mbedTLS core, mutual-TLS
  HTTP, persistent store).
* :mod:`wss.provisionee` — the sans-IO state machine and its runner.
* :mod:`wss.setup_network` — the encoded setup network's codec and the fallback network.
* :mod:`wss.crypto`, :mod:`wss.tls`, :mod:`wss.http`, :mod:`wss.dss`, :mod:`wss.store` —
  the pieces the platform is built from.
* :mod:`wss.errors` — the exception hierarchy; :class:`wss.errors.WssError` is the root.
* Tools, not for the device: :mod:`wss.cloud` (local DSS), :mod:`wss.mfg`
  (manufacturing), :mod:`wss.cli` (the ``wss`` command).

Importing :mod:`wss` itself loads nothing else (not the compiled core): ``provision``
and ``Provisioning`` are imported on first use.
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "provision", "Provisioning"]


def __getattr__(name: str) -> Any:
    if name in ("provision", "Provisioning"):
        from . import provisioning

        return getattr(provisioning, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
