"""Manufacturing tools: DAK and DHA certificates for the factory line.

The ``wss mfg`` command replaces the OpenSSL command sequence of Amazon's guide
"Provision AVS devices for FFS" with one tool built on the ``cryptography`` package
(never on :mod:`wss.crypto`, which is the device side):

* :mod:`.opensslconf` — the OpenSSL configuration subset of ``dak.conf``/``device.conf``;
* :mod:`.csr` — P-256 key and certificate signing request from such a file;
* :mod:`.extensions` — X.509 v3 extensions from a configuration section;
* :mod:`.sign` — a DHA certificate signed by the DAK, and its chain;
* :mod:`.control_log` — the DHA public key as the guide prints it, the barcode value, the CSV log;
* :mod:`.batch` — a resumable production run, one folder per device;
* :mod:`.dev_pki` — a whole development hierarchy for tests and the local DSS;
* :mod:`.chain`, :mod:`.certs`, :mod:`.files` — chains, shared certificate helpers,
  atomic output.

Source: guide "Provision AVS devices for FFS"; protocol §9; issue 4.
"""

from __future__ import annotations
