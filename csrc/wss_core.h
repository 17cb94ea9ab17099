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
#define WSS_ERR_NOT_FOUND       (-0x10005) /* the item looked for is absent */

/* Version and feature flags */
const char *wss_core_version(void);
const char *wss_mbedtls_version(void);
/* MBEDTLS_VERSION_NUMBER of the headers the core was compiled with, and what the mbedTLS
 * library loaded at run time reports (mbedtls_version_get_number(); 0 when the build has
 * no MBEDTLS_VERSION_C). wss._binding refuses to import when they differ. */
unsigned int wss_mbedtls_header_version(void);
unsigned int wss_mbedtls_library_version(void);
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

/* Export table (wss_common.c) for wss._hot, the hand-written CPython entry points of the
 * short calls. _hot links neither mbedTLS nor these C files: it calls the primitives
 * above through this table, so a process has one CTR-DRBG and one copy of each.
 * wss_export_table() returns a pointer to a wss_exports; _hot refuses any other version
 * (bump WSS_EXPORT_TABLE_VERSION whenever the struct changes). */
#define WSS_EXPORT_TABLE_VERSION 1
typedef struct wss_exports {
    int version;  /* WSS_EXPORT_TABLE_VERSION */
    size_t size;  /* sizeof(wss_exports) */
    int (*sha256)(const unsigned char *data, size_t len, unsigned char out[32]);
    int (*hmac_sha256)(const unsigned char *key, size_t keylen,
                       const unsigned char *data, size_t len, unsigned char out[32]);
    int (*random_bytes)(unsigned char *out, size_t len);
} wss_exports;
const void *wss_export_table(void);

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

/* P-256 keys in a PKCS#11 token (wss_pkcs11.c; declarations from OASIS PKCS#11 v2.40 in
 * pkcs11_min.h). `module` is the path of the token's PKCS#11 library, dlopen()ed once per
 * process and initialised with CKF_OS_LOCKING_OK. `token` is the token label (NULL: the
 * only token present, several: WSS_ERR_P11_AMBIGUOUS); `id`/`object`: the key's CKA_ID and
 * CKA_LABEL (at least one).
 * `pin` logs the user in (NULL: no login). `generate`: first make the key pair in the token
 * (CKM_EC_KEY_PAIR_GEN, sensitive, never extractable, sign and derive), refused with
 * WSS_ERR_P11_KEY_EXISTS when the URI already finds a key. The result is a wss_pkey like a software key's:
 * wss_pkey_sign uses CKM_ECDSA, wss_pkey_ecdh CKM_ECDH1_DERIVE (CKD_NULL). As a TLS client
 * key it signs the CertificateVerify through the token (2.28 and 3.x, docs/pkcs11.md). */
#define WSS_ERR_P11_MODULE        (-0x10040) /* module missing, not PKCS#11, or C_Initialize failed */
#define WSS_ERR_P11_NO_TOKEN      (-0x10041) /* no token present with that label */
#define WSS_ERR_P11_PIN_INCORRECT (-0x10042) /* CKR_PIN_INCORRECT / _INVALID / _LEN_RANGE */
#define WSS_ERR_P11_PIN_LOCKED    (-0x10043) /* CKR_PIN_LOCKED / _EXPIRED */
#define WSS_ERR_P11_NO_KEY        (-0x10044) /* no private key (or no public-key object) matches */
#define WSS_ERR_P11_KEY_TYPE      (-0x10045) /* the key is not an EC key on P-256 */
#define WSS_ERR_P11_KEY_USAGE     (-0x10046) /* the token refuses this use of the key */
#define WSS_ERR_P11_TOKEN_REMOVED (-0x10047) /* token or device removed, session or key object gone */
#define WSS_ERR_P11_AMBIGUOUS     (-0x10048) /* more than one key, or several tokens and no label */
#define WSS_ERR_P11_FAILED        (-0x10049) /* another PKCS#11 error */
#define WSS_ERR_P11_NO_TLS_HOOK   (-0x1004A) /* this mbedTLS cannot sign TLS with a token key */
#define WSS_ERR_P11_KEY_EXISTS    (-0x1004C) /* generate: the token already holds such a key */
#define WSS_ERR_P11_FORKED        (-0x1004B) /* key opened before fork(): open it again in the child */
#define WSS_ERR_P11_UNSUPPORTED   (-0x1004D) /* the module does not offer the operation (e.g. no C_DeriveKey) */
#define WSS_ERR_P11_DEVICE_ERROR  (-0x1004E) /* the token, its reader or a proxy stopped working */
/* 0 when token keys can sign TLS handshakes with this mbedTLS (always on 2.28; on 3.x when
 * the loaded library's mbedtls_eckey_info has the layout wss restates), else
 * WSS_ERR_P11_NO_TLS_HOOK. wss_p11_pk_layout_check runs that check on two descriptions
 * (mbedTLS's EC key and ECDSA ones; on 2.28 only their type and name, as the compiler
 * knows the layout there). */
int wss_p11_tls_hook(void);
int wss_p11_pk_layout_check(const void *eckey_info, const void *ecdsa_info);
int wss_pkey_from_pkcs11(const char *module, const char *token, const unsigned char *id,
                         size_t id_len, const char *object, const unsigned char *pin,
                         size_t pin_len, int generate, wss_pkey **out);
int wss_pkey_is_token(wss_pkey *key);

/* X.509 subject attributes (wss_x509.c). `cert` is DER, or a PEM bundle NUL-terminated
 * with `len` counting the NUL (as mbedtls_x509_crt_parse wants); every certificate of a
 * bundle must parse, and only the first one's subject is read. `oid` is the contents
 * octets of the attribute type's DER OBJECT IDENTIFIER (X.690 §8.19: no tag, no length),
 * like mbedTLS's MBEDTLS_OID_* strings. On success the value of the first attribute of
 * that type is copied to `out`, its length to *outlen and its ASN.1 string tag (e.g. 0x0C
 * UTF8String, 0x13 PrintableString) to *tag. Returns WSS_ERR_NOT_FOUND when the subject
 * has no such attribute, WSS_ERR_BUFFER_TOO_SMALL when the value is longer than `cap`
 * (*outlen then holds its length), and WSS_ERR_X509_BAD_CERT or an mbedTLS X509/PEM/ASN1
 * error when the certificate does not parse. */
#define WSS_ERR_X509_BAD_CERT   (-0x10020) /* no certificate, or one of the bundle does not parse */
int wss_x509_subject_attribute(const unsigned char *cert, size_t len,
                               const unsigned char *oid, size_t oid_len,
                               unsigned char *out, size_t cap, size_t *outlen, int *tag);

/* Errors of the symmetric ciphers and SRP-6a (wss_aes.c, wss_srp.c). */
#define WSS_ERR_AUTH_FAILED     (-0x10030) /* a GCM tag or an SRP-6a proof does not verify */
#define WSS_ERR_BAD_STATE       (-0x10031) /* call out of order (SRP-6a: proof before key, ...) */
#define WSS_ERR_BAD_PUBLIC      (-0x10032) /* peer public value refused (SRP-6a: A % N == 0, u == 0) */
#define WSS_ERR_ALLOC_FAILED    (-0x10033) /* out of memory */

/* SHA-512 (wss_hash.c, FIPS 180-4). */
int wss_sha512(const unsigned char *data, size_t len, unsigned char out[64]);

/* X25519 (wss_x25519.c, RFC 7748). Keys and u-coordinates are 32 bytes in RFC 7748's
 * little-endian encoding; mbedTLS's Montgomery read/write_binary use the same order. The
 * private scalar never leaves the wss_x25519 object. wss_x25519_shared refuses (with an
 * mbedTLS ECP error) a peer key of small order, whose shared secret would be all zeros. */
typedef struct wss_x25519 wss_x25519;
int wss_x25519_generate(wss_x25519 **out);
int wss_x25519_from_private(const unsigned char priv[32], wss_x25519 **out);
void wss_x25519_free(wss_x25519 *key);
void wss_x25519_public(const wss_x25519 *key, unsigned char out[32]);
int wss_x25519_shared(wss_x25519 *key, const unsigned char peer[32], unsigned char out[32]);

/* AES-CTR (wss_aes.c, NIST SP 800-38A §6.5): one keystream, consumed in order across
 * calls; the 16-byte counter block counts as one 128-bit big-endian number. key: 16, 24
 * or 32 bytes. */
typedef struct wss_aes_ctr wss_aes_ctr;
int wss_aes_ctr_new(const unsigned char *key, size_t keylen, const unsigned char counter[16],
                    wss_aes_ctr **out);
int wss_aes_ctr_update(wss_aes_ctr *ctr, const unsigned char *in, size_t len, unsigned char *out);
void wss_aes_ctr_free(wss_aes_ctr *ctr);

/* ESP-IDF protocomm security 1: the AES-256-CTR stream of a session, keyed with
 * X25519(key, peer) XOR SHA-256(pop) (no XOR when pop_len is 0), counter = device random. */
int wss_x25519_sec1_ctr(wss_x25519 *key, const unsigned char peer[32],
                        const unsigned char *pop, size_t pop_len,
                        const unsigned char counter[16], wss_aes_ctr **out);

/* AES-GCM (wss_aes.c, NIST SP 800-38D) with a 16-byte tag. key: 16, 24 or 32 bytes; iv:
 * at least 1 byte. encrypt writes len + 16 bytes (ciphertext || tag); decrypt takes
 * ciphertext || tag (len >= 16), writes len - 16 bytes, and returns WSS_ERR_AUTH_FAILED
 * (output zeroed) when the tag does not verify. */
#define WSS_GCM_TAG_SIZE 16
typedef struct wss_gcm wss_gcm;
int wss_gcm_new(const unsigned char *key, size_t keylen, wss_gcm **out);
int wss_gcm_encrypt(wss_gcm *gcm, const unsigned char *iv, size_t iv_len,
                    const unsigned char *aad, size_t aad_len,
                    const unsigned char *in, size_t len, unsigned char *out);
int wss_gcm_decrypt(wss_gcm *gcm, const unsigned char *iv, size_t iv_len,
                    const unsigned char *aad, size_t aad_len,
                    const unsigned char *in, size_t len, unsigned char *out);
void wss_gcm_free(wss_gcm *gcm);

/* SRP-6a server (wss_srp.c, wss_srp_group.c; RFC 5054, RFC 2945) as ESP-IDF protocomm
 * security 2 and its client esp_prov compute it. `hash` is WSS_SRP_SHA512 (protocomm) or
 * WSS_SRP_SHA1 (RFC 5054's test vector); N is the group prime, big-endian, g the
 * generator. Integers enter
 * hashes in their shortest big-endian form except where PAD() (left zeros to len(N)) says:
 *   x = H(s | H(I | ":" | P))   (the inner hash as an integer: leading zeros dropped)
 *   v = g^x % N                 k = H(N | PAD(g))        u = H(PAD(A) | PAD(B))
 *   B = (k*v + g^b) % N         S = (A * v^u)^b % N      K = H(S)
 *   M1 = H((H(N) XOR H(PAD(g))) | H(I) | s | A | B | K)  M2 = H(A | M1 | K)
 * The private b is 32 random bytes unless `b` is given (tests only). K never leaves the
 * object: wss_srp_server_gcm makes an AES-256-GCM keyed with its first 32 bytes, only
 * after the client's proof verified. Order: new, client_public (once), verify (once: a
 * wrong proof ends the session), then gcm; otherwise WSS_ERR_BAD_STATE. */
#define WSS_SRP_SHA1 1
#define WSS_SRP_SHA512 2
#define WSS_SRP_MAX_N 1024 /* bytes: the largest group accepted (8192 bits) */
typedef struct wss_srp_server wss_srp_server;
int wss_srp_verifier(int hash, const unsigned char *N, size_t n_len, unsigned int g,
                     const unsigned char *user, size_t user_len,
                     const unsigned char *password, size_t password_len,
                     const unsigned char *salt, size_t salt_len,
                     unsigned char *v, size_t cap, size_t *v_len);
int wss_srp_server_new(int hash, const unsigned char *N, size_t n_len, unsigned int g,
                       const unsigned char *salt, size_t salt_len,
                       const unsigned char *v, size_t v_len,
                       const unsigned char *b, size_t b_len, wss_srp_server **out);
int wss_srp_server_public(wss_srp_server *srv, unsigned char *B, size_t cap, size_t *B_len);
int wss_srp_server_client_public(wss_srp_server *srv, const unsigned char *user, size_t user_len,
                                 const unsigned char *A, size_t A_len);
int wss_srp_server_verify(wss_srp_server *srv, const unsigned char *M1, size_t M1_len,
                          unsigned char *M2, size_t cap, size_t *M2_len);
int wss_srp_server_gcm(wss_srp_server *srv, wss_gcm **out);
void wss_srp_server_free(wss_srp_server *srv);

/* ---------------------------------------------------------------------------------------
 * Mutual-TLS client (wss_tls.c)
 *
 * A wss_tls_config holds the trust anchors, the client chain (leaf first, at most
 * WSS_TLS_MAX_CHAIN certificates) and a borrowed wss_pkey (the caller keeps it alive
 * while the config exists). It is immutable once made and may be shared by connections.
 * A wss_tls is one connection over either a connected socket (all I/O in C, poll() for
 * timeouts) or the Python transport behind `handle` (wss_tls_py_send/recv, defined by
 * cffi as extern "Python+C"). Timeouts are in milliseconds, -1 = none; each call gets a
 * deadline of now + timeout. Every I/O call may return WSS_ERR_TLS_INTERRUPTED when a
 * signal interrupted a wait: the caller lets its handlers run, then calls again.
 * ------------------------------------------------------------------------------------- */
#define WSS_TLS_MAX_CHAIN 5
#define WSS_ERR_TLS_TIMEOUT      (-0x10010) /* a send/recv did not finish before the deadline */
#define WSS_ERR_TLS_INTERRUPTED  (-0x10011) /* a signal interrupted a wait; call again */
#define WSS_ERR_TLS_CALLBACK     (-0x10012) /* the Python transport raised; it holds the error */
#define WSS_ERR_TLS_BAD_CERT     (-0x10013) /* a certificate of a PEM bundle does not parse */
#define WSS_ERR_TLS_CHAIN_LENGTH (-0x10014) /* client chain empty or longer than WSS_TLS_MAX_CHAIN */
#define WSS_ERR_TLS_KEY_MISMATCH (-0x10015) /* the key is not the one of the chain's first cert */
#define WSS_ERR_TLS_STATE        (-0x10016) /* call not allowed in this state (no transport...) */

/* wss_tls_idle_status() results */
#define WSS_TLS_IDLE        0 /* nothing arrived: the connection can carry a request */
#define WSS_TLS_IDLE_CLOSED 1 /* the peer closed (close_notify, FIN or reset) */
#define WSS_TLS_IDLE_DATA   2 /* unexpected bytes arrived while idle */

/* mbedTLS codes and flags the Python layer maps to its exceptions. */
extern const int WSS_TLS_ERR_FATAL_ALERT;   /* MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE */
extern const int WSS_TLS_ERR_CERT_VERIFY;   /* MBEDTLS_ERR_X509_CERT_VERIFY_FAILED */
extern const int WSS_TLS_ERR_CONN_RESET;    /* MBEDTLS_ERR_NET_CONN_RESET */
extern const int WSS_TLS_ERR_CONN_EOF;      /* MBEDTLS_ERR_SSL_CONN_EOF */
extern const int WSS_TLS_ERR_CLOSE_NOTIFY;  /* MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY */
extern const int WSS_TLS_ERR_SEND_FAILED;   /* MBEDTLS_ERR_NET_SEND_FAILED */
extern const int WSS_TLS_ERR_RECV_FAILED;   /* MBEDTLS_ERR_NET_RECV_FAILED */
extern const uint32_t WSS_X509_BADCERT_EXPIRED;
extern const uint32_t WSS_X509_BADCERT_FUTURE;
extern const uint32_t WSS_X509_BADCERT_NOT_TRUSTED;
extern const uint32_t WSS_X509_BADCERT_CN_MISMATCH;

typedef struct wss_tls_config wss_tls_config;
typedef struct wss_tls wss_tls;

int wss_tls_config_new(const unsigned char *ca_pem, size_t ca_len,
                       const unsigned char *chain_pem, size_t chain_len,
                       wss_pkey *key, int skip_time_checks, wss_tls_config **out);
void wss_tls_config_free(wss_tls_config *cfg);
int wss_tls_config_chain_length(const wss_tls_config *cfg);
/* Offer TLS 1.3 besides 1.2 (the default is 1.2 only: docs/protocol.md §9.1). Call right
 * after wss_tls_config_new, before any connection uses the config;
 * MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE when the build has no TLS 1.3. */
int wss_tls_config_enable_tls13(wss_tls_config *cfg);

int wss_tls_new(wss_tls_config *cfg, const char *hostname, wss_tls **out);
void wss_tls_free(wss_tls *t);
int wss_tls_set_socket(wss_tls *t, int fd);
int wss_tls_set_transport(wss_tls *t, void *handle);
int wss_tls_handshake(wss_tls *t, int timeout_ms);
int wss_tls_read(wss_tls *t, unsigned char *buf, size_t cap, int timeout_ms, size_t *got);
int wss_tls_write(wss_tls *t, const unsigned char *buf, size_t len, int timeout_ms,
                  size_t *written);
int wss_tls_idle_status(wss_tls *t);
int wss_tls_close_notify(wss_tls *t, int timeout_ms);
uint32_t wss_tls_verify_flags(const wss_tls *t);
int wss_tls_last_alert(const wss_tls *t);
int wss_tls_sys_errno(const wss_tls *t);
const char *wss_tls_version(const wss_tls *t);
const char *wss_tls_ciphersuite(const wss_tls *t);
int wss_x509_verify_info(uint32_t flags, char *buf, size_t cap);

/* The Python transport (cffi extern "Python+C", wss/tls/_transport_glue.py). Return the
 * byte count (> 0), WSS_ERR_TLS_TIMEOUT, or WSS_ERR_TLS_CALLBACK. recv returns 0 at EOF. */
int wss_tls_py_send(void *handle, const unsigned char *buf, size_t len, int timeout_ms);
int wss_tls_py_recv(void *handle, unsigned char *buf, size_t len, int timeout_ms);

#endif
