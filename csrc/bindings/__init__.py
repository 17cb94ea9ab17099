"""cdef blocks of the wss C core, one module per concern (like pyca/cryptography's _cffi_src).

Each module defines ``CDEF``: the declarations cffi exposes to Python. ``build_core.py``
joins them in the order of :data:`MODULES`.
"""

MODULES = ["common", "hash", "drbg", "ec", "pkcs11", "x509", "tls", "aes", "x25519", "srp"]
