CDEF = """
int wss_random_bytes(unsigned char *out, size_t len);
"""
