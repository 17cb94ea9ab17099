"""cdef of the SRP-6a verifier and server (csrc/wss_srp_group.c, csrc/wss_srp.c)."""

CDEF = """
#define WSS_SRP_SHA1 ...
#define WSS_SRP_SHA512 ...
#define WSS_SRP_MAX_N ...
typedef struct wss_srp_server wss_srp_server;
int wss_srp_verifier(int hash, const unsigned char *N, size_t n_len, unsigned int g,
                     const unsigned char *user, size_t user_len,
                     const unsigned char *password, size_t password_len,
                     const unsigned char *salt, size_t salt_len,
                     unsigned char *v, size_t cap, size_t *v_len);
int wss_srp_server_new(int hash, const unsigned char *N, size_t n_len, unsigned int g,
                       const unsigned char *salt, size_t salt_len,
                       const unsigned char *v, size_t v_len,
                       const unsigned char *b, size_t b_len, wss_srp_server **out);
int wss_srp_server_public(wss_srp_server *srv, unsigned char *B, size_t cap, size_t *B_len);
int wss_srp_server_client_public(wss_srp_server *srv, const unsigned char *user, size_t user_len,
                                 const unsigned char *A, size_t A_len);
int wss_srp_server_verify(wss_srp_server *srv, const unsigned char *M1, size_t M1_len,
                          unsigned char *M2, size_t cap, size_t *M2_len);
int wss_srp_server_gcm(wss_srp_server *srv, wss_gcm **out);
void wss_srp_server_free(wss_srp_server *srv);
"""
