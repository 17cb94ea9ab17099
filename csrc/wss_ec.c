/*
 * P-256 keys: parse, generate, export the public key (SubjectPublicKeyInfo, RFC 5480),
 * ECDH (SEC 1 §3.3.1, raw x-coordinate), ECDSA-SHA256 sign and verify (FIPS 186-4, DER
 * signatures per RFC 3279 §2.2.3, checked strictly before mbedTLS sees them).
 */
#include <stdlib.h>
#include <string.h>

#include "mbedtls/bignum.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "wss_internal.h"

mbedtls_pk_context *wss_pkey_pk(wss_pkey *key) { return &key->pk; }

static int check_p256(mbedtls_pk_context *pk)
{
    if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY))
        return WSS_ERR_NOT_P256;
    if (mbedtls_pk_ec(*pk)->WSS_PRIV(grp).id != MBEDTLS_ECP_DP_SECP256R1)
        return WSS_ERR_NOT_P256;
    return 0;
}

int wss_parse_p256_spki(mbedtls_pk_context *pk, const unsigned char *spki, size_t len)
{
    int rc = mbedtls_pk_parse_public_key(pk, spki, len);
    return rc != 0 ? rc : check_p256(pk);
}

wss_pkey *wss_pkey_new(void)
{
    wss_pkey *key = calloc(1, sizeof(*key));
    if (key == NULL)
        return NULL;
    mbedtls_pk_init(&key->pk);
    pthread_mutex_init(&key->lock, NULL);
    return key;
}

void wss_pkey_free(wss_pkey *key)
{
    if (key == NULL)
        return;
    mbedtls_pk_free(&key->pk); /* zeroises the private scalar */
    wss_p11key_free(key->p11);
    pthread_mutex_destroy(&key->lock);
    free(key);
}

int wss_pkey_parse(const unsigned char *buf, size_t len, wss_pkey **out)
{
    int rc;
    wss_pkey *key = wss_pkey_new();
    if (key == NULL)
        return MBEDTLS_ERR_PK_ALLOC_FAILED;
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_parse_key(&key->pk, buf, len, NULL, 0, wss_rng, NULL);
#else
    rc = mbedtls_pk_parse_key(&key->pk, buf, len, NULL, 0);
#endif
    if (rc == 0)
        rc = check_p256(&key->pk);
    if (rc != 0) {
        wss_pkey_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

int wss_pkey_generate(wss_pkey **out)
{
    int rc;
    wss_pkey *key = wss_pkey_new();
    if (key == NULL)
        return MBEDTLS_ERR_PK_ALLOC_FAILED;
    rc = mbedtls_pk_setup(&key->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (rc == 0)
        rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key->pk), wss_rng, NULL);
    if (rc != 0) {
        wss_pkey_free(key);
        return rc;
    }
    *out = key;
    return 0;
}

int wss_pkey_public_der(wss_pkey *key, unsigned char *out, size_t cap, size_t *outlen)
{
    unsigned char tmp[160];
    int n = mbedtls_pk_write_pubkey_der(&key->pk, tmp, sizeof(tmp));
    if (n < 0)
        return n;
    if ((size_t)n > cap)
        return WSS_ERR_BUFFER_TOO_SMALL;
    memcpy(out, tmp + sizeof(tmp) - n, n);
    *outlen = (size_t)n;
    return 0;
}

int wss_pkey_ecdh(wss_pkey *key, const unsigned char *peer_spki, size_t peer_len,
                  unsigned char out[32])
{
    int rc;
    mbedtls_pk_context peer;
    mbedtls_mpi z;
    mbedtls_ecp_keypair *own = mbedtls_pk_ec(key->pk);

    mbedtls_pk_init(&peer);
    mbedtls_mpi_init(&z);
    rc = wss_parse_p256_spki(&peer, peer_spki, peer_len);
    if (rc == 0 && key->p11 != NULL) {
        unsigned char point[65];
        size_t plen;
        rc = mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(peer)->WSS_PRIV(grp),
                                            &mbedtls_pk_ec(peer)->WSS_PRIV(Q),
                                            MBEDTLS_ECP_PF_UNCOMPRESSED, &plen, point, 65);
        if (rc == 0)
            rc = wss_p11_ecdh(key->p11, point, out);
        mbedtls_pk_free(&peer);
        return rc;
    }
    if (rc == 0) {
        pthread_mutex_lock(&key->lock);
        rc = mbedtls_ecdh_compute_shared(&own->WSS_PRIV(grp), &z,
                                         &mbedtls_pk_ec(peer)->WSS_PRIV(Q),
                                         &own->WSS_PRIV(d), wss_rng, NULL);
        pthread_mutex_unlock(&key->lock);
    }
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&z, out, 32);
    mbedtls_mpi_free(&z);
    mbedtls_pk_free(&peer);
    return rc;
}

int wss_pkey_sign(wss_pkey *key, const unsigned char *msg, size_t len,
                  unsigned char *sig, size_t cap, size_t *siglen)
{
    int rc;
    unsigned char hash[32];
    unsigned char tmp[MBEDTLS_ECDSA_MAX_LEN];

    rc = wss_sha256(msg, len, hash);
    if (rc != 0)
        return rc;
    if (key->p11 != NULL)
        return wss_p11_sign_hash(key->p11, hash, sizeof(hash), sig, cap, siglen);
    pthread_mutex_lock(&key->lock);
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_sign(&key->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), tmp, sizeof(tmp),
                         siglen, wss_rng, NULL);
#else
    rc = mbedtls_pk_sign(&key->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), tmp, siglen,
                         wss_rng, NULL);
#endif
    pthread_mutex_unlock(&key->lock);
    if (rc == 0 && *siglen > cap)
        rc = WSS_ERR_BUFFER_TOO_SMALL;
    if (rc == 0)
        memcpy(sig, tmp, *siglen);
    return rc;
}

/* One DER INTEGER that is positive and minimally encoded (X.690 §8.3, §10.1). */
static int der_positive_integer(const unsigned char **p, const unsigned char *end)
{
    size_t len;
    if (end - *p < 2 || (*p)[0] != 0x02)
        return -1;
    len = (*p)[1];
    if (len == 0 || len >= 0x80 || (size_t)(end - *p - 2) < len)
        return -1;
    *p += 2;
    if ((*p)[0] & 0x80)
        return -1; /* negative */
    if (len > 1 && (*p)[0] == 0x00 && !((*p)[1] & 0x80))
        return -1; /* non-minimal leading zero */
    *p += len;
    return 0;
}

/* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } in strict DER (short lengths only:
 * a P-256 signature is at most 72 bytes). mbedTLS alone accepts some BER forms. */
static int der_signature_is_strict(const unsigned char *sig, size_t siglen)
{
    const unsigned char *p = sig, *end = sig + siglen;
    if (siglen < 8 || siglen > MBEDTLS_ECDSA_MAX_LEN || p[0] != 0x30 || p[1] >= 0x80)
        return 0;
    if ((size_t)p[1] != siglen - 2)
        return 0;
    p += 2;
    if (der_positive_integer(&p, end) != 0 || der_positive_integer(&p, end) != 0)
        return 0;
    return p == end;
}

int wss_ecdsa_verify(const unsigned char *spki, size_t spki_len,
                     const unsigned char *msg, size_t len,
                     const unsigned char *sig, size_t siglen)
{
    int rc;
    unsigned char hash[32];
    mbedtls_pk_context pk;

    mbedtls_pk_init(&pk);
    rc = wss_parse_p256_spki(&pk, spki, spki_len);
    if (rc != 0)
        goto out;
    if (!der_signature_is_strict(sig, siglen)) {
        rc = WSS_ERR_BAD_SIGNATURE;
        goto out;
    }
    rc = wss_sha256(msg, len, hash);
    if (rc != 0)
        goto out;
    rc = mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, siglen);
    if (rc != 0 && rc != MBEDTLS_ERR_ECP_ALLOC_FAILED && rc != MBEDTLS_ERR_MPI_ALLOC_FAILED)
        rc = WSS_ERR_BAD_SIGNATURE;
out:
    mbedtls_pk_free(&pk);
    return rc;
}

int wss_public_der_from_pem(const unsigned char *pem, size_t len,
                            unsigned char *out, size_t cap, size_t *outlen)
{
    int rc, n;
    unsigned char tmp[160];
    mbedtls_pk_context pk;

    mbedtls_pk_init(&pk);
    rc = mbedtls_pk_parse_public_key(&pk, pem, len);
    if (rc == 0)
        rc = check_p256(&pk);
    if (rc == 0) {
        n = mbedtls_pk_write_pubkey_der(&pk, tmp, sizeof(tmp));
        if (n < 0)
            rc = n;
        else if ((size_t)n > cap)
            rc = WSS_ERR_BUFFER_TOO_SMALL;
        else {
            memcpy(out, tmp + sizeof(tmp) - n, n);
            *outlen = (size_t)n;
        }
    }
    mbedtls_pk_free(&pk);
    return rc;
}
