/*
 * AES in two modes: CTR as one keystream consumed across calls (NIST SP 800-38A §6.5,
 * the 16-byte counter block incremented as one 128-bit big-endian number, as ESP-IDF
 * protocomm security 1 uses it), and GCM with a 16-byte tag (NIST SP 800-38D, protocomm
 * security 2). Each object has a lock: mbedTLS's contexts carry running state, and the
 * binding releases the GIL around every call.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/aes.h"
#include "mbedtls/gcm.h"
#include "mbedtls/platform_util.h"
#include "wss_core.h"

struct wss_aes_ctr {
    mbedtls_aes_context aes;
    unsigned char counter[16]; /* the next counter block */
    unsigned char stream[16];  /* keystream of the current block */
    size_t offset;             /* bytes of `stream` already used (0..15) */
    pthread_mutex_t lock;
};

struct wss_gcm {
    mbedtls_gcm_context gcm;
    pthread_mutex_t lock;
};

static int aes_key_length_ok(size_t keylen)
{
    return keylen == 16 || keylen == 24 || keylen == 32;
}

int wss_aes_ctr_new(const unsigned char *key, size_t keylen, const unsigned char counter[16],
                    wss_aes_ctr **out)
{
    int rc;
    wss_aes_ctr *ctr;

    if (!aes_key_length_ok(keylen))
        return WSS_ERR_BAD_INPUT;
    ctr = calloc(1, sizeof(*ctr));
    if (ctr == NULL)
        return WSS_ERR_ALLOC_FAILED;
    mbedtls_aes_init(&ctr->aes);
    pthread_mutex_init(&ctr->lock, NULL);
    memcpy(ctr->counter, counter, 16);
    /* CTR only ever runs the block cipher forwards, for both directions. */
    rc = mbedtls_aes_setkey_enc(&ctr->aes, key, (unsigned int)(keylen * 8));
    if (rc != 0) {
        wss_aes_ctr_free(ctr);
        return rc;
    }
    *out = ctr;
    return 0;
}

int wss_aes_ctr_update(wss_aes_ctr *ctr, const unsigned char *in, size_t len, unsigned char *out)
{
    int rc;
    pthread_mutex_lock(&ctr->lock);
    rc = mbedtls_aes_crypt_ctr(&ctr->aes, len, &ctr->offset, ctr->counter, ctr->stream, in, out);
    pthread_mutex_unlock(&ctr->lock);
    return rc;
}

void wss_aes_ctr_free(wss_aes_ctr *ctr)
{
    if (ctr == NULL)
        return;
    mbedtls_aes_free(&ctr->aes); /* zeroises the round keys */
    pthread_mutex_destroy(&ctr->lock);
    mbedtls_platform_zeroize(ctr, sizeof(*ctr));
    free(ctr);
}

int wss_gcm_new(const unsigned char *key, size_t keylen, wss_gcm **out)
{
    int rc;
    wss_gcm *gcm;

    if (!aes_key_length_ok(keylen))
        return WSS_ERR_BAD_INPUT;
    gcm = calloc(1, sizeof(*gcm));
    if (gcm == NULL)
        return WSS_ERR_ALLOC_FAILED;
    mbedtls_gcm_init(&gcm->gcm);
    pthread_mutex_init(&gcm->lock, NULL);
    rc = mbedtls_gcm_setkey(&gcm->gcm, MBEDTLS_CIPHER_ID_AES, key, (unsigned int)(keylen * 8));
    if (rc != 0) {
        wss_gcm_free(gcm);
        return rc;
    }
    *out = gcm;
    return 0;
}

int wss_gcm_encrypt(wss_gcm *gcm, const unsigned char *iv, size_t iv_len,
                    const unsigned char *aad, size_t aad_len,
                    const unsigned char *in, size_t len, unsigned char *out)
{
    int rc;
    if (iv_len == 0)
        return WSS_ERR_BAD_INPUT;
    pthread_mutex_lock(&gcm->lock);
    rc = mbedtls_gcm_crypt_and_tag(&gcm->gcm, MBEDTLS_GCM_ENCRYPT, len, iv, iv_len, aad, aad_len,
                                   in, out, WSS_GCM_TAG_SIZE, out + len);
    pthread_mutex_unlock(&gcm->lock);
    return rc;
}

int wss_gcm_decrypt(wss_gcm *gcm, const unsigned char *iv, size_t iv_len,
                    const unsigned char *aad, size_t aad_len,
                    const unsigned char *in, size_t len, unsigned char *out)
{
    int rc;
    size_t body;
    if (iv_len == 0)
        return WSS_ERR_BAD_INPUT;
    if (len < WSS_GCM_TAG_SIZE)
        return WSS_ERR_AUTH_FAILED; /* no room for the tag: nothing can verify */
    body = len - WSS_GCM_TAG_SIZE;
    pthread_mutex_lock(&gcm->lock);
    rc = mbedtls_gcm_auth_decrypt(&gcm->gcm, body, iv, iv_len, aad, aad_len, in + body,
                                  WSS_GCM_TAG_SIZE, in, out);
    pthread_mutex_unlock(&gcm->lock);
    if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED)
        rc = WSS_ERR_AUTH_FAILED; /* mbedTLS has zeroed `out` */
    return rc;
}

void wss_gcm_free(wss_gcm *gcm)
{
    if (gcm == NULL)
        return;
    mbedtls_gcm_free(&gcm->gcm); /* zeroises the key schedule */
    pthread_mutex_destroy(&gcm->lock);
    free(gcm);
}
