"""Mutual-TLS benchmark: handshake latency and 1 MiB transfer on loopback; peak heap.

Usage::

    python benchmarks/bench_tls.py [--handshakes 200] [--transfers 50] [--size 1048576]
                                   [--out benchmarks/out/tls.json]
    python benchmarks/bench_tls.py --quick      # tiny budget: checks that everything runs

Columns: wss over a socket (all TLS I/O in C), wss over the Python callback transport
(``SocketTransport`` on a TCP socket: one Python call per send/recv), python-mbedtls,
Python ``ssl`` (OpenSSL), and the floor ``c/tls_floor.c`` (mbedTLS called directly from C,
compiled here with ``cc -O2 ... -lmbedtls -lmbedx509 -lmbedcrypto``).

Peer: ``openssl s_server`` in its own process, requiring and verifying the client chain
(``-Verify 5 -verify_return_error``), one cipher suite for everybody
(ECDHE-ECDSA-AES128-GCM-SHA256), no session tickets, serving the transfer file with
``-WWW``. PKI: :func:`wss.mfg.dev_pki.create_dev_pki` (4-certificate DHA-shaped chain).

Heap: Debian's mbedTLS lacks ``MBEDTLS_PLATFORM_MEMORY`` (no
``mbedtls_platform_set_calloc_free``), so ``c/tls_heap.c`` links the wss C core with the
static mbedTLS archives and ``-Wl,--wrap=calloc,--wrap=free`` to count every allocation of
one handshake. Where valgrind exists, massif's peak for one handshake of the floor program
is reported beside it. The guide recommends 64 KB of heap for a provisionee.

Samples are taken round-robin, one per column in turn (the floor program stays running and
takes one command per sample), so that a change of machine load hits all columns alike;
the statistic is the median. Source: issue 3 "Benchmark".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_crypto import _mbedtls_flags  # noqa: E402
from report import publish  # noqa: E402
from tls_clients import Endpoint, PythonMbedTLSClient, SSLClient, WssClient  # noqa: E402

DEFAULT_OUT = HERE / "out" / "tls.json"
CIPHER = "ECDHE-ECDSA-AES128-GCM-SHA256"
GUIDE_HEAP_BYTES = 64 * 1024
COLUMNS = ["wss socket", "wss callback", "python-mbedtls", "Python ssl", "C floor"]
TARGET_RATIO = 1.05


# ---- peer, PKI, C programs ----------------------------------------------------------------


def make_endpoint(work: Path) -> tuple:
    """A dev PKI; returns (Endpoint for the clients, server files dict)."""
    from wss.mfg.dev_pki import DSS_HOST, create_dev_pki

    pki = create_dev_pki(work / "pki")
    ep = Endpoint("127.0.0.1", 0, DSS_HOST, pki.dss_ca, pki.device.certificate, pki.device.private_key)
    return ep, {"cert": pki.dss_certificate, "key": pki.dss_private_key, "client_ca": pki.dha_root}


class OpenSSLServer:
    """``openssl s_server -WWW`` on 127.0.0.1, verifying client chains."""

    def __init__(self, files: dict, www: Path) -> None:
        probe = socket.create_server(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        cmd = [
            "openssl",
            "s_server",
            "-accept",
            f"127.0.0.1:{self.port}",
            "-cert",
            str(files["cert"]),
            "-key",
            str(files["key"]),
            "-Verify",
            "5",
            "-verify_return_error",
            "-CAfile",
            str(files["client_ca"]),
            "-WWW",
            "-quiet",
            "-no_ticket",
            "-cipher",
            CIPHER,
            "-tls1_2",
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=www, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.close()
        raise RuntimeError("openssl s_server did not start (is the openssl CLI installed?)")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def compile_c(work: Path) -> Dict[str, object]:
    """Build the floor and the heap counter; values are paths or ``"unavailable: why"``."""
    cc = shlex.split(os.environ.get("CC", "cc"))
    out: Dict[str, object] = {}
    jobs = {
        "floor": [str(HERE / "c" / "tls_floor.c")] + _mbedtls_flags(),
        "heap": [f"-I{ROOT / 'csrc'}", str(HERE / "c" / "tls_heap.c")]
        + [str(p) for p in sorted((ROOT / "csrc").glob("wss_*.c"))]
        + ["-Wl,--wrap=calloc", "-Wl,--wrap=free"]
        + _static_mbedtls()
        + ["-pthread"],
    }
    for name, args in jobs.items():
        exe = work / f"tls_{name}"
        proc = subprocess.run(cc + ["-O2", "-o", str(exe)] + args, capture_output=True, text=True)
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        out[name] = exe if proc.returncode == 0 else f"unavailable: cannot compile ({first})"
    return out


def _static_mbedtls() -> List[str]:
    """The static archives, in link order (mbedtls, mbedx509, mbedcrypto)."""
    dirs = [Path(os.environ["MBEDTLS_ROOT"]) / d for d in ("lib", "lib64")] if os.environ.get("MBEDTLS_ROOT") else []
    dirs += [
        Path(p)
        for p in (
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/usr/lib/arm-linux-gnueabihf",
            "/usr/lib",
            "/usr/local/lib",
        )
    ]
    found = []
    for lib in ("mbedtls", "mbedx509", "mbedcrypto"):
        path = next((d / f"lib{lib}.a" for d in dirs if (d / f"lib{lib}.a").is_file()), None)
        found.append(str(path) if path else f"-l{lib}")
    return found


class FloorProcess:
    """``tls_floor`` kept running; each command is one sample."""

    def __init__(self, exe: Path, ep: Endpoint) -> None:
        self.proc = subprocess.Popen(
            [str(exe), ep.host, str(ep.port), ep.name, str(ep.ca), str(ep.chain), str(ep.key)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"tls_floor stopped (exit {self.proc.wait()})")
        return json.loads(line)

    def handshake(self) -> float:
        return self._ask("handshake")["ms"]

    def transfer(self, path: str) -> tuple:
        out = self._ask(f"transfer {path}")
        return out["ms"], out["bytes"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


# ---- columns and sampling ---------------------------------------------------------------------


class Column:
    """A client under test, or why it is missing."""

    def __init__(self, client=None, unavailable: str = "") -> None:
        self.client, self.unavailable = client, unavailable


def make_columns(ep: Endpoint, built: dict) -> Dict[str, Column]:
    cols: Dict[str, Column] = {"wss socket": Column(WssClient(ep, False)), "wss callback": Column(WssClient(ep, True))}
    try:
        cols["python-mbedtls"] = Column(PythonMbedTLSClient(ep))
        cols["python-mbedtls"].client.handshake()  # can it do mutual TLS against this server?
    except ImportError:
        cols["python-mbedtls"] = Column(None, "unavailable: not installed (pip install python-mbedtls)")
    except Exception as exc:
        cols["python-mbedtls"] = Column(None, f"unavailable: mutual TLS failed ({exc!r})")
    cols["Python ssl"] = Column(SSLClient(ep))
    floor = built["floor"]
    cols["C floor"] = Column(FloorProcess(floor, ep)) if isinstance(floor, Path) else Column(None, floor)
    return cols


def _stats(samples: List[float]) -> dict:
    """Summary of one column's samples; ``samples_ms`` stays in time order (for pairing)."""
    s = sorted(samples)
    return {
        "median_ms": statistics.median(s),
        "min_ms": s[0],
        "max_ms": s[-1],
        "p90_ms": s[min(len(s) - 1, int(len(s) * 0.9))],
        "n": len(s),
        "samples_ms": list(samples),
    }


def paired_ratio(ours: dict, ref: dict) -> float:
    """Median over round-robin cycles of ours/ref: both samples of a cycle were taken a few
    milliseconds apart, so a change of machine load cancels out of each ratio."""
    return statistics.median(a / b for a, b in zip(ours["samples_ms"], ref["samples_ms"]))


def measure(cols: Dict[str, Column], handshakes: int, transfers: int, path: str, size: int) -> Dict[str, dict]:
    """Sample by sample, round-robin over the columns (a change of load hits all alike)."""
    live = {name: col.client for name, col in cols.items() if not col.unavailable}
    hs: Dict[str, List[float]] = {c: [] for c in live}
    tr: Dict[str, List[float]] = {c: [] for c in live}
    for client in live.values():  # warm-up, untimed
        client.handshake()
    for i in range(max(handshakes, transfers)):
        for name, client in live.items():
            if i < handshakes:
                hs[name].append(client.handshake())
            if i < transfers:
                ms, got = client.transfer(path)
                if got < size:
                    raise RuntimeError(f"{name}: transfer returned {got} bytes, expected >= {size}")
                tr[name].append(ms)
    out = {}
    for name, col in cols.items():
        out[name] = (
            {"unavailable": col.unavailable}
            if col.unavailable
            else {"handshake": _stats(hs[name]), "transfer": _stats(tr[name])}
        )
    return out


# ---- heap -----------------------------------------------------------------------------------


def measure_heap(built: dict, ep: Endpoint, massif: bool) -> dict:
    args = [ep.host, str(ep.port), ep.name, str(ep.ca), str(ep.chain), str(ep.key)]
    result: dict = {"guide_recommendation_bytes": GUIDE_HEAP_BYTES}
    heap = built["heap"]
    if isinstance(heap, Path):
        proc = subprocess.run([str(heap)] + args, capture_output=True, text=True)
        result["wss_core_counting_allocator"] = (
            json.loads(proc.stdout) if proc.returncode == 0 else {"unavailable": proc.stderr.strip()}
        )
    else:
        result["wss_core_counting_allocator"] = {"unavailable": heap}
    floor = built["floor"]
    if massif and shutil.which("valgrind") and isinstance(floor, Path):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "massif.out"
            proc = subprocess.run(
                ["valgrind", "--tool=massif", f"--massif-out-file={out}", str(floor)] + args,
                input="handshake\n",
                capture_output=True,
                text=True,
                timeout=300,
            )
            if proc.returncode == 0 and out.exists():
                text = out.read_text()
                heaps = [int(a) + int(b) for a, b in re.findall(r"mem_heap_B=(\d+)\nmem_heap_extra_B=(\d+)", text)]
                result["floor_massif_peak_bytes"] = max(heaps) if heaps else None
            else:
                result["floor_massif_peak_bytes"] = None
    return result


# ---- report ---------------------------------------------------------------------------------


def _cell(col: dict, what: str, floor: dict) -> str:
    if "unavailable" in col:
        return col["unavailable"]
    med = col[what]["median_ms"]
    ref = floor.get(what, {}).get("median_ms") if "unavailable" not in floor else None
    return f"{med:.2f} ms ({med / ref:.2f}x)" if ref else f"{med:.2f} ms"


def verdicts(cols: dict) -> Dict[str, str]:
    """The issue's targets for the socket transport: <= 1.05x floor, faster than python-mbedtls.

    Judged on the paired ratio (see :func:`paired_ratio`); the ratio of medians is shown too.
    """
    ours, floor, peer = cols["wss socket"], cols["C floor"], cols["python-mbedtls"]
    out = {}
    for what in ("handshake", "transfer"):
        parts = []
        if "unavailable" not in floor:
            ratio = paired_ratio(ours[what], floor[what])
            medians = ours[what]["median_ms"] / floor[what]["median_ms"]
            parts.append(
                f"{ratio:.3f}x floor (paired; {medians:.3f}x by medians): "
                f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'} (target <= {TARGET_RATIO}x)"
            )
        if "unavailable" not in peer:
            ratio = paired_ratio(ours[what], peer[what])
            parts.append(f"{ratio:.3f}x python-mbedtls (paired): " + ("faster" if ratio < 1 else "SLOWER"))
        out[what] = "; ".join(parts) or "no reference available"
    return out


def format_table(result: dict) -> str:
    meta, cols = result["meta"], result["columns"]
    floor = cols["C floor"]
    size = meta["transfer_bytes"]
    lines = [
        f"wss mutual-TLS benchmark (loopback, {meta['server']}); median, (ratio to the C floor)",
        f"machine: {meta['machine']}, {meta['cpus']} CPUs, Python {meta['python']}; load average "
        f"{meta['loadavg_start']} at start, {meta['loadavg_end']} at end",
        "",
    ]
    rows = [["column", f"handshake (n={meta['handshakes']})", f"{size // 1024} KiB transfer (n={meta['transfers']})"]]
    rows += [[name, _cell(c, "handshake", floor), _cell(c, "transfer", floor)] for name, c in cols.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines += ["", "wss socket transport targets:"]
    lines += [f"  {k}: {v}" for k, v in result["verdicts"].items()]
    heap = result["heap"]
    counted = heap["wss_core_counting_allocator"]
    lines.append("")
    if "unavailable" in counted:
        lines.append(f"heap (wss C core, one handshake): {counted['unavailable']}")
    else:
        lines.append(
            f"heap (wss C core, one handshake, counting calloc/free): peak "
            f"{counted['handshake_peak_bytes']} B = config+key {counted['config_and_key_bytes']} B "
            f"+ connection {counted['handshake_peak_above_config_bytes']} B; "
            f"{counted['connection_bytes_after_handshake']} B held after the handshake; "
            f"guide recommends {GUIDE_HEAP_BYTES} B "
            f"({'within' if counted['handshake_peak_bytes'] <= GUIDE_HEAP_BYTES else 'ABOVE'})"
        )
    if heap.get("floor_massif_peak_bytes"):
        lines.append(
            f"heap (C floor process, valgrind massif, whole program incl. libc): peak "
            f"{heap['floor_massif_peak_bytes']} B"
        )
    return "\n".join(lines)


def _meta(args, server_desc: str, load_start) -> dict:
    from wss import _binding

    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "handshakes": args.handshakes,
        "transfers": args.transfers,
        "transfer_bytes": args.size,
        "server": server_desc,
        "cipher_suite": CIPHER,
        "statistic": "median; samples taken round-robin over the columns",
        "versions": {"wss_mbedtls": _binding.MBEDTLS_VERSION},
    }
    try:
        from mbedtls import __version__ as pym
        from mbedtls import version as pym_lib

        meta["versions"]["python-mbedtls"] = f"{pym} (bundles {pym_lib.version})"
    except ImportError:
        meta["versions"]["python-mbedtls"] = None
    import ssl

    meta["versions"]["python_ssl"] = ssl.OPENSSL_VERSION
    return meta


def run(args) -> dict:
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="wss-bench-tls-") as tmp:
        work = Path(tmp)
        ep, files = make_endpoint(work)
        www = work / "www"
        www.mkdir()
        (www / "blob").write_bytes(os.urandom(args.size))
        built = compile_c(work)
        server = OpenSSLServer(files, www)
        cols: Dict[str, Column] = {}
        try:
            ep.port = server.port
            cols = make_columns(ep, built)
            measured = measure(cols, args.handshakes, args.transfers, "/blob", args.size)
            heap = measure_heap(built, ep, args.massif)
        finally:
            floor = cols.get("C floor")
            if floor is not None and floor.client is not None:
                floor.client.close()
            server.close()
    result = {
        "meta": _meta(args, f"openssl s_server, {CIPHER}, client chain verified", load_start),
        "columns": measured,
        "heap": heap,
    }
    result["verdicts"] = verdicts(measured)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handshakes", type=int, default=200, help="per column (>= 50 for the report)")
    parser.add_argument("--transfers", type=int, default=50, help="per column")
    parser.add_argument("--size", type=int, default=1 << 20, help="transfer size in bytes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--no-massif", dest="massif", action="store_false", help="skip the valgrind massif cross-check of the heap"
    )
    parser.add_argument("--quick", action="store_true", help="4 handshakes, 2 transfers, no massif")
    args = parser.parse_args(argv)
    if args.quick:
        args.handshakes, args.transfers, args.massif = 4, 2, False
    result = run(args)
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
