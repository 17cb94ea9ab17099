"""Generate the C source of the cffi (API mode) extension ``wss._core``.

Run by CMake as ``python build_core.py OUT.c``; CMake then compiles OUT.c with the
``wss_*.c`` files of this folder and links mbedTLS. cffi only writes C here; it never
compiles, so the compiler and flags are CMake's.
"""

import importlib.util
import pathlib
import sys

import cffi

HERE = pathlib.Path(__file__).resolve().parent


def _load(name):
    spec = importlib.util.spec_from_file_location(f"wss_bindings_{name}", HERE / "bindings" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_ffi() -> cffi.FFI:
    modules = _load("__init__").MODULES
    ffi = cffi.FFI()
    ffi.cdef("\n".join(_load(name).CDEF for name in modules))
    ffi.set_source("wss._core", '#include "wss_core.h"\n')
    return ffi


def main(argv):
    if len(argv) != 2:
        raise SystemExit("usage: build_core.py OUT.c")
    build_ffi().emit_c_code(argv[1])


if __name__ == "__main__":
    main(sys.argv)
