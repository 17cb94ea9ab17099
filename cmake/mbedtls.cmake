# Finds mbedTLS for the C core and refuses a mixed installation.
#
# Sets MBEDTLS_INCLUDE_DIR, MBEDTLS_LIB, MBEDX509_LIB, MBEDCRYPTO_LIB, MBEDTLS_LIBRARY_DIR
# and MBEDTLS_VERSION (x.y.z, from the headers).
#
# * MBEDTLS_ROOT unset: the compiler's default places (Debian's libmbedtls-dev). mbedTLS
#   2.28 ships neither pkg-config nor CMake config files, so headers and libraries are
#   looked up directly.
# * MBEDTLS_ROOT set (a prefix such as /opt/mbedtls, or an unpacked Debian tree or a cross
#   sysroot with usr/include and usr/lib/<triplet>): ONLY there (NO_DEFAULT_PATH), the
#   multiarch folders included. Falling back to the system's library while taking the
#   headers from MBEDTLS_ROOT is how a silently wrong core was once built (issue 15).
#   The core (and every program built with it: the benchmark floors) then gets an RPATH to
#   MBEDTLS_ROOT's library folder (WSS_MBEDTLS_RPATH), so that it loads the libraries it
#   was built against rather than the system's.
# * Then the headers' MBEDTLS_VERSION_NUMBER must equal the libraries' version: the one
#   each shared library's file name carries (libmbedtls.so.3.6.6) and, when the build can
#   run what it compiles, mbedtls_version_get_number() from a program linked to all three.
#   A mismatch stops the configuration with a message naming both versions. wss._binding
#   checks the same again at import (the library loaded then may not be the one linked).
set(MBEDTLS_ROOT "" CACHE PATH "mbedTLS prefix or sysroot; when set, mbedTLS is searched there only")

set(_wss_mbedtls_vars MBEDTLS_INCLUDE_DIR MBEDTLS_LIB MBEDX509_LIB MBEDCRYPTO_LIB)
# A changed MBEDTLS_ROOT invalidates what an earlier configuration found.
if(DEFINED _WSS_MBEDTLS_ROOT_SEEN AND NOT "${_WSS_MBEDTLS_ROOT_SEEN}" STREQUAL "${MBEDTLS_ROOT}")
  foreach(_var IN LISTS _wss_mbedtls_vars)
    unset(${_var} CACHE)
  endforeach()
endif()
set(_WSS_MBEDTLS_ROOT_SEEN "${MBEDTLS_ROOT}" CACHE INTERNAL "MBEDTLS_ROOT of the last configuration")

if(MBEDTLS_ROOT)
  get_filename_component(_root "${MBEDTLS_ROOT}" ABSOLUTE)
  if(NOT IS_DIRECTORY "${_root}")
    message(FATAL_ERROR "MBEDTLS_ROOT=${MBEDTLS_ROOT} is not a folder")
  endif()
  set(_triplets ${CMAKE_LIBRARY_ARCHITECTURE})
  set(_inc_dirs "${_root}/include" "${_root}/usr/include" "${_root}/usr/local/include")
  set(_lib_dirs)
  foreach(_prefix "${_root}" "${_root}/usr" "${_root}/usr/local")
    foreach(_triplet IN LISTS _triplets)
      list(APPEND _lib_dirs "${_prefix}/lib/${_triplet}")
    endforeach()
    list(APPEND _lib_dirs "${_prefix}/lib" "${_prefix}/lib64")
  endforeach()
  # MBEDTLS_ROOT is a path on the build machine, also in a cross build: not re-rooted.
  set(_where PATHS ${_inc_dirs} NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
  set(_where_lib PATHS ${_lib_dirs} NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
  set(_in " in MBEDTLS_ROOT=${_root} (searched: include, usr/include, lib/<triplet>, usr/lib/<triplet>, lib, usr/lib)")
else()
  set(_where)
  set(_where_lib)
  set(_in "")
endif()
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h ${_where})
find_library(MBEDTLS_LIB mbedtls ${_where_lib})
find_library(MBEDX509_LIB mbedx509 ${_where_lib})
find_library(MBEDCRYPTO_LIB mbedcrypto ${_where_lib})
foreach(_var IN LISTS _wss_mbedtls_vars)
  if(NOT ${_var})
    message(FATAL_ERROR "mbedTLS not found (apt-get install libmbedtls-dev, or set MBEDTLS_ROOT to a prefix "
                        "holding include/mbedtls/ssl.h and libmbedtls, libmbedx509, libmbedcrypto)${_in}: "
                        "${_var} is missing")
  endif()
endforeach()
get_filename_component(MBEDTLS_LIBRARY_DIR "${MBEDCRYPTO_LIB}" DIRECTORY)

# ---- the headers' version --------------------------------------------------------------
function(_wss_version_text number out)
  math(EXPR _major "(${number} >> 24) & 255")
  math(EXPR _minor "(${number} >> 16) & 255")
  math(EXPR _patch "(${number} >> 8) & 255")
  set(${out} "${_major}.${_minor}.${_patch}" PARENT_SCOPE)
endfunction()

set(_header_number "")
foreach(_header mbedtls/build_info.h mbedtls/version.h)
  if(_header_number STREQUAL "" AND EXISTS "${MBEDTLS_INCLUDE_DIR}/${_header}")
    file(STRINGS "${MBEDTLS_INCLUDE_DIR}/${_header}" _line
         REGEX "^#define[ \t]+MBEDTLS_VERSION_NUMBER[ \t]+0x[0-9A-Fa-f]+")
    if(_line MATCHES "(0x[0-9A-Fa-f]+)")
      set(_header_number "${CMAKE_MATCH_1}")
    endif()
  endif()
endforeach()
if(_header_number STREQUAL "")
  message(FATAL_ERROR "mbedTLS headers in ${MBEDTLS_INCLUDE_DIR} define no MBEDTLS_VERSION_NUMBER "
                      "(mbedtls/build_info.h or mbedtls/version.h)")
endif()
math(EXPR _header_number "${_header_number}")
_wss_version_text(${_header_number} MBEDTLS_VERSION)

function(_wss_refuse what version)
  message(FATAL_ERROR "mbedTLS version mismatch: the headers in ${MBEDTLS_INCLUDE_DIR} are mbedTLS "
                      "${MBEDTLS_VERSION} but ${what} is mbedTLS ${version}. Point MBEDTLS_ROOT at one "
                      "installation that holds both (or install the libmbedtls-dev that matches).")
endfunction()

# ---- each shared library's version, from its file name --------------------------------
foreach(_lib ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB})
  get_filename_component(_real "${_lib}" REALPATH)
  if(_real MATCHES "\\.so\\.([0-9]+\\.[0-9]+\\.[0-9]+)$" AND NOT CMAKE_MATCH_1 STREQUAL MBEDTLS_VERSION)
    _wss_refuse("the library ${_real}" "${CMAKE_MATCH_1}")
  endif()
endforeach()

# ---- the version the linked library reports -------------------------------------------
set(_wss_check_key "${MBEDTLS_INCLUDE_DIR};${MBEDTLS_LIB};${MBEDX509_LIB};${MBEDCRYPTO_LIB};${MBEDTLS_VERSION}")
if(NOT "${_WSS_MBEDTLS_CHECKED}" STREQUAL "${_wss_check_key}"
   AND (NOT CMAKE_CROSSCOMPILING OR CMAKE_CROSSCOMPILING_EMULATOR))
  try_run(_run_rc _compile_ok
          "${CMAKE_BINARY_DIR}/mbedtls-version-check" "${CMAKE_CURRENT_LIST_DIR}/mbedtls_version_check.c"
          CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${MBEDTLS_INCLUDE_DIR}"
                      "-DCMAKE_BUILD_RPATH=${MBEDTLS_LIBRARY_DIR}"
          LINK_LIBRARIES ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB} pthread
          COMPILE_OUTPUT_VARIABLE _compile_out
          RUN_OUTPUT_VARIABLE _run_out)
  if(NOT _compile_ok)
    message(FATAL_ERROR "mbedTLS: a program using the headers in ${MBEDTLS_INCLUDE_DIR} does not link with "
                        "${MBEDTLS_LIB}, ${MBEDX509_LIB}, ${MBEDCRYPTO_LIB} (mixed installations?):\n${_compile_out}")
  endif()
  if(NOT _run_rc EQUAL 0 OR NOT _run_out MATCHES "^(0x[0-9A-Fa-f]+)")
    message(FATAL_ERROR "mbedTLS: the version check program built with ${MBEDCRYPTO_LIB} failed "
                        "(${_run_rc}): ${_run_out}")
  endif()
  set(_lib_hex "${CMAKE_MATCH_1}")
  math(EXPR _lib_number "${_lib_hex}")
  if(NOT _lib_number EQUAL _header_number)
    _wss_version_text(${_lib_number} _lib_version)
    _wss_refuse("the library ${MBEDCRYPTO_LIB} (mbedtls_version_get_number() = ${_lib_hex})" "${_lib_version}")
  endif()
  set(_WSS_MBEDTLS_CHECKED "${_wss_check_key}" CACHE INTERNAL "mbedTLS set whose versions matched")
endif()
message(STATUS "mbedTLS ${MBEDTLS_VERSION}: ${MBEDTLS_INCLUDE_DIR}, ${MBEDTLS_LIBRARY_DIR}")

# RPATH to MBEDTLS_ROOT's libraries, so that the core loads the mbedTLS it was checked with.
# Off in a cross build: there MBEDTLS_ROOT is the sysroot, whose folders the target's loader
# already searches under their own names.
if(MBEDTLS_ROOT AND NOT CMAKE_CROSSCOMPILING)
  set(_rpath_default ON)
else()
  set(_rpath_default OFF)
endif()
option(WSS_MBEDTLS_RPATH "Give the core an RPATH to MBEDTLS_ROOT's library folder" ${_rpath_default})
if(WSS_MBEDTLS_RPATH)
  # The default of every target made after this: the core and the benchmark floors alike.
  list(APPEND CMAKE_BUILD_RPATH "${MBEDTLS_LIBRARY_DIR}")
  list(APPEND CMAKE_INSTALL_RPATH "${MBEDTLS_LIBRARY_DIR}")
endif()
