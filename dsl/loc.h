/* loc.h - source files and positions.
 * Every token, AST node and IR op carries a dgk_loc so that any pass can point the
 * user at the .dgk text that caused a decision or an error. */
#ifndef DGK_LOC_H
#define DGK_LOC_H

#include <stddef.h>

/* One source buffer. The text is NUL-terminated (len excludes the NUL) and outlives
 * every location that points into it. */
typedef struct dgk_source {
    const char *name; /* as given by the user; printed in diagnostics */
    const char *text;
    size_t len;
} dgk_source;

/* line and col are 1-based; col counts bytes. src may be NULL for synthetic nodes. */
typedef struct dgk_loc {
    const dgk_source *src;
    int line;
    int col;
} dgk_loc;

static inline dgk_loc dgk_loc_make(const dgk_source *src, int line, int col)
{
    dgk_loc l = {src, line, col};
    return l;
}

#endif
