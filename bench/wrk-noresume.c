/*
 * LD_PRELOAD shim for wrk: every TLS connection is a full handshake, and the shim counts them.
 *
 * wrk keeps one SSL object per connection slot and, on reconnect (a "Connection: close" answer),
 * calls SSL_clear(), which keeps the last session: the next SSL_connect() offers it and the server
 * resumes (a ticket or the session cache), so wrk would measure resumed handshakes, not full ones.
 * Dropping the session before SSL_clear() makes each reconnect a full handshake.
 *
 * At exit it writes "handshakes N resumed M" to $NORESUME_STATS (if set), so a benchmark can prove
 * that it measured what it says (M must be 0, N about the request count). With NORESUME_KEEP=1 it
 * only counts (wrk's own behaviour), to see how many handshakes wrk alone would have resumed.
 *
 * Build: cc -shared -fPIC -O2 -o noresume.so wrk-noresume.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/ssl.h>

static unsigned long handshakes, resumed;

int SSL_clear(SSL *s) {
    static int (*real)(SSL *);
    if (!real) real = (int (*)(SSL *)) dlsym(RTLD_NEXT, "SSL_clear");
    static int keep = -1;
    if (keep < 0) keep = getenv("NORESUME_KEEP") != NULL;
    if (!keep) SSL_set_session(s, NULL); /* forget the session: no resumption on the next connect */
    return real(s);
}

int SSL_connect(SSL *s) {
    static int (*real)(SSL *);
    if (!real) real = (int (*)(SSL *)) dlsym(RTLD_NEXT, "SSL_connect");
    int r = real(s);
    if (r == 1) {
        __atomic_add_fetch(&handshakes, 1, __ATOMIC_RELAXED);
        if (SSL_session_reused(s)) __atomic_add_fetch(&resumed, 1, __ATOMIC_RELAXED);
    }
    return r;
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("NORESUME_STATS");
    if (!path) return;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "handshakes %lu resumed %lu\n", handshakes, resumed);
    fclose(f);
}
