"""The AP side of the end-to-end runs in the guest: a PKI, the account, and
``guest/provisioner_ap.py`` (the local DSS and an emulated Echo) running in the root
namespace for as long as the context lasts.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import hwsim_topology as topo
import hwsim_vm
import yaml

DSS_HOST = "dp-sps-na.amazon.com"  # the name the dev PKI's DSS certificate carries
SETUP_ADDRESS = "10.201.126.241"  # the provisioner's address on the setup network


@contextlib.contextmanager
def provisioner_ap(hwsim: Any, base: Path, customers: List[Dict[str, Any]]) -> Iterator[Path]:
    """A fresh ``base`` with ``pki/`` and ``accounts.yaml``; the DSS (transcript in
    ``base/dss-transcript.jsonl``) and the Echo run until the context ends. Yields ``base``."""
    from wss.mfg.dev_pki import create_dev_pki

    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    create_dev_pki(base / "pki", dss_host=DSS_HOST)
    (base / "accounts.yaml").write_text(yaml.safe_dump({"customers": customers}))
    hwsim.sh(f"grep -q {DSS_HOST} /tmp/etc/hosts || echo '{SETUP_ADDRESS} {DSS_HOST}' >> /tmp/etc/hosts", ns="root")
    started = hwsim.sh(
        f"nohup $WSS_PYTHON {hwsim_vm.GUEST_DIR}/provisioner_ap.py --pki {base}/pki --accounts {base}/accounts.yaml "
        f"--out {base} --radio {topo.SPARE_RADIO} --address {SETUP_ADDRESS} "
        f"> {base}/provisioner.log 2>&1 & echo $!",
        ns="root",
    )
    pid = started["stdout"].strip()
    try:
        deadline = time.monotonic() + 120
        while not (base / "provisioner.ready").exists():
            assert time.monotonic() < deadline, (base / "provisioner.log").read_text()
            time.sleep(0.5)
        yield base
    finally:
        hwsim.sh(f"kill {pid}; for i in $(seq 50); do kill -0 {pid} 2>/dev/null || break; sleep 0.1; done", ns="root")
