/*
 * One CTR-DRBG (NIST SP 800-90A, AES-256) per process, seeded from mbedTLS's default
 * entropy sources (getrandom()/ /dev/urandom). After fork() the child reseeds before its
 * first output, so parent and child never share a stream.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "wss_core.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static pthread_mutex_t drbg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t drbg_once = PTHREAD_ONCE_INIT;
static int drbg_init_rc = -1;
static volatile int forked;

static void on_fork_child(void)
{
    forked = 1;
    pthread_mutex_init(&drbg_lock, NULL);
}

static void drbg_init(void)
{
    static const unsigned char pers[] = "wss-provisionee ctr-drbg";
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    drbg_init_rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                         pers, sizeof(pers) - 1);
    if (drbg_init_rc == 0)
        mbedtls_ctr_drbg_set_prediction_resistance(&drbg, MBEDTLS_CTR_DRBG_PR_OFF);
    pthread_atfork(NULL, NULL, on_fork_child);
}

static int reseed_after_fork(void)
{
    pid_t pid = getpid();
    forked = 0;
    return mbedtls_ctr_drbg_reseed(&drbg, (const unsigned char *)&pid, sizeof(pid));
}

int wss_random_bytes(unsigned char *out, size_t len)
{
    int rc = 0;
    pthread_once(&drbg_once, drbg_init);
    if (drbg_init_rc != 0)
        return drbg_init_rc;
    pthread_mutex_lock(&drbg_lock);
    if (forked)
        rc = reseed_after_fork();
    while (rc == 0 && len > 0) {
        size_t n = len > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : len;
        rc = mbedtls_ctr_drbg_random_with_add(&drbg, out, n, NULL, 0);
        out += n;
        len -= n;
    }
    pthread_mutex_unlock(&drbg_lock);
    return rc;
}

int wss_rng(void *unused, unsigned char *out, size_t len)
{
    (void)unused;
    return wss_random_bytes(out, len);
}
