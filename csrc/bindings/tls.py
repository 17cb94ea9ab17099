"""cdef of the mutual-TLS client (csrc/wss_tls.c); see the TLS section of wss_core.h."""

CDEF = """
#define WSS_TLS_MAX_CHAIN ...
#define WSS_ERR_TLS_TIMEOUT ...
#define WSS_ERR_TLS_INTERRUPTED ...
#define WSS_ERR_TLS_CALLBACK ...
#define WSS_ERR_TLS_BAD_CERT ...
#define WSS_ERR_TLS_CHAIN_LENGTH ...
#define WSS_ERR_TLS_KEY_MISMATCH ...
#define WSS_ERR_TLS_STATE ...
#define WSS_TLS_IDLE ...
#define WSS_TLS_IDLE_CLOSED ...
#define WSS_TLS_IDLE_DATA ...
extern const int WSS_TLS_ERR_FATAL_ALERT;
extern const int WSS_TLS_ERR_CERT_VERIFY;
extern const int WSS_TLS_ERR_CONN_RESET;
extern const int WSS_TLS_ERR_CONN_EOF;
extern const int WSS_TLS_ERR_CLOSE_NOTIFY;
extern const int WSS_TLS_ERR_SEND_FAILED;
extern const int WSS_TLS_ERR_RECV_FAILED;
extern const uint32_t WSS_X509_BADCERT_EXPIRED;
extern const uint32_t WSS_X509_BADCERT_FUTURE;
extern const uint32_t WSS_X509_BADCERT_NOT_TRUSTED;
extern const uint32_t WSS_X509_BADCERT_CN_MISMATCH;

typedef struct wss_tls_config wss_tls_config;
typedef struct wss_tls wss_tls;

int wss_tls_config_new(const unsigned char *ca_pem, size_t ca_len,
                       const unsigned char *chain_pem, size_t chain_len,
                       wss_pkey *key, int skip_time_checks, wss_tls_config **out);
void wss_tls_config_free(wss_tls_config *cfg);
int wss_tls_config_chain_length(const wss_tls_config *cfg);
int wss_tls_config_enable_tls13(wss_tls_config *cfg);

int wss_tls_new(wss_tls_config *cfg, const char *hostname, wss_tls **out);
void wss_tls_free(wss_tls *t);
int wss_tls_set_socket(wss_tls *t, int fd);
int wss_tls_set_transport(wss_tls *t, void *handle);
int wss_tls_handshake(wss_tls *t, int timeout_ms);
int wss_tls_read(wss_tls *t, unsigned char *buf, size_t cap, int timeout_ms, size_t *got);
int wss_tls_write(wss_tls *t, const unsigned char *buf, size_t len, int timeout_ms,
                  size_t *written);
int wss_tls_idle_status(wss_tls *t);
int wss_tls_close_notify(wss_tls *t, int timeout_ms);
uint32_t wss_tls_verify_flags(const wss_tls *t);
int wss_tls_last_alert(const wss_tls *t);
int wss_tls_sys_errno(const wss_tls *t);
const char *wss_tls_version(const wss_tls *t);
const char *wss_tls_ciphersuite(const wss_tls *t);
int wss_x509_verify_info(uint32_t flags, char *buf, size_t cap);

extern "Python+C" int wss_tls_py_send(void *handle, const unsigned char *buf, size_t len,
                                      int timeout_ms);
extern "Python+C" int wss_tls_py_recv(void *handle, unsigned char *buf, size_t len,
                                      int timeout_ms);
"""
