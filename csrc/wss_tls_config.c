/*
 * TLS client configuration (protocol §9): trust anchors, the client chain and its
 * wss_pkey, TLS 1.2 with Extended Master Secret (RFC 7627) and Encrypt-then-MAC (RFC 7366)
 * on, optional skip of validity-time checks. TLS 1.3 only when asked for
 * (wss_tls_config_enable_tls13) and the build has it: the policy is docs/protocol.md §9.1.
 */
#include <stdlib.h>
#include <string.h>

#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#if defined(MBEDTLS_PSA_CRYPTO_C) && MBEDTLS_VERSION_MAJOR >= 3
#include "psa/crypto.h"
#endif
#include "wss_tls_internal.h"

/* ---- configuration ---------------------------------------------------------------- */

/* Validity-time checks off: the setup network may have no time source (protocol §9, MCP). */
static int verify_without_time(void *unused, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    (void)unused;
    (void)crt;
    (void)depth;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    return 0;
}

/* Every certificate of a PEM bundle must parse (a positive result counts failures). */
static int parse_bundle(mbedtls_x509_crt *crt, const unsigned char *pem, size_t len, int *count)
{
    const mbedtls_x509_crt *c;
    int rc = mbedtls_x509_crt_parse(crt, pem, len);
    if (rc > 0)
        return WSS_ERR_TLS_BAD_CERT;
    if (rc < 0)
        return rc;
    *count = 0;
    for (c = crt; c != NULL && c->raw.len > 0; c = c->next)
        (*count)++;
    return 0;
}

/* The key must belong to the chain's first certificate. Checking it multiplies the base
 * point with the key's group, which builds that group's comb table: done under the key's
 * lock, after which signatures (wss_pkey_sign, TLS CertificateVerify) only read the group. */
static int check_key(mbedtls_x509_crt *leaf, wss_pkey *key)
{
    int rc;
    if (key->p11 != NULL) {
        /* A token key has no scalar to check: its public point must be the leaf's (checked
         * on every mbedTLS line, so a wrong certificate is named as such). Then its pk
         * context must sign through the token (docs/pkcs11.md). */
        unsigned char a[160], b[160];
        size_t alen, blen;
        rc = wss_pkey_public_der(key, a, sizeof(a), &alen);
        if (rc != 0)
            return rc;
        rc = mbedtls_pk_write_pubkey_der(&leaf->pk, b, sizeof(b));
        if (rc < 0)
            return WSS_ERR_TLS_KEY_MISMATCH;
        blen = (size_t)rc;
        if (alen != blen || memcmp(a, b + sizeof(b) - blen, blen) != 0)
            return WSS_ERR_TLS_KEY_MISMATCH;
        return wss_p11_tls_ready(key);
    }
    pthread_mutex_lock(&key->lock);
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_check_pair(&leaf->pk, &key->pk, wss_rng, NULL);
#else
    rc = mbedtls_pk_check_pair(&leaf->pk, &key->pk);
#endif
    pthread_mutex_unlock(&key->lock);
    return rc == 0 ? 0 : WSS_ERR_TLS_KEY_MISMATCH;
}

static int configure(wss_tls_config *cfg, wss_pkey *key, int skip_time_checks)
{
    mbedtls_ssl_config *conf = &cfg->conf;
    int rc = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0)
        return rc;
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(conf, &cfg->ca, NULL);
    mbedtls_ssl_conf_rng(conf, wss_rng, NULL);
    /* TLS 1.2 only by default, on every mbedTLS line: 3.x's defaults would offer 1.3. */
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if defined(MBEDTLS_SSL_EXTENDED_MASTER_SECRET)
    mbedtls_ssl_conf_extended_master_secret(conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
#endif
#if defined(MBEDTLS_SSL_ENCRYPT_THEN_MAC)
    mbedtls_ssl_conf_encrypt_then_mac(conf, MBEDTLS_SSL_ETM_ENABLED);
#endif
    cfg->skip_time_checks = skip_time_checks;
    if (skip_time_checks)
        mbedtls_ssl_conf_verify(conf, verify_without_time, NULL);
    return mbedtls_ssl_conf_own_cert(conf, &cfg->chain, wss_pkey_pk(key));
}

int wss_tls_config_new(const unsigned char *ca_pem, size_t ca_len,
                       const unsigned char *chain_pem, size_t chain_len,
                       wss_pkey *key, int skip_time_checks, wss_tls_config **out)
{
    int rc, n_ca = 0;
    wss_tls_config *cfg;

#if defined(MBEDTLS_PSA_CRYPTO_C) && MBEDTLS_VERSION_MAJOR >= 3
    if (psa_crypto_init() != PSA_SUCCESS)
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
#endif
    cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL)
        return MBEDTLS_ERR_SSL_ALLOC_FAILED;
    mbedtls_ssl_config_init(&cfg->conf);
    mbedtls_x509_crt_init(&cfg->ca);
    mbedtls_x509_crt_init(&cfg->chain);

    rc = parse_bundle(&cfg->ca, ca_pem, ca_len, &n_ca);
    if (rc == 0 && n_ca == 0)
        rc = WSS_ERR_TLS_BAD_CERT;
    if (rc == 0)
        rc = parse_bundle(&cfg->chain, chain_pem, chain_len, &cfg->chain_length);
    if (rc == 0 && (cfg->chain_length < 1 || cfg->chain_length > WSS_TLS_MAX_CHAIN))
        rc = WSS_ERR_TLS_CHAIN_LENGTH;
    if (rc == 0)
        rc = check_key(&cfg->chain, key);
    if (rc == 0)
        rc = configure(cfg, key, skip_time_checks);
    if (rc != 0) {
        wss_tls_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

void wss_tls_config_free(wss_tls_config *cfg)
{
    if (cfg == NULL)
        return;
    mbedtls_ssl_config_free(&cfg->conf);
    mbedtls_x509_crt_free(&cfg->chain);
    mbedtls_x509_crt_free(&cfg->ca);
    free(cfg);
}

int wss_tls_config_chain_length(const wss_tls_config *cfg) { return cfg->chain_length; }

int wss_tls_config_enable_tls13(wss_tls_config *cfg)
{
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_max_tls_version(&cfg->conf, MBEDTLS_SSL_VERSION_TLS1_3);
    return 0;
#else
    (void)cfg;
    return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE;
#endif
}
