/*
 * The handshake floor of benchmarks/bench_provision.py: the client CPU time of one mutual-TLS
 * handshake done directly with mbedTLS (no wss code), configured as csrc/wss_tls.c configures
 * its client: TLS 1.2 minimum, server certificate required and checked against the CA and the
 * host name (SNI), Extended Master Secret and Encrypt-then-MAC on, CTR-DRBG, client chain + key.
 *
 *   handshake_floor HOST PORT NAME CA_PEM CHAIN_PEM KEY_PEM N
 *
 * N times: TCP connect (TCP_NODELAY) + full handshake, timed with CLOCK_PROCESS_CPUTIME_ID
 * (CPU of this process, user + system) and CLOCK_MONOTONIC (wall); then close_notify and close,
 * not timed. Loading the certificates and seeding the DRBG happen once, before, not timed (the
 * device does them at boot, not per handshake). Prints one JSON object:
 *   {"cpu_ms": [...], "wall_ms": [...], "version": "...", "ciphersuite": "..."}
 *
 * Build: cc -O2 handshake_floor.c -o handshake_floor -lmbedtls -lmbedx509 -lmbedcrypto
 * Builds against mbedTLS 2.28 and 3.x.
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
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"

static double ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "handshake_floor: %s failed: -0x%04x\n", what, (unsigned)-rc);
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

int main(int argc, char **argv)
{
    mbedtls_ssl_context ssl;
    mbedtls_net_context net;
    int n, rc, one = 1;

    if (argc != 8) {
        fprintf(stderr, "usage: %s HOST PORT NAME CA CHAIN KEY N\n", argv[0]);
        return 2;
    }
    n = atoi(argv[7]);
    setup(argv[4], argv[5], argv[6]);
    printf("{\"cpu_ms\": [");
    double *wall = calloc(n > 0 ? n : 1, sizeof(double));
    char version[64] = "", suite[128] = "";
    for (int i = 0; i < n; i++) {
        double cpu0 = ms(CLOCK_PROCESS_CPUTIME_ID), wall0 = ms(CLOCK_MONOTONIC);
        mbedtls_net_init(&net);
        mbedtls_ssl_init(&ssl);
        if ((rc = mbedtls_net_connect(&net, argv[1], argv[2], MBEDTLS_NET_PROTO_TCP)) != 0)
            die("connect", rc);
        setsockopt(net.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if ((rc = mbedtls_ssl_setup(&ssl, &conf)) != 0)
            die("ssl setup", rc);
        if ((rc = mbedtls_ssl_set_hostname(&ssl, argv[3])) != 0)
            die("hostname", rc);
        mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
        while ((rc = mbedtls_ssl_handshake(&ssl)) != 0)
            if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
                die("handshake", rc);
        printf("%s%.4f", i ? ", " : "", ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
        wall[i] = ms(CLOCK_MONOTONIC) - wall0;
        snprintf(version, sizeof(version), "%s", mbedtls_ssl_get_version(&ssl));
        snprintf(suite, sizeof(suite), "%s", mbedtls_ssl_get_ciphersuite(&ssl));
        mbedtls_ssl_close_notify(&ssl);
        mbedtls_ssl_free(&ssl);
        mbedtls_net_free(&net);
    }
    printf("], \"wall_ms\": [");
    for (int i = 0; i < n; i++)
        printf("%s%.4f", i ? ", " : "", wall[i]);
    printf("], \"version\": \"%s\", \"ciphersuite\": \"%s\"}\n", version, suite);
    free(wall);
    return 0;
}
