/* Version, feature flags, error text, and the export table of wss._hot. */
#include <stdio.h>
#include <string.h>

#include "mbedtls/error.h"
#include "mbedtls/version.h"
#include "mbedtls/ssl.h"
#include "wss_core.h"

#if MBEDTLS_VERSION_MAJOR >= 3
const int WSS_HAS_MBEDTLS3 = 1;
#else
const int WSS_HAS_MBEDTLS3 = 0;
#endif

#if defined(MBEDTLS_THREADING_C)
const int WSS_HAS_THREADING = 1;
#else
const int WSS_HAS_THREADING = 0;
#endif

#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
const int WSS_HAS_TLS13 = 1;
#else
const int WSS_HAS_TLS13 = 0;
#endif

const char *wss_core_version(void) { return WSS_CORE_VERSION; }

const char *wss_mbedtls_version(void) { return MBEDTLS_VERSION_STRING; }

unsigned int wss_mbedtls_header_version(void) { return MBEDTLS_VERSION_NUMBER; }

unsigned int wss_mbedtls_library_version(void)
{
#if defined(MBEDTLS_VERSION_C)
    return mbedtls_version_get_number();
#else
    return 0;
#endif
}

void wss_strerror(int code, char *buf, size_t buflen)
{
    if (buflen == 0)
        return;
    switch (code) {
    case WSS_ERR_BAD_SIGNATURE: snprintf(buf, buflen, "signature is malformed or does not verify"); return;
    case WSS_ERR_BAD_INPUT: snprintf(buf, buflen, "argument out of range"); return;
    case WSS_ERR_NOT_P256: snprintf(buf, buflen, "key is not an EC key on P-256"); return;
    case WSS_ERR_BUFFER_TOO_SMALL: snprintf(buf, buflen, "output buffer too small"); return;
    case WSS_ERR_NOT_FOUND: snprintf(buf, buflen, "not found"); return;
    case WSS_ERR_X509_BAD_CERT: snprintf(buf, buflen, "no certificate, or a certificate of the bundle does not parse"); return;
    case WSS_ERR_AUTH_FAILED: snprintf(buf, buflen, "authentication failed: tag or proof does not verify"); return;
    case WSS_ERR_BAD_STATE: snprintf(buf, buflen, "call out of order for this session"); return;
    case WSS_ERR_BAD_PUBLIC: snprintf(buf, buflen, "peer public value refused"); return;
    case WSS_ERR_ALLOC_FAILED: snprintf(buf, buflen, "out of memory"); return;
    case WSS_ERR_P11_MODULE: snprintf(buf, buflen, "PKCS#11 module cannot be loaded or initialised"); return;
    case WSS_ERR_P11_NO_TOKEN: snprintf(buf, buflen, "no PKCS#11 token with that label is present"); return;
    case WSS_ERR_P11_PIN_INCORRECT: snprintf(buf, buflen, "the token refused the PIN"); return;
    case WSS_ERR_P11_PIN_LOCKED: snprintf(buf, buflen, "the token's PIN is locked or expired"); return;
    case WSS_ERR_P11_NO_KEY: snprintf(buf, buflen, "no matching private key (with its public-key object) in the token"); return;
    case WSS_ERR_P11_KEY_TYPE: snprintf(buf, buflen, "the token key is not an EC key on P-256"); return;
    case WSS_ERR_P11_KEY_USAGE: snprintf(buf, buflen, "the token does not permit this use of the key"); return;
    case WSS_ERR_P11_TOKEN_REMOVED: snprintf(buf, buflen, "the token was removed, or the key's session or object is gone"); return;
    case WSS_ERR_P11_AMBIGUOUS: snprintf(buf, buflen, "the PKCS#11 URI matches more than one key or token (name the token with token=)"); return;
    case WSS_ERR_P11_FAILED: snprintf(buf, buflen, "the PKCS#11 module reported an error"); return;
    case WSS_ERR_P11_NO_TLS_HOOK: snprintf(buf, buflen, "this mbedTLS library cannot sign TLS handshakes with a token key: its mbedtls_eckey_info does not have the layout wss was built for (docs/pkcs11.md)"); return;
    case WSS_ERR_P11_KEY_EXISTS: snprintf(buf, buflen, "the token already holds a key with that CKA_ID/CKA_LABEL"); return;
    case WSS_ERR_P11_DEVICE_ERROR: snprintf(buf, buflen, "the token stopped working (CKR_DEVICE_ERROR or CKR_DEVICE_MEMORY): the token, its reader or a PKCS#11 proxy in between failed"); return;
    case WSS_ERR_P11_UNSUPPORTED: snprintf(buf, buflen, "the PKCS#11 module does not offer this operation for the key (CKR_FUNCTION_NOT_SUPPORTED or CKR_MECHANISM_INVALID)"); return;
    case WSS_ERR_P11_FORKED: snprintf(buf, buflen, "the token key was opened before fork(): open it again in this process"); return;
    default: mbedtls_strerror(code, buf, buflen);
    }
}

static const wss_exports exports = {
    WSS_EXPORT_TABLE_VERSION, sizeof(wss_exports), wss_sha256, wss_hmac_sha256, wss_random_bytes,
};

const void *wss_export_table(void) { return &exports; }
