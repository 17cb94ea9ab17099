"""The WSS demo (``make demo``): one whole provisioning on real input, then its transcript.

1. ``wss mfg dev-pki`` makes a development PKI in ``demo-out/pki`` (git-ignored);
2. ``wss cloud serve`` starts the local DSS on two free ports (normal and setup network),
   with the Smiths' account from ``examples/home.yaml`` and a transcript file;
3. ``wss provision --hal mock --hal-option environment=examples/home.yaml`` provisions the device
   over real mutual TLS with real signatures, on the simulated radio of the same file;
4. the DSS is stopped (its log: ``demo-out/dss.log``) and its transcript summarised:
   operations and statuses, reports with their states, connection attempts with their
   error codes.

Exit status 0 only when the device reached DONE on the home network.

    python examples/demo.py [--out demo-out]

Source: issue 6 ("make demo").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wss.cloud import process  # noqa: E402  (needs the path above)
from wss.provisionee import dss_transcript  # noqa: E402

HOME = ROOT / "examples" / "home.yaml"
START_TIMEOUT_S = 30.0


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def wss(*args: str) -> List[str]:
    """The command line of ``wss ARGS`` with this interpreter."""
    return [sys.executable, "-m", "wss", *args]


def start_dss(pki: Path, transcript: Path) -> Tuple[subprocess.Popen, int, int]:
    """Start ``wss cloud serve`` on free ports; return it and its (dss, setup) ports."""
    try:
        return process.start_serve(pki, HOME, transcript, env=_env(), timeout_s=START_TIMEOUT_S)
    except RuntimeError as exc:
        raise SystemExit(f"demo: {exc}") from None


def stop_dss(server: subprocess.Popen) -> None:
    """SIGTERM, then wait (kill after 10 s)."""
    process.stop(server)


def reached_done(records: list) -> bool:
    """The last report was CONNECTED_TO_USER_NETWORK, answered DONE with canProceed."""
    reports = [e for e in dss_transcript.exchanges(records) if e.operation == "report"]
    return (
        bool(reports)
        and reports[-1].request.get("currentProvisioningState") == "CONNECTED_TO_USER_NETWORK"
        and reports[-1].response.get("nextProvisioningState") == "DONE"
        and bool(reports[-1].response.get("canProceed"))
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo-out", help="work folder (default demo-out)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    pki, state, transcript = out / "pki", out / "state", out / "transcript.jsonl"
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(state, ignore_errors=True)
    transcript.unlink(missing_ok=True)

    print(f"== 1. development PKI in {pki}", flush=True)
    subprocess.run(
        wss("mfg", "dev-pki", "--out", str(pki), "--force"), check=True, env=_env(), stdout=subprocess.DEVNULL
    )
    print("== 2. local DSS", flush=True)
    server, port, setup_port = start_dss(pki, transcript)
    print(f"   listening on 127.0.0.1:{port} (DSS) and 127.0.0.1:{setup_port} (setup network)", flush=True)
    try:
        print(f"== 3. wss provision on {HOME.relative_to(ROOT)}", flush=True)
        status = subprocess.run(
            wss(
                "provision",
                "--hal",
                "mock",
                "--hal-option",
                f"environment={HOME}",
                "--pki",
                str(pki),
                "--dss",
                f"localhost:{port}",
                "--setup-port",
                str(setup_port),
                "--state-dir",
                str(state),
            ),
            env=_env(),
        ).returncode
    finally:
        stop_dss(server)
    print("== 4. what the DSS saw", flush=True)
    records = dss_transcript.load(transcript)
    print(dss_transcript.summarize(records))
    ok = status == 0 and reached_done(records)
    print(
        f"\ndemo {'PASSED: DONE on the home network' if ok else 'FAILED'} "
        f"(transcript: {transcript}, store: {state / 'provisionee.json'})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
