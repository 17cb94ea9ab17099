/*
 * `FLOOR --version`: every floor program prints the mbedTLS it was compiled against (the
 * header's MBEDTLS_VERSION_STRING) and the one it runs with (mbedtls_version_get_string,
 * when the library has MBEDTLS_VERSION_C), as one JSON line. wss.bench.floors refuses a
 * floor whose mbedTLS differs from the one of the wss C core.
 */
#ifndef FLOOR_VERSION_H
#define FLOOR_VERSION_H

#include <stdio.h>
#include <string.h>

#include "mbedtls/version.h"

/* Returns 1 (and prints the versions) when argv asks for them. */
static inline int floor_print_version(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--version") != 0)
        return 0;
#if defined(MBEDTLS_VERSION_C)
    char runtime[18] = "";
    mbedtls_version_get_string(runtime);
    printf("{\"header\": \"%s\", \"runtime\": \"%s\"}\n", MBEDTLS_VERSION_STRING, runtime);
#else
    printf("{\"header\": \"%s\", \"runtime\": null}\n", MBEDTLS_VERSION_STRING);
#endif
    return 1;
}

#endif
