/* Shared between the C files of the core; not part of the cffi interface. */
#ifndef WSS_INTERNAL_H
#define WSS_INTERNAL_H

#include <pthread.h>
#include "mbedtls/pk.h"
#include "mbedtls/version.h"
#include "wss_core.h"

/* mbedTLS 3 hides struct members behind MBEDTLS_PRIVATE(). */
#if MBEDTLS_VERSION_MAJOR >= 3
#define WSS_PRIV(member) MBEDTLS_PRIVATE(member)
#else
#define WSS_PRIV(member) member
#endif

/* A key held in a PKCS#11 token (wss_pkcs11.c). */
typedef struct wss_p11key wss_p11key;

struct wss_pkey {
    mbedtls_pk_context pk; /* for a token key: the public point only (and, on 2.28, a
                            * pk_info whose signatures are the token's) */
    pthread_mutex_t lock; /* the group's lazily built comb table is not thread-safe */
    wss_p11key *p11;      /* NULL for a software key */
};

/* An empty wss_pkey (wss_ec.c). */
wss_pkey *wss_pkey_new(void);

/* Token operations (wss_pkcs11.c): ECDSA over a digest, DER out; ECDH with a peer's
 * uncompressed point, the raw x-coordinate out. */
int wss_p11_sign_hash(wss_p11key *k, const unsigned char *hash, size_t hash_len,
                      unsigned char *sig, size_t cap, size_t *sig_len);
int wss_p11_ecdh(wss_p11key *k, const unsigned char peer_point[65], unsigned char out[32]);
void wss_p11key_free(wss_p11key *k);
int wss_p11_tls_ready(wss_pkey *key);

/* The mbedTLS key inside a wss_pkey, for the TLS client (wss_tls.c). */
mbedtls_pk_context *wss_pkey_pk(wss_pkey *key);

/* Parse a DER SubjectPublicKeyInfo and check that it is an EC key on P-256. */
int wss_parse_p256_spki(mbedtls_pk_context *pk, const unsigned char *spki, size_t len);

#endif
