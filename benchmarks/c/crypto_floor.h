/*
 * Shared by the two files of the crypto floor: crypto_floor.c (the harness and the rows of
 * issue 2) and crypto_floor_protocomm.c (the rows of ESP-IDF protocomm security 1 and 2).
 */
#ifndef CRYPTO_FLOOR_H
#define CRYPTO_FLOOR_H

#include <pthread.h>
#include <stddef.h>

#include "mbedtls/ecp.h"

/* The largest output of one op (AES-GCM of 1 KiB: 1024 + 16 bytes). */
#define FLOOR_OUT_MAX 2048

struct blob {
    unsigned char *p;
    size_t n;
};

/* crypto_floor.c */
int from_hex(const char *hex, struct blob *b);
int drbg_f_rng(void *ctx, unsigned char *out, size_t len);

/* crypto_floor_protocomm.c: its arguments, in this order, all hex. */
#define PROTOCOMM_FLOOR_ARGS 11
#define PROTOCOMM_FLOOR_USAGE                                                                  \
    "X25519_PRIVATE X25519_PEER GCM_KEY GCM_NONCE SRP_N SRP_SALT SRP_VERIFIER SRP_B SRP_USER " \
    "SRP_A SRP_M1"
int protocomm_floor_setup(char **args, const unsigned char *data);
int op_x25519(unsigned char *out, size_t *outlen);
int op_aes_gcm_1k(unsigned char *out, size_t *outlen);
int op_sha512_1k(unsigned char *out, size_t *outlen);
int op_srp_server(unsigned char *out, size_t *outlen);
/* X25519 with an own key under its lock, as wss_x25519_shared computes it. */
int floor_x25519_shared(mbedtls_ecp_keypair *own, pthread_mutex_t *lock, const unsigned char peer[32],
                        unsigned char shared[32]);

/* crypto_floor_softap.c: one protocomm security 1 session establishment (bench_softap.py). */
int op_sec1_session(unsigned char *out, size_t *outlen);

#endif
