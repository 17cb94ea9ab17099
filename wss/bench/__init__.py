"""``wss bench``: the benchmarks a device maker runs on the board, from the installed package.

Suites (each prints a table and returns a JSON-ready dict):

* ``crypto`` (:mod:`wss.bench.crypto`): SHA-256, HMAC, ECDH, ECDSA verify, random bytes and
  the protocomm primitives in wss, python-mbedtls, pyca/cryptography and the C floor;
* ``tls`` (:mod:`wss.bench.tls`): mutual-TLS handshake and 1 MiB transfer against
  ``openssl s_server`` on loopback, wall and CPU time, and the core's peak heap;
* ``provision`` (:mod:`wss.bench.provision`): one whole provisioning on the mock radio
  against a local DSS in another process, CPU and wall time by phase, beside the C floor
  of its crypto.

The C floors are built with the core (``cmake/floors.cmake``) and shipped in
``wss/bench/_floors/`` (:mod:`wss.bench.floors`); every column is timed in the same
rhythm (:mod:`wss.bench.rhythm`) and a target is judged only when the spread across rounds
allows it (:mod:`wss.bench.verdict`). ``benchmarks/`` in the source tree runs the same
code. Method and caveats: ``benchmarks/README.md``.
"""

from __future__ import annotations

#: The suites ``wss bench --suite`` accepts, in the order they run.
SUITES = ("crypto", "tls", "provision")
