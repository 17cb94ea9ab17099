"""cdef of AES-CTR and AES-GCM (csrc/wss_aes.c) and the shared cipher/SRP error codes."""

CDEF = """
#define WSS_ERR_AUTH_FAILED ...
#define WSS_ERR_BAD_STATE ...
#define WSS_ERR_BAD_PUBLIC ...
#define WSS_ERR_ALLOC_FAILED ...
#define WSS_GCM_TAG_SIZE ...
typedef struct wss_aes_ctr wss_aes_ctr;
int wss_aes_ctr_new(const unsigned char *key, size_t keylen, const unsigned char counter[16],
                    wss_aes_ctr **out);
int wss_aes_ctr_update(wss_aes_ctr *ctr, const unsigned char *in, size_t len, unsigned char *out);
void wss_aes_ctr_free(wss_aes_ctr *ctr);
typedef struct wss_gcm wss_gcm;
int wss_gcm_new(const unsigned char *key, size_t keylen, wss_gcm **out);
int wss_gcm_encrypt(wss_gcm *gcm, const unsigned char *iv, size_t iv_len,
                    const unsigned char *aad, size_t aad_len,
                    const unsigned char *in, size_t len, unsigned char *out);
int wss_gcm_decrypt(wss_gcm *gcm, const unsigned char *iv, size_t iv_len,
                    const unsigned char *aad, size_t aad_len,
                    const unsigned char *in, size_t len, unsigned char *out);
void wss_gcm_free(wss_gcm *gcm);
"""
