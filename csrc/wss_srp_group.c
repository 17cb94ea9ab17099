/*
 * SRP-6a (RFC 2945, RFC 5054) as ESP-IDF protocomm security 2 and esp_prov compute it:
 * the group, the hashing of integers, and the verifier a device stores (the formulas are
 * in wss_core.h; the server session is wss_srp.c).
 *
 * Encodings, as esp_prov's client hashes them: an integer enters a hash in its shortest
 * big-endian form (at least one byte), except under PAD(), which left-pads to len(N).
 * The salt and the inner hash of x are integers there too, so their leading zero bytes
 * are dropped.
 */
#include <string.h>

#include "mbedtls/platform_util.h"
#include "wss_srp_internal.h"

/* ---- hashing ---- */

const mbedtls_md_info_t *wss_srp_md(int hash)
{
    switch (hash) {
    case WSS_SRP_SHA1: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    case WSS_SRP_SHA512: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
    default: return NULL;
    }
}

int wss_srp_md_begin(mbedtls_md_context_t *ctx, const mbedtls_md_info_t *md)
{
    int rc;
    mbedtls_md_init(ctx);
    rc = mbedtls_md_setup(ctx, md, 0);
    return rc != 0 ? rc : mbedtls_md_starts(ctx);
}

int wss_srp_md_mpi(mbedtls_md_context_t *ctx, const mbedtls_mpi *X, size_t width)
{
    int rc;
    unsigned char buf[WSS_SRP_MAX_N];
    size_t n = width ? width : mbedtls_mpi_size(X);
    if (n == 0)
        n = 1;
    if (n > sizeof(buf))
        return WSS_ERR_BAD_INPUT;
    rc = mbedtls_mpi_write_binary(X, buf, n);
    if (rc == 0)
        rc = mbedtls_md_update(ctx, buf, n);
    mbedtls_platform_zeroize(buf, n);
    return rc;
}

int wss_srp_md_stripped(mbedtls_md_context_t *ctx, const unsigned char *p, size_t len)
{
    while (len > 1 && *p == 0) {
        p++;
        len--;
    }
    return mbedtls_md_update(ctx, p, len);
}

/* ---- the group ---- */

int wss_srp_load_group(const unsigned char *N_bytes, size_t n_len, unsigned int g_int,
                       mbedtls_mpi *N, mbedtls_mpi *g, size_t *nlen)
{
    int rc;
    if (n_len == 0 || n_len > WSS_SRP_MAX_N || g_int < 2)
        return WSS_ERR_BAD_INPUT;
    rc = mbedtls_mpi_read_binary(N, N_bytes, n_len);
    if (rc == 0)
        rc = mbedtls_mpi_lset(g, (mbedtls_mpi_sint)g_int);
    if (rc == 0 && (mbedtls_mpi_get_bit(N, 0) == 0 || mbedtls_mpi_cmp_mpi(g, N) >= 0))
        rc = WSS_ERR_BAD_INPUT;
    *nlen = mbedtls_mpi_size(N);
    return rc;
}

/* ---- verifier (a factory / development tool) ---- */

int wss_srp_verifier(int hash, const unsigned char *N_bytes, size_t n_len, unsigned int g_int,
                     const unsigned char *user, size_t user_len,
                     const unsigned char *password, size_t password_len,
                     const unsigned char *salt, size_t salt_len,
                     unsigned char *v_out, size_t cap, size_t *v_len)
{
    int rc;
    size_t nlen;
    unsigned char inner[WSS_SRP_HASH_MAX], xh[WSS_SRP_HASH_MAX];
    const mbedtls_md_info_t *md = wss_srp_md(hash);
    mbedtls_md_context_t ctx;
    mbedtls_mpi N, g, x, v;

    if (md == NULL || salt_len == 0)
        return WSS_ERR_BAD_INPUT;
    mbedtls_md_init(&ctx);
    mbedtls_mpi_init(&N);
    mbedtls_mpi_init(&g);
    mbedtls_mpi_init(&x);
    mbedtls_mpi_init(&v);
    rc = wss_srp_load_group(N_bytes, n_len, g_int, &N, &g, &nlen);
    /* inner = H(I | ":" | P) */
    if (rc == 0)
        rc = wss_srp_md_begin(&ctx, md);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, user, user_len);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, (const unsigned char *)":", 1);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, password, password_len);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, inner);
    /* x = H(s | inner), both as integers */
    if (rc == 0)
        rc = mbedtls_md_starts(&ctx);
    if (rc == 0)
        rc = wss_srp_md_stripped(&ctx, salt, salt_len);
    if (rc == 0)
        rc = wss_srp_md_stripped(&ctx, inner, mbedtls_md_get_size(md));
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, xh);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&x, xh, mbedtls_md_get_size(md));
    if (rc == 0)
        rc = mbedtls_mpi_exp_mod(&v, &g, &x, &N, NULL);
    if (rc == 0) {
        *v_len = mbedtls_mpi_size(&v) ? mbedtls_mpi_size(&v) : 1;
        rc = *v_len > cap ? WSS_ERR_BUFFER_TOO_SMALL : mbedtls_mpi_write_binary(&v, v_out, *v_len);
    }
    mbedtls_platform_zeroize(inner, sizeof(inner));
    mbedtls_platform_zeroize(xh, sizeof(xh));
    mbedtls_md_free(&ctx);
    mbedtls_mpi_free(&N);
    mbedtls_mpi_free(&g);
    mbedtls_mpi_free(&x); /* zeroises */
    mbedtls_mpi_free(&v);
    return rc;
}
