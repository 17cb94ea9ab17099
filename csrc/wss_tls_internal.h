/*
 * Shared by the TLS client's C files (wss_tls_config.c, wss_tls_bio.c, wss_tls.c);
 * not part of the cffi interface.
 */
#ifndef WSS_TLS_INTERNAL_H
#define WSS_TLS_INTERNAL_H

#include <stdint.h>

#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "wss_internal.h"

struct wss_tls_config {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt chain;
    int chain_length;
    int skip_time_checks; /* validity-time checks off (protocol §9) */
};

struct wss_tls {
    mbedtls_ssl_context ssl;
    int fd;              /* the socket, or -1 with the Python transport */
    void *handle;        /* the Python transport, or NULL */
    int64_t deadline_ms; /* CLOCK_MONOTONIC deadline of the current call, -1 = none */
    int no_wait;         /* BIO returns WANT_READ/WRITE instead of waiting */
    int discard_sends;   /* BIO drops what mbedTLS sends (the peer is gone): see wss_tls.c */
    int interrupted;     /* a signal interrupted poll() during this call */
    int sys_errno;       /* errno of the last failed socket call */
    int last_alert;      /* description of the last fatal alert received, -1 = none */
    int closed;          /* the peer ended the stream (close_notify, FIN) */
    int pending_rc;      /* an error met after data was already returned by read */
    unsigned char ip[16]; /* the server's address when it was named by one (no SNI then) */
    size_t ip_len;        /* 4 (IPv4), 16 (IPv6), or 0: named by a host name */
    int skip_time_checks; /* copied from the configuration, for the address check */
};


/* wss_tls_bio.c: the deadline of the current call and the two BIOs mbedTLS drives. */
void wss_tls_begin(wss_tls *t, int timeout_ms);
int wss_tls_fd_send(void *ctx, const unsigned char *buf, size_t len);
int wss_tls_fd_recv(void *ctx, unsigned char *buf, size_t len);
int wss_tls_cb_send(void *ctx, const unsigned char *buf, size_t len);
int wss_tls_cb_recv(void *ctx, unsigned char *buf, size_t len);

#endif
