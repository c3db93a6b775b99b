/* arena.h - bump allocator, one per compilation.
 * The AST, symbols, types, IR and diagnostics of one compilation all live in one arena
 * that is freed once; no pass frees individual nodes. */
#ifndef DGK_ARENA_H
#define DGK_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct dgk_arena_block dgk_arena_block;

typedef struct dgk_arena {
    dgk_arena_block *head;
    size_t used;     /* bytes handed out, for statistics */
    int failed;      /* set once an allocation failed; callers report out-of-memory */
} dgk_arena;

void dgk_arena_init(dgk_arena *a);
void dgk_arena_free(dgk_arena *a);
/* Zeroed, 16-byte aligned memory; NULL only when malloc fails (then a->failed is set). */
void *dgk_arena_alloc(dgk_arena *a, size_t size);
char *dgk_arena_strndup(dgk_arena *a, const char *s, size_t n);
char *dgk_arena_strdup(dgk_arena *a, const char *s);
char *dgk_arena_printf(dgk_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *dgk_arena_vprintf(dgk_arena *a, const char *fmt, va_list ap);

#define DGK_NEW(arena, type) ((type *)dgk_arena_alloc((arena), sizeof(type)))
#define DGK_NEW_ARRAY(arena, type, n) ((type *)dgk_arena_alloc((arena), sizeof(type) * (size_t)(n)))

#endif
