/*
 * The floor of the protocomm rows of benchmarks/bench_crypto.py (crypto_protocomm.py):
 * X25519, AES-256-GCM of 1 KiB, SHA-512 of 1 KiB and one SRP-6a server session, each
 * calling mbedTLS directly with the work the matching wss_* functions of csrc/ do per call
 * (wss_x25519.c, wss_aes.c, wss_hash.c, wss_srp.c and wss_srp_group.c: the same mbedTLS
 * calls, checks and locks), without linking them.
 *
 * The SRP-6a session, as the wss column times it: set up a server from N, g = 5, salt,
 * verifier and a fixed b; B = (k*v + g^b) % N, written out; the client's A (A % N != 0,
 * u = H(PAD(A) | PAD(B)) != 0, S = (A * v^u)^b % N, K = H(S), M1 and M2); M1 compared in
 * constant time; M2 is the op's output. SHA-512, shortest big-endian integers except under
 * PAD(), the salt hashed as an integer (see csrc/wss_core.h).
 *
 * Builds against mbedTLS 2.28 and 3.x.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/bignum.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecp.h"
#include "mbedtls/gcm.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha512.h"
#include "mbedtls/version.h"
#include "crypto_floor.h"

#if MBEDTLS_VERSION_MAJOR >= 3
#define MEMBER(field) MBEDTLS_PRIVATE(field)
#else
#define MEMBER(field) field
#endif

#define ERR_INPUT (-0x10002)       /* WSS_ERR_BAD_INPUT */
#define ERR_AUTH (-0x10030)        /* WSS_ERR_AUTH_FAILED */
#define ERR_PUBLIC (-0x10032)      /* WSS_ERR_BAD_PUBLIC */
#define ERR_ALLOC (-0x10033)       /* WSS_ERR_ALLOC_FAILED */
#define GROUP_MAX 1024             /* WSS_SRP_MAX_N */
#define KIB 1024

static struct {
    struct blob x_private, x_peer, gcm_key, gcm_nonce, N, salt, v, b, user, A, M1;
    const unsigned char *data;
    mbedtls_ecp_keypair x_own;
    pthread_mutex_t x_lock;
    mbedtls_gcm_context gcm;
    pthread_mutex_t gcm_lock;
} pc;

int protocomm_floor_setup(char **args, const unsigned char *data)
{
    struct blob *slots[PROTOCOMM_FLOOR_ARGS] = {&pc.x_private, &pc.x_peer, &pc.gcm_key, &pc.gcm_nonce,
                                                &pc.N,         &pc.salt,   &pc.v,       &pc.b,
                                                &pc.user,      &pc.A,      &pc.M1};
    int i, rc;
    for (i = 0; i < PROTOCOMM_FLOOR_ARGS; i++)
        if (from_hex(args[i], slots[i]) != 0)
            return -1;
    if (pc.x_private.n != 32 || pc.x_peer.n != 32 || pc.gcm_key.n != 32)
        return -1;
    pc.data = data;
    /* X25519 key: read and clamped, public point computed (wss_x25519_from_private) */
    mbedtls_ecp_keypair_init(&pc.x_own);
    pthread_mutex_init(&pc.x_lock, NULL);
    rc = mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, &pc.x_own, pc.x_private.p, 32);
    if (rc == 0)
        rc = mbedtls_ecp_mul(&pc.x_own.MEMBER(grp), &pc.x_own.MEMBER(Q), &pc.x_own.MEMBER(d),
                             &pc.x_own.MEMBER(grp).G, drbg_f_rng, NULL);
    /* AES-256-GCM key schedule (wss_gcm_new) */
    mbedtls_gcm_init(&pc.gcm);
    pthread_mutex_init(&pc.gcm_lock, NULL);
    if (rc == 0)
        rc = mbedtls_gcm_setkey(&pc.gcm, MBEDTLS_CIPHER_ID_AES, pc.gcm_key.p, 256);
    return rc;
}

/* ---- X25519 (wss_x25519_shared) ---- */

/* shared = X25519(own, peer): RFC 7748 masking, small-order check (wss_x25519_shared) */
int floor_x25519_shared(mbedtls_ecp_keypair *own, pthread_mutex_t *lock, const unsigned char peer[32],
                        unsigned char shared[32])
{
    int rc;
    unsigned char u[32];
    mbedtls_ecp_point Q;
    mbedtls_mpi z;
    mbedtls_ecp_group *grp = &own->MEMBER(grp);

    memcpy(u, peer, 32);
    u[31] &= 0x7F;
    mbedtls_ecp_point_init(&Q);
    mbedtls_mpi_init(&z);
    rc = mbedtls_ecp_point_read_binary(grp, &Q, u, 32);
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&Q.MEMBER(X), &Q.MEMBER(X), &grp->P);
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(grp, &Q);
    if (rc == 0) {
        pthread_mutex_lock(lock);
        rc = mbedtls_ecdh_compute_shared(grp, &z, &Q, &own->MEMBER(d), drbg_f_rng, NULL);
        pthread_mutex_unlock(lock);
    }
    if (rc == 0 && mbedtls_mpi_cmp_int(&z, 0) == 0)
        rc = MBEDTLS_ERR_ECP_INVALID_KEY;
    if (rc == 0)
        rc = mbedtls_mpi_write_binary_le(&z, shared, 32);
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&Q);
    return rc;
}

int op_x25519(unsigned char *out, size_t *outlen)
{
    *outlen = 32;
    return floor_x25519_shared(&pc.x_own, &pc.x_lock, pc.x_peer.p, out);
}

/* ---- AES-256-GCM, SHA-512 (wss_gcm_encrypt, wss_sha512) ---- */

int op_aes_gcm_1k(unsigned char *out, size_t *outlen)
{
    int rc;
    *outlen = KIB + 16;
    if (pc.gcm_nonce.n == 0)
        return ERR_INPUT;
    pthread_mutex_lock(&pc.gcm_lock);
    rc = mbedtls_gcm_crypt_and_tag(&pc.gcm, MBEDTLS_GCM_ENCRYPT, KIB, pc.gcm_nonce.p, pc.gcm_nonce.n,
                                   NULL, 0, pc.data, out, 16, out + KIB);
    pthread_mutex_unlock(&pc.gcm_lock);
    return rc;
}

int op_sha512_1k(unsigned char *out, size_t *outlen)
{
    *outlen = 64;
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha512(pc.data, KIB, out, 0);
#else
    return mbedtls_sha512_ret(pc.data, KIB, out, 0);
#endif
}

/* ---- one SRP-6a server session (wss_srp_server_new .. _verify, _free) ---- */

struct piece {
    const unsigned char *p;
    size_t n;
};

/* out = SHA-512 of the pieces, in order */
static int hash_pieces(const struct piece *pieces, size_t count, unsigned char out[64])
{
    int rc;
    size_t i;
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), 0);
    if (rc == 0)
        rc = mbedtls_md_starts(&md);
    for (i = 0; rc == 0 && i < count; i++)
        rc = mbedtls_md_update(&md, pieces[i].p, pieces[i].n);
    if (rc == 0)
        rc = mbedtls_md_finish(&md, out);
    mbedtls_md_free(&md);
    return rc;
}

/* X big-endian into buf: `width` bytes, or its shortest form (>= 1 byte) when width is 0 */
static int to_bytes(const mbedtls_mpi *X, size_t width, unsigned char *buf, struct piece *piece)
{
    size_t n = width ? width : mbedtls_mpi_size(X);
    piece->p = buf;
    piece->n = n ? n : 1;
    return piece->n > GROUP_MAX ? ERR_INPUT : mbedtls_mpi_write_binary(X, buf, piece->n);
}

struct srp_numbers {
    mbedtls_mpi N, g, v, b, B, RR, k, t, A, Ar, u, S;
};

/* fn (mbedtls_mpi_init or mbedtls_mpi_free) on every number of m */
static void srp_numbers_each(struct srp_numbers *m, void (*fn)(mbedtls_mpi *))
{
    mbedtls_mpi *all[] = {&m->N, &m->g, &m->v, &m->b, &m->B, &m->RR, &m->k, &m->t, &m->A, &m->Ar, &m->u, &m->S};
    size_t i;
    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        fn(all[i]);
}

/* The server's state up to B: the group, v, b; B written into Bmin (shortest form). */
static int srp_set_up(struct srp_numbers *m, size_t *nlen, unsigned char *Bmin, size_t *Blen)
{
    int rc;
    unsigned char Npad[GROUP_MAX], gpad[GROUP_MAX], k[64];
    struct piece kin[2];

    rc = mbedtls_mpi_read_binary(&m->N, pc.N.p, pc.N.n);
    if (rc == 0)
        rc = mbedtls_mpi_lset(&m->g, 5);
    if (rc == 0 && (mbedtls_mpi_get_bit(&m->N, 0) == 0 || mbedtls_mpi_cmp_mpi(&m->g, &m->N) >= 0))
        rc = ERR_INPUT;
    *nlen = mbedtls_mpi_size(&m->N);
    if (rc == 0)
        rc = pc.v.n > *nlen ? ERR_INPUT : mbedtls_mpi_read_binary(&m->v, pc.v.p, pc.v.n);
    if (rc == 0 && (mbedtls_mpi_cmp_int(&m->v, 0) == 0 || mbedtls_mpi_cmp_mpi(&m->v, &m->N) >= 0))
        rc = ERR_INPUT;
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&m->b, pc.b.p, pc.b.n);
    /* k = H(N | PAD(g)); B = (k*v + g^b) % N */
    if (rc == 0)
        rc = to_bytes(&m->N, *nlen, Npad, &kin[0]);
    if (rc == 0)
        rc = to_bytes(&m->g, *nlen, gpad, &kin[1]);
    if (rc == 0)
        rc = hash_pieces(kin, 2, k);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&m->k, k, 64);
    if (rc == 0)
        rc = mbedtls_mpi_exp_mod(&m->t, &m->g, &m->b, &m->N, &m->RR);
    if (rc == 0)
        rc = mbedtls_mpi_mul_mpi(&m->k, &m->k, &m->v);
    if (rc == 0)
        rc = mbedtls_mpi_add_mpi(&m->t, &m->t, &m->k);
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&m->B, &m->t, &m->N);
    if (rc == 0 && mbedtls_mpi_cmp_int(&m->B, 0) == 0)
        rc = ERR_PUBLIC;
    /* the server's public key, as wss_srp_server_public writes it */
    *Blen = mbedtls_mpi_size(&m->B);
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&m->B, Bmin, *Blen);
    return rc;
}

/* The client's A: u, S, K, then M1 and M2 (into M[0..63], M[64..127]). */
static int srp_answer(struct srp_numbers *m, size_t nlen, const unsigned char *salt,
                      unsigned char K[64], unsigned char M[128])
{
    int rc;
    size_t i, s_off = 0;
    unsigned char Apad[GROUP_MAX], Bpad[GROUP_MAX], Smin[GROUP_MAX], Amin[GROUP_MAX], Bmin[GROUP_MAX];
    unsigned char Nmin[GROUP_MAX], gpad[GROUP_MAX], uh[64], hn[64], hg[64], hi[64];
    struct piece two[2], one, proof[6], answer[3];

    rc = pc.A.n == 0 || pc.A.n > nlen ? ERR_PUBLIC : mbedtls_mpi_read_binary(&m->A, pc.A.p, pc.A.n);
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&m->Ar, &m->A, &m->N);
    if (rc == 0 && mbedtls_mpi_cmp_int(&m->Ar, 0) == 0)
        rc = ERR_PUBLIC;
    if (rc == 0)
        rc = to_bytes(&m->A, nlen, Apad, &two[0]);
    if (rc == 0)
        rc = to_bytes(&m->B, nlen, Bpad, &two[1]);
    if (rc == 0)
        rc = hash_pieces(two, 2, uh);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&m->u, uh, 64);
    if (rc == 0 && mbedtls_mpi_cmp_int(&m->u, 0) == 0)
        rc = ERR_PUBLIC;
    /* S = (A * v^u)^b % N, K = H(S) */
    if (rc == 0)
        rc = mbedtls_mpi_exp_mod(&m->t, &m->v, &m->u, &m->N, &m->RR);
    if (rc == 0)
        rc = mbedtls_mpi_mul_mpi(&m->t, &m->t, &m->Ar);
    if (rc == 0)
        rc = mbedtls_mpi_mod_mpi(&m->t, &m->t, &m->N);
    if (rc == 0)
        rc = mbedtls_mpi_exp_mod(&m->S, &m->t, &m->b, &m->N, &m->RR);
    if (rc == 0)
        rc = to_bytes(&m->S, 0, Smin, &one);
    if (rc == 0)
        rc = hash_pieces(&one, 1, K);
    mbedtls_platform_zeroize(Smin, sizeof(Smin));
    /* M1 = H((H(N) XOR H(PAD(g))) | H(I) | s | A | B | K), M2 = H(A | M1 | K) */
    if (rc == 0)
        rc = to_bytes(&m->N, 0, Nmin, &one);
    if (rc == 0)
        rc = hash_pieces(&one, 1, hn);
    if (rc == 0)
        rc = to_bytes(&m->g, nlen, gpad, &one);
    if (rc == 0)
        rc = hash_pieces(&one, 1, hg);
    for (i = 0; rc == 0 && i < 64; i++)
        hn[i] ^= hg[i];
    if (rc == 0)
        rc = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), pc.user.p, pc.user.n, hi);
    while (s_off + 1 < pc.salt.n && salt[s_off] == 0)
        s_off++;
    proof[0] = (struct piece){hn, 64};
    proof[1] = (struct piece){hi, 64};
    proof[2] = (struct piece){salt + s_off, pc.salt.n - s_off};
    if (rc == 0)
        rc = to_bytes(&m->A, 0, Amin, &proof[3]);
    if (rc == 0)
        rc = to_bytes(&m->B, 0, Bmin, &proof[4]);
    proof[5] = (struct piece){K, 64};
    if (rc == 0)
        rc = hash_pieces(proof, 6, M);
    answer[0] = proof[3];
    answer[1] = (struct piece){M, 64};
    answer[2] = (struct piece){K, 64};
    if (rc == 0)
        rc = hash_pieces(answer, 3, M + 64);
    return rc;
}

int op_srp_server(unsigned char *out, size_t *outlen)
{
    int rc;
    size_t i, nlen = 0, Blen = 0;
    unsigned char diff = 0, K[64], M[128], Bmin[GROUP_MAX];
    unsigned char *salt;
    struct srp_numbers m;

    *outlen = 64;
    srp_numbers_each(&m, mbedtls_mpi_init);
    salt = malloc(pc.salt.n ? pc.salt.n : 1);
    rc = salt == NULL || pc.salt.n == 0 ? ERR_ALLOC : 0;
    if (rc == 0) {
        memcpy(salt, pc.salt.p, pc.salt.n);
        rc = srp_set_up(&m, &nlen, Bmin, &Blen);
    }
    if (rc == 0)
        rc = srp_answer(&m, nlen, salt, K, M);
    if (rc == 0) { /* the client's proof, compared in constant time */
        if (pc.M1.n != 64)
            diff = 1;
        for (i = 0; i < 64; i++)
            diff |= (unsigned char)(M[i] ^ (i < pc.M1.n ? pc.M1.p[i] : 0));
        rc = diff ? ERR_AUTH : 0;
    }
    if (rc == 0)
        memcpy(out, M + 64, 64);
    srp_numbers_each(&m, mbedtls_mpi_free);
    mbedtls_platform_zeroize(K, sizeof(K));
    mbedtls_platform_zeroize(M, sizeof(M));
    free(salt);
    return rc;
}
