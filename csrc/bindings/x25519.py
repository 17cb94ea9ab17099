"""cdef of X25519 and the protocomm security 1 session stream (csrc/wss_x25519.c)."""

CDEF = """
typedef struct wss_x25519 wss_x25519;
int wss_x25519_generate(wss_x25519 **out);
int wss_x25519_from_private(const unsigned char priv[32], wss_x25519 **out);
void wss_x25519_free(wss_x25519 *key);
void wss_x25519_public(const wss_x25519 *key, unsigned char out[32]);
int wss_x25519_shared(wss_x25519 *key, const unsigned char peer[32], unsigned char out[32]);
int wss_x25519_sec1_ctr(wss_x25519 *key, const unsigned char peer[32],
                        const unsigned char *pop, size_t pop_len,
                        const unsigned char counter[16], wss_aes_ctr **out);
"""
