/*
 * The floor of benchmarks/bench_crypto.py: each row's operation done by calling mbedTLS
 * directly from C, with exactly the work that the matching wss_* function of csrc/ does
 * per call (same mbedTLS calls, same checks, same locks), so that the ratio
 * "binding / floor" is the cost of the Python layer alone.
 *
 *   usage: crypto_floor ROW TARGET_NS REPEATS BATCH KEY_DER PEER_SPKI VERIFY_SPKI MESSAGE
 *                       SIGNATURE HMAC_KEY PROTOCOMM_ARGS...
 *
 *   crypto_floor --version      (the mbedTLS it was built against and runs with)
 *
 * ROW is a row id (see rows[] below) or "all". The arguments after BATCH are hex; the
 * PROTOCOMM_FLOOR_ARGS last ones are those of the protocomm rows (crypto_floor.h). The hash
 * rows hash the pattern data[i] = i & 0xFF (64 bytes, 1 KiB and 1 MiB). The estimator is the
 * harness's: unless BATCH (ops per batch) is given non-zero, grow the batch size until
 * one batch lasts TARGET_NS; then time REPEATS batches of that size. Prints one JSON
 * object: per row the batch size, the ns/op of every batch (CLOCK_MONOTONIC), their CPU ns/op
 * (CLOCK_PROCESS_CPUTIME_ID) and the output of one op in hex.
 *
 * Builds against mbedTLS 2.28 and 3.x (cc -O2 ... -lmbedtls -lmbedx509 -lmbedcrypto).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mbedtls/bignum.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/entropy.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"
#include "mbedtls/version.h"
#include "crypto_floor.h"
#include "floor_version.h"

#if MBEDTLS_VERSION_MAJOR >= 3
#define FIELD(member) MBEDTLS_PRIVATE(member)
#else
#define FIELD(member) member
#endif

#define NOT_P256 (-0x10003)
#define BAD_SIGNATURE (-0x10001)
#define BIG_LEN ((size_t)1 << 20)

/* ---- the process CTR-DRBG, as csrc/wss_drbg.c keeps it ---- */

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static pthread_mutex_t drbg_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t drbg_ready = PTHREAD_ONCE_INIT;
static int drbg_seed_rc = -1;
static volatile int in_forked_child;

static void note_fork(void)
{
    in_forked_child = 1;
    pthread_mutex_init(&drbg_mutex, NULL);
}

static void seed_drbg(void)
{
    static const unsigned char label[] = "wss-provisionee ctr-drbg";
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    drbg_seed_rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                         label, sizeof(label) - 1);
    if (drbg_seed_rc == 0)
        mbedtls_ctr_drbg_set_prediction_resistance(&drbg, MBEDTLS_CTR_DRBG_PR_OFF);
    pthread_atfork(NULL, NULL, note_fork);
}

static int drbg_output(unsigned char *out, size_t len)
{
    int rc = 0;
    pthread_once(&drbg_ready, seed_drbg);
    if (drbg_seed_rc != 0)
        return drbg_seed_rc;
    pthread_mutex_lock(&drbg_mutex);
    if (in_forked_child) {
        pid_t self = getpid();
        in_forked_child = 0;
        rc = mbedtls_ctr_drbg_reseed(&drbg, (const unsigned char *)&self, sizeof(self));
    }
    for (; rc == 0 && len > 0;) {
        size_t chunk = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        rc = mbedtls_ctr_drbg_random_with_add(&drbg, out, chunk, NULL, 0);
        out += chunk;
        len -= chunk;
    }
    pthread_mutex_unlock(&drbg_mutex);
    return rc;
}

int drbg_f_rng(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    return drbg_output(out, len);
}

/* ---- inputs ---- */

static struct {
    struct blob peer_spki, verify_spki, message, signature, hmac_key;
    unsigned char *data; /* BIG_LEN bytes of pattern; the 64-byte rows use its start */
    mbedtls_pk_context own;
    pthread_mutex_t own_mutex;
} in;

int from_hex(const char *hex, struct blob *b)
{
    size_t i, n = strlen(hex);
    if (n % 2 != 0)
        return -1;
    b->n = n / 2;
    b->p = malloc(b->n ? b->n : 1);
    if (b->p == NULL)
        return -1;
    for (i = 0; i < b->n; i++) {
        unsigned int byte;
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
            return -1;
        b->p[i] = (unsigned char)byte;
    }
    return 0;
}

static int is_p256(mbedtls_pk_context *pk)
{
    return mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY) &&
           mbedtls_pk_ec(*pk)->FIELD(grp).id == MBEDTLS_ECP_DP_SECP256R1;
}

static int read_p256_spki(mbedtls_pk_context *pk, const struct blob *spki)
{
    int rc = mbedtls_pk_parse_public_key(pk, spki->p, spki->n);
    if (rc != 0)
        return rc;
    return is_p256(pk) ? 0 : NOT_P256;
}

/* ---- the operations; each writes its result to out and sets *outlen ---- */

static int sha256_of(const unsigned char *data, size_t len, unsigned char *out)
{
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha256(data, len, out, 0);
#else
    return mbedtls_sha256_ret(data, len, out, 0);
#endif
}

static int hmac_of(size_t len, unsigned char *out)
{
    static const mbedtls_md_info_t *md;
    if (md == NULL)
        md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    return mbedtls_md_hmac(md, in.hmac_key.p, in.hmac_key.n, in.data, len, out);
}

static int op_sha256_64(unsigned char *out, size_t *outlen)
{
    *outlen = 32;
    return sha256_of(in.data, 64, out);
}

static int op_sha256_1m(unsigned char *out, size_t *outlen)
{
    *outlen = 32;
    return sha256_of(in.data, BIG_LEN, out);
}

static int op_hmac_64(unsigned char *out, size_t *outlen)
{
    *outlen = 32;
    return hmac_of(64, out);
}

static int op_hmac_1m(unsigned char *out, size_t *outlen)
{
    *outlen = 32;
    return hmac_of(BIG_LEN, out);
}

static int op_random_32(unsigned char *out, size_t *outlen)
{
    *outlen = 32;
    return drbg_output(out, 32);
}

static int op_ecdh(unsigned char *out, size_t *outlen)
{
    int rc;
    mbedtls_pk_context peer;
    mbedtls_mpi shared;
    mbedtls_ecp_keypair *own = mbedtls_pk_ec(in.own);

    *outlen = 32;
    mbedtls_pk_init(&peer);
    mbedtls_mpi_init(&shared);
    rc = read_p256_spki(&peer, &in.peer_spki);
    if (rc == 0) {
        pthread_mutex_lock(&in.own_mutex);
        rc = mbedtls_ecdh_compute_shared(&own->FIELD(grp), &shared,
                                         &mbedtls_pk_ec(peer)->FIELD(Q), &own->FIELD(d),
                                         drbg_f_rng, NULL);
        pthread_mutex_unlock(&in.own_mutex);
    }
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&shared, out, 32);
    mbedtls_mpi_free(&shared);
    mbedtls_pk_free(&peer);
    return rc;
}

/* Strict DER for ECDSA-Sig-Value: SEQUENCE (short length covering everything) of two
 * INTEGERs, each non-empty, non-negative and without a redundant leading zero byte. */
static int strict_der_int(const unsigned char *p, size_t avail, size_t *used)
{
    size_t body;
    if (avail < 2 || p[0] != 0x02 || p[1] == 0 || p[1] >= 0x80)
        return 0;
    body = p[1];
    if (body > avail - 2 || (p[2] & 0x80))
        return 0;
    if (body > 1 && p[2] == 0x00 && (p[3] & 0x80) == 0)
        return 0;
    *used = 2 + body;
    return 1;
}

static int strict_der_signature(const struct blob *sig)
{
    size_t first, second, n = sig->n;
    const unsigned char *p = sig->p;
    if (n < 8 || n > MBEDTLS_ECDSA_MAX_LEN || p[0] != 0x30 || p[1] >= 0x80 || p[1] != n - 2)
        return 0;
    if (!strict_der_int(p + 2, n - 2, &first))
        return 0;
    if (!strict_der_int(p + 2 + first, n - 2 - first, &second))
        return 0;
    return 2 + first + second == n;
}

static int op_ecdsa_verify(unsigned char *out, size_t *outlen)
{
    int rc;
    unsigned char digest[32];
    mbedtls_pk_context pk;

    *outlen = 1;
    mbedtls_pk_init(&pk);
    rc = read_p256_spki(&pk, &in.verify_spki);
    if (rc == 0 && !strict_der_signature(&in.signature))
        rc = BAD_SIGNATURE;
    if (rc == 0)
        rc = sha256_of(in.message.p, in.message.n, digest);
    if (rc == 0) {
        rc = mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, sizeof(digest),
                               in.signature.p, in.signature.n);
        if (rc != 0 && rc != MBEDTLS_ERR_ECP_ALLOC_FAILED && rc != MBEDTLS_ERR_MPI_ALLOC_FAILED)
            rc = BAD_SIGNATURE;
    }
    mbedtls_pk_free(&pk);
    out[0] = rc == 0;
    return rc;
}

/* ---- timing: the estimator of bench_crypto.py ---- */

typedef int (*op_fn)(unsigned char *out, size_t *outlen);

static const struct {
    const char *name;
    op_fn fn;
} rows[] = {
    {"sha256_64", op_sha256_64}, {"sha256_1m", op_sha256_1m}, {"hmac_64", op_hmac_64},
    {"hmac_1m", op_hmac_1m},     {"ecdh", op_ecdh},           {"ecdsa_verify", op_ecdsa_verify},
    {"random_32", op_random_32}, {"x25519", op_x25519},         {"aes_gcm_1k", op_aes_gcm_1k},
    {"sha512_1k", op_sha512_1k}, {"srp_server", op_srp_server},
    {"sec1_session", op_sec1_session},
};

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* The CPU time of the last time_batch (CLOCK_PROCESS_CPUTIME_ID), ns. */
static uint64_t last_batch_cpu_ns;

static uint64_t time_batch(op_fn fn, uint64_t n, const char *name)
{
    unsigned char out[FLOOR_OUT_MAX];
    size_t outlen;
    int rc = 0;
    uint64_t i, cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID), start = now_ns();
    for (i = 0; i < n; i++)
        rc |= fn(out, &outlen);
    start = now_ns() - start;
    last_batch_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
    if (rc != 0) {
        fprintf(stderr, "crypto_floor: %s failed (-0x%04x)\n", name, (unsigned)-rc);
        exit(1);
    }
    return start;
}

/* The quickest of CALIBRATION_TRIES batches counts, so that one preemption by another
 * process does not stop the growth early. */
#define CALIBRATION_TRIES 3

static uint64_t calibrate(op_fn fn, uint64_t target_ns, const char *name)
{
    uint64_t n = 1;
    for (;;) {
        uint64_t t = UINT64_MAX, next;
        int k;
        for (k = 0; k < CALIBRATION_TRIES; k++) {
            uint64_t one = time_batch(fn, n, name);
            if (one < t)
                t = one;
        }
        if (t >= target_ns)
            return n;
        next = t ? (uint64_t)((double)n * (double)target_ns * 1.2 / (double)t) : n * 100;
        if (next < 2 * n)
            next = 2 * n;
        if (next > 100 * n)
            next = 100 * n;
        n = next;
    }
}

static void print_row(size_t r, int first, uint64_t target_ns, long repeats, uint64_t n)
{
    unsigned char out[FLOOR_OUT_MAX];
    size_t i, outlen;
    long k;

    if (n == 0)
        n = calibrate(rows[r].fn, target_ns, rows[r].name);
    /* One untimed batch first, as the Python columns do in every round (wss.bench.rhythm):
     * every column starts its timed batches equally warm. */
    time_batch(rows[r].fn, n, rows[r].name);
    printf("%s\"%s\": {\"batch\": %llu, \"ns_per_op\": [", first ? "" : ", ", rows[r].name,
           (unsigned long long)n);
    double *cpu = calloc((size_t)repeats, sizeof(double));
    if (cpu == NULL)
        exit(1);
    for (k = 0; k < repeats; k++) {
        printf("%s%.3f", k ? ", " : "", (double)time_batch(rows[r].fn, n, rows[r].name) / (double)n);
        cpu[k] = (double)last_batch_cpu_ns / (double)n;
    }
    printf("], \"cpu_ns_per_op\": [");
    for (k = 0; k < repeats; k++)
        printf("%s%.3f", k ? ", " : "", cpu[k]);
    free(cpu);
    rows[r].fn(out, &outlen);
    printf("], \"check\": \"");
    for (i = 0; i < outlen; i++)
        printf("%02x", out[i]);
    printf("\"}");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct blob key_der;
    uint64_t target_ns, batch;
    long repeats;
    size_t i;
    int rc, printed = 0;
    const char *only;

    if (floor_print_version(argc, argv))
        return 0;
    if (argc != 11 + PROTOCOMM_FLOOR_ARGS) {
        fprintf(stderr, "usage: %s ROW|all TARGET_NS REPEATS BATCH KEY_DER PEER_SPKI "
                        "VERIFY_SPKI MESSAGE SIGNATURE HMAC_KEY " PROTOCOMM_FLOOR_USAGE " (hex)\n",
                argv[0]);
        return 2;
    }
    only = argv[1];
    target_ns = strtoull(argv[2], NULL, 10);
    repeats = strtol(argv[3], NULL, 10);
    batch = strtoull(argv[4], NULL, 10);
    if (repeats < 1 || from_hex(argv[5], &key_der) || from_hex(argv[6], &in.peer_spki) ||
        from_hex(argv[7], &in.verify_spki) || from_hex(argv[8], &in.message) ||
        from_hex(argv[9], &in.signature) || from_hex(argv[10], &in.hmac_key)) {
        fprintf(stderr, "crypto_floor: bad arguments\n");
        return 2;
    }
    in.data = malloc(BIG_LEN);
    if (in.data == NULL)
        return 1;
    for (i = 0; i < BIG_LEN; i++)
        in.data[i] = (unsigned char)(i & 0xFF);
    if (protocomm_floor_setup(argv + 11, in.data) != 0) {
        fprintf(stderr, "crypto_floor: bad protocomm arguments\n");
        return 2;
    }

    mbedtls_pk_init(&in.own);
    pthread_mutex_init(&in.own_mutex, NULL);
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_parse_key(&in.own, key_der.p, key_der.n, NULL, 0, drbg_f_rng, NULL);
#else
    rc = mbedtls_pk_parse_key(&in.own, key_der.p, key_der.n, NULL, 0);
#endif
    if (rc != 0 || !is_p256(&in.own)) {
        fprintf(stderr, "crypto_floor: cannot load the P-256 private key (-0x%04x)\n", (unsigned)-rc);
        return 1;
    }

    printf("{\"mbedtls\": \"%s\", \"rows\": {", MBEDTLS_VERSION_STRING);
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (strcmp(only, "all") == 0 || strcmp(only, rows[i].name) == 0)
            print_row(i, !printed++, target_ns, repeats, batch);
    }
    printf("}}\n");
    if (!printed) {
        fprintf(stderr, "crypto_floor: no row named %s\n", only);
        return 2;
    }
    mbedtls_pk_free(&in.own);
    return 0;
}
