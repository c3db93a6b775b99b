/* strbuf.h - a growable string for code generators: emitters append formatted text,
 * the caller takes the finished NUL-terminated buffer. Allocation failure is sticky
 * (`failed`), so emitters append without checking each call and test once at the end. */
#ifndef DGK_STRBUF_H
#define DGK_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct dgk_strbuf {
    char *data;    /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    int failed;    /* an allocation failed; contents are truncated */
} dgk_strbuf;

void dgk_strbuf_init(dgk_strbuf *b);
void dgk_strbuf_free(dgk_strbuf *b);
void dgk_strbuf_puts(dgk_strbuf *b, const char *s);
void dgk_strbuf_putn(dgk_strbuf *b, const char *s, size_t n);
void dgk_strbuf_printf(dgk_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dgk_strbuf_vprintf(dgk_strbuf *b, const char *fmt, va_list ap);
/* The text so far ("" when empty); valid until the next append or free. */
const char *dgk_strbuf_str(const dgk_strbuf *b);

#endif
