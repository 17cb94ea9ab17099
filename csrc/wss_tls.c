/*
 * Mutual-TLS client over mbedTLS (protocol §9): TLS 1.2 (1.3 where the build offers it),
 * client chain + wss_pkey, trust anchors, SNI and host-name check, Extended Master Secret
 * (RFC 7627) and Encrypt-then-MAC (RFC 7366) on, optional skip of validity-time checks.
 *
 * Two transports feed mbedTLS's BIO:
 *  - a connected socket: send/recv with MSG_DONTWAIT, poll() until the call's deadline;
 *    whole handshake/read/write loops run here, with the GIL released by cffi;
 *  - a Python transport: wss_tls_py_send/recv (cffi extern "Python+C"), which take the
 *    GIL back only for the duration of each call.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#if defined(MBEDTLS_PSA_CRYPTO_C) && MBEDTLS_VERSION_MAJOR >= 3
#include "psa/crypto.h"
#endif
#include "wss_internal.h"

#if defined(MSG_NOSIGNAL)
#define WSS_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)
#else
#define WSS_SEND_FLAGS MSG_DONTWAIT
#endif

const int WSS_TLS_ERR_FATAL_ALERT = MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
const int WSS_TLS_ERR_CERT_VERIFY = MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
const int WSS_TLS_ERR_CONN_RESET = MBEDTLS_ERR_NET_CONN_RESET;
const int WSS_TLS_ERR_CONN_EOF = MBEDTLS_ERR_SSL_CONN_EOF;
const int WSS_TLS_ERR_CLOSE_NOTIFY = MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY;
const int WSS_TLS_ERR_SEND_FAILED = MBEDTLS_ERR_NET_SEND_FAILED;
const int WSS_TLS_ERR_RECV_FAILED = MBEDTLS_ERR_NET_RECV_FAILED;
const uint32_t WSS_X509_BADCERT_EXPIRED = MBEDTLS_X509_BADCERT_EXPIRED;
const uint32_t WSS_X509_BADCERT_FUTURE = MBEDTLS_X509_BADCERT_FUTURE;
const uint32_t WSS_X509_BADCERT_NOT_TRUSTED = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
const uint32_t WSS_X509_BADCERT_CN_MISMATCH = MBEDTLS_X509_BADCERT_CN_MISMATCH;

struct wss_tls_config {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt chain;
    int chain_length;
};

struct wss_tls {
    mbedtls_ssl_context ssl;
    int fd;              /* the socket, or -1 with the Python transport */
    void *handle;        /* the Python transport, or NULL */
    int64_t deadline_ms; /* CLOCK_MONOTONIC deadline of the current call, -1 = none */
    int no_wait;         /* BIO returns WANT_READ/WRITE instead of waiting */
    int interrupted;     /* a signal interrupted poll() during this call */
    int sys_errno;       /* errno of the last failed socket call */
    int last_alert;      /* description of the last fatal alert received, -1 = none */
    int closed;          /* the peer ended the stream (close_notify, FIN) */
    int pending_rc;      /* an error met after data was already returned by read */
};

/* ---- configuration ---------------------------------------------------------------- */

/* Validity-time checks off: the setup network may have no time source (protocol §9, MCP). */
static int verify_without_time(void *unused, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    (void)unused;
    (void)crt;
    (void)depth;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    return 0;
}

/* Every certificate of a PEM bundle must parse (a positive result counts failures). */
static int parse_bundle(mbedtls_x509_crt *crt, const unsigned char *pem, size_t len, int *count)
{
    const mbedtls_x509_crt *c;
    int rc = mbedtls_x509_crt_parse(crt, pem, len);
    if (rc > 0)
        return WSS_ERR_TLS_BAD_CERT;
    if (rc < 0)
        return rc;
    *count = 0;
    for (c = crt; c != NULL && c->raw.len > 0; c = c->next)
        (*count)++;
    return 0;
}

/* The key must belong to the chain's first certificate. Checking it multiplies the base
 * point with the key's group, which builds that group's comb table: done under the key's
 * lock, after which signatures (wss_pkey_sign, TLS CertificateVerify) only read the group. */
static int check_key(mbedtls_x509_crt *leaf, wss_pkey *key)
{
    int rc;
    pthread_mutex_lock(&key->lock);
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_check_pair(&leaf->pk, &key->pk, wss_rng, NULL);
#else
    rc = mbedtls_pk_check_pair(&leaf->pk, &key->pk);
#endif
    pthread_mutex_unlock(&key->lock);
    return rc == 0 ? 0 : WSS_ERR_TLS_KEY_MISMATCH;
}

static int configure(wss_tls_config *cfg, wss_pkey *key, int skip_time_checks)
{
    mbedtls_ssl_config *conf = &cfg->conf;
    int rc = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                         MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0)
        return rc;
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(conf, &cfg->ca, NULL);
    mbedtls_ssl_conf_rng(conf, wss_rng, NULL);
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if defined(MBEDTLS_SSL_EXTENDED_MASTER_SECRET)
    mbedtls_ssl_conf_extended_master_secret(conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
#endif
#if defined(MBEDTLS_SSL_ENCRYPT_THEN_MAC)
    mbedtls_ssl_conf_encrypt_then_mac(conf, MBEDTLS_SSL_ETM_ENABLED);
#endif
    if (skip_time_checks)
        mbedtls_ssl_conf_verify(conf, verify_without_time, NULL);
    return mbedtls_ssl_conf_own_cert(conf, &cfg->chain, wss_pkey_pk(key));
}

int wss_tls_config_new(const unsigned char *ca_pem, size_t ca_len,
                       const unsigned char *chain_pem, size_t chain_len,
                       wss_pkey *key, int skip_time_checks, wss_tls_config **out)
{
    int rc, n_ca = 0;
    wss_tls_config *cfg;

#if defined(MBEDTLS_PSA_CRYPTO_C) && MBEDTLS_VERSION_MAJOR >= 3
    if (psa_crypto_init() != PSA_SUCCESS)
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
#endif
    cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL)
        return MBEDTLS_ERR_SSL_ALLOC_FAILED;
    mbedtls_ssl_config_init(&cfg->conf);
    mbedtls_x509_crt_init(&cfg->ca);
    mbedtls_x509_crt_init(&cfg->chain);

    rc = parse_bundle(&cfg->ca, ca_pem, ca_len, &n_ca);
    if (rc == 0 && n_ca == 0)
        rc = WSS_ERR_TLS_BAD_CERT;
    if (rc == 0)
        rc = parse_bundle(&cfg->chain, chain_pem, chain_len, &cfg->chain_length);
    if (rc == 0 && (cfg->chain_length < 1 || cfg->chain_length > WSS_TLS_MAX_CHAIN))
        rc = WSS_ERR_TLS_CHAIN_LENGTH;
    if (rc == 0)
        rc = check_key(&cfg->chain, key);
    if (rc == 0)
        rc = configure(cfg, key, skip_time_checks);
    if (rc != 0) {
        wss_tls_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

void wss_tls_config_free(wss_tls_config *cfg)
{
    if (cfg == NULL)
        return;
    mbedtls_ssl_config_free(&cfg->conf);
    mbedtls_x509_crt_free(&cfg->chain);
    mbedtls_x509_crt_free(&cfg->ca);
    free(cfg);
}

int wss_tls_config_chain_length(const wss_tls_config *cfg) { return cfg->chain_length; }

/* ---- deadlines and the socket BIO ---------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before the deadline: -1 = wait forever, 0 = expired (or no_wait). */
static int remaining_ms(const wss_tls *t)
{
    int64_t left;
    if (t->no_wait)
        return 0;
    if (t->deadline_ms < 0)
        return -1;
    left = t->deadline_ms - now_ms();
    return left <= 0 ? 0 : (left > INT32_MAX ? INT32_MAX : (int)left);
}

static void begin(wss_tls *t, int timeout_ms)
{
    t->deadline_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    t->no_wait = 0;
    t->interrupted = 0;
}

static int would_block(int events)
{
    return events == POLLIN ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_WANT_WRITE;
}

/* Wait until fd is ready for `events`; 0 when ready (or in error: the next call says). */
static int wait_fd(wss_tls *t, short events)
{
    struct pollfd pfd;
    int n, ms;
    if (t->no_wait)
        return would_block(events);
    ms = remaining_ms(t);
    if (ms == 0)
        return WSS_ERR_TLS_TIMEOUT;
    pfd.fd = t->fd;
    pfd.events = events;
    pfd.revents = 0;
    n = poll(&pfd, 1, ms);
    if (n > 0)
        return 0;
    if (n == 0)
        return WSS_ERR_TLS_TIMEOUT;
    if (errno == EINTR) {
        t->interrupted = 1;
        return would_block(events);
    }
    t->sys_errno = errno;
    return events == POLLIN ? MBEDTLS_ERR_NET_RECV_FAILED : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int socket_error(wss_tls *t, int err, int fallback)
{
    t->sys_errno = err;
    if (err == ECONNRESET || err == EPIPE || err == ECONNABORTED || err == ENOTCONN)
        return MBEDTLS_ERR_NET_CONN_RESET;
    return fallback;
}

/* One send or recv on the socket, waiting (poll) until the deadline when it would block. */
static int fd_io(wss_tls *t, int is_send, unsigned char *buf, size_t len)
{
    for (;;) {
        ssize_t n = is_send ? send(t->fd, buf, len, WSS_SEND_FLAGS) : recv(t->fd, buf, len, MSG_DONTWAIT);
        if (n >= 0)
            return (int)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int rc = wait_fd(t, is_send ? POLLOUT : POLLIN);
            if (rc != 0)
                return rc;
            continue;
        }
        return socket_error(t, errno, is_send ? MBEDTLS_ERR_NET_SEND_FAILED : MBEDTLS_ERR_NET_RECV_FAILED);
    }
}

static int fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    return fd_io(ctx, 1, (unsigned char *)buf, len);
}

static int fd_recv(void *ctx, unsigned char *buf, size_t len) { return fd_io(ctx, 0, buf, len); }

/* ---- the Python transport BIO ---------------------------------------------------------- */

static int py_io(wss_tls *t, int is_send, unsigned char *buf, size_t len)
{
    int ms = remaining_ms(t), rc;
    if (ms == 0 && !t->no_wait)
        return WSS_ERR_TLS_TIMEOUT;
    rc = is_send ? wss_tls_py_send(t->handle, buf, len, ms) : wss_tls_py_recv(t->handle, buf, len, ms);
    if (rc == WSS_ERR_TLS_TIMEOUT && t->no_wait)
        return would_block(is_send ? POLLOUT : POLLIN);
    return rc;
}

static int cb_send(void *ctx, const unsigned char *buf, size_t len)
{
    return py_io(ctx, 1, (unsigned char *)buf, len);
}

static int cb_recv(void *ctx, unsigned char *buf, size_t len) { return py_io(ctx, 0, buf, len); }

/* ---- connections ---------------------------------------------------------------------- */

int wss_tls_new(wss_tls_config *cfg, const char *hostname, wss_tls **out)
{
    int rc;
    wss_tls *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return MBEDTLS_ERR_SSL_ALLOC_FAILED;
    t->fd = -1;
    t->last_alert = -1;
    t->deadline_ms = -1;
    mbedtls_ssl_init(&t->ssl);
    rc = mbedtls_ssl_setup(&t->ssl, &cfg->conf);
    if (rc == 0) /* SNI and the name the server certificate must carry */
        rc = mbedtls_ssl_set_hostname(&t->ssl, hostname);
    if (rc != 0) {
        wss_tls_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void wss_tls_free(wss_tls *t)
{
    if (t == NULL)
        return;
    mbedtls_ssl_free(&t->ssl);
    free(t);
}

int wss_tls_set_socket(wss_tls *t, int fd)
{
    if (fd < 0 || t->handle != NULL || t->fd >= 0)
        return WSS_ERR_TLS_STATE;
    t->fd = fd;
    mbedtls_ssl_set_bio(&t->ssl, t, fd_send, fd_recv, NULL);
    return 0;
}

int wss_tls_set_transport(wss_tls *t, void *handle)
{
    if (handle == NULL || t->handle != NULL || t->fd >= 0)
        return WSS_ERR_TLS_STATE;
    t->handle = handle;
    mbedtls_ssl_set_bio(&t->ssl, t, cb_send, cb_recv, NULL);
    return 0;
}

static int has_transport(const wss_tls *t) { return t->fd >= 0 || t->handle != NULL; }

/* WANT_READ/WRITE from a blocking BIO means a signal interrupted a wait. */
static int is_retry(int rc)
{
    return rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        || rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
#endif
        ;
}

static int failed(wss_tls *t, int rc)
{
    if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        t->last_alert = t->ssl.WSS_PRIV(in_msg)[1];
    return rc;
}

/* A server that rejects our certificate sends a fatal alert and closes while we are still
 * sending our flight, so the send fails first. Before the server's ChangeCipherSpec an
 * alert is a plaintext record (RFC 5246 §6.2.1, §7.2): read the bytes the peer left
 * without waiting, and report that alert rather than the broken pipe. */
static int alert_behind_send_failure(wss_tls *t, int rc)
{
    unsigned char rec[7];
    size_t have = 0;
    int n;
    if (rc != MBEDTLS_ERR_NET_CONN_RESET && rc != MBEDTLS_ERR_NET_SEND_FAILED &&
        rc != WSS_ERR_TLS_CALLBACK)
        return rc;
    t->no_wait = 1;
    while (have < sizeof(rec)) {
        n = t->fd >= 0 ? fd_recv(t, rec + have, sizeof(rec) - have)
                       : cb_recv(t, rec + have, sizeof(rec) - have);
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    t->no_wait = 0;
    if (have == sizeof(rec) && rec[0] == MBEDTLS_SSL_MSG_ALERT && rec[1] == 3 && rec[3] == 0 &&
        rec[4] == 2 && rec[5] == MBEDTLS_SSL_ALERT_LEVEL_FATAL) {
        t->last_alert = rec[6];
        return MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
    }
    return rc;
}

int wss_tls_handshake(wss_tls *t, int timeout_ms)
{
    int rc;
    if (!has_transport(t))
        return WSS_ERR_TLS_STATE;
    begin(t, timeout_ms);
    while ((rc = mbedtls_ssl_handshake(&t->ssl)) != 0) {
        if (!is_retry(rc))
            return alert_behind_send_failure(t, failed(t, rc));
        if (t->interrupted)
            return WSS_ERR_TLS_INTERRUPTED;
    }
    return 0;
}

static int is_close(int rc)
{
    return rc == 0 || rc == MBEDTLS_ERR_SSL_CONN_EOF || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY;
}

/* Read at least one byte (waiting until the deadline), then, on a socket, whatever more is
 * already available without waiting, up to cap. *got == 0 means the peer closed. */
int wss_tls_read(wss_tls *t, unsigned char *buf, size_t cap, int timeout_ms, size_t *got)
{
    int rc;
    *got = 0;
    if (!has_transport(t) || cap == 0)
        return WSS_ERR_TLS_STATE;
    if (t->pending_rc != 0) {
        rc = t->pending_rc;
        t->pending_rc = 0;
        return rc;
    }
    if (t->closed)
        return 0;
    begin(t, timeout_ms);
    while (*got < cap) {
        rc = mbedtls_ssl_read(&t->ssl, buf + *got, cap - *got);
        if (rc > 0) {
            *got += (size_t)rc;
            if (t->fd < 0)
                break;
            t->no_wait = 1; /* drain what is already here, never wait for more */
            continue;
        }
        if (is_retry(rc)) {
            if (t->no_wait) /* only set once some data is in hand: return it */
                break;
            if (t->interrupted)
                return WSS_ERR_TLS_INTERRUPTED;
            continue;
        }
        if (is_close(rc)) {
            t->closed = 1;
            break;
        }
        rc = failed(t, rc);
        if (*got == 0)
            return rc;
        t->pending_rc = rc;
        break;
    }
    t->no_wait = 0;
    return 0;
}

int wss_tls_write(wss_tls *t, const unsigned char *buf, size_t len, int timeout_ms,
                  size_t *written)
{
    int rc;
    *written = 0;
    if (!has_transport(t))
        return WSS_ERR_TLS_STATE;
    begin(t, timeout_ms);
    while (*written < len) {
        rc = mbedtls_ssl_write(&t->ssl, buf + *written, len - *written);
        if (rc > 0) {
            *written += (size_t)rc;
            continue;
        }
        if (!is_retry(rc))
            return failed(t, rc == 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : rc);
        if (t->interrupted)
            return WSS_ERR_TLS_INTERRUPTED;
    }
    return 0;
}

/* Without waiting: has the peer closed an idle connection, or sent something unasked? */
int wss_tls_idle_status(wss_tls *t)
{
    unsigned char byte;
    int rc;
    if (!has_transport(t))
        return WSS_ERR_TLS_STATE;
    if (t->closed)
        return WSS_TLS_IDLE_CLOSED;
    if (t->pending_rc != 0 || mbedtls_ssl_get_bytes_avail(&t->ssl) > 0)
        return WSS_TLS_IDLE_DATA;
    begin(t, 0);
    t->no_wait = 1;
    rc = mbedtls_ssl_read(&t->ssl, &byte, 1);
    t->no_wait = 0;
    if (rc > 0)
        return WSS_TLS_IDLE_DATA;
    if (is_retry(rc))
        return WSS_TLS_IDLE;
    if (is_close(rc) || rc == MBEDTLS_ERR_NET_CONN_RESET) {
        t->closed = 1;
        return WSS_TLS_IDLE_CLOSED;
    }
    return failed(t, rc);
}

int wss_tls_close_notify(wss_tls *t, int timeout_ms)
{
    int rc;
    if (!has_transport(t))
        return WSS_ERR_TLS_STATE;
    begin(t, timeout_ms);
    do
        rc = mbedtls_ssl_close_notify(&t->ssl);
    while (is_retry(rc) && !t->interrupted);
    return is_retry(rc) ? WSS_ERR_TLS_INTERRUPTED : rc;
}

uint32_t wss_tls_verify_flags(const wss_tls *t) { return mbedtls_ssl_get_verify_result(&t->ssl); }

int wss_tls_last_alert(const wss_tls *t) { return t->last_alert; }

int wss_tls_sys_errno(const wss_tls *t) { return t->sys_errno; }

const char *wss_tls_version(const wss_tls *t) { return mbedtls_ssl_get_version(&t->ssl); }

const char *wss_tls_ciphersuite(const wss_tls *t)
{
    const char *name = mbedtls_ssl_get_ciphersuite(&t->ssl);
    return name != NULL ? name : "";
}

int wss_x509_verify_info(uint32_t flags, char *buf, size_t cap)
{
    int n = mbedtls_x509_crt_verify_info(buf, cap, "", flags);
    return n < 0 ? n : 0;
}
