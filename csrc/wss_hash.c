/* SHA-256, SHA-512 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) over mbedTLS. */
#include "mbedtls/md.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"
#include "mbedtls/version.h"
#include "wss_core.h"

/* mbedTLS 2.28 names its one-shot hashes mbedtls_shaN_ret; 3.x drops the suffix. */
#if MBEDTLS_VERSION_MAJOR >= 3
#define ONE_SHOT(name) name
#else
#define ONE_SHOT(name) name##_ret
#endif

int wss_sha256(const unsigned char *data, size_t len, unsigned char out[32])
{
    return ONE_SHOT(mbedtls_sha256)(data, len, out, 0);
}

int wss_sha512(const unsigned char *data, size_t len, unsigned char out[64])
{
    return ONE_SHOT(mbedtls_sha512)(data, len, out, 0); /* 0: SHA-512, not SHA-384 */
}

int wss_hmac_sha256(const unsigned char *key, size_t keylen,
                    const unsigned char *data, size_t len, unsigned char out[32])
{
    static const mbedtls_md_info_t *info;
    if (info == NULL)
        info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    return mbedtls_md_hmac(info, key, keylen, data, len, out);
}
