/* Prints the version the mbedTLS library reports at run time, as 0xMMNNPP00 (CMake's
 * try_run in cmake/mbedtls.cmake compares it with the headers' MBEDTLS_VERSION_NUMBER).
 * Links all three libraries so that a mismatched set fails here, not in the core. */
#include <stdio.h>

#include "mbedtls/version.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

int main(void)
{
    mbedtls_ssl_config conf;
    mbedtls_x509_crt crt;
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&crt);
    printf("0x%08X\n", mbedtls_version_get_number());
    mbedtls_x509_crt_free(&crt);
    mbedtls_ssl_config_free(&conf);
    return 0;
}
