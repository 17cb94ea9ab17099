"""The check that lets a token key sign TLS handshakes (csrc/wss_pkcs11.c, docs/pkcs11.md
"Mutual TLS"). A token key's pk context points at a copy of mbedTLS's ``mbedtls_eckey_info``
whose ``sign_func`` calls the token. mbedTLS 3.x does not install the header that declares
that struct, so wss restates its layout and checks it against the loaded library's EC key
and ECDSA descriptions before use; a library that does not match is refused as a TLS key
source (``WSS_ERR_P11_NO_TLS_HOOK``), never misread.

The descriptions are read here from the library the core loaded (``dlsym`` through the
core's own handle) and copied, so a copy can be altered the way another build of mbedTLS
would lay it out."""

from __future__ import annotations

import ctypes
from typing import List

import pytest

import wss._core as core
from wss._binding import MBEDTLS_VERSION, ffi, lib

SLOT = ctypes.sizeof(ctypes.c_void_p)
MBEDTLS3 = not MBEDTLS_VERSION.startswith("2.")
#: Slots read from each description: 3.x's struct has 12 pointer-sized slots (14 in a build
#: with MBEDTLS_ECP_RESTARTABLE); 2.28's check reads the type and name only.
SLOTS = 14 if MBEDTLS3 else 2


def _description(name: str) -> List[int]:
    handle = ctypes.CDLL(core.__file__)
    try:
        address = ctypes.addressof(ctypes.c_char.in_dll(handle, name))
    except ValueError:
        pytest.skip(f"{name} is not visible through the core's handle (mbedTLS linked without exported symbols)")
    return list((ctypes.c_size_t * SLOTS).from_address(address))


def _check(eckey: List[int], ecdsa: List[int]) -> int:
    a = ffi.new("size_t[]", eckey)
    b = ffi.new("size_t[]", ecdsa)
    return lib.wss_p11_pk_layout_check(a, b)


def test_the_lines_we_build_on_can_sign_tls_with_a_token_key():
    if not MBEDTLS_VERSION.startswith(("2.28.", "3.6.")):
        pytest.skip(f"mbedTLS {MBEDTLS_VERSION} is not a line CI builds on (2.28, 3.6)")
    assert lib.wss_p11_tls_hook() == 0


def test_no_description_is_refused():
    assert lib.wss_p11_pk_layout_check(ffi.NULL, ffi.NULL) == lib.WSS_ERR_P11_NO_TLS_HOOK


def test_the_library_descriptions_pass_and_so_do_exact_copies():
    eckey, ecdsa = _description("mbedtls_eckey_info"), _description("mbedtls_ecdsa_info")
    assert _check(eckey, ecdsa) == 0  # on 3.x this also signs with sign_func and verifies it


def test_descriptions_swapped_are_refused():
    eckey, ecdsa = _description("mbedtls_eckey_info"), _description("mbedtls_ecdsa_info")
    assert _check(ecdsa, eckey) == lib.WSS_ERR_P11_NO_TLS_HOOK
    assert _check(eckey, eckey) == lib.WSS_ERR_P11_NO_TLS_HOOK


@pytest.mark.skipif(not MBEDTLS3, reason="mbedTLS 2.28 installs the struct's header: the compiler knows its layout")
def test_a_library_with_two_more_members_after_sign_func_is_refused_not_misread():
    # What a library built with MBEDTLS_ECP_RESTARTABLE looks like through headers without it:
    # verify_rs/sign_rs after sign_func, rs_alloc/rs_free before debug_func.
    def shifted(d: List[int]) -> List[int]:
        return d[:6] + [d[4], d[5]] + d[6:11] + [d[9], d[10]] + d[11:12]

    eckey, ecdsa = _description("mbedtls_eckey_info"), _description("mbedtls_ecdsa_info")
    assert _check(shifted(eckey), shifted(ecdsa)) == lib.WSS_ERR_P11_NO_TLS_HOOK


@pytest.mark.skipif(not MBEDTLS3, reason="mbedTLS 2.28 installs the struct's header: the compiler knows its layout")
def test_descriptions_that_disagree_on_a_shared_function_are_refused():
    eckey, ecdsa = _description("mbedtls_eckey_info"), _description("mbedtls_ecdsa_info")
    for slot in (2, 4, 5, 8, 11):  # get_bitlen, verify, sign, check_pair, debug
        changed = list(eckey)
        changed[slot] = eckey[3]  # can_do: a function, but not the one both descriptions share
        assert _check(changed, ecdsa) == lib.WSS_ERR_P11_NO_TLS_HOOK, slot


def test_refusal_message_names_the_cause_in_one_line():
    buf = ffi.new("char[200]")
    lib.wss_strerror(lib.WSS_ERR_P11_NO_TLS_HOOK, buf, len(buf))
    message = ffi.string(buf).decode()
    assert "cannot sign TLS handshakes with a token key" in message and "layout" in message
    assert "\n" not in message
