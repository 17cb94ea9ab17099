/*
 * The floor for benchmarks/bench_tls.py: a mutual-TLS client written directly against
 * mbedTLS (mbedtls_net_* sockets, no wss code), configured like wss_tls.c: TLS 1.2,
 * authmode required, SNI + host-name check, EMS and ETM on, CTR-DRBG.
 *
 *   tls_floor HOST PORT NAME CA_PEM CHAIN_PEM KEY_PEM   (then one command per line on stdin)
 *
 * "handshake": TCP connect + full handshake (timed), then close_notify and close.
 * "transfer PATH": connect + handshake (untimed), then "GET PATH HTTP/1.0" and read to
 * the end of the stream (timed) with a 64 KiB buffer, then close.
 * Answers each command with one JSON line: {"ms": <timed part, wall>, "cpu_ms": <timed
 * part, this process's CPU (CLOCK_PROCESS_CPUTIME_ID)>, "bytes": <bytes read>}.
 * Driven sample by sample, the floor interleaves with the other benchmark columns, and gets
 * the same untimed warm-up handshake before its timed ones (wss.bench.rhythm).
 *
 *   tls_floor --version    (the mbedTLS it was built against and runs with)
 *
 * Built by cmake/floors.cmake with the wss core, against the same mbedTLS.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "floor_version.h"

static double clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
static double cpu_now_ms(void) { return clock_ms(CLOCK_PROCESS_CPUTIME_ID); }

static void die(const char *what, int rc)
{
    fprintf(stderr, "tls_floor: %s failed: -0x%04x\n", what, (unsigned)-rc);
    exit(1);
}

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_ssl_config conf;
static mbedtls_x509_crt ca, chain;
static mbedtls_pk_context key;

static void setup(const char *ca_path, const char *chain_path, const char *key_path)
{
    int rc;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crt_init(&chain);
    mbedtls_pk_init(&key);
    if ((rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)) != 0)
        die("drbg seed", rc);
    if ((rc = mbedtls_x509_crt_parse_file(&ca, ca_path)) != 0)
        die("CA parse", rc);
    if ((rc = mbedtls_x509_crt_parse_file(&chain, chain_path)) != 0)
        die("chain parse", rc);
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_parse_keyfile(&key, key_path, NULL, mbedtls_ctr_drbg_random, &drbg);
#else
    rc = mbedtls_pk_parse_keyfile(&key, key_path, NULL);
#endif
    if (rc != 0)
        die("key parse", rc);
    if ((rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
        die("config", rc);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    mbedtls_ssl_conf_extended_master_secret(&conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
    mbedtls_ssl_conf_encrypt_then_mac(&conf, MBEDTLS_SSL_ETM_ENABLED);
    if ((rc = mbedtls_ssl_conf_own_cert(&conf, &chain, &key)) != 0)
        die("own cert", rc);
}

/* Connect and handshake; returns the handshake time in ms. */
static double open_session(mbedtls_ssl_context *ssl, mbedtls_net_context *net, const char *host,
                           const char *port, const char *name)
{
    int rc, one = 1;
    double t0 = now_ms();
    mbedtls_net_init(net);
    mbedtls_ssl_init(ssl);
    if ((rc = mbedtls_net_connect(net, host, port, MBEDTLS_NET_PROTO_TCP)) != 0)
        die("connect", rc);
    setsockopt(net->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if ((rc = mbedtls_ssl_setup(ssl, &conf)) != 0)
        die("ssl setup", rc);
    if ((rc = mbedtls_ssl_set_hostname(ssl, name)) != 0)
        die("hostname", rc);
    mbedtls_ssl_set_bio(ssl, net, mbedtls_net_send, mbedtls_net_recv, NULL);
    while ((rc = mbedtls_ssl_handshake(ssl)) != 0)
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            die("handshake", rc);
    return now_ms() - t0;
}

static void close_session(mbedtls_ssl_context *ssl, mbedtls_net_context *net)
{
    mbedtls_ssl_close_notify(ssl);
    mbedtls_ssl_free(ssl);
    mbedtls_net_free(net);
}

static double transfer(mbedtls_ssl_context *ssl, const char *path, size_t *total)
{
    static unsigned char buf[65536];
    char req[512];
    int n, rc;
    double t0 = now_ms();
    n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
    for (int off = 0; off < n; off += rc)
        if ((rc = mbedtls_ssl_write(ssl, (unsigned char *)req + off, n - off)) <= 0)
            die("write", rc);
    *total = 0;
    for (;;) {
        rc = mbedtls_ssl_read(ssl, buf, sizeof(buf));
        if (rc > 0) {
            *total += rc;
            continue;
        }
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF)
            break;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ)
            die("read", rc);
    }
    return now_ms() - t0;
}

int main(int argc, char **argv)
{
    mbedtls_ssl_context ssl;
    mbedtls_net_context net;
    char line[512], path[400];
    size_t total;
    double ms, cpu;

    if (floor_print_version(argc, argv))
        return 0;
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT NAME CA CHAIN KEY < commands\n", argv[0]);
        return 2;
    }
    setup(argv[4], argv[5], argv[6]);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        total = 0;
        if (strncmp(line, "handshake", 9) == 0) {
            cpu = cpu_now_ms();
            ms = open_session(&ssl, &net, argv[1], argv[2], argv[3]);
            cpu = cpu_now_ms() - cpu;
        } else if (sscanf(line, "transfer %399s", path) == 1) {
            open_session(&ssl, &net, argv[1], argv[2], argv[3]);
            cpu = cpu_now_ms();
            ms = transfer(&ssl, path, &total);
            cpu = cpu_now_ms() - cpu;
        } else {
            fprintf(stderr, "tls_floor: unknown command: %s", line);
            return 2;
        }
        close_session(&ssl, &net);
        printf("{\"ms\": %.4f, \"cpu_ms\": %.4f, \"bytes\": %zu}\n", ms, cpu, total);
        fflush(stdout);
    }
    return 0;
}
