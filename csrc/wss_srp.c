/*
 * SRP-6a server session (RFC 5054 §2.5-2.6) for ESP-IDF protocomm security 2, in the order
 * new, client_public, verify, gcm (wss_core.h). Big numbers are mbedtls_mpi; the hashing
 * rules are wss_srp_group.c's. The session key K, S and b never leave the object and are
 * zeroised when it is freed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/platform_util.h"
#include "wss_srp_internal.h"

#define PRIVATE_LEN 32 /* bytes of b: RFC 5054 §2.5.4 asks for at least 256 bits */

enum { SRP_NEW, SRP_KEYED, SRP_VERIFIED, SRP_FAILED };

struct wss_srp_server {
    const mbedtls_md_info_t *md;
    size_t hlen;    /* digest bytes */
    size_t nlen;    /* bytes of N: the width of PAD() */
    mbedtls_mpi N, g, v, b, B, RR;
    unsigned char *salt;
    size_t salt_len;
    unsigned char K[WSS_SRP_HASH_MAX], M1[WSS_SRP_HASH_MAX], M2[WSS_SRP_HASH_MAX];
    int state;
    pthread_mutex_t lock;
};

/* ---- the server session ---- */

/* fn (mbedtls_mpi_init or mbedtls_mpi_free, which zeroises) on each number of srv */
static void srp_numbers(wss_srp_server *srv, void (*fn)(mbedtls_mpi *))
{
    fn(&srv->N);
    fn(&srv->g);
    fn(&srv->v);
    fn(&srv->b);
    fn(&srv->B);
    fn(&srv->RR);
}

void wss_srp_server_free(wss_srp_server *srv)
{
    if (srv == NULL)
        return;
    srp_numbers(srv, mbedtls_mpi_free);
    free(srv->salt);
    pthread_mutex_destroy(&srv->lock);
    mbedtls_platform_zeroize(srv, sizeof(*srv)); /* K, M1, M2 */
    free(srv);
}

/* B = (k*v + g^b) % N with k = H(N | PAD(g)). */
static int compute_B(wss_srp_server *srv)
{
    int rc;
    unsigned char kh[WSS_SRP_HASH_MAX];
    mbedtls_md_context_t ctx;
    mbedtls_mpi k, t;

    mbedtls_mpi_init(&k);
    mbedtls_mpi_init(&t);
    rc = wss_srp_md_begin(&ctx, srv->md);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, &srv->N, srv->nlen);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, &srv->g, srv->nlen);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, kh);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&k, kh, srv->hlen);
    if (rc == 0)
        rc = mbedtls_mpi_exp_mod(&t, &srv->g, &srv->b, &srv->N, &srv->RR);
    if (rc == 0)
        rc = mbedtls_mpi_mul_mpi(&k, &k, &srv->v);
    if (rc == 0)
        rc = mbedtls_mpi_add_mpi(&t, &t, &k);
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&srv->B, &t, &srv->N);
    if (rc == 0 && mbedtls_mpi_cmp_int(&srv->B, 0) == 0)
        rc = WSS_ERR_BAD_PUBLIC; /* b drawn so that B % N == 0: the client would refuse */
    mbedtls_md_free(&ctx);
    mbedtls_mpi_free(&k);
    mbedtls_mpi_free(&t);
    return rc;
}

/* b as given (RFC 5054's test vector) */
static int set_private(wss_srp_server *srv, const unsigned char *b, size_t b_len)
{
    int rc = mbedtls_mpi_read_binary(&srv->b, b, b_len);
    return rc != 0 ? rc : compute_B(srv);
}

/* A fresh random b, until B % N != 0 (a few tries: a draw fails with probability ~1/N). */
static int draw_private(wss_srp_server *srv)
{
    int rc = WSS_ERR_BAD_PUBLIC, tries;
    for (tries = 0; rc == WSS_ERR_BAD_PUBLIC && tries < 4; tries++) {
        rc = mbedtls_mpi_fill_random(&srv->b, PRIVATE_LEN, wss_rng, NULL);
        if (rc == 0)
            rc = mbedtls_mpi_cmp_int(&srv->b, 0) == 0 ? WSS_ERR_BAD_PUBLIC : compute_B(srv);
    }
    return rc;
}

int wss_srp_server_new(int hash, const unsigned char *N_bytes, size_t n_len, unsigned int g_int,
                       const unsigned char *salt, size_t salt_len,
                       const unsigned char *v, size_t v_len,
                       const unsigned char *b, size_t b_len, wss_srp_server **out)
{
    int rc;
    wss_srp_server *srv;
    const mbedtls_md_info_t *md = wss_srp_md(hash);

    if (md == NULL || salt_len == 0 || v_len == 0 || (b != NULL && b_len == 0))
        return WSS_ERR_BAD_INPUT;
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return WSS_ERR_ALLOC_FAILED;
    srv->md = md;
    srv->hlen = mbedtls_md_get_size(md);
    srp_numbers(srv, mbedtls_mpi_init);
    pthread_mutex_init(&srv->lock, NULL);
    srv->state = SRP_NEW;
    srv->salt = malloc(salt_len);
    rc = srv->salt == NULL ? WSS_ERR_ALLOC_FAILED : 0;
    if (rc == 0) {
        memcpy(srv->salt, salt, salt_len);
        srv->salt_len = salt_len;
        rc = wss_srp_load_group(N_bytes, n_len, g_int, &srv->N, &srv->g, &srv->nlen);
    }
    if (rc == 0)
        rc = v_len > srv->nlen ? WSS_ERR_BAD_INPUT : mbedtls_mpi_read_binary(&srv->v, v, v_len);
    if (rc == 0 && (mbedtls_mpi_cmp_int(&srv->v, 0) == 0 || mbedtls_mpi_cmp_mpi(&srv->v, &srv->N) >= 0))
        rc = WSS_ERR_BAD_INPUT; /* a verifier is g^x % N: in 1 .. N-1 */
    if (rc == 0 && b != NULL)
        rc = set_private(srv, b, b_len);
    else if (rc == 0)
        rc = draw_private(srv);
    if (rc != 0) {
        wss_srp_server_free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

int wss_srp_server_public(wss_srp_server *srv, unsigned char *B_out, size_t cap, size_t *B_len)
{
    int rc;
    pthread_mutex_lock(&srv->lock);
    *B_len = mbedtls_mpi_size(&srv->B);
    rc = *B_len > cap ? WSS_ERR_BUFFER_TOO_SMALL : mbedtls_mpi_write_binary(&srv->B, B_out, *B_len);
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

/* u = H(PAD(A) | PAD(B)); refuses u == 0 (RFC 5054 §2.6 has the client refuse it; a
 * server that went on would give away nothing, but the session would never verify). */
static int compute_u(wss_srp_server *srv, const mbedtls_mpi *A, mbedtls_mpi *u)
{
    int rc;
    unsigned char uh[WSS_SRP_HASH_MAX];
    mbedtls_md_context_t ctx;

    rc = wss_srp_md_begin(&ctx, srv->md);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, A, srv->nlen);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, &srv->B, srv->nlen);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, uh);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(u, uh, srv->hlen);
    if (rc == 0 && mbedtls_mpi_cmp_int(u, 0) == 0)
        rc = WSS_ERR_BAD_PUBLIC;
    mbedtls_md_free(&ctx);
    return rc;
}

/* K = H(S), S = (A * v^u)^b % N */
static int compute_K(wss_srp_server *srv, const mbedtls_mpi *A, const mbedtls_mpi *u)
{
    int rc;
    mbedtls_md_context_t ctx;
    mbedtls_mpi t, S;

    mbedtls_mpi_init(&t);
    mbedtls_mpi_init(&S);
    mbedtls_md_init(&ctx);
    rc = mbedtls_mpi_exp_mod(&t, &srv->v, u, &srv->N, &srv->RR);
    if (rc == 0)
        rc = mbedtls_mpi_mul_mpi(&t, &t, A);
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&t, &t, &srv->N);
    if (rc == 0)
        rc = mbedtls_mpi_exp_mod(&S, &t, &srv->b, &srv->N, &srv->RR);
    if (rc == 0)
        rc = wss_srp_md_begin(&ctx, srv->md);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, &S, 0);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, srv->K);
    mbedtls_md_free(&ctx);
    mbedtls_mpi_free(&t);
    mbedtls_mpi_free(&S);
    return rc;
}

/* M1 = H((H(N) XOR H(PAD(g))) | H(I) | s | A | B | K), M2 = H(A | M1 | K) */
static int compute_proofs(wss_srp_server *srv, const unsigned char *user, size_t user_len,
                          const mbedtls_mpi *A)
{
    int rc;
    size_t i;
    unsigned char hn[WSS_SRP_HASH_MAX], hg[WSS_SRP_HASH_MAX], hi[WSS_SRP_HASH_MAX];
    mbedtls_md_context_t ctx;

    rc = wss_srp_md_begin(&ctx, srv->md);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, &srv->N, 0);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, hn);
    if (rc == 0)
        rc = mbedtls_md_starts(&ctx);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, &srv->g, srv->nlen);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, hg);
    for (i = 0; rc == 0 && i < srv->hlen; i++)
        hn[i] ^= hg[i];
    if (rc == 0)
        rc = mbedtls_md(srv->md, user, user_len, hi);
    if (rc == 0)
        rc = mbedtls_md_starts(&ctx);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, hn, srv->hlen);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, hi, srv->hlen);
    if (rc == 0)
        rc = wss_srp_md_stripped(&ctx, srv->salt, srv->salt_len);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, A, 0);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, &srv->B, 0);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, srv->K, srv->hlen);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, srv->M1);
    if (rc == 0)
        rc = mbedtls_md_starts(&ctx);
    if (rc == 0)
        rc = wss_srp_md_mpi(&ctx, A, 0);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, srv->M1, srv->hlen);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, srv->K, srv->hlen);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, srv->M2);
    mbedtls_md_free(&ctx);
    return rc;
}

int wss_srp_server_client_public(wss_srp_server *srv, const unsigned char *user, size_t user_len,
                                 const unsigned char *A_bytes, size_t A_len)
{
    int rc;
    mbedtls_mpi A, Ar, u;

    mbedtls_mpi_init(&A);
    mbedtls_mpi_init(&Ar);
    mbedtls_mpi_init(&u);
    pthread_mutex_lock(&srv->lock);
    if (srv->state != SRP_NEW) {
        rc = WSS_ERR_BAD_STATE;
        goto out;
    }
    /* A in 1 .. len(N) bytes, A % N != 0 (RFC 5054 §2.5.4) */
    rc = A_len == 0 || A_len > srv->nlen ? WSS_ERR_BAD_PUBLIC : mbedtls_mpi_read_binary(&A, A_bytes, A_len);
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&Ar, &A, &srv->N);
    if (rc == 0 && mbedtls_mpi_cmp_int(&Ar, 0) == 0)
        rc = WSS_ERR_BAD_PUBLIC;
    if (rc == 0)
        rc = compute_u(srv, &A, &u);
    if (rc == 0)
        rc = compute_K(srv, &Ar, &u);
    if (rc == 0)
        rc = compute_proofs(srv, user, user_len, &A);
    srv->state = rc == 0 ? SRP_KEYED : SRP_FAILED;
out:
    pthread_mutex_unlock(&srv->lock);
    mbedtls_mpi_free(&A);
    mbedtls_mpi_free(&Ar);
    mbedtls_mpi_free(&u);
    return rc;
}

int wss_srp_server_verify(wss_srp_server *srv, const unsigned char *M1, size_t M1_len,
                          unsigned char *M2_out, size_t cap, size_t *M2_len)
{
    int rc;
    size_t i;
    unsigned char diff = 0;

    pthread_mutex_lock(&srv->lock);
    if (srv->state != SRP_KEYED) {
        rc = WSS_ERR_BAD_STATE;
    } else if (cap < srv->hlen) {
        rc = WSS_ERR_BUFFER_TOO_SMALL;
    } else {
        if (M1_len != srv->hlen)
            diff = 1;
        for (i = 0; i < srv->hlen; i++) /* constant time over the expected proof */
            diff |= (unsigned char)(srv->M1[i] ^ (i < M1_len ? M1[i] : 0));
        if (diff == 0) {
            memcpy(M2_out, srv->M2, srv->hlen);
            *M2_len = srv->hlen;
            srv->state = SRP_VERIFIED;
            rc = 0;
        } else {
            /* One guess per session: a wrong proof ends it and forgets the key. */
            mbedtls_platform_zeroize(srv->K, sizeof(srv->K));
            srv->state = SRP_FAILED;
            rc = WSS_ERR_AUTH_FAILED;
        }
    }
    pthread_mutex_unlock(&srv->lock);
    return rc;
}

int wss_srp_server_gcm(wss_srp_server *srv, wss_gcm **out)
{
    int rc;
    pthread_mutex_lock(&srv->lock);
    if (srv->state != SRP_VERIFIED)
        rc = WSS_ERR_BAD_STATE;
    else if (srv->hlen < 32)
        rc = WSS_ERR_BAD_INPUT; /* K too short for an AES-256 key (SHA-1: test vector only) */
    else
        rc = wss_gcm_new(srv->K, 32, out); /* the first 256 bits of K, as protocomm */
    pthread_mutex_unlock(&srv->lock);
    return rc;
}
