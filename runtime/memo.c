/* memo.c - the hot-path memo: (kernel id, shape class) -> the caller's launch plan, per
 * context. A launch on a cache hit is one dgk_memo_get plus dgk_launch: no lock, no
 * allocation, no hashing of text. Readers load the table pointer and probe with atomic
 * loads; writers take the context lock, fill a slot's key before publishing its value
 * (release), and grow by copying into a table twice the size; old tables stay alive
 * until the context is destroyed, so a reader holding one is never left dangling. */
#include <stdlib.h>

#include "context.h"

enum { FIRST_SIZE = 64 };

static size_t slot_of(uint64_t a, uint64_t b, size_t mask)
{
    uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
    return (size_t)(h ^ h >> 29) & mask;
}

static void *probe(const memo_table *t, uint64_t a, uint64_t b)
{
    for (size_t i = slot_of(a, b, t->mask);; i = (i + 1) & t->mask) {
        const memo_slot *s = &t->slots[i];
        void *v = atomic_load_explicit(&s->value, memory_order_acquire);
        if (!v)
            return NULL;
        if (atomic_load_explicit(&s->a, memory_order_relaxed) == a &&
            atomic_load_explicit(&s->b, memory_order_relaxed) == b)
            return v;
    }
}

void *dgk_memo_get(dgk_context *ctx, uint64_t kernel_id, uint64_t shape_class)
{
    const memo_table *t = ctx ? atomic_load_explicit(&ctx->memo, memory_order_acquire) : NULL;
    return t ? probe(t, kernel_id, shape_class) : NULL;
}

static memo_table *new_table(size_t size)
{
    memo_table *t = calloc(1, sizeof *t + size * sizeof(memo_slot));
    if (t)
        t->mask = size - 1;
    return t;
}

/* Under the lock. Key first, value last (release): a reader that sees the value sees
 * the key. */
static void insert(memo_table *t, uint64_t a, uint64_t b, void *v)
{
    size_t i = slot_of(a, b, t->mask);
    while (atomic_load_explicit(&t->slots[i].value, memory_order_relaxed))
        i = (i + 1) & t->mask;
    atomic_store_explicit(&t->slots[i].a, a, memory_order_relaxed);
    atomic_store_explicit(&t->slots[i].b, b, memory_order_relaxed);
    atomic_store_explicit(&t->slots[i].value, v, memory_order_release);
    t->used++;
}

/* Under the lock: a table with room for one more at load <= 1/2. */
static memo_table *room(dgk_context *ctx)
{
    memo_table *t = atomic_load_explicit(&ctx->memo, memory_order_relaxed);
    if (t && 2 * (t->used + 1) <= t->mask + 1)
        return t;
    memo_table *n = new_table(t ? 2 * (t->mask + 1) : FIRST_SIZE);
    if (!n)
        return NULL;
    for (size_t i = 0; t && i <= t->mask; i++) {
        void *v = atomic_load_explicit(&t->slots[i].value, memory_order_relaxed);
        if (v)
            insert(n, atomic_load_explicit(&t->slots[i].a, memory_order_relaxed),
                   atomic_load_explicit(&t->slots[i].b, memory_order_relaxed), v);
    }
    n->retired = t;
    atomic_store_explicit(&ctx->memo, n, memory_order_release);
    return n;
}

dgk_status dgk_memo_put(dgk_context *ctx, uint64_t kernel_id, uint64_t shape_class,
                        void *value, void **stored)
{
    if (!ctx || !value)
        return dgk_fail(DGK_EINVAL, "dgk_memo_put: %s is NULL", ctx ? "value" : "ctx");
    pthread_mutex_lock(&ctx->lock);
    memo_table *t = atomic_load_explicit(&ctx->memo, memory_order_relaxed);
    void *old = t ? probe(t, kernel_id, shape_class) : NULL;
    if (!old && (t = room(ctx)))
        insert(t, kernel_id, shape_class, value);
    pthread_mutex_unlock(&ctx->lock);
    if (!old && !t)
        return dgk_fail(DGK_ENOMEM, "dgk_memo_put: out of memory growing the memo");
    if (stored)
        *stored = old ? old : value;
    return DGK_OK;
}

void dgk_memo_free(dgk_context *ctx)
{
    memo_table *t = atomic_load_explicit(&ctx->memo, memory_order_relaxed);
    while (t) {
        memo_table *older = t->retired;
        free(t);
        t = older;
    }
    atomic_store_explicit(&ctx->memo, NULL, memory_order_relaxed);
}
