"""The device key in a PKCS#11 token beside a software key: ECDH, ECDSA sign, a mutual-TLS
handshake, and the C core's heap during the handshake.

Usage::

    python benchmarks/bench_pkcs11.py [--target-ms 20] [--rounds 7] [--repeats 3]
                                      [--handshakes 20] [--no-perf] [--out benchmarks/out/pkcs11.json]
    python benchmarks/bench_pkcs11.py --quick      # a tiny budget: checks that everything runs

The token is SoftHSM2 (Debian ``softhsm2``), made by this script in a temporary folder
(``SOFTHSM2_CONF``), the key generated in it by the core (``PrivateKey.generate_in_pkcs11``:
sensitive, never extractable). **SoftHSM2 is a software token**: it runs in this process
and signs with OpenSSL, so its cost is an *upper bound* of what the PKCS#11 path itself
adds (the module's session and object handling, our client's calls) and a *lower bound*
of a real secure element's time: an SE or a TPM on I2C/SPI signs in tens of milliseconds,
mostly waiting on the bus and the chip, not on this CPU.

Crypto rows (ECDH P-256: the peer's SubjectPublicKeyInfo in, the 32-byte x-coordinate out;
ECDSA P-256 sign of 64 bytes, DER out), columns, every result checked first (ECDH against
pyca from the peer's side, signatures verified by pyca):

* ``wss software key`` — :class:`wss.crypto.PrivateKey` from DER (mbedTLS in the C core);
* ``wss token key`` — the same interface on the token's key (the core: SHA-256, then
  ``C_SignInit``/``C_Sign`` with CKM_ECDSA, raw r||s to DER; ``C_DeriveKey`` with
  CKM_ECDH1_DERIVE into a session object, ``C_GetAttributeValue``, ``C_DestroyObject``);
* ``cryptography`` — pyca/cryptography (OpenSSL, the library SoftHSM2's module signs and
  derives with here): the module's own arithmetic, with no PKCS#11 around it.

The estimator is the crypto suite's (:class:`wss.bench.crypto.PythonCell`): batches grown
to ``--target-ms``, then rounds in which every column, in an order rotated each round
(:mod:`wss.bench.rhythm`), makes one untimed batch then ``--repeats`` timed ones; CPU
(``time.process_time_ns``, the module's work included: it runs in this process) and wall.

Handshake: ``wss socket`` clients (:class:`wss.bench.tls_clients.WssClient`) with the
software key and with the token key against the TLS suite's peer (``openssl s_server``
requiring and verifying the client chain, :class:`wss.bench.tls.OpenSSLServer`), the
dev PKI's chain and, for the token, a leaf for the token's public key signed by the same
DAK. Same rhythm: one untimed handshake then ``--handshakes`` timed ones per column and
round. On mbedTLS 3.x the token column says why it cannot run (docs/pkcs11.md).

Heap: ``tls_heap`` (:func:`wss.bench.tls.measure_heap`) for one handshake with each key.

Where the time goes (``--no-perf`` skips it): ``perf record`` samples this process while
the token key signs (then derives) for a while; the samples are grouped by shared object:
the module (``libsofthsm2.so`` and its C++ library), its crypto library (``libcrypto``),
our C client (``wss._core`` and the core's ``libmbedcrypto``: the SHA-256, the DER
conversion, the lock), Python and cffi, the C library and the kernel (both mostly the
module's: its file object store stats, opens, locks and reads the token's files on
operations, and it allocates per call). Each share times the row's CPU per op gives the
part's time per op.

The token's ratio to the software key is taken per round (the ratio of the rounds'
minimum CPU ns/op, or median handshake); the table gives the median ratio and its 90 %
order-statistic interval (:func:`wss.bench.verdict.median_interval`). No target: the
issue asks for the figures. Timing is never asserted by a test. Source: issue 19
"Benchmark", issue 17 (the rhythm).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any, Dict, Optional

from _entry import OUT

from wss.bench import floors, machine
from wss.bench.common import SuiteUnavailable, format_ns, header_lines, peer_versions, publish, render
from wss.bench.crypto import PythonCell
from wss.bench.rhythm import Rounds, flatten, interleave, round_ratios
from wss.bench.tls import Handshakes, OpenSSLServer, column_stats, make_endpoint, measure_heap
from wss.bench.tls_clients import WssClient
from wss.bench.verdict import median_interval

DEFAULT_OUT = OUT / "pkcs11.json"
#: Where Debian (and most distributions) install SoftHSM2's module.
SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN, LABEL, PIN_ENV = "wss-bench", "dha", "WSS_BENCH_TOKEN_PIN"
ROWS = [("ecdh", "ECDH P-256"), ("sign", "ECDSA P-256 sign")]
CRYPTO_COLUMNS = ["wss software key", "wss token key", "cryptography"]
HANDSHAKE_COLUMNS = ["wss software key", "wss token key"]
NO_TLS_HOOK = "not supported by this mbedTLS library: token keys cannot sign TLS handshakes (docs/pkcs11.md)"
SOFTWARE_TOKEN_NOTE = (
    "SoftHSM2 is a software token (in this process, OpenSSL arithmetic): its cost is an upper bound"
    " of the PKCS#11 path's overhead and a lower bound of a real secure element's time"
    " (an SE or TPM signs in tens of ms)"
)
#: How long ``perf record`` samples each operation, seconds.
PERF_SECONDS = 2.0


@dataclasses.dataclass(frozen=True)
class Token:
    """The benchmark's throwaway token: its module, configuration and user PIN (not in repr)."""

    module: str
    conf: Path
    pin: str = dataclasses.field(repr=False)


def make_token(work: Path) -> Token:
    """A SoftHSM2 token in ``work`` (``SOFTHSM2_CONF`` set for this process and its children)
    with a fresh PIN in :data:`PIN_ENV`.

    Raises:
        SuiteUnavailable: SoftHSM2 (its module or ``softhsm2-util``) is not installed.
    """
    module = next((m for m in SOFTHSM_MODULES if os.path.exists(m)), None)
    if module is None or shutil.which("softhsm2-util") is None:
        raise SuiteUnavailable("needs SoftHSM2 as its token (Debian: apt-get install softhsm2)")
    (work / "tokens").mkdir(parents=True)
    conf = work / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {work / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin = secrets.token_hex(4)
    os.environ[PIN_ENV] = pin
    cmd = ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", pin, "--so-pin", secrets.token_hex(4)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError(f"softhsm2-util --init-token failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return Token(module, conf, pin)


# ---- ECDH and ECDSA sign ----------------------------------------------------------------------


class Inputs:
    """The keys and data of the crypto rows, with every column's result checked."""

    def __init__(self, token_key: Any) -> None:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        from wss.crypto import PrivateKey

        self.ec, self.hashes = ec, hashes
        self.soft_pyca = ec.generate_private_key(ec.SECP256R1())
        der = self.soft_pyca.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.keys = {"wss software key": PrivateKey.from_der(der), "wss token key": token_key}
        self.peer = ec.generate_private_key(ec.SECP256R1())
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.peer_spki = self.peer.public_key().public_bytes(*spki)
        self.message = os.urandom(64)
        self.load = serialization.load_der_public_key

    def timers(self) -> Dict[str, Dict[str, timeit.Timer]]:
        """``{row: {column: timer}}``, each cell's result checked first.

        Raises:
            AssertionError: a column gives a wrong result.
        """
        ec = self.ec
        out: Dict[str, Dict[str, timeit.Timer]] = {"ecdh": {}, "sign": {}}
        for col, key in self.keys.items():
            own = self.load(key.public_key_der())
            assert isinstance(own, ec.EllipticCurvePublicKey)
            if key.ecdh(self.peer_spki) != self.peer.exchange(ec.ECDH(), own):
                raise AssertionError(f"{col}: wrong ECDH result")
            own.verify(key.sign(self.message), self.message, ec.ECDSA(self.hashes.SHA256()))  # raises if wrong
            ns = {"key": key, "peer": self.peer_spki, "msg": self.message}
            out["ecdh"][col] = timeit.Timer("key.ecdh(peer)", globals=ns, timer=time.perf_counter_ns)
            out["sign"][col] = timeit.Timer("key.sign(msg)", globals=ns, timer=time.perf_counter_ns)
        ns = {"key": self.soft_pyca, "load": self.load, "peer": self.peer_spki, "msg": self.message}
        ns.update(ECDH=ec.ECDH(), ECDSA=ec.ECDSA(self.hashes.SHA256()))
        out["ecdh"]["cryptography"] = timeit.Timer(
            "key.exchange(ECDH, load(peer))", globals=ns, timer=time.perf_counter_ns
        )
        out["sign"]["cryptography"] = timeit.Timer("key.sign(msg, ECDSA)", globals=ns, timer=time.perf_counter_ns)
        return out


def _crypto_cell(rounds: list, batch: int) -> dict:
    wall, cpu = flatten(rounds, "wall"), flatten(rounds, "cpu")
    return {
        "cpu_ns_per_op": min(cpu),
        "median_cpu_ns_per_op": statistics.median(cpu),
        "ns_per_op": min(wall),
        "median_ns_per_op": statistics.median(wall),
        "batches": len(wall),
        "batch_size": batch,
    }


def _ratio(ours: list, ref: list, what: str, statistic) -> dict:
    """Per-round ratios ours/ref: their median and 90 % interval (None: too few rounds)."""
    ratios = round_ratios(ours, ref, what, statistic)
    interval = median_interval(ratios)
    return {
        "median": statistics.median(ratios) if ratios else None,
        "interval": list(interval) if interval else None,
        "rounds": len(ratios),
        "per_round": ratios,
    }


def measure_crypto(inp: Inputs, target_ns: int, rounds: int, repeats: int) -> dict:
    timers = inp.timers()
    subjects = {row: {col: PythonCell(timers[row][col], target_ns) for col in CRYPTO_COLUMNS} for row, _ in ROWS}
    taken: Dict[str, Rounds] = {row: {col: [] for col in CRYPTO_COLUMNS} for row, _ in ROWS}
    for _ in range(rounds):
        for row, _ in ROWS:  # row by row, so that a burst of load hits all columns
            interleave(subjects[row], 1, repeats, 1, into=taken[row])
    out = {}
    for row, label in ROWS:
        t = taken[row]
        out[row] = {
            "label": label,
            "columns": {col: _crypto_cell(t[col], subjects[row][col].batch) for col in CRYPTO_COLUMNS},
            "token_over_software_cpu": _ratio(t["wss token key"], t["wss software key"], "cpu", min),
            "token_over_cryptography_cpu": _ratio(t["wss token key"], t["cryptography"], "cpu", min),
        }
    return out


# ---- where the token's time goes (perf) -------------------------------------------------------

#: Shared-object name patterns -> part, first match wins; the rest is "other".
PARTS = [
    ("module (libsofthsm2, libstdc++)", r"softhsm|libstdc\+\+"),
    ("module's crypto (libcrypto)", r"libcrypto"),
    ("our C client (wss._core, libmbedcrypto)", r"_core\.|libmbed"),
    ("Python and cffi", r"python|_cffi"),
    ("C library", r"libc\.so|ld-linux"),
    ("kernel", r"kernel|vdso"),
]
OTHER = "other"


def perf_split(key: Any, peer_spki: bytes, message: bytes, seconds: float) -> dict:
    """Samples of this process by shared object while the token key signs, then derives.

    Returns ``{"sign": {part: share}, "ecdh": {...}}`` (shares of the samples, 0..1), or
    ``{"unavailable": why}``.
    """
    if shutil.which("perf") is None:
        return {"unavailable": "perf is not installed (Debian: linux-perf)"}
    out: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wss-bench-perf-") as tmp:
        for row, op in (("sign", lambda: key.sign(message)), ("ecdh", lambda: key.ecdh(peer_spki))):
            data = Path(tmp) / f"{row}.data"
            cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-p", str(os.getpid()), "-o", str(data)]
            rec = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(0.3)  # perf attaches
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                op()
            rec.send_signal(2)  # SIGINT: perf writes its file and exits
            _, err = rec.communicate(timeout=60)
            report = subprocess.run(
                ["perf", "report", "-i", str(data), "--sort", "dso", "--stdio", "-q"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            if report.returncode != 0 or not data.exists():
                why = ((err or report.stderr).strip().splitlines() or ["no samples"])[-1]
                return {"unavailable": f"perf failed: {why}"}
            out[row] = _parts(report.stdout)
    return out


def _parts(report: str) -> Dict[str, float]:
    shares = {name: 0.0 for name, _ in PARTS}
    shares[OTHER] = 0.0
    for pct, dso in re.findall(r"^\s*([\d.]+)%\s+(\S.*?)\s*$", report, re.M):
        part = next((name for name, pattern in PARTS if re.search(pattern, dso)), OTHER)
        shares[part] += float(pct) / 100
    return shares


# ---- handshake and heap -----------------------------------------------------------------------


def token_chain(pki_chain: Path, dak_key: Path, token_spki: bytes) -> bytes:
    """The dev PKI's device chain with its leaf replaced by one for the token's public key
    (same subject and extensions, its own subject key identifier), signed by the DAK."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    chain = x509.load_pem_x509_certificates(pki_chain.read_bytes())
    leaf, dak = chain[0], chain[1]
    public = serialization.load_der_public_key(token_spki)
    builder = (
        x509.CertificateBuilder()
        .subject_name(leaf.subject)
        .issuer_name(dak.subject)
        .public_key(public)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(leaf.not_valid_before_utc)
        .not_valid_after(leaf.not_valid_after_utc)
    )
    for ext in leaf.extensions:
        value = ext.value
        if isinstance(value, x509.SubjectKeyIdentifier):
            value = x509.SubjectKeyIdentifier.from_public_key(public)  # type: ignore[arg-type]
        builder = builder.add_extension(value, ext.critical)
    signer = serialization.load_pem_private_key(dak_key.read_bytes(), None)
    cert = builder.sign(signer, hashes.SHA256())  # type: ignore[arg-type]
    pem = serialization.Encoding.PEM
    return cert.public_bytes(pem) + b"".join(c.public_bytes(pem) for c in chain[1:])


def measure_tls(work: Path, token: Token, key: Any, rounds: int, handshakes: int) -> dict:
    """Handshakes with each key in the same rhythm, and the core's heap for one of each."""
    from wss._binding import lib

    ep, files = make_endpoint(work)  # the dev PKI in work/pki (wss.mfg.dev_pki's layout)
    chain = work / "token-chain.pem"
    chain.write_bytes(token_chain(ep.chain, work / "pki" / "ca" / "dak_private_key.pem", key.public_key_der()))
    www = work / "www"
    www.mkdir()
    server = OpenSSLServer(files, www)
    try:
        ep.port = server.port
        token_ep = dataclasses.replace(ep, chain=chain)
        subjects = {"wss software key": Handshakes(WssClient(ep, False))}
        missing = {}
        if lib.wss_p11_tls_hook() == 0:
            subjects["wss token key"] = Handshakes(WssClient(token_ep, False, key))
        else:
            missing["wss token key"] = NO_TLS_HOOK
        taken = interleave(subjects, rounds, handshakes, 1)
        heap = {"wss software key": measure_heap(ep, False)["wss_core_counting_allocator"]}
        if missing:
            heap["wss token key"] = {"unavailable": NO_TLS_HOOK}
        else:
            env = dict(os.environ, WSS_TLS_HEAP_PIN=token.pin)
            key_args = ["--pkcs11", token.module, TOKEN, LABEL]
            heap["wss token key"] = measure_heap(token_ep, False, key_args, env)["wss_core_counting_allocator"]
    finally:
        server.close()
    columns: Dict[str, dict] = {
        c: {"unavailable": missing[c]} if c in missing else column_stats(taken[c]) for c in HANDSHAKE_COLUMNS
    }
    ratio = (
        _ratio(taken["wss token key"], taken["wss software key"], "wall", statistics.median)
        if "wss token key" in taken
        else None
    )
    cpu_ratio = (
        _ratio(taken["wss token key"], taken["wss software key"], "cpu", statistics.median)
        if "wss token key" in taken
        else None
    )
    return {"columns": columns, "token_over_software_wall": ratio, "token_over_software_cpu": cpu_ratio, "heap": heap}


# ---- one run, the table -------------------------------------------------------------------------


def run(target_ns: int, rounds: int, repeats: int, handshakes: int, perf: bool) -> dict:
    """Make the token and its key, measure everything; the JSON-ready result.

    Raises:
        SuiteUnavailable: no SoftHSM2, no openssl CLI (the TLS peer) or no pyca/cryptography.
    """
    from wss._binding import MBEDTLS_VERSION
    from wss.crypto import PrivateKey

    if shutil.which("openssl") is None:
        raise SuiteUnavailable("needs the openssl CLI as its TLS server (Debian: apt-get install openssl)")
    try:
        import cryptography  # noqa: F401
    except ImportError as exc:
        raise SuiteUnavailable(f"needs pyca/cryptography ({exc}): pip install 'wss-provisionee[tools]'") from None
    load_start = machine.loadavg()
    with tempfile.TemporaryDirectory(prefix="wss-bench-pkcs11-") as tmp:
        work = Path(tmp)
        token = make_token(work / "softhsm")
        key = PrivateKey.generate_in_pkcs11(f"pkcs11:token={TOKEN};object={LABEL};id=%01", token.module, PIN_ENV)
        inp = Inputs(key)
        crypto = measure_crypto(inp, target_ns, rounds, repeats)
        tls = measure_tls(work, token, key, rounds, handshakes)
        split = perf_split(key, inp.peer_spki, inp.message, PERF_SECONDS) if perf else {"unavailable": "--no-perf"}
    meta = {
        "suite": "pkcs11",
        "machine": machine.describe(),
        "loadavg_start": load_start,
        "loadavg_end": machine.loadavg(),
        "token": f"SoftHSM2 ({token.module}), key generated in the token (P-256, sensitive, never extractable)",
        "note": SOFTWARE_TOKEN_NOTE,
        "estimator": {
            "crypto": "min CPU ns/op over batches of >= target; per round one untimed batch then `repeats`",
            "target_batch_ns": target_ns,
            "rounds": rounds,
            "repeats_per_round": repeats,
            "handshakes_per_round": handshakes,
            "ratios": "per round: token / software (min CPU ns/op; median handshake); median and 90 % interval",
        },
        "versions": {
            "wss_mbedtls": MBEDTLS_VERSION,
            "softhsm2": _softhsm_version(),
            "tls_heap": floors.versions_report().get("tls_heap"),
            **peer_versions(),
        },
    }
    return {"meta": meta, "crypto": crypto, "handshake": tls, "perf": split}


def _softhsm_version() -> Optional[str]:
    try:
        proc = subprocess.run(["softhsm2-util", "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return proc.stdout.strip() or None


def _ratio_text(r: Optional[dict]) -> str:
    if not r or r["median"] is None:
        return "-"
    spread = f"{r['interval'][0]:.2f}-{r['interval'][1]:.2f}" if r["interval"] else "too few rounds for an interval"
    return f"{r['median']:.2f}x ({spread})"


def _heap_text(h: dict) -> str:
    if "unavailable" in h:
        return h["unavailable"]
    return (
        f"peak {h['handshake_peak_bytes']} B = config+key {h['config_and_key_bytes']} B + connection"
        f" {h['handshake_peak_above_config_bytes']} B; {h['connection_bytes_after_handshake']} B held after;"
        f" {h['allocations_during_handshake']} allocations"
    )


def format_table(result: dict) -> str:
    meta = result["meta"]
    est = meta["estimator"]
    lines = header_lines(
        "wss PKCS#11 token key beside a software key: CPU per op (min over batches of >= "
        f"{est['target_batch_ns'] / 1e6:g} ms, {est['rounds']} rounds) [median wall]",
        meta,
    )
    head = ["operation"] + CRYPTO_COLUMNS + ["token / software", "token / cryptography"]
    rows = [head]
    for row in result["crypto"].values():
        cells = [
            f"{format_ns(c['cpu_ns_per_op'])} [{format_ns(c['median_ns_per_op'])}]" for c in row["columns"].values()
        ]
        rows.append(
            [
                row["label"],
                *cells,
                _ratio_text(row["token_over_software_cpu"]),
                _ratio_text(row["token_over_cryptography_cpu"]),
            ]
        )
    lines += render(rows)
    hs = result["handshake"]
    n = est["rounds"] * est["handshakes_per_round"]
    lines += [
        "",
        f"mutual-TLS handshake (wss socket, openssl s_server verifying the client chain; n={n} per column):"
        " median wall, client CPU, ms",
    ]
    hrows = [["column", "handshake", "core heap, one handshake (counting calloc/free)"]]
    for name, col in hs["columns"].items():
        text = (
            col["unavailable"] if "unavailable" in col else f"{col['median_ms']:.2f} ms, CPU {col['cpu_median_ms']:.2f}"
        )
        hrows.append([name, text, _heap_text(hs["heap"][name])])
    lines += render(hrows)
    if hs["token_over_software_wall"]:
        lines.append(
            f"token / software per round: wall {_ratio_text(hs['token_over_software_wall'])},"
            f" CPU {_ratio_text(hs['token_over_software_cpu'])}"
        )
    split = result["perf"]
    lines.append("")
    if "unavailable" in split:
        lines.append(f"where the token's time goes: unavailable — {split['unavailable']}")
    else:
        lines.append(
            "where the token key's CPU goes (perf samples of this process by shared object; share x its CPU per op):"
        )
        for row, shares in split.items():
            per_op = result["crypto"][row]["columns"]["wss token key"]["cpu_ns_per_op"]
            parts = (f"{part} {share:.0%} ({format_ns(share * per_op)})" for part, share in shares.items() if share)
            lines.append(f"  {row}: " + ", ".join(parts))
    lines += ["", "note: " + meta["note"] + "."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-ms", type=float, default=20.0, help="least duration of one timed batch, ms")
    parser.add_argument("--rounds", type=int, default=7, help="rounds over all columns (default 7)")
    parser.add_argument("--repeats", type=int, default=3, help="timed batches per column and round (default 3)")
    parser.add_argument("--handshakes", type=int, default=20, help="timed handshakes per column and round")
    parser.add_argument("--no-perf", dest="perf", action="store_false", help="skip the perf split")
    parser.add_argument("--quick", action="store_true", help="tiny budget (0.05 ms batches, 1 round, 2 handshakes)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.quick:
        args.target_ms, args.rounds, args.repeats, args.handshakes, args.perf = 0.05, 1, 1, 2, False
    if min(args.rounds, args.repeats, args.handshakes) < 1 or args.target_ms <= 0:
        parser.error("--rounds, --repeats and --handshakes must be >= 1 and --target-ms > 0")
    try:
        result = run(int(args.target_ms * 1e6), args.rounds, args.repeats, args.handshakes, args.perf)
    except SuiteUnavailable as exc:
        publish({"unavailable": str(exc)}, f"bench_pkcs11: unavailable — {exc}", args.out)
        return 0
    publish(result, format_table(result), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
