/*
 * Peak heap of the wss C core during one mutual-TLS handshake.
 *
 * Debian's mbedTLS is built without MBEDTLS_PLATFORM_MEMORY, so mbedtls_platform_set_
 * calloc_free() is unavailable. Instead this program links the core (csrc/wss_*.c) with
 * the *static* mbedTLS archives and -Wl,--wrap=calloc,--wrap=free: every calloc/free made
 * by mbedTLS and by the core goes through the counting allocator below. (mbedTLS
 * allocates only through calloc/free.)
 *
 *   tls_heap HOST_IP PORT NAME CA_PEM CHAIN_PEM KEY_PEM
 *   tls_heap HOST_IP PORT NAME CA_PEM CHAIN_PEM --pkcs11 MODULE TOKEN LABEL
 *
 * The second form signs with a key in a PKCS#11 token (csrc/wss_pkcs11.c, mbedTLS 2.28
 * only), the PIN taken from the environment variable WSS_TLS_HEAP_PIN (none: no login).
 * What the module allocates is not counted: it is a shared library calling the C
 * library's own calloc/free, which --wrap does not reach; what the core allocates for the
 * token key (its session, the key's pk context) is.
 *
 * Prints JSON: bytes live after loading the configuration, the peak while one connection
 * is set up and handshaken, the bytes the connection holds after the handshake, and the
 * number of allocations during the handshake.
 *
 * Built by cmake/floors.cmake (CMake target wss_tls_heap): tls_heap.c csrc/wss_*.c
 *   -Wl,--wrap=calloc -Wl,--wrap=free libmbedtls.a libmbedx509.a libmbedcrypto.a -lpthread
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "floor_version.h"
#include "wss_core.h"

#define HEADER 16 /* keeps the returned blocks 16-byte aligned */

static size_t live, peak, count;

void *__real_calloc(size_t n, size_t size);
void __real_free(void *p);

void *__wrap_calloc(size_t n, size_t size)
{
    unsigned char *p;
    size_t total;
    if (size != 0 && n > (SIZE_MAX - HEADER) / size)
        return NULL;
    total = n * size;
    p = __real_calloc(1, total + HEADER);
    if (p == NULL)
        return NULL;
    memcpy(p, &total, sizeof(total));
    live += total;
    count++;
    if (live > peak)
        peak = live;
    return p + HEADER;
}

void __wrap_free(void *ptr)
{
    size_t total;
    unsigned char *p;
    if (ptr == NULL)
        return;
    p = (unsigned char *)ptr - HEADER;
    memcpy(&total, p, sizeof(total));
    live -= total;
    __real_free(p);
}

/* The Python transport is not used here (cffi defines these in the extension). */
int wss_tls_py_send(void *h, const unsigned char *b, size_t n, int t)
{
    (void)h, (void)b, (void)n, (void)t;
    return WSS_ERR_TLS_STATE;
}

int wss_tls_py_recv(void *h, unsigned char *b, size_t n, int t)
{
    (void)h, (void)b, (void)n, (void)t;
    return WSS_ERR_TLS_STATE;
}

/* The whole file plus a terminating NUL (mbedTLS needs it to recognise PEM). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        perror(path);
        exit(1);
    }
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n + 1;
    return buf;
}

static void check(int rc, const char *what)
{
    char text[160];
    if (rc == 0)
        return;
    wss_strerror(rc, text, sizeof(text));
    fprintf(stderr, "tls_heap: %s failed: -0x%04x %s\n", what, (unsigned)-rc, text);
    exit(1);
}

int main(int argc, char **argv)
{
    size_t ca_len, chain_len, key_len = 0, config_live, before, n_before;
    unsigned char *ca, *chain, *keypem = NULL;
    const char *pin;
    wss_pkey *key;
    wss_tls_config *cfg;
    wss_tls *t;
    struct sockaddr_in addr;
    int fd, one = 1;

    if (floor_print_version(argc, argv))
        return 0;
    if (argc != 7 && !(argc == 10 && strcmp(argv[6], "--pkcs11") == 0)) {
        fprintf(stderr, "usage: %s HOST_IP PORT NAME CA CHAIN (KEY | --pkcs11 MODULE TOKEN LABEL)\n", argv[0]);
        return 2;
    }
    ca = slurp(argv[4], &ca_len);
    chain = slurp(argv[5], &chain_len);
    check(wss_random_bytes((unsigned char *)&fd, sizeof(fd)), "DRBG seed");
    if (argc == 7) {
        keypem = slurp(argv[6], &key_len);
        check(wss_pkey_parse(keypem, key_len, &key), "key parse");
    } else {
        pin = getenv("WSS_TLS_HEAP_PIN");
        check(wss_pkey_from_pkcs11(argv[7], argv[8], NULL, 0, argv[9], (const unsigned char *)pin,
                                   pin ? strlen(pin) : 0, 0, &key),
              "PKCS#11 key");
    }
    check(wss_tls_config_new(ca, ca_len, chain, chain_len, key, 0, &cfg), "config");
    config_live = live;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &addr.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        perror("connect");
        return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    before = live;
    n_before = count;
    peak = live;
    check(wss_tls_new(cfg, argv[3], &t), "new connection");
    check(wss_tls_set_socket(t, fd), "set socket");
    check(wss_tls_handshake(t, 10000), "handshake");
    printf("{\"config_and_key_bytes\": %zu, \"handshake_peak_bytes\": %zu, "
           "\"handshake_peak_above_config_bytes\": %zu, \"connection_bytes_after_handshake\": %zu, "
           "\"allocations_during_handshake\": %zu, \"version\": \"%s\", \"ciphersuite\": \"%s\"}\n",
           config_live, peak, peak - before, live - before, count - n_before,
           wss_tls_version(t), wss_tls_ciphersuite(t));
    wss_tls_close_notify(t, 1000);
    wss_tls_free(t);
    close(fd);
    wss_tls_config_free(cfg);
    wss_pkey_free(key);
    __real_free(ca); /* slurp() used malloc, which is not counted */
    __real_free(chain);
    if (keypem != NULL)
        __real_free(keypem);
    return 0;
}
