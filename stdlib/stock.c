/* stock.c - the op cache of the stock library: (stock kernel, -D list) -> compiled op,
 * kept in the context's memo so a second request neither compiles nor allocates. The
 * key is a hash of the definitions; the entry keeps the full text and is compared, so
 * a hash collision costs a compile, never a wrong kernel. */
#include <stdio.h>
#include <string.h>

#include "stock.h"

typedef struct op_entry {
    char key[512];
    dgk_op *op;
} op_entry;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static int join(const char *const *defines, int n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        int w = snprintf(buf + used, size - used, "%s;", defines[i]);
        if (w < 0 || (size_t)w >= size - used)
            return 0;
        used += (size_t)w;
    }
    return 1;
}

dgk_status stock_op(dgk_context *ctx, const stock_kernel *k, const char *const *defines, int n, dgk_op **out)
{
    char key[512];
    if (!join(defines, n, key, sizeof key))
        return DGK_EINVAL;
    uint64_t id = (uint64_t)(uintptr_t)k, cls = fnv1a(key);
    op_entry *e = dgk_memo_get(ctx, id, cls);
    if (e && strcmp(e->key, key) == 0)
        return (*out = e->op), DGK_OK;
    dgk_status s = dgk_op_create(ctx, k->source_name, k->source, k->kernel, defines, n, out);
    if (s != DGK_OK || e)
        return s;
    e = dgk_context_alloc(ctx, sizeof *e);
    if (!e)
        return DGK_OK; /* the op works; it just is not remembered */
    memcpy(e->key, key, sizeof key);
    e->op = *out;
    void *stored;
    if (dgk_memo_put(ctx, id, cls, e, &stored) == DGK_OK && stored != e)
        *out = ((op_entry *)stored)->op; /* another thread was first: use its op */
    return DGK_OK;
}
