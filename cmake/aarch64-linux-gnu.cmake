# CMake toolchain file: cross-compile the C core for 64-bit ARM Linux (aarch64, glibc) with
# Debian's cross compiler (apt-get install gcc-aarch64-linux-gnu) against a target sysroot
# (docs/portability.md "Cross-compiling for a board"):
#
#   cmake -S . -B build/cross-aarch64 --toolchain cmake/aarch64-linux-gnu.cmake \
#         -DWSS_SYSROOT=<sysroot> -DMBEDTLS_ROOT=<sysroot> \
#         -DPython_EXECUTABLE=<the build machine's python3> \
#         -DPython_INCLUDE_DIR=<sysroot>/usr/include/python3.11
#
# The sysroot holds the target's C library, mbedTLS and Python headers: a Buildroot
# (output/host/<tuple>/sysroot) or Yocto SDK sysroot, or Debian arm64 packages unpacked by
# `make cross-aarch64` (tools/debian-unpack.sh). Another compiler: CROSS_PREFIX, its name
# without "gcc" (e.g. aarch64-buildroot-linux-gnu-).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CROSS_PREFIX "aarch64-linux-gnu-" CACHE STRING "cross compiler prefix (its name without gcc)")
set(WSS_SYSROOT "" CACHE PATH "the target's root: C library, mbedTLS, Python headers")
# try_compile/try_run projects re-read this file: hand them the same settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CROSS_PREFIX WSS_SYSROOT)
set(CMAKE_C_COMPILER ${CROSS_PREFIX}gcc)
if(WSS_SYSROOT)
  set(CMAKE_SYSROOT ${WSS_SYSROOT})
  set(CMAKE_FIND_ROOT_PATH ${WSS_SYSROOT})
endif()
# Debian's multiarch folder names (usr/lib/aarch64-linux-gnu, usr/include/aarch64-linux-gnu).
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Programs (the build machine's Python, which runs cffi's code generator) come from the
# build machine; libraries and headers only from the target's root.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
