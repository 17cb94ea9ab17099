CDEF = """
#define WSS_ERR_BAD_SIGNATURE ...
#define WSS_ERR_BAD_INPUT ...
#define WSS_ERR_NOT_P256 ...
#define WSS_ERR_BUFFER_TOO_SMALL ...
const char *wss_core_version(void);
const char *wss_mbedtls_version(void);
unsigned int wss_mbedtls_header_version(void);
unsigned int wss_mbedtls_library_version(void);
extern const int WSS_HAS_MBEDTLS3;
extern const int WSS_HAS_THREADING;
extern const int WSS_HAS_TLS13;
void wss_strerror(int code, char *buf, size_t buflen);
const void *wss_export_table(void);
"""
