CDEF = """
int wss_sha256(const unsigned char *data, size_t len, unsigned char out[32]);
int wss_sha512(const unsigned char *data, size_t len, unsigned char out[64]);
int wss_hmac_sha256(const unsigned char *key, size_t keylen,
                    const unsigned char *data, size_t len, unsigned char out[32]);
"""
