/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) over mbedTLS. */
#include "mbedtls/md.h"
#include "mbedtls/sha256.h"
#include "mbedtls/version.h"
#include "wss_core.h"

int wss_sha256(const unsigned char *data, size_t len, unsigned char out[32])
{
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha256(data, len, out, 0);
#else
    return mbedtls_sha256_ret(data, len, out, 0);
#endif
}

int wss_hmac_sha256(const unsigned char *key, size_t keylen,
                    const unsigned char *data, size_t len, unsigned char out[32])
{
    static const mbedtls_md_info_t *info;
    if (info == NULL)
        info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    return mbedtls_md_hmac(info, key, keylen, data, len, out);
}
