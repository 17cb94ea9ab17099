/*
 * P-256 keys held in a PKCS#11 token (a secure element, TPM or HSM behind its vendor's
 * module). The module is dlopen()ed from the path given at run time; wss links no PKCS#11
 * library. Declarations: pkcs11_min.h (OASIS PKCS#11 v2.40).
 *
 * A token key is a wss_pkey whose `p11` member is set: its mbedtls_pk_context holds the
 * public point only, and the private key never leaves the token. Signatures are CKM_ECDSA
 * over the SHA-256 digest (raw r||s, turned into DER here, RFC 3279 §2.2.3); ECDH is
 * CKM_ECDH1_DERIVE with CKD_NULL into a session object that is read once and destroyed.
 *
 * One PKCS#11 session per key, used under the key's own session lock (a session must not
 * be used by two threads at once, PKCS#11 v2.40 §5.1). Modules are initialised once per
 * process with CKF_OS_LOCKING_OK and stay loaded until the process ends.
 *
 * Mutual TLS: the pk context is set up with a copy of mbedtls_eckey_info whose sign_func
 * calls C_Sign. mbedTLS 2.28 declares that struct in the header it installs
 * (mbedtls/pk_internal.h); 3.x does not, so there its layout is restated and checked
 * against the loaded library before use (wss_p11_pk_layout_check, docs/pkcs11.md).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "pkcs11_min.h"
#include "wss_internal.h"

#if MBEDTLS_VERSION_MAJOR < 3
#include "mbedtls/pk_internal.h"
#endif

/* ---- modules: loaded once per path, never unloaded ---- */

typedef struct p11_module {
    struct p11_module *next;
    char *path; /* realpath() of the module, heap-allocated to its length */
    void *dl;
    CK_FUNCTION_LIST *f;
    int needs_init; /* set in a child after fork(): C_Initialize again before use */
} p11_module;

static p11_module *modules;
static pthread_mutex_t modules_lock = PTHREAD_MUTEX_INITIALIZER;

/* Bumped in the child of every fork(). PKCS#11 v2.40 §5.4 (C_Initialize) and §6.7.7: a
 * child must initialise the library again, and the parent's sessions and object handles
 * mean nothing there, so keys opened before the fork refuse to work in the child
 * (WSS_ERR_P11_FORKED) and modules are initialised again when the child opens a key. */
static volatile unsigned fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void) { pthread_mutex_lock(&modules_lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&modules_lock); }
static void atfork_child(void)
{
    p11_module *m;
    fork_generation++;
    for (m = modules; m != NULL; m = m->next)
        m->needs_init = 1;
    pthread_mutex_unlock(&modules_lock);
}
static void register_atfork(void) { pthread_atfork(atfork_prepare, atfork_parent, atfork_child); }

static CK_RV initialize(CK_FUNCTION_LIST *f)
{
    CK_C_INITIALIZE_ARGS args;
    CK_RV rv;
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    rv = f->C_Initialize(&args);
    return rv == CKR_CRYPTOKI_ALREADY_INITIALIZED ? CKR_OK : rv;
}

static int load_module(const char *path, CK_FUNCTION_LIST **out)
{
    char real[PATH_MAX];
    p11_module *m;
    CK_C_GetFunctionList get_list;
    int rc = 0;

    if (realpath(path, real) == NULL)
        return WSS_ERR_P11_MODULE;
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&modules_lock);
    for (m = modules; m != NULL; m = m->next)
        if (strcmp(m->path, real) == 0) {
            if (m->needs_init) {
                if (initialize(m->f) != CKR_OK) {
                    rc = WSS_ERR_P11_MODULE;
                    goto out;
                }
                m->needs_init = 0;
            }
            goto found;
        }
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        rc = WSS_ERR_ALLOC_FAILED;
        goto out;
    }
    m->path = strdup(real);
    if (m->path == NULL) {
        free(m);
        rc = WSS_ERR_ALLOC_FAILED;
        goto out;
    }
    m->dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    get_list = m->dl == NULL ? NULL : (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList");
    if (get_list == NULL || get_list(&m->f) != CKR_OK || m->f == NULL) {
        if (m->dl != NULL)
            dlclose(m->dl);
        free(m->path);
        free(m);
        rc = WSS_ERR_P11_MODULE;
        goto out;
    }
    if (initialize(m->f) != CKR_OK) {
        dlclose(m->dl);
        free(m->path);
        free(m);
        rc = WSS_ERR_P11_MODULE;
        goto out;
    }
    m->next = modules;
    modules = m;
found:
    *out = m->f;
out:
    pthread_mutex_unlock(&modules_lock);
    return rc;
}

/* ---- one key: a logged-in session and two object handles ---- */

struct wss_p11key {
    CK_FUNCTION_LIST *f;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE priv;
    unsigned generation; /* fork_generation when opened */
    pthread_mutex_t lock; /* one thread at a time on the session */
};

/* A CK_RV of an operation on an open session, as a core error code. */
static int map_rv(CK_RV rv, int otherwise)
{
    switch (rv) {
    case CKR_OK: return 0;
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_REMOVED:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    /* the key's object went away under an open session: SoftHSM2 answers this way when
     * its token is deleted (softhsm2-util --delete-token) while a process uses it */
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID: return WSS_ERR_P11_TOKEN_REMOVED;
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE: return WSS_ERR_P11_PIN_INCORRECT;
    case CKR_PIN_LOCKED:
    case CKR_PIN_EXPIRED: return WSS_ERR_P11_PIN_LOCKED;
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
    case CKR_KEY_TYPE_INCONSISTENT: return WSS_ERR_P11_KEY_USAGE;
    /* the token or what carries it failed without saying it is gone: p11-kit's RPC client
     * answers CKR_DEVICE_ERROR once its server (p11-kit-remote) has died */
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_MEMORY: return WSS_ERR_P11_DEVICE_ERROR;
    case CKR_HOST_MEMORY: return WSS_ERR_ALLOC_FAILED;
    /* tpm2-pkcs11 1.9 (Debian 12) has no C_DeriveKey: CKR_FUNCTION_NOT_SUPPORTED */
    case CKR_FUNCTION_NOT_SUPPORTED:
    case CKR_MECHANISM_INVALID: return WSS_ERR_P11_UNSUPPORTED;
    default: return otherwise;
    }
}

void wss_p11key_free(wss_p11key *k)
{
    if (k == NULL)
        return;
    if (k->session != CK_INVALID_HANDLE && k->generation == fork_generation)
        k->f->C_CloseSession(k->session); /* in a child, the handle is the parent's */
    pthread_mutex_destroy(&k->lock);
    free(k);
}

/* The 32-byte label of a token matches `want` (blank padded, PKCS#11 v2.40 §4.4). */
static int label_matches(const CK_UTF8CHAR label[32], const char *want)
{
    size_t n = strlen(want), i;
    if (n > 32 || memcmp(label, want, n) != 0)
        return 0;
    for (i = n; i < 32; i++)
        if (label[i] != ' ')
            return 0;
    return 1;
}

/* The slot whose token carries `token` as its label (the first such). Without a label,
 * the only token present: with several, the URI must name one (WSS_ERR_P11_AMBIGUOUS). */
static int find_slot(CK_FUNCTION_LIST *f, const char *token, CK_SLOT_ID *slot)
{
    CK_SLOT_ID slots[64];
    CK_ULONG count = 64, i;
    CK_TOKEN_INFO info;
    CK_RV rv = f->C_GetSlotList(CK_TRUE, slots, &count);
    if (rv == CKR_BUFFER_TOO_SMALL)
        count = 64; /* more than 64 tokens: look at the first 64 */
    else if (rv != CKR_OK)
        return map_rv(rv, WSS_ERR_P11_FAILED);
    if (token == NULL) {
        if (count > 1)
            return WSS_ERR_P11_AMBIGUOUS;
        if (count == 0)
            return WSS_ERR_P11_NO_TOKEN;
        *slot = slots[0];
        return 0;
    }
    for (i = 0; i < count && i < 64; i++) {
        if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
            continue;
        if (label_matches(info.label, token)) {
            *slot = slots[i];
            return 0;
        }
    }
    return WSS_ERR_P11_NO_TOKEN;
}

/* Find exactly one object of `cls` with the given CKA_ID and/or CKA_LABEL. */
static int find_object(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
                       const unsigned char *id, size_t id_len, const char *label,
                       CK_OBJECT_HANDLE *out)
{
    CK_ATTRIBUTE tmpl[3];
    CK_ULONG n = 0, found = 0;
    CK_OBJECT_HANDLE h[2];
    CK_RV rv;

    tmpl[n].type = CKA_CLASS;
    tmpl[n].pValue = &cls;
    tmpl[n++].ulValueLen = sizeof(cls);
    if (id != NULL) {
        tmpl[n].type = CKA_ID;
        tmpl[n].pValue = (void *)id;
        tmpl[n++].ulValueLen = id_len;
    }
    if (label != NULL) {
        tmpl[n].type = CKA_LABEL;
        tmpl[n].pValue = (void *)label;
        tmpl[n++].ulValueLen = strlen(label);
    }
    rv = f->C_FindObjectsInit(s, tmpl, n);
    if (rv != CKR_OK)
        return map_rv(rv, WSS_ERR_P11_FAILED);
    rv = f->C_FindObjects(s, h, 2, &found);
    f->C_FindObjectsFinal(s);
    if (rv != CKR_OK)
        return map_rv(rv, WSS_ERR_P11_FAILED);
    if (found == 0)
        return WSS_ERR_P11_NO_KEY;
    if (found > 1)
        return WSS_ERR_P11_AMBIGUOUS;
    *out = h[0];
    return 0;
}

/* DER OID of secp256r1 (RFC 5480 §2.1.1.1) as CKA_EC_PARAMS carries it. */
static const unsigned char P256_PARAMS[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};

static int check_private_key(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
    CK_KEY_TYPE type = (CK_KEY_TYPE)-1;
    unsigned char params[32];
    CK_ATTRIBUTE a[2] = {{CKA_KEY_TYPE, &type, sizeof(type)}, {CKA_EC_PARAMS, params, sizeof(params)}};
    CK_RV rv = f->C_GetAttributeValue(s, h, a, 1);
    if (rv != CKR_OK)
        return map_rv(rv, WSS_ERR_P11_FAILED);
    if (type != CKK_EC)
        return WSS_ERR_P11_KEY_TYPE;
    rv = f->C_GetAttributeValue(s, h, a + 1, 1);
    if (rv != CKR_OK || a[1].ulValueLen != sizeof(P256_PARAMS) ||
        memcmp(params, P256_PARAMS, sizeof(P256_PARAMS)) != 0)
        return WSS_ERR_P11_KEY_TYPE;
    return 0;
}

/* CKA_EC_POINT of the public-key object: a DER OCTET STRING holding the uncompressed
 * point (PKCS#11 v2.40 Mechanisms §2.3.3); some modules return the bare point. */
static int read_point(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                      unsigned char point[65])
{
    unsigned char buf[80];
    CK_ATTRIBUTE a = {CKA_EC_POINT, buf, sizeof(buf)};
    CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);
    if (rv != CKR_OK)
        return map_rv(rv, WSS_ERR_P11_KEY_TYPE);
    if (a.ulValueLen == 67 && buf[0] == 0x04 && buf[1] == 65 && buf[2] == 0x04)
        memcpy(point, buf + 2, 65);
    else if (a.ulValueLen == 65 && buf[0] == 0x04)
        memcpy(point, buf, 65);
    else
        return WSS_ERR_P11_KEY_TYPE;
    return 0;
}

/* The type and name an EC key description and an ECDSA one carry in mbedTLS (both lines):
 * what wss_p11_pk_layout_check first reads through the layout it assumes. */
static int named_ec_descriptions(mbedtls_pk_type_t ek_type, const char *ek_name,
                                 mbedtls_pk_type_t ed_type, const char *ed_name)
{
    return ek_type == MBEDTLS_PK_ECKEY && ed_type == MBEDTLS_PK_ECDSA && ek_name != NULL &&
           strcmp(ek_name, "EC") == 0 && ed_name != NULL && strcmp(ed_name, "ECDSA") == 0;
}

#if MBEDTLS_VERSION_MAJOR < 3
/* ---- mbedTLS 2.28: an ECKEY pk_info whose signatures are the token's ---- */

typedef struct p11_pk_ctx {
    mbedtls_ecp_keypair kp; /* first: mbedtls_pk_ec() and the eckey functions see this */
    wss_p11key *p11;
} p11_pk_ctx;

static void *p11_ctx_alloc(void)
{
    p11_pk_ctx *ctx = calloc(1, sizeof(*ctx));
    if (ctx != NULL)
        mbedtls_ecp_keypair_init(&ctx->kp);
    return ctx;
}

static void p11_ctx_free(void *ctx)
{
    mbedtls_ecp_keypair_free(&((p11_pk_ctx *)ctx)->kp);
    free(ctx);
}

static int p11_sign_func(void *ctx, mbedtls_md_type_t md_alg, const unsigned char *hash,
                         size_t hash_len, unsigned char *sig, size_t *sig_len,
                         int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    (void)md_alg;
    (void)f_rng;
    (void)p_rng;
    return wss_p11_sign_hash(((p11_pk_ctx *)ctx)->p11, hash, hash_len, sig,
                             MBEDTLS_ECDSA_MAX_LEN, sig_len);
}

static mbedtls_pk_info_t p11_info;
static pthread_once_t p11_info_once = PTHREAD_ONCE_INIT;

static void p11_info_init(void)
{
    p11_info = mbedtls_eckey_info;
    p11_info.name = "EC (PKCS#11)";
    p11_info.sign_func = p11_sign_func;
    p11_info.check_pair_func = NULL; /* no private scalar: compare public points instead */
    p11_info.ctx_alloc_func = p11_ctx_alloc;
    p11_info.ctx_free_func = p11_ctx_free;
}

static int setup_pk(wss_pkey *key, const unsigned char point[65])
{
    int rc;
    p11_pk_ctx *ctx;
    pthread_once(&p11_info_once, p11_info_init);
    rc = mbedtls_pk_setup(&key->pk, &p11_info);
    if (rc != 0)
        return rc;
    ctx = key->pk.pk_ctx;
    ctx->p11 = key->p11;
    rc = mbedtls_ecp_group_load(&ctx->kp.grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&ctx->kp.grp, &ctx->kp.Q, point, 65);
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&ctx->kp.grp, &ctx->kp.Q);
    return rc;
}
#else
/* ---- mbedTLS 3.x: the same route, through the library's own mbedtls_eckey_info ----
 *
 * 3.x keeps struct mbedtls_pk_info_t in library/pk_wrap.h, which it does not install, but
 * its libcrypto still exports mbedtls_eckey_info and mbedtls_ecdsa_info, and
 * mbedtls_pk_sign() still calls pk_info->sign_func for the TLS 1.2 and 1.3
 * CertificateVerify. So a token key's pk context is parsed from its public point as usual
 * (whatever the build keeps inside: an mbedtls_ecp_keypair, or PSA EC data) and then
 * pointed at a copy of mbedtls_eckey_info whose sign_func is the token's.
 *
 * wss_pk_info3 restates the member order of that struct in mbedTLS 3.6 (the members
 * between sign_func and ctx_free_func exist only with MBEDTLS_ECDSA_C and
 * MBEDTLS_ECP_RESTARTABLE, exactly as there). The layout is not taken on trust: before the
 * first use, wss_p11_pk_layout_check() compares it with what the loaded library holds, and a
 * library that does not match leaves token keys public-only, refused as TLS client keys
 * with WSS_ERR_P11_NO_TLS_HOOK (docs/pkcs11.md). */

typedef void (*wss_fn)(void); /* a member the code only compares, never calls */

typedef struct {
    mbedtls_pk_type_t type;
    const char *name;
    size_t (*get_bitlen)(mbedtls_pk_context *pk);
    int (*can_do)(mbedtls_pk_type_t type);
    wss_fn verify_func;
    int (*sign_func)(mbedtls_pk_context *pk, mbedtls_md_type_t md_alg, const unsigned char *hash,
                     size_t hash_len, unsigned char *sig, size_t sig_size, size_t *sig_len,
                     int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
#if defined(MBEDTLS_ECDSA_C) && defined(MBEDTLS_ECP_RESTARTABLE)
    wss_fn verify_rs_func;
    wss_fn sign_rs_func;
#endif
    wss_fn decrypt_func;
    wss_fn encrypt_func;
    wss_fn check_pair_func;
    wss_fn ctx_alloc_func;
    wss_fn ctx_free_func;
#if defined(MBEDTLS_ECDSA_C) && defined(MBEDTLS_ECP_RESTARTABLE)
    wss_fn rs_alloc_func;
    wss_fn rs_free_func;
#endif
    wss_fn debug_func;
} wss_pk_info3;

/* SubjectPublicKeyInfo of an uncompressed P-256 point (RFC 5480): fixed 26-byte prefix. */
static const unsigned char P256_SPKI_PREFIX[26] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
    0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

static int p11_sign_func(mbedtls_pk_context *pk, mbedtls_md_type_t md_alg,
                         const unsigned char *hash, size_t hash_len, unsigned char *sig,
                         size_t sig_size, size_t *sig_len,
                         int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    /* the pk context mbedTLS hands back is the one inside the token key's wss_pkey */
    wss_pkey *key = (wss_pkey *)((char *)pk - offsetof(wss_pkey, pk));
    (void)md_alg;
    (void)f_rng;
    (void)p_rng;
    return wss_p11_sign_hash(key->p11, hash, hash_len, sig, sig_size, sig_len);
}

/* The library's EC key and ECDSA descriptions seen through wss_pk_info3: both must carry
 * their own type and name where the layout puts them, share the EC functions mbedTLS 3.6
 * gives both (bit length, verify, sign, check_pair, context allocation, debug), and offer
 * no encryption. A build whose layout differs (a config with MBEDTLS_ECP_RESTARTABLE
 * against headers without it, or a later change of the struct) moves NULL and non-NULL
 * members and fails here; only then is a function called: a signature made through
 * sign_func with a software key must verify. */
int wss_p11_pk_layout_check(const void *eckey_info, const void *ecdsa_info)
{
    const wss_pk_info3 *ek = eckey_info, *ed = ecdsa_info;
    wss_pkey *probe = NULL;
    unsigned char hash[32] = {0}, sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t sig_len = 0;
    int rc;

    if (ek == NULL || ed == NULL || !named_ec_descriptions(ek->type, ek->name, ed->type, ed->name))
        return WSS_ERR_P11_NO_TLS_HOOK;
    if (ek->get_bitlen == NULL || ek->get_bitlen != ed->get_bitlen || ek->can_do == NULL ||
        ek->verify_func == NULL || ek->verify_func != ed->verify_func || ek->sign_func == NULL ||
        ek->sign_func != ed->sign_func || ek->decrypt_func != NULL || ek->encrypt_func != NULL ||
        ed->decrypt_func != NULL || ed->encrypt_func != NULL || ek->check_pair_func == NULL ||
        ek->check_pair_func != ed->check_pair_func || ek->ctx_alloc_func != ed->ctx_alloc_func ||
        ek->ctx_free_func != ed->ctx_free_func || ek->debug_func == NULL ||
        ek->debug_func != ed->debug_func)
        return WSS_ERR_P11_NO_TLS_HOOK;
    if (!ek->can_do(MBEDTLS_PK_ECDSA) || wss_pkey_generate(&probe) != 0)
        return WSS_ERR_P11_NO_TLS_HOOK;
    if (ek->get_bitlen(&probe->pk) != 256)
        rc = WSS_ERR_P11_NO_TLS_HOOK;
    else
        rc = ek->sign_func(&probe->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig),
                           &sig_len, wss_rng, NULL);
    if (rc == 0)
        rc = mbedtls_pk_verify(&probe->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sig_len);
    wss_pkey_free(probe);
    return rc == 0 ? 0 : WSS_ERR_P11_NO_TLS_HOOK;
}

static wss_pk_info3 p11_info;
static int p11_info_rc = WSS_ERR_P11_NO_TLS_HOOK;
static pthread_once_t p11_info_once = PTHREAD_ONCE_INIT;

static void p11_info_init(void)
{
    const void *eckey = mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY);
    p11_info_rc = wss_p11_pk_layout_check(eckey, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA));
    if (p11_info_rc != 0)
        return;
    memcpy(&p11_info, eckey, sizeof(p11_info));
    p11_info.name = "EC (PKCS#11)";
    p11_info.sign_func = p11_sign_func;
    p11_info.check_pair_func = NULL; /* no private scalar: compare public points instead */
#if defined(MBEDTLS_ECDSA_C) && defined(MBEDTLS_ECP_RESTARTABLE)
    p11_info.sign_rs_func = NULL; /* restartable signing would bypass the token */
#endif
}

int wss_p11_tls_hook(void)
{
    pthread_once(&p11_info_once, p11_info_init);
    return p11_info_rc;
}

static int setup_pk(wss_pkey *key, const unsigned char point[65])
{
    unsigned char spki[91];
    int rc;
    memcpy(spki, P256_SPKI_PREFIX, sizeof(P256_SPKI_PREFIX));
    memcpy(spki + sizeof(P256_SPKI_PREFIX), point, 65);
    rc = wss_parse_p256_spki(&key->pk, spki, sizeof(spki));
    if (rc != 0)
        return rc;
    if (wss_p11_tls_hook() == 0) /* else public-only: wss_p11_tls_ready() refuses it for TLS */
        key->pk.MBEDTLS_PRIVATE(pk_info) = (const mbedtls_pk_info_t *)(const void *)&p11_info;
    return 0;
}
#endif

#if MBEDTLS_VERSION_MAJOR < 3
/* 2.28 declares the struct in the header it installs, so the compiler knows its layout:
 * only the two descriptions' own type and name are checked. */
int wss_p11_pk_layout_check(const void *eckey_info, const void *ecdsa_info)
{
    const mbedtls_pk_info_t *ek = eckey_info, *ed = ecdsa_info;
    if (ek == NULL || ed == NULL || !named_ec_descriptions(ek->type, ek->name, ed->type, ed->name))
        return WSS_ERR_P11_NO_TLS_HOOK;
    return 0;
}

int wss_p11_tls_hook(void) { return 0; }

int wss_p11_tls_ready(wss_pkey *key)
{
    (void)key;
    return 0;
}
#else
/* 0 when this token key's pk context signs through the token, else WSS_ERR_P11_NO_TLS_HOOK. */
int wss_p11_tls_ready(wss_pkey *key)
{
    return key->pk.MBEDTLS_PRIVATE(pk_info) == (const mbedtls_pk_info_t *)(const void *)&p11_info
               ? 0
               : WSS_ERR_P11_NO_TLS_HOOK;
}
#endif

/* A P-256 key pair generated in the token (PKCS#11 v2.40 Mechanisms §2.3.5,
 * CKM_EC_KEY_PAIR_GEN): token objects, the private one sensitive, never extractable, for
 * signing and ECDH, both with the given CKA_ID/CKA_LABEL. */
static int generate_pair(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s, const unsigned char *id,
                         size_t id_len, const char *label)
{
    CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE pub[5] = {
        {CKA_EC_PARAMS, (void *)P256_PARAMS, sizeof(P256_PARAMS)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_VERIFY, &yes, sizeof(yes)},
    };
    CK_ATTRIBUTE priv[9] = {
        {CKA_TOKEN, &yes, sizeof(yes)},     {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_SIGN, &yes, sizeof(yes)},      {CKA_DERIVE, &yes, sizeof(yes)},
    };
    CK_ULONG npub = 3, npriv = 6;
    CK_OBJECT_HANDLE hpub, hpriv;
    CK_RV rv;

    if (id != NULL) {
        CK_ATTRIBUTE a = {CKA_ID, (void *)id, id_len};
        pub[npub++] = a;
        priv[npriv++] = a;
    }
    if (label != NULL) {
        CK_ATTRIBUTE a = {CKA_LABEL, (void *)label, strlen(label)};
        pub[npub++] = a;
        priv[npriv++] = a;
    }
    rv = f->C_GenerateKeyPair(s, &mech, pub, npub, priv, npriv, &hpub, &hpriv);
    return map_rv(rv, WSS_ERR_P11_FAILED);
}

int wss_pkey_from_pkcs11(const char *module, const char *token, const unsigned char *id,
                         size_t id_len, const char *object, const unsigned char *pin,
                         size_t pin_len, int generate, wss_pkey **out)
{
    int rc;
    CK_FUNCTION_LIST *f;
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE pub;
    CK_RV rv;
    unsigned char point[65];
    wss_p11key *k;
    wss_pkey *key;

    if (id == NULL && object == NULL)
        return WSS_ERR_BAD_INPUT; /* the URI must name the key */
    rc = load_module(module, &f);
    if (rc != 0)
        return rc;
    rc = find_slot(f, token, &slot);
    if (rc != 0)
        return rc;
    k = calloc(1, sizeof(*k));
    if (k == NULL)
        return WSS_ERR_ALLOC_FAILED;
    k->f = f;
    k->generation = fork_generation;
    pthread_mutex_init(&k->lock, NULL);
    rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | (generate ? CKF_RW_SESSION : 0), NULL, NULL,
                          &k->session);
    if (rv != CKR_OK) {
        k->session = CK_INVALID_HANDLE;
        rc = map_rv(rv, WSS_ERR_P11_FAILED);
        goto fail;
    }
    if (pin != NULL) {
        rv = f->C_Login(k->session, CKU_USER, (CK_UTF8CHAR *)pin, pin_len);
        if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
            rc = map_rv(rv, WSS_ERR_P11_FAILED);
            goto fail;
        }
    }
    if (generate) {
        /* never a second key under the same name: the URI must find nothing yet */
        rc = find_object(f, k->session, CKO_PRIVATE_KEY, id, id_len, object, &k->priv);
        if (rc == 0 || rc == WSS_ERR_P11_AMBIGUOUS)
            rc = WSS_ERR_P11_KEY_EXISTS;
        else if (rc == WSS_ERR_P11_NO_KEY)
            rc = generate_pair(f, k->session, id, id_len, object);
        if (rc != 0)
            goto fail;
    }
    rc = find_object(f, k->session, CKO_PRIVATE_KEY, id, id_len, object, &k->priv);
    if (rc == 0)
        rc = check_private_key(f, k->session, k->priv);
    if (rc == 0)
        rc = find_object(f, k->session, CKO_PUBLIC_KEY, id, id_len, object, &pub);
    if (rc == 0)
        rc = read_point(f, k->session, pub, point);
    if (rc != 0)
        goto fail;
    key = wss_pkey_new();
    if (key == NULL) {
        rc = WSS_ERR_ALLOC_FAILED;
        goto fail;
    }
    key->p11 = k;
    rc = setup_pk(key, point);
    if (rc != 0) {
        wss_pkey_free(key); /* frees k too */
        return WSS_ERR_P11_KEY_TYPE;
    }
    *out = key;
    return 0;
fail:
    wss_p11key_free(k);
    return rc;
}

int wss_pkey_is_token(wss_pkey *key) { return key->p11 != NULL; }

/* One DER INTEGER (X.690 §8.3) from a big-endian unsigned value; returns bytes written. */
static size_t der_uint(unsigned char *p, const unsigned char *v, size_t len)
{
    size_t n = 0;
    while (len > 1 && v[0] == 0) {
        v++;
        len--;
    }
    p[n++] = 0x02;
    p[n++] = (unsigned char)(len + (v[0] & 0x80 ? 1 : 0));
    if (v[0] & 0x80)
        p[n++] = 0x00;
    memcpy(p + n, v, len);
    return n + len;
}

int wss_p11_sign_hash(wss_p11key *k, const unsigned char *hash, size_t hash_len,
                      unsigned char *sig, size_t cap, size_t *sig_len)
{
    CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
    unsigned char raw[64], der[72];
    CK_ULONG raw_len = sizeof(raw);
    size_t n;
    CK_RV rv;

    if (k->generation != fork_generation)
        return WSS_ERR_P11_FORKED;
    pthread_mutex_lock(&k->lock);
    rv = k->f->C_SignInit(k->session, &mech, k->priv);
    if (rv == CKR_OK)
        rv = k->f->C_Sign(k->session, (CK_BYTE *)hash, hash_len, raw, &raw_len);
    pthread_mutex_unlock(&k->lock);
    if (rv != CKR_OK)
        return map_rv(rv, WSS_ERR_P11_FAILED);
    if (raw_len != 64)
        return WSS_ERR_P11_FAILED;
    /* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3) */
    n = 2;
    n += der_uint(der + n, raw, 32);
    n += der_uint(der + n, raw + 32, 32);
    der[0] = 0x30;
    der[1] = (unsigned char)(n - 2);
    if (n > cap)
        return WSS_ERR_BUFFER_TOO_SMALL;
    memcpy(sig, der, n);
    *sig_len = n;
    return 0;
}

int wss_p11_ecdh(wss_p11key *k, const unsigned char peer_point[65], unsigned char out[32])
{
    CK_ECDH1_DERIVE_PARAMS params = {CKD_NULL, 0, NULL, 65, (CK_BYTE *)peer_point};
    CK_MECHANISM mech = {CKM_ECDH1_DERIVE, &params, sizeof(params)};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_GENERIC_SECRET;
    CK_ULONG len = 32;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},         {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_VALUE_LEN, &len, sizeof(len)},     {CKA_TOKEN, &no, sizeof(no)},
        {CKA_SENSITIVE, &no, sizeof(no)},       {CKA_EXTRACTABLE, &yes, sizeof(yes)},
    };
    CK_OBJECT_HANDLE secret = CK_INVALID_HANDLE;
    CK_ATTRIBUTE value = {CKA_VALUE, out, 32};
    CK_RV rv;

    if (k->generation != fork_generation)
        return WSS_ERR_P11_FORKED;
    pthread_mutex_lock(&k->lock);
    rv = k->f->C_DeriveKey(k->session, &mech, k->priv, tmpl, sizeof(tmpl) / sizeof(tmpl[0]),
                           &secret);
    if (rv == CKR_OK) {
        rv = k->f->C_GetAttributeValue(k->session, secret, &value, 1);
        k->f->C_DestroyObject(k->session, secret);
    }
    pthread_mutex_unlock(&k->lock);
    if (rv == CKR_OK && value.ulValueLen != 32)
        rv = CKR_GENERAL_ERROR;
    if (rv != CKR_OK) {
        memset(out, 0, 32);
        return map_rv(rv, WSS_ERR_P11_FAILED);
    }
    return 0;
}
