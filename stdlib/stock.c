/* stock.c - the op cache of the stock library: (stock kernel, -D list) -> compiled op,
 * kept in the context's memo so a second request neither compiles nor allocates. The
 * key is a hash of the definitions; the entry keeps the full text and is compared, so
 * a hash collision costs a compile, never a wrong kernel. Also the GEMM ops by shape
 * (heuristic tile + op cache) and the tensor checks the entry points share. */
#include <stdio.h>
#include <string.h>

#include "runtime/rt.h"
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
        return dgk_fail(DGK_EINVAL, "stock library: the definitions of %s need more than %zu bytes of cache key",
                        k->kernel, sizeof key - 1);
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

/* ---- argument checks ---------------------------------------------------------------- */

dgk_status stock_want(const char *fn, const dgk_tensor *t, const char *name, dgk_dtype_id dt, const char *dt_name,
                      int rank, const char *layout)
{
    if (t->dtype != dt)
        return dgk_fail(DGK_EDTYPE, "%s: %s must be %s", fn, name, dt_name);
    if (t->rank != rank)
        return dgk_fail(DGK_ESHAPE, "%s: %s must be %d-D %s, not %d-D", fn, name, rank, layout, t->rank);
    return DGK_OK;
}

dgk_status stock_extents(const char *fn, const dgk_tensor *t, const char *name, const char *layout, const int64_t *e)
{
    for (int i = 0; i < t->rank; i++)
        if (t->shape[i] != e[i])
            return dgk_fail(DGK_ESHAPE, "%s: %s must be %s: its extent %d is %lld, expected %lld", fn, name, layout, i,
                            (long long)t->shape[i], (long long)e[i]);
    return DGK_OK;
}

dgk_status stock_check_group_ids(const char *fn, dgk_op *op, void *stream, int64_t g)
{
    uint64_t w;
    dgk_status s = dgk_op_debug_word(op, stream, &w);
    if (s != DGK_OK || w == DGK_DEBUG_NONE)
        return s;
    return dgk_fail(DGK_EINVAL, "%s: group_ids[%lld] = %d is out of range: each row's group is -1 (padding) or 0 .. %lld (b holds G = %lld groups) [DGK_DEBUG check]",
                    fn, (long long)(w >> 32), (int)(uint32_t)w, (long long)g - 1, (long long)g);
}

/* ---- GEMM ops by shape ------------------------------------------------------------ */

/* The launch memo entry of a stock GEMM: the exact key it was made for, and its op. The
 * masked entry points' expected rows per group are part of it: the heuristic picks a
 * swapped tile by them (gemm_heuristic.c, masked_swap_bm), and G x expected_m (m) does not
 * tell 32 groups of 20 rows from 4 of 160. */
typedef struct gemm_memo {
    const stock_kernel *kernel;
    int64_t m, n, k;
    uint32_t flags;
    int masked_rows;
    dgk_op *op;
} gemm_memo;

static uint64_t memo_id(const stock_kernel *k, int64_t n, int64_t kk, uint32_t flags, int masked_rows)
{
    return (uint64_t)(uintptr_t)k ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)kk << 32) ^ flags ^
           ((uint64_t)(uint32_t)masked_rows * 0xc2b2ae3d27d4eb4full);
}

dgk_status stock_check_clusters(const stock_kernel *k, const gemm_config *c)
{
    static const struct { int bit; const char *param, *env; } axes[2] = {
        {STOCK_CLUSTER_M, "CLUSTER (a cluster along M)", "DGK_GEMM_CLUSTER"},
        {STOCK_CLUSTER_N, "CLUSTER_N (a cluster along N)", "DGK_GEMM_CLUSTER_N"},
    };
    int want[2] = {c->cluster, c->cluster_n};
    for (int i = 0; i < 2; i++)
        if (want[i] > 1 && !k->tunable && !(k->clusters & axes[i].bit))
            return dgk_fail(DGK_EINVAL, "stock library: %s has no %s, but %d was asked for (%s?)", k->kernel,
                            axes[i].param, want[i], axes[i].env);
    return DGK_OK;
}

int stock_config_defines(const stock_kernel *k, const gemm_shape *s, const gemm_config *cfg, char (*d)[48],
                         const char **defines)
{
    const gemm_config c = *cfg;
    snprintf(d[0], sizeof d[0], "BM=%d", c.bm);
    snprintf(d[1], sizeof d[1], "BN=%d", c.bn);
    snprintf(d[2], sizeof d[2], "N=%lld", (long long)s->n);
    snprintf(d[3], sizeof d[3], "K=%lld", (long long)s->k);
    /* only kernels with split_k SPLIT take it; SPLIT=1 is the plain kernel (no define) */
    snprintf(d[4], sizeof d[4], "SPLIT=%d", c.split);
    /* only the tunable (dense) kernels have SPLIT, CLUSTER, CLUSTER_N and L2; the m-grouped
     * ones have some of the clusters (stock.h, stock_kernel.clusters) */
    snprintf(d[5], sizeof d[5], "CLUSTER=%d", c.cluster);
    snprintf(d[6], sizeof d[6], "CLUSTER_N=%d", c.cluster_n);
    snprintf(d[7], sizeof d[7], "SWIZZLE=%d", c.swizzle); /* every stock GEMM kernel has it */
    int n = 0;
    for (int i = 0; i < 4; i++)
        defines[n++] = d[i];
    if (k->tunable && c.split != 1)
        defines[n++] = d[4];
    int cluster_m = c.cluster > 1, cluster_n = c.cluster_n > 1; /* the kernel has them: stock_check_clusters */
    if (cluster_m)
        defines[n++] = d[5];
    if (cluster_n)
        defines[n++] = d[6];
    if ((k->clusters & STOCK_CLUSTER_DYN) && (cluster_m || cluster_n))
        defines[n++] = "DYN=0"; /* clusters walk their tiles in a fixed stride */
    if (c.swizzle != 0) /* 0: the kernel's default; any other value goes to the compiler */
        defines[n++] = d[7];
    if (k->tunable && c.l2_stream)
        defines[n++] = "L2=1";
    /* asked for (DGK_GEMM_TAIL=1); with a cluster both go to the compiler, which refuses
     * the pair with the reason */
    if (s->tail_split)
        defines[n++] = "TAIL=1";
    return n;
}

static dgk_status compile_for(dgk_context *ctx, const stock_kernel *k, const gemm_shape *s, int bm,
                              const char *const *extra, int nextra, dgk_op **op)
{
    dgk_device_props props;
    dgk_device_props_get(ctx, &props);
    gemm_shape sk = *s;
    sk.can_split = k->tunable; /* split-K and clusters are parameters of the tunable kernels only */
    gemm_config c = gemm_heuristic_bm(&sk, props.sm_count, bm);
    gemm_tail_override(&sk, &c);
    gemm_tile_override(&c);
    gemm_split_override(&c);
    gemm_swizzle_override(&c);
    if (bm)
        c.bm = bm;
    gemm_l2_rule(&sk, props.sm_count, &c); /* on the final tile, split and clusters */
    gemm_l2_override(&c);
    dgk_status st = stock_check_clusters(k, &c);
    if (st != DGK_OK)
        return st;
    char d[STOCK_CONFIG_DEFINES][48];
    const char *defines[STOCK_MAX_DEFINES];
    int n = stock_config_defines(k, &sk, &c, d, defines);
    if (n + nextra > STOCK_MAX_DEFINES) /* never drop one: the kernel would differ from the key */
        return dgk_fail(DGK_EINVAL, "stock library: %s needs %d definitions, more than %d", k->kernel, n + nextra,
                        STOCK_MAX_DEFINES);
    for (int i = 0; i < nextra; i++)
        defines[n++] = extra[i];
    return stock_op(ctx, k, defines, n, op);
}

dgk_status stock_gemm_op(dgk_context *ctx, const stock_kernel *k, const gemm_shape *s, uint32_t flags,
                         const char *const *extra, int nextra, dgk_op **op)
{
    return stock_gemm_op_bm(ctx, k, s, 0, flags, extra, nextra, op);
}

dgk_status stock_gemm_op_bm(dgk_context *ctx, const stock_kernel *k, const gemm_shape *s, int bm, uint32_t flags,
                            const char *const *extra, int nextra, dgk_op **op)
{
    uint64_t id = memo_id(k, s->n, s->k, flags, s->masked_rows);
    gemm_memo *e = dgk_memo_get(ctx, id, (uint64_t)s->m);
    if (e && e->kernel == k && e->m == s->m && e->n == s->n && e->k == s->k && e->flags == flags &&
        e->masked_rows == s->masked_rows)
        return (*op = e->op), DGK_OK;
    dgk_status st = compile_for(ctx, k, s, bm, extra, nextra, op);
    if (st != DGK_OK || e)
        return st;
    e = dgk_context_alloc(ctx, sizeof *e);
    if (e) {
        *e = (gemm_memo){k, s->m, s->n, s->k, flags, s->masked_rows, *op};
        dgk_memo_put(ctx, id, (uint64_t)s->m, e, NULL);
    }
    return DGK_OK;
}

/* The row stride of a 2-D tensor in elements (a dense one's is its row length). */
static int64_t row_stride(const dgk_tensor *t)
{
    return t->stride[t->rank - 1] != 0 ? t->stride[0] : t->shape[1];
}

dgk_status stock_tma_rows(const char *fn, const char *name, const dgk_tensor *t)
{
    int64_t es = t->dtype == DGK_DTYPE_UE8M0 ? 1 : 4, ld = row_stride(t);
    if (ld * es % 16 != 0)
        return dgk_fail(DGK_EALIGN,
                        "%s: %s's row stride is %lld elements = %lld bytes; TMA needs a multiple of 16 bytes: pad it "
                        "to dgk_fp8_scale_stride(%lld, dtype) = %lld",
                        fn, name, (long long)ld, (long long)(ld * es), (long long)t->shape[1],
                        (long long)dgk_fp8_scale_stride(t->shape[1], t->dtype));
    return DGK_OK;
}

dgk_status stock_rows_16b(const char *fn, const char *name, const dgk_tensor *t, const char *rows_of)
{
    int64_t row = row_stride(t);
    if (row % 8 == 0)
        return DGK_OK;
    return dgk_fail(DGK_EALIGN,
                    "%s: %s is stored [%lld, %lld] with rows of %lld elements; TMA needs 16-byte rows, so %s must be a multiple of 8 (pad it)",
                    fn, name, (long long)t->shape[0], (long long)t->shape[1], (long long)row, rows_of);
}
