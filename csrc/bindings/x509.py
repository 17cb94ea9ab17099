"""cdef of the X.509 subject-attribute reader (csrc/wss_x509.c)."""

CDEF = """
#define WSS_ERR_NOT_FOUND ...
#define WSS_ERR_X509_BAD_CERT ...
int wss_x509_subject_attribute(const unsigned char *cert, size_t len,
                               const unsigned char *oid, size_t oid_len,
                               unsigned char *out, size_t cap, size_t *outlen, int *tag);
"""
