/*
 * Mutual-TLS client over mbedTLS (protocol §9): connections — create, attach a transport,
 * handshake, read, write, idle check, close_notify — and the mapping of their failures
 * (fatal alerts, verification flags, resets) to return codes. The configuration lives in
 * wss_tls_config.c, the socket and Python-transport BIOs in wss_tls_bio.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/asn1.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "wss_tls_internal.h"

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

/* ---- connections ---------------------------------------------------------------------- */

/* A server reached by address must carry that address as an iPAddress subjectAltName
 * (RFC 5280 §4.2.1.6, RFC 9525 §6.2.1: 4 or 16 octets, compared as bytes). mbedTLS 2.28
 * compares the name text with every SAN and so never matches an address; this check
 * replaces its name check for addresses, in every mbedTLS version. It runs once per
 * certificate of the chain; the address is checked on the leaf (depth 0). */
static int verify_address(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    const wss_tls *t = ctx;
    const mbedtls_x509_sequence *san;
    if (t->skip_time_checks)
        *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (depth != 0)
        return 0;
    for (san = &crt->subject_alt_names; san != NULL; san = san->next) {
        if (san->buf.p != NULL &&
            san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) &&
            san->buf.len == t->ip_len && memcmp(san->buf.p, t->ip, t->ip_len) == 0)
            return 0;
    }
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    return 0;
}

/* The server name: a host name goes into SNI and mbedTLS checks the certificate for it;
 * an IPv4 or IPv6 address is never sent as SNI (RFC 6066 §3) and is checked by
 * verify_address. */
static int set_server_name(wss_tls *t, const wss_tls_config *cfg, const char *hostname)
{
    if (inet_pton(AF_INET, hostname, t->ip) == 1)
        t->ip_len = 4;
    else if (inet_pton(AF_INET6, hostname, t->ip) == 1)
        t->ip_len = 16;
    else
        return mbedtls_ssl_set_hostname(&t->ssl, hostname);
    t->skip_time_checks = cfg->skip_time_checks;
    mbedtls_ssl_set_verify(&t->ssl, verify_address, t);
    return mbedtls_ssl_set_hostname(&t->ssl, NULL); /* explicitly: no SNI, no name check */
}

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
    if (rc == 0) /* SNI and the name (or address) the server certificate must carry */
        rc = set_server_name(t, cfg, hostname);
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
    mbedtls_ssl_set_bio(&t->ssl, t, wss_tls_fd_send, wss_tls_fd_recv, NULL);
    return 0;
}

int wss_tls_set_transport(wss_tls *t, void *handle)
{
    if (handle == NULL || t->handle != NULL || t->fd >= 0)
        return WSS_ERR_TLS_STATE;
    t->handle = handle;
    mbedtls_ssl_set_bio(&t->ssl, t, wss_tls_cb_send, wss_tls_cb_recv, NULL);
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

static int is_send_failure(int rc)
{
    return rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_NET_SEND_FAILED || rc == WSS_ERR_TLS_CALLBACK;
}

static int is_tls13(const wss_tls *t)
{
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && MBEDTLS_VERSION_NUMBER >= 0x03020000
    return mbedtls_ssl_get_version_number(&t->ssl) == MBEDTLS_SSL_VERSION_TLS1_3;
#else
    (void)t;
    return 0;
#endif
}

/* A fatal alert behind a failed send, under TLS 1.3 (RFC 8446 §4.4.2, §6) and after any
 * handshake: the server judges our certificate once it has our flight, and its alert is
 * encrypted, so only mbedTLS can read it. Drop what is left to send (the peer is gone),
 * let mbedTLS finish the flight when in the handshake, then read without waiting: a fatal
 * alert that has already arrived is reported instead of the reset. */
static int encrypted_alert_behind_send_failure(wss_tls *t, int rc, int in_handshake)
{
    unsigned char byte;
    int step = 0, n;
    if (!is_send_failure(rc))
        return rc;
    t->discard_sends = 1;
    t->no_wait = 1;
    if (in_handshake)
        step = mbedtls_ssl_handshake(&t->ssl); /* the rest of our flight, into the void */
    n = step == 0 ? mbedtls_ssl_read(&t->ssl, &byte, 1) : step;
    t->discard_sends = 0;
    t->no_wait = 0;
    if (n == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        return failed(t, n);
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
    if (!is_send_failure(rc))
        return rc;
    if (is_tls13(t))
        return encrypted_alert_behind_send_failure(t, rc, 1);
    t->no_wait = 1;
    while (have < sizeof(rec)) {
        n = t->fd >= 0 ? wss_tls_fd_recv(t, rec + have, sizeof(rec) - have)
                       : wss_tls_cb_recv(t, rec + have, sizeof(rec) - have);
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
    wss_tls_begin(t, timeout_ms);
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
    wss_tls_begin(t, timeout_ms);
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
    wss_tls_begin(t, timeout_ms);
    while (*written < len) {
        rc = mbedtls_ssl_write(&t->ssl, buf + *written, len - *written);
        if (rc > 0) {
            *written += (size_t)rc;
            continue;
        }
        if (!is_retry(rc))
            return encrypted_alert_behind_send_failure(
                t, failed(t, rc == 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : rc), 0);
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
    wss_tls_begin(t, 0);
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
    wss_tls_begin(t, timeout_ms);
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
