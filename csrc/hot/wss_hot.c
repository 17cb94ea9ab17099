/*
 * wss._hot: hand-written CPython entry points for the short calls of wss.crypto:
 * sha256(data), hmac_sha256(key, data) and random_bytes(n).
 *
 * Why not cffi: a cffi (API mode) call releases and retakes the GIL and saves and
 * restores errno around every call, ~0.15-0.25 us, as much as a 64-byte SHA-256 costs.
 * Here a call keeps the GIL while its work is small (the *_HELD_MAX thresholds below:
 * at most ~2-3 us), releases it for larger inputs, and writes its result straight into
 * the bytes object it returns.
 *
 * One implementation: this module links neither mbedTLS nor csrc/wss_*.c. At import,
 * wss.crypto calls _init(address, check) with the address of the core's export table
 * (wss_export_table() of wss._core, see wss_core.h) and wss._binding.check, the one
 * helper that turns a non-zero return code into a wss.errors exception. Until then every
 * function raises RuntimeError. So a process keeps one CTR-DRBG and one copy of each
 * primitive, and maps return codes in one place.
 *
 * The module's state (below) is read and written only with the GIL held. Single-phase
 * initialisation: a free-threaded CPython re-enables the GIL when it loads this module.
 *
 * Source: issue 2 ("Calls that take longer than a few microseconds release the GIL").
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>

#include "wss_core.h"

/*
 * The largest inputs worked on with the GIL held, in bytes: for sha256 the data, for
 * hmac_sha256 key + data, for random_bytes n. Measured on the reference machine (x86_64,
 * Debian 12 mbedTLS 2.28): SHA-256 costs ~0.25 us + 3.3 ns/byte, HMAC-SHA256 ~1 us +
 * 3.3 ns/byte, the CTR-DRBG ~1.7 ns/byte, and releasing and retaking the GIL ~0.1-0.2 us.
 * So a call that keeps the GIL holds it for at most ~2 us (SHA-256 of 512 B, 1024 random
 * bytes = one DRBG request) or ~3 us (HMAC), and one that releases it pays < 10 % for that.
 * A slower CPU holds it proportionally longer.
 */
#define HASH_HELD_MAX 512
#define RANDOM_HELD_MAX 1024

/* rc = call, keeping the GIL when keep is true and releasing it around the call otherwise.
 * The call must not touch Python objects. */
#define CALL_CORE(keep, rc, call)       \
    do {                                \
        if (keep) {                     \
            rc = call;                  \
        } else {                        \
            Py_BEGIN_ALLOW_THREADS      \
            rc = call;                  \
            Py_END_ALLOW_THREADS        \
        }                               \
    } while (0)

static const wss_exports *core; /* the core's export table; NULL until _init() */
static PyObject *check_fn;      /* wss._binding.check(rc, what) */

/*
 * random_bytes keeps the GIL only when the DRBG cannot make it wait long:
 * - drbg_warm: a draw of this module has succeeded in this process. The first draw seeds
 *   the DRBG and, after fork(), the child's first draw reseeds it: both read OS entropy
 *   (getrandom() can block early in boot), so they always run with the GIL released.
 * - large_draws: how many draws of more than RANDOM_HELD_MAX bytes are running (GIL
 *   released, DRBG lock held for their whole length). A small draw that would wait for
 *   that lock releases the GIL. The core's other users (EC, TLS) draw a few bytes at a time.
 */
static int drbg_warm;
static int large_draws;

static void after_fork_child(void)
{
    drbg_warm = 0;   /* the child's first draw reseeds (wss_drbg.c) */
    large_draws = 0; /* the threads that were drawing do not exist in the child */
}

static PyObject *not_ready(void)
{
    PyErr_SetString(PyExc_RuntimeError,
                    "wss._hot is not initialised: import wss.crypto, which hands it the "
                    "export table of the compiled core (_hot._init)");
    return NULL;
}

/* Bind the call's positional and keyword arguments (vectorcall convention) to the
 * nparams (<= 2) parameters named in names; out[i] gets a borrowed reference.
 * Returns 0, or -1 with TypeError set, with the messages of a Python function. */
static int bind_args(const char *fname, const char *const *names, Py_ssize_t nparams,
                     PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                     PyObject **out)
{
    Py_ssize_t i, k, nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);

    if (nkw == 0 && nargs == nparams) { /* the usual call: all positional */
        for (i = 0; i < nparams; i++)
            out[i] = args[i];
        return 0;
    }
    if (nargs > nparams) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd positional argument%s but %zd were given",
                     fname, nparams, nparams == 1 ? "" : "s", nargs);
        return -1;
    }
    for (i = 0; i < nparams; i++)
        out[i] = i < nargs ? args[i] : NULL;
    for (k = 0; k < nkw; k++) {
        PyObject *kw = PyTuple_GET_ITEM(kwnames, k);
        for (i = 0; i < nparams; i++)
            if (PyUnicode_CompareWithASCIIString(kw, names[i]) == 0)
                break;
        if (i == nparams) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%S'",
                         fname, kw);
            return -1;
        }
        if (out[i] != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'",
                         fname, names[i]);
            return -1;
        }
        out[i] = args[nargs + k];
    }
    for (i = 0; i < nparams; i++) {
        if (out[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'",
                         fname, names[i]);
            return -1;
        }
    }
    return 0;
}

/* A byte input: bytes, or any object with the buffer protocol. */
typedef struct {
    const unsigned char *buf;
    Py_ssize_t len;
    Py_buffer view; /* view.obj != NULL: a buffer to release */
    PyObject *copy; /* the bytes of a non-contiguous buffer, or NULL */
} hot_input;

static int input_get(PyObject *obj, const char *name, hot_input *in)
{
    in->view.obj = NULL;
    in->copy = NULL;
    if (PyBytes_CheckExact(obj)) {
        in->buf = (const unsigned char *)PyBytes_AS_STRING(obj);
        in->len = PyBytes_GET_SIZE(obj);
        return 0;
    }
    if (!PyObject_CheckBuffer(obj)) {
        PyObject *tname = PyObject_GetAttrString((PyObject *)Py_TYPE(obj), "__name__");
        if (tname != NULL) {
            PyErr_Format(PyExc_TypeError, "%s must be bytes, bytearray or memoryview, not %S",
                         name, tname);
            Py_DECREF(tname);
        }
        return -1;
    }
    /* A buffer stays exported (a bytearray cannot be resized) until input_release. */
    if (PyObject_GetBuffer(obj, &in->view, PyBUF_SIMPLE) == 0) {
        in->buf = (const unsigned char *)in->view.buf;
        in->len = in->view.len;
        return 0;
    }
    in->view.obj = NULL;
    if (!PyErr_ExceptionMatches(PyExc_BufferError))
        return -1;
    /* Not C-contiguous (e.g. memoryview(b)[::2]): its bytes in C order, as bytes(obj). */
    PyErr_Clear();
    in->copy = PyBytes_FromObject(obj);
    if (in->copy == NULL)
        return -1;
    in->buf = (const unsigned char *)PyBytes_AS_STRING(in->copy);
    in->len = PyBytes_GET_SIZE(in->copy);
    return 0;
}

static void input_release(hot_input *in)
{
    if (in->view.obj != NULL)
        PyBuffer_Release(&in->view);
    Py_XDECREF(in->copy);
}

/* The result of a core call that returned rc into out (a new reference): out when rc is
 * 0; else NULL, with the exception that wss._binding.check(rc, what) raises. */
static PyObject *finish(PyObject *out, int rc, const char *what)
{
    PyObject *res;

    if (rc == 0)
        return out;
    Py_DECREF(out);
    res = PyObject_CallFunction(check_fn, "is", rc, what);
    if (res != NULL) {
        Py_DECREF(res);
        PyErr_Format(PyExc_SystemError, "%s failed with code %d but check() raised nothing",
                     what, rc);
    }
    return NULL;
}

PyDoc_STRVAR(sha256_doc,
"sha256($module, /, data)\n--\n\n"
"SHA-256 of ``data``.\n\n"
"Args:\n"
"    data: the message, any length.\n"
"Returns:\n"
"    The 32-byte digest.\n"
"Raises:\n"
"    TypeError: ``data`` is not bytes-like.\n"
"Source: FIPS 180-4; protocol \xc2\xa7" "3.1 row 3 (``ffsSha256``).");

static PyObject *hot_sha256(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames)
{
    static const char *const params[] = {"data"};
    PyObject *argv[1], *out;
    hot_input data;
    int rc;

    (void)module;
    if (core == NULL)
        return not_ready();
    if (bind_args("sha256", params, 1, args, nargs, kwnames, argv) < 0
        || input_get(argv[0], "data", &data) < 0)
        return NULL;
    out = PyBytes_FromStringAndSize(NULL, 32);
    if (out != NULL) {
        int (*sha256)(const unsigned char *, size_t, unsigned char *) = core->sha256;
        unsigned char *digest = (unsigned char *)PyBytes_AS_STRING(out);
        CALL_CORE(data.len <= HASH_HELD_MAX, rc, sha256(data.buf, (size_t)data.len, digest));
        out = finish(out, rc, "SHA-256");
    }
    input_release(&data);
    return out;
}

PyDoc_STRVAR(hmac_sha256_doc,
"hmac_sha256($module, /, key, data)\n--\n\n"
"HMAC-SHA256 of ``data`` under ``key``.\n\n"
"Args:\n"
"    key: the secret key, any length (longer than 64 bytes is hashed first, RFC 2104).\n"
"    data: the message, any length.\n"
"Returns:\n"
"    The 32-byte tag.\n"
"Raises:\n"
"    TypeError: an argument is not bytes-like.\n"
"Source: RFC 2104; protocol \xc2\xa7" "3.1 row 4 (``ffsComputeHMACSHA256``).");

static PyObject *hot_hmac_sha256(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                 PyObject *kwnames)
{
    static const char *const params[] = {"key", "data"};
    PyObject *argv[2], *out;
    hot_input key, data;
    int rc;

    (void)module;
    if (core == NULL)
        return not_ready();
    if (bind_args("hmac_sha256", params, 2, args, nargs, kwnames, argv) < 0
        || input_get(argv[0], "key", &key) < 0)
        return NULL;
    if (input_get(argv[1], "data", &data) < 0) {
        input_release(&key);
        return NULL;
    }
    out = PyBytes_FromStringAndSize(NULL, 32);
    if (out != NULL) {
        int (*hmac)(const unsigned char *, size_t, const unsigned char *, size_t,
                    unsigned char *) = core->hmac_sha256;
        unsigned char *tag = (unsigned char *)PyBytes_AS_STRING(out);
        CALL_CORE(key.len + data.len <= HASH_HELD_MAX, rc,
                  hmac(key.buf, (size_t)key.len, data.buf, (size_t)data.len, tag));
        out = finish(out, rc, "HMAC-SHA256");
    }
    input_release(&data);
    input_release(&key);
    return out;
}

PyDoc_STRVAR(random_bytes_doc,
"random_bytes($module, /, n)\n--\n\n"
"``n`` bytes from the process's CTR-DRBG.\n\n"
"Args:\n"
"    n: how many bytes, 0 or more.\n"
"Returns:\n"
"    ``n`` random bytes.\n"
"Raises:\n"
"    ValueError: ``n`` is negative.\n"
"    wss.errors.InternalError: the generator failed (entropy source unavailable).\n"
"Source: NIST SP 800-90A CTR_DRBG; protocol \xc2\xa7" "3.1 row 2 (``ffsRandomBytes``).");

static PyObject *hot_random_bytes(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames)
{
    static const char *const params[] = {"n"};
    PyObject *argv[1], *out;
    Py_ssize_t n;
    unsigned char *buf;
    int (*draw)(unsigned char *, size_t);
    int rc, large, keep;

    (void)module;
    if (core == NULL)
        return not_ready();
    if (bind_args("random_bytes", params, 1, args, nargs, kwnames, argv) < 0)
        return NULL;
    n = PyNumber_AsSsize_t(argv[0], NULL); /* clamped: a huge n fails in the allocation */
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0) {
        PyErr_Format(PyExc_ValueError, "random_bytes: n must be >= 0, got %S", argv[0]);
        return NULL;
    }
    out = PyBytes_FromStringAndSize(NULL, n);
    if (out == NULL)
        return NULL;
    buf = (unsigned char *)PyBytes_AS_STRING(out);
    draw = core->random_bytes;
    large = n > RANDOM_HELD_MAX;
    keep = !large && drbg_warm && large_draws == 0;
    large_draws += large;
    CALL_CORE(keep, rc, draw(buf, (size_t)n));
    large_draws -= large;
    if (rc == 0)
        drbg_warm = 1;
    return finish(out, rc, "CTR-DRBG random bytes");
}

PyDoc_STRVAR(init_doc,
"_init($module, address, check, /)\n--\n\n"
"Hand this module the core's export table and the return-code helper (wss.crypto does).\n\n"
"Args:\n"
"    address: the address of the wss_exports struct that wss_export_table() of\n"
"        wss._core returns, as an int. Anything else crashes the process.\n"
"    check: wss._binding.check; called as check(rc, what) when a core call returns\n"
"        a non-zero code rc, it raises the matching wss.errors exception.\n"
"Raises:\n"
"    RuntimeError: the table is of another version (a stale build).\n"
"    TypeError: check is not callable.\n"
"    ValueError: address is 0.");

static PyObject *hot_init(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    const wss_exports *table;

    (void)module;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "_init() takes 2 positional arguments but %zd were given",
                     nargs);
        return NULL;
    }
    table = (const wss_exports *)PyLong_AsVoidPtr(args[0]);
    if (table == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "_init: the export table address is 0");
        return NULL;
    }
    if (!PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_init: check must be callable");
        return NULL;
    }
    if (table->version != WSS_EXPORT_TABLE_VERSION || table->size != sizeof(wss_exports)) {
        PyErr_Format(PyExc_RuntimeError,
                     "wss._core exports table version %d (%zu bytes) but wss._hot needs "
                     "version %d (%zu bytes): rebuild with `pip install .`",
                     table->version, table->size, WSS_EXPORT_TABLE_VERSION,
                     sizeof(wss_exports));
        return NULL;
    }
    Py_INCREF(args[1]);
    Py_XSETREF(check_fn, args[1]);
    core = table;
    Py_RETURN_NONE;
}

static PyMethodDef hot_methods[] = {
    {"sha256", (PyCFunction)(void (*)(void))hot_sha256, METH_FASTCALL | METH_KEYWORDS,
     sha256_doc},
    {"hmac_sha256", (PyCFunction)(void (*)(void))hot_hmac_sha256,
     METH_FASTCALL | METH_KEYWORDS, hmac_sha256_doc},
    {"random_bytes", (PyCFunction)(void (*)(void))hot_random_bytes,
     METH_FASTCALL | METH_KEYWORDS, random_bytes_doc},
    {"_init", (PyCFunction)(void (*)(void))hot_init, METH_FASTCALL, init_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(module_doc,
"Fast entry points of wss.crypto's short calls (sha256, hmac_sha256, random_bytes).\n\n"
"They call the compiled core through its export table, which wss.crypto hands over\n"
"with _init() at import. Inputs of at most HASH_HELD_MAX bytes to hash (HMAC: key +\n"
"data) or RANDOM_HELD_MAX random bytes are worked on with the GIL held (~2-3 us at\n"
"most); larger ones release it.");

static struct PyModuleDef hot_module = {
    PyModuleDef_HEAD_INIT, "wss._hot", module_doc, -1, hot_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__hot(void)
{
    static int atfork_registered;
    PyObject *m = PyModule_Create(&hot_module);

    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "HASH_HELD_MAX", HASH_HELD_MAX) < 0
        || PyModule_AddIntConstant(m, "RANDOM_HELD_MAX", RANDOM_HELD_MAX) < 0
        || PyModule_AddIntConstant(m, "EXPORT_TABLE_VERSION", WSS_EXPORT_TABLE_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    if (!atfork_registered) {
        if (pthread_atfork(NULL, NULL, after_fork_child) != 0) {
            Py_DECREF(m);
            PyErr_SetString(PyExc_ImportError, "wss._hot: pthread_atfork failed");
            return NULL;
        }
        atfork_registered = 1;
    }
    return m;
}
