/*
 * wss C core: a thin layer over mbedTLS for the crypto and TLS the WSS provisionee needs.
 *
 * Every function returns 0 on success or a negative mbedTLS error code (or one of the
 * WSS_ERR_* codes below). Python checks every return code through one helper
 * (wss/_binding.py). Symbols are prefixed wss_. Differences between mbedTLS 2.28 LTS
 * and 3.x are decided here, in C, and exported as WSS_HAS_* flags.
 */
#ifndef WSS_CORE_H
#define WSS_CORE_H

#include <stddef.h>
#include <stdint.h>

#define WSS_CORE_VERSION "0.1.0"

/* Our own error codes: outside mbedTLS's range (its codes are -0x0001 .. -0x7FFF). */
#define WSS_ERR_BAD_SIGNATURE   (-0x10001) /* signature malformed or does not verify */
#define WSS_ERR_BAD_INPUT       (-0x10002) /* an argument is out of range */
#define WSS_ERR_NOT_P256        (-0x10003) /* a key is not an EC key on P-256 */
#define WSS_ERR_BUFFER_TOO_SMALL (-0x10004)

/* Version and feature flags */
const char *wss_core_version(void);
const char *wss_mbedtls_version(void);
extern const int WSS_HAS_MBEDTLS3;
extern const int WSS_HAS_THREADING;
extern const int WSS_HAS_TLS13;
void wss_strerror(int code, char *buf, size_t buflen);

/* Hash and MAC (wss_hash.c) */
int wss_sha256(const unsigned char *data, size_t len, unsigned char out[32]);
int wss_hmac_sha256(const unsigned char *key, size_t keylen,
                    const unsigned char *data, size_t len, unsigned char out[32]);

/* CTR-DRBG (wss_drbg.c): one per process, seeded from the OS entropy source, reseeded
 * in the child after fork(). wss_rng matches mbedTLS's f_rng signature. */
int wss_random_bytes(unsigned char *out, size_t len);
int wss_rng(void *unused, unsigned char *out, size_t len);

/* P-256 keys (wss_ec.c). The private scalar never leaves the wss_pkey object. */
typedef struct wss_pkey wss_pkey;
int wss_pkey_parse(const unsigned char *buf, size_t len, wss_pkey **out);
int wss_pkey_generate(wss_pkey **out);
void wss_pkey_free(wss_pkey *key);
int wss_pkey_public_der(wss_pkey *key, unsigned char *out, size_t cap, size_t *outlen);
int wss_pkey_ecdh(wss_pkey *key, const unsigned char *peer_spki, size_t peer_len,
                  unsigned char out[32]);
int wss_pkey_sign(wss_pkey *key, const unsigned char *msg, size_t len,
                  unsigned char *sig, size_t cap, size_t *siglen);
int wss_ecdsa_verify(const unsigned char *spki, size_t spki_len,
                     const unsigned char *msg, size_t len,
                     const unsigned char *sig, size_t siglen);
int wss_public_der_from_pem(const unsigned char *pem, size_t len,
                            unsigned char *out, size_t cap, size_t *outlen);

#endif
