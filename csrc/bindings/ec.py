CDEF = """
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
"""
