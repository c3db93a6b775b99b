/* strbuf.c - growable string (see strbuf.h): doubling growth with malloc/realloc. */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dgk_strbuf_init(dgk_strbuf *b)
{
    memset(b, 0, sizeof *b);
}

void dgk_strbuf_free(dgk_strbuf *b)
{
    free(b->data);
    dgk_strbuf_init(b);
}

/* Makes room for `extra` more bytes plus the NUL; 0 on failure (sticky). */
static int reserve(dgk_strbuf *b, size_t extra)
{
    if (b->failed)
        return 0;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return b->failed = 1, 0;
    b->data = p;
    b->cap = cap;
    return 1;
}

void dgk_strbuf_putn(dgk_strbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void dgk_strbuf_puts(dgk_strbuf *b, const char *s)
{
    dgk_strbuf_putn(b, s, strlen(s));
}

void dgk_strbuf_vprintf(dgk_strbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void dgk_strbuf_printf(dgk_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dgk_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *dgk_strbuf_str(const dgk_strbuf *b)
{
    return b->data ? b->data : "";
}
