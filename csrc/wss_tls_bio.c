/*
 * The two transports that feed mbedTLS's BIO, and the deadline of the current call:
 *  - a connected socket: send/recv with MSG_DONTWAIT, poll() until the call's deadline;
 *    whole handshake/read/write loops run in C, with the GIL released by cffi;
 *  - a Python transport: wss_tls_py_send/recv (cffi extern "Python+C"), which take the
 *    GIL back only for the duration of each call.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "wss_tls_internal.h"

#if defined(MSG_NOSIGNAL)
#define WSS_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)
#else
#define WSS_SEND_FLAGS MSG_DONTWAIT
#endif

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

void wss_tls_begin(wss_tls *t, int timeout_ms)
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

int wss_tls_fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    if (((wss_tls *)ctx)->discard_sends)
        return (int)len;
    return fd_io(ctx, 1, (unsigned char *)buf, len);
}

int wss_tls_fd_recv(void *ctx, unsigned char *buf, size_t len) { return fd_io(ctx, 0, buf, len); }

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

int wss_tls_cb_send(void *ctx, const unsigned char *buf, size_t len)
{
    if (((wss_tls *)ctx)->discard_sends)
        return (int)len;
    return py_io(ctx, 1, (unsigned char *)buf, len);
}

int wss_tls_cb_recv(void *ctx, unsigned char *buf, size_t len) { return py_io(ctx, 0, buf, len); }
