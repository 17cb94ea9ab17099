/*
 * X.509 subject attributes (RFC 5280 §4.1.2.4, §4.1.2.6): the value of one attribute of
 * the first certificate of a chain, e.g. the device serial of a DHA certificate
 * (protocol §9, OID 1.3.6.1.4.1.4843.1.1), without a Python X.509 library.
 */
#include <string.h>

#include "mbedtls/x509_crt.h"
#include "wss_core.h"

int wss_x509_subject_attribute(const unsigned char *cert, size_t len,
                               const unsigned char *oid, size_t oid_len,
                               unsigned char *out, size_t cap, size_t *outlen, int *tag)
{
    int rc;
    const mbedtls_x509_name *name;
    mbedtls_x509_crt crt;

    mbedtls_x509_crt_init(&crt);
    /* Every certificate of a PEM bundle must parse: a positive result counts failures,
     * and the one that failed may be the first (mbedTLS would then skip it silently). */
    rc = mbedtls_x509_crt_parse(&crt, cert, len);
    if (rc > 0 || (rc == 0 && crt.raw.len == 0))
        rc = WSS_ERR_X509_BAD_CERT;
    if (rc != 0)
        goto out;
    rc = WSS_ERR_NOT_FOUND;
    for (name = &crt.subject; name != NULL; name = name->next) {
        if (name->oid.p == NULL || name->oid.len != oid_len || memcmp(name->oid.p, oid, oid_len) != 0)
            continue;
        *outlen = name->val.len;
        *tag = name->val.tag;
        if (name->val.len > cap) {
            rc = WSS_ERR_BUFFER_TOO_SMALL;
        } else {
            if (name->val.len > 0)
                memcpy(out, name->val.p, name->val.len);
            rc = 0;
        }
        break;
    }
out:
    mbedtls_x509_crt_free(&crt);
    return rc;
}
