/*
 * X25519 (RFC 7748 §5, §6.1) over mbedTLS's Curve25519, and the session key of ESP-IDF
 * protocomm security 1 derived from it.
 *
 * Byte order: RFC 7748 encodes scalars and u-coordinates little-endian. For Montgomery
 * curves mbedtls_ecp_point_read_binary/write_binary use that order, and
 * mbedtls_ecp_read_key reads the scalar little-endian and clamps it (§5 decodeScalar25519).
 * The peer's u-coordinate has its top bit masked (§5: "MUST mask") and is reduced mod p
 * (non-canonical values are accepted, §5) before mbedTLS sees it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/bignum.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecp.h"
#include "mbedtls/platform_util.h"
#include "wss_internal.h"

struct wss_x25519 {
    mbedtls_ecp_keypair kp;  /* grp, d (clamped scalar), Q */
    unsigned char pub[32];   /* Q's u-coordinate, RFC 7748 encoding */
    pthread_mutex_t lock;    /* one computation at a time on the shared group */
};

static wss_x25519 *x25519_new(void)
{
    wss_x25519 *key = calloc(1, sizeof(*key));
    if (key == NULL)
        return NULL;
    mbedtls_ecp_keypair_init(&key->kp);
    pthread_mutex_init(&key->lock, NULL);
    return key;
}

void wss_x25519_free(wss_x25519 *key)
{
    if (key == NULL)
        return;
    mbedtls_ecp_keypair_free(&key->kp); /* zeroises the scalar */
    pthread_mutex_destroy(&key->lock);
    free(key);
}

static int export_public(wss_x25519 *key)
{
    size_t olen = 0;
    int rc = mbedtls_ecp_point_write_binary(&key->kp.WSS_PRIV(grp), &key->kp.WSS_PRIV(Q),
                                            MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, key->pub,
                                            sizeof(key->pub));
    if (rc == 0 && olen != sizeof(key->pub))
        rc = WSS_ERR_BAD_INPUT;
    return rc;
}

static int finish(wss_x25519 *key, int rc, wss_x25519 **out)
{
    if (rc == 0)
        rc = export_public(key);
    if (rc != 0) {
        wss_x25519_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

int wss_x25519_generate(wss_x25519 **out)
{
    wss_x25519 *key = x25519_new();
    if (key == NULL)
        return WSS_ERR_ALLOC_FAILED;
    return finish(key, mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_CURVE25519, &key->kp, wss_rng, NULL), out);
}

int wss_x25519_from_private(const unsigned char priv[32], wss_x25519 **out)
{
    int rc;
    mbedtls_ecp_keypair *kp;
    wss_x25519 *key = x25519_new();
    if (key == NULL)
        return WSS_ERR_ALLOC_FAILED;
    kp = &key->kp;
    rc = mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, kp, priv, 32);
    if (rc == 0)
        rc = mbedtls_ecp_mul(&kp->WSS_PRIV(grp), &kp->WSS_PRIV(Q), &kp->WSS_PRIV(d),
                             &kp->WSS_PRIV(grp).G, wss_rng, NULL);
    return finish(key, rc, out);
}

void wss_x25519_public(const wss_x25519 *key, unsigned char out[32])
{
    memcpy(out, key->pub, sizeof(key->pub));
}

int wss_x25519_shared(wss_x25519 *key, const unsigned char peer[32], unsigned char out[32])
{
    int rc;
    unsigned char u[32];
    mbedtls_ecp_point P;
    mbedtls_mpi z;
    mbedtls_ecp_group *grp = &key->kp.WSS_PRIV(grp);

    memcpy(u, peer, sizeof(u));
    u[31] &= 0x7F; /* RFC 7748 §5 */
    mbedtls_ecp_point_init(&P);
    mbedtls_mpi_init(&z);
    rc = mbedtls_ecp_point_read_binary(grp, &P, u, sizeof(u));
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&P.WSS_PRIV(X), &P.WSS_PRIV(X), &grp->P);
    /* Refuses u = 0, 1, p - 1 and the other points of small order (whose shared secret
     * is all zeros; RFC 7748 §6.1 allows the check). */
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(grp, &P);
    if (rc == 0) {
        pthread_mutex_lock(&key->lock);
        rc = mbedtls_ecdh_compute_shared(grp, &z, &P, &key->kp.WSS_PRIV(d), wss_rng, NULL);
        pthread_mutex_unlock(&key->lock);
    }
    if (rc == 0 && mbedtls_mpi_cmp_int(&z, 0) == 0)
        rc = MBEDTLS_ERR_ECP_INVALID_KEY; /* all-zero secret: belt and braces */
    if (rc == 0)
        rc = mbedtls_mpi_write_binary_le(&z, out, 32);
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&P);
    return rc;
}

int wss_x25519_sec1_ctr(wss_x25519 *key, const unsigned char peer[32],
                        const unsigned char *pop, size_t pop_len,
                        const unsigned char counter[16], wss_aes_ctr **out)
{
    int rc, i;
    unsigned char shared[32], pop_hash[32];

    rc = wss_x25519_shared(key, peer, shared);
    if (rc == 0 && pop_len > 0) {
        rc = wss_sha256(pop, pop_len, pop_hash);
        for (i = 0; rc == 0 && i < 32; i++)
            shared[i] ^= pop_hash[i];
    }
    if (rc == 0)
        rc = wss_aes_ctr_new(shared, sizeof(shared), counter, out);
    mbedtls_platform_zeroize(shared, sizeof(shared));
    mbedtls_platform_zeroize(pop_hash, sizeof(pop_hash));
    return rc;
}
