/*
 * The floor of benchmarks/bench_softap.py: the device's crypto of one ESP-IDF protocomm
 * security 1 session establishment, calling mbedTLS directly with the work the wss
 * C functions do for it (wss_x25519_generate, wss_random, wss_x25519_sec1_ctr,
 * wss_aes_ctr_update; the same mbedTLS calls, checks and locks), without linking them.
 *
 * One op: draw an X25519 key (and write its public key), draw the 16-byte device
 * random, X25519 with the client's public key (RFC 7748 masking, small-order check),
 * XOR SHA-256(PoP), AES-256 key schedule, decrypt the client's 32-byte verify data and
 * compare it with the device's public key in constant time, encrypt the client's public
 * key (the device's verify data: the op's output). The client's key is the curve's base
 * point u = 9 and its verify data 32 zero bytes: the compare fails, as a wrong PoP
 * would, and the op goes on all the same, so every op does a successful session's work.
 *
 * The security 2 floor is crypto_floor_protocomm.c's srp_server row.
 * Builds against mbedTLS 2.28 and 3.x.
 */
#include <pthread.h>
#include <string.h>

#include "mbedtls/aes.h"
#include "mbedtls/ecp.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"
#include "mbedtls/version.h"
#include "crypto_floor.h"

#if MBEDTLS_VERSION_MAJOR >= 3
#define PRIV(field) MBEDTLS_PRIVATE(field)
#else
#define PRIV(field) field
#endif

static const unsigned char client_public[32] = {9};
static const unsigned char client_verify[32] = {0};
static const unsigned char pop[] = "abcd1234";
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stream_lock = PTHREAD_MUTEX_INITIALIZER;

static int sha256_of(const unsigned char *data, size_t len, unsigned char out[32])
{
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha256(data, len, out, 0);
#else
    return mbedtls_sha256_ret(data, len, out, 0);
#endif
}

int op_sec1_session(unsigned char *out, size_t *outlen)
{
    int rc, i;
    size_t olen = 0, offset = 0;
    unsigned char own_public[32], random[16], shared[32], pop_hash[32], stream[16], clear[32], diff = 0;
    mbedtls_ecp_keypair own;
    mbedtls_aes_context aes;

    *outlen = 32;
    mbedtls_ecp_keypair_init(&own);
    mbedtls_aes_init(&aes);
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_CURVE25519, &own, drbg_f_rng, NULL);
    if (rc == 0)
        rc = mbedtls_ecp_point_write_binary(&own.PRIV(grp), &own.PRIV(Q), MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                                            own_public, sizeof(own_public));
    if (rc == 0)
        rc = drbg_f_rng(NULL, random, sizeof(random));
    if (rc == 0)
        rc = floor_x25519_shared(&own, &key_lock, client_public, shared);
    if (rc == 0)
        rc = sha256_of(pop, sizeof(pop) - 1, pop_hash);
    for (i = 0; rc == 0 && i < 32; i++)
        shared[i] ^= pop_hash[i];
    if (rc == 0)
        rc = mbedtls_aes_setkey_enc(&aes, shared, 256);
    if (rc == 0) { /* the client's verify data, then the device's: one stream */
        pthread_mutex_lock(&stream_lock);
        rc = mbedtls_aes_crypt_ctr(&aes, 32, &offset, random, stream, client_verify, clear);
        for (i = 0; i < 32; i++)
            diff |= (unsigned char)(clear[i] ^ own_public[i]);
        if (rc == 0)
            rc = mbedtls_aes_crypt_ctr(&aes, 32, &offset, random, stream, client_public, out);
        pthread_mutex_unlock(&stream_lock);
    }
    (void)diff; /* a wrong PoP here by construction; the work is a session's all the same */
    mbedtls_platform_zeroize(shared, sizeof(shared));
    mbedtls_aes_free(&aes);
    mbedtls_ecp_keypair_free(&own);
    return rc;
}
