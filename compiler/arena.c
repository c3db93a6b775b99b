/* arena.c - bump allocator: large blocks from malloc, handed out in 16-byte steps. */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_SIZE = 64 * 1024, ALIGN = 16 };

struct dgk_arena_block {
    dgk_arena_block *next;
    size_t cap, off;
    _Alignas(16) unsigned char data[];
};

void dgk_arena_init(dgk_arena *a)
{
    memset(a, 0, sizeof *a);
}

void dgk_arena_free(dgk_arena *a)
{
    dgk_arena_block *b = a->head;
    while (b) {
        dgk_arena_block *next = b->next;
        free(b);
        b = next;
    }
    dgk_arena_init(a);
}

static dgk_arena_block *new_block(dgk_arena *a, size_t need)
{
    size_t cap = need > BLOCK_SIZE ? need : BLOCK_SIZE;
    dgk_arena_block *b = malloc(sizeof *b + cap);
    if (!b) {
        a->failed = 1;
        return NULL;
    }
    b->cap = cap;
    b->off = 0;
    b->next = a->head;
    a->head = b;
    return b;
}

void *dgk_arena_alloc(dgk_arena *a, size_t size)
{
    size_t n = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n < size)
        return a->failed = 1, NULL;
    dgk_arena_block *b = a->head;
    if (!b || b->cap - b->off < n)
        b = new_block(a, n);
    if (!b)
        return NULL;
    void *p = b->data + b->off;
    b->off += n;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *dgk_arena_strndup(dgk_arena *a, const char *s, size_t n)
{
    char *p = dgk_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *dgk_arena_strdup(dgk_arena *a, const char *s)
{
    return dgk_arena_strndup(a, s, strlen(s));
}

char *dgk_arena_vprintf(dgk_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *p = dgk_arena_alloc(a, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *dgk_arena_printf(dgk_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = dgk_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
