/* diag.c - collects diagnostics in the compilation arena and renders them with the
 * offending source line and a caret (the chibicc verror_at / ninja Lexer::Error form). */
#include "diag.h"

#include <string.h>

static const char *const sev_names[] = {"error", "warning", "note"};

void dgk_diags_init(dgk_diags *d, dgk_arena *arena)
{
    memset(d, 0, sizeof *d);
    d->arena = arena;
    d->limit = DGK_DIAG_DEFAULT_LIMIT;
}

static int keep(dgk_diags *d, dgk_severity sev)
{
    if (sev == DGK_SEV_NOTE)
        return d->last_kept;
    if (sev == DGK_SEV_ERROR) {
        d->nerrors++;
        if (d->nerrors > d->limit) {
            d->dropped++;
            return d->last_kept = 0;
        }
    } else {
        d->nwarnings++;
    }
    return d->last_kept = 1;
}

void dgk_vreport(dgk_diags *d, dgk_severity sev, dgk_loc loc, const char *fmt, va_list ap)
{
    if (!keep(d, sev))
        return;
    dgk_diag *g = DGK_NEW(d->arena, dgk_diag);
    if (!g)
        return;
    g->sev = sev;
    g->loc = loc;
    g->msg = dgk_arena_vprintf(d->arena, fmt, ap);
    if (!g->msg)
        g->msg = "(out of memory formatting diagnostic)";
    if (d->tail)
        d->tail->next = g;
    else
        d->head = g;
    d->tail = g;
}

#define REPORT_FN(fn, sev)                                      \
    void fn(dgk_diags *d, dgk_loc loc, const char *fmt, ...)    \
    {                                                           \
        va_list ap;                                             \
        va_start(ap, fmt);                                      \
        dgk_vreport(d, sev, loc, fmt, ap);                      \
        va_end(ap);                                             \
    }
REPORT_FN(dgk_error, DGK_SEV_ERROR)
REPORT_FN(dgk_warning, DGK_SEV_WARNING)
REPORT_FN(dgk_note, DGK_SEV_NOTE)

/* The bounds of line `line` (1-based) in src, or 0 if the line does not exist. */
static int find_line(const dgk_source *src, int line, const char **start, size_t *len)
{
    const char *p = src->text, *end = src->text + src->len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return 0;
        p = nl + 1;
    }
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    *start = p;
    *len = (size_t)(e - p);
    return 1;
}

/* Prints the line (control bytes shown as '?', so binary junk stays one line) and a
 * caret under column col, copying tabs so the caret lines up under a tabbed line. */
static void print_caret(const dgk_source *src, int line, int col, FILE *out)
{
    const char *s;
    size_t len;
    enum { MAX_SHOWN = 400 };
    if (!src || !src->text || line < 1 || !find_line(src, line, &s, &len))
        return;
    if (len > MAX_SHOWN)
        len = MAX_SHOWN;
    fputs("    ", out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c == '\t' || (c >= 0x20 && c != 0x7f) ? c : '?', out);
    }
    fputs("\n    ", out);
    for (int i = 1; i < col && (size_t)(i - 1) < len; i++)
        fputc(s[i - 1] == '\t' ? '\t' : ' ', out);
    fputs("^\n", out);
}

void dgk_diag_print_one(const dgk_diag *g, FILE *out)
{
    const dgk_loc *l = &g->loc;
    if (l->src)
        fprintf(out, "%s:%d:%d: %s: %s\n", l->src->name, l->line, l->col, sev_names[g->sev], g->msg);
    else
        fprintf(out, "dgk: %s: %s\n", sev_names[g->sev], g->msg);
    print_caret(l->src, l->line, l->col, out);
}

void dgk_diags_print(const dgk_diags *d, FILE *out)
{
    for (const dgk_diag *g = d->head; g; g = g->next)
        dgk_diag_print_one(g, out);
    if (d->dropped)
        fprintf(out, "dgk: error: too many errors (%d more not shown)\n", d->dropped);
}
