/* diag.h - the one place diagnostics are collected and rendered.
 * Passes report with dgk_error()/dgk_warning()/dgk_note(); nothing is printed until the
 * caller (dgkc, the runtime, a test) asks for the rendered text. Library code never
 * prints and never exits. */
#ifndef DGK_DIAG_H
#define DGK_DIAG_H

#include <stdio.h>

#include "arena.h"
#include "../dsl/loc.h"

typedef enum dgk_severity { DGK_SEV_ERROR, DGK_SEV_WARNING, DGK_SEV_NOTE } dgk_severity;

typedef struct dgk_diag {
    dgk_severity sev;
    dgk_loc loc;
    const char *msg;
    struct dgk_diag *next;
} dgk_diag;

/* After `limit` errors further errors (and their notes) are counted but not kept, and
 * one "too many errors" line is rendered instead: a 10 MB file of junk must not produce
 * a 10 MB report. */
typedef struct dgk_diags {
    dgk_arena *arena;
    dgk_diag *head, *tail;
    int nerrors, nwarnings;
    int limit;
    int dropped;      /* errors past the limit */
    int last_kept;    /* whether the last error was kept, so its notes follow it */
} dgk_diags;

enum { DGK_DIAG_DEFAULT_LIMIT = 50 };

void dgk_diags_init(dgk_diags *d, dgk_arena *arena);
void dgk_error(dgk_diags *d, dgk_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dgk_warning(dgk_diags *d, dgk_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A note attaches to the diagnostic before it ("note: declared here"). */
void dgk_note(dgk_diags *d, dgk_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dgk_vreport(dgk_diags *d, dgk_severity sev, dgk_loc loc, const char *fmt, va_list ap);

/* Renders every diagnostic as
 *     FILE:LINE:COL: error: MESSAGE
 *         the source line
 *             ^
 * Tabs in the source line are kept so the caret lines up. */
void dgk_diags_print(const dgk_diags *d, FILE *out);
void dgk_diag_print_one(const dgk_diag *g, FILE *out);

#endif
