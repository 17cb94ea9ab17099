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

struct wss_pkey {
    mbedtls_pk_context pk;
    pthread_mutex_t lock; /* the group's lazily built comb table is not thread-safe */
};

/* The mbedTLS key inside a wss_pkey, for the TLS client (wss_tls.c). */
mbedtls_pk_context *wss_pkey_pk(wss_pkey *key);

/* Parse a DER SubjectPublicKeyInfo and check that it is an EC key on P-256. */
int wss_parse_p256_spki(mbedtls_pk_context *pk, const unsigned char *spki, size_t len);

#endif
