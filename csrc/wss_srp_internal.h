/* Shared by the SRP-6a files (wss_srp_group.c, wss_srp.c); not part of the cffi interface. */
#ifndef WSS_SRP_INTERNAL_H
#define WSS_SRP_INTERNAL_H

#include "mbedtls/bignum.h"
#include "mbedtls/md.h"
#include "wss_core.h"

#define WSS_SRP_HASH_MAX 64 /* SHA-512 */

/* The mbedTLS hash of WSS_SRP_SHA1 / WSS_SRP_SHA512; NULL for any other value. */
const mbedtls_md_info_t *wss_srp_md(int hash);
/* mbedtls_md_init + setup + starts. */
int wss_srp_md_begin(mbedtls_md_context_t *ctx, const mbedtls_md_info_t *md);
/* Hash X big-endian, left-padded to `width` bytes (PAD()), or in its shortest form (at
 * least one byte, as esp_prov's long_to_bytes writes it) when width is 0. */
int wss_srp_md_mpi(mbedtls_md_context_t *ctx, const mbedtls_mpi *X, size_t width);
/* Hash bytes read as an integer, in shortest form: leading zeros dropped, one kept. */
int wss_srp_md_stripped(mbedtls_md_context_t *ctx, const unsigned char *p, size_t len);
/* Read and check N and g: 0 < len(N) <= WSS_SRP_MAX_N, N odd (mbedtls_mpi_exp_mod needs
 * it) and > g >= 2. Returns len(N) in *nlen. */
int wss_srp_load_group(const unsigned char *N_bytes, size_t n_len, unsigned int g_int,
                       mbedtls_mpi *N, mbedtls_mpi *g, size_t *nlen);

#endif
