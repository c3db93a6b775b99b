/* op.c - .dgk kernels at run time (dgk_op_create / dgk_op_launch in dgk.h).
 * Create: the compiler library turns the source into a plan and CUDA C for one kernel
 * (libdgkc), module.c compiles it through the cache and loads it. Launch: binds the
 * caller's tensors to the plan's kernel ABI (compiler/plan.h) — TMA descriptors, raw
 * pointers, shape symbols, strides, scalars — after dgkc_check_launch has checked every
 * declared extent and constraint, then launches with the plan's block, shared memory
 * and cluster shape. The launch path allocates nothing and formats no text unless it
 * fails, with one exception: a split-K or dynamic kernel's workspace (workspace.c) is
 * allocated by the first launch on a stream that needs it, grown by a larger one, and
 * allocated afresh for each launch captured into a CUDA graph. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/plan.h"
#include "context.h"
#include "dgkc.h"
#include "workspace.h"

enum { MAX_PARAMS = 32, MAX_ARGS = 32 };

struct dgk_op {
    dgk_context *ctx;
    dgkc_unit *unit;
    int index;                 /* the kernel within the unit */
    const dgk_plan *plan;
    dgk_kernel *fn;
    const char *cuda;
    int nparams;
    dgk_workspace ws;          /* split-K buffers, dynamic tile counters; unused otherwise */
    int debug;                 /* compiled with -DDGK_DEBUG=1 (DGK_DEBUG set at creation) */
    struct dgk_op *next;
};

/* One launch's argument values; tensor maps first for their 64-byte alignment. */
typedef struct arg_storage {
    dgk_tensor_map maps[MAX_ARGS];
    union {
        void *ptr;
        int32_t i32;
        uint32_t u32;
        int64_t i64;
        float f32;
    } v[MAX_ARGS];
    void *argv[MAX_ARGS];
    CUdeviceptr ws[2];         /* split-K partial sums, counters (DGK_ARG_WORKSPACE axis 0, 1) */
} arg_storage;

void dgk_ops_free(dgk_context *ctx)
{
    dgk_op *op = ctx->ops;
    while (op) {
        dgk_op *next = op->next;
        dgk_workspace_free(&op->ws, ctx->cu);
        dgkc_unit_free(op->unit);
        free(op);
        op = next;
    }
    ctx->ops = NULL;
}

/* The unit's diagnostics as the error message (the user's source errors). */
static dgk_status fail_with_diagnostics(dgkc_unit *u, const char *kernel)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        dgkc_print_diagnostics(u, f);
        fclose(f);
    }
    dgk_status s = dgk_fail(DGK_ECOMPILE, "dgk_op_create: kernel %s:\n%s", kernel, text ? text : "(no diagnostics)");
    free(text);
    return s;
}

static dgk_status compile_unit(dgk_context *ctx, dgkc_unit *u, const char *kernel, int *index, const char **src)
{
    const char *arch = dgk_arch_name(ctx->props.arch);
    if (dgkc_check(u) != DGKC_OK || dgkc_lower(u) != DGKC_OK)
        return fail_with_diagnostics(u, kernel);
    *index = dgkc_kernel_index(u, kernel);
    if (*index < 0)
        return dgk_fail(DGK_ENOTFOUND, "dgk_op_create: the source has no kernel named '%s'", kernel);
    if (dgkc_emit_kernel(u, arch, *index, src, NULL) != DGKC_OK)
        return fail_with_diagnostics(u, kernel);
    return DGK_OK;
}

static dgk_status load(dgk_op *op, const char *kernel)
{
    dgk_header h;
    const char *arch = dgk_arch_name(op->ctx->props.arch);
    if (dgkc_device_header(arch, &h.name, &h.text) != DGKC_OK)
        return dgk_fail(DGK_EARCH, "dgk_op_create: no backend for %s (device %s)", arch, op->ctx->props.name);
    /* debug builds compile the generated code's `#ifdef DGK_DEBUG` checks in; the option
     * is part of the cache key, so the two builds never share a binary */
    static const char *const debug_opts[1] = {"-DDGK_DEBUG=1"};
    dgk_program prog = {.source = op->cuda, .source_name = kernel, .headers = &h, .num_headers = 1,
                        .kernel = kernel, .arch = op->ctx->props.arch, .output = DGK_OUTPUT_CUBIN};
    if (op->debug) {
        prog.options = debug_opts;
        prog.num_options = 1;
    }
    return dgk_kernel_get(op->ctx, &prog, &op->fn);
}

static dgk_status create(dgk_context *ctx, dgkc_unit *u, const char *kernel, const char *const *defines, int n,
                         dgk_op *op)
{
    for (int i = 0; i < n; i++) {
        const char *eq = defines[i] ? strchr(defines[i], '=') : NULL;
        char name[256];
        if (!eq || eq - defines[i] >= (long)sizeof name)
            return dgk_fail(DGK_EINVAL, "dgk_op_create: defines[%d] = '%s' is not NAME=VALUE", i, defines[i] ? defines[i] : "(null)");
        snprintf(name, sizeof name, "%.*s", (int)(eq - defines[i]), defines[i]);
        if (dgkc_define(u, name, eq + 1) != DGKC_OK)
            return fail_with_diagnostics(u, kernel);
    }
    dgk_env env;
    dgk_env_read(&env);
    op->ctx = ctx;
    op->unit = u;
    op->debug = env.debug;
    dgk_status s = compile_unit(ctx, u, kernel, &op->index, &op->cuda);
    if (s != DGK_OK)
        return s;
    op->plan = dgkc_kernel_plan(u, op->index);
    op->nparams = dgkc_kernel_param_count(u, op->index);
    return load(op, kernel);
}

dgk_status dgk_op_create(dgk_context *ctx, const char *source_name, const char *source, const char *kernel,
                         const char *const *defines, int num_defines, dgk_op **out)
{
    if (!ctx || !source || !kernel || !out || (num_defines && !defines) || num_defines < 0)
        return dgk_fail(DGK_EINVAL, "dgk_op_create: %s is NULL or negative",
                        !ctx ? "ctx" : !source ? "source" : !kernel ? "kernel" : !out ? "out" : "defines/num_defines");
    *out = NULL;
    if (ctx->props.arch != DGK_ARCH_SM90A)
        return dgk_fail(DGK_EARCH, "dgk_op_create: device %s (sm_%d%d) has no dgk backend yet; sm_90a has",
                        ctx->props.name, ctx->props.cc_major, ctx->props.cc_minor);
    dgk_op *op = calloc(1, sizeof *op);
    dgkc_unit *u = dgkc_unit_new(source_name ? source_name : "<source>", source, strlen(source));
    if (!op || !u) {
        free(op);
        dgkc_unit_free(u);
        return dgk_fail(DGK_ENOMEM, "dgk_op_create: out of memory");
    }
    dgk_workspace_init(&op->ws);
    dgk_status s = create(ctx, u, kernel, defines, num_defines, op);
    if (s != DGK_OK) {
        dgk_workspace_free(&op->ws, NULL);
        dgkc_unit_free(u);
        free(op);
        return s;
    }
    pthread_mutex_lock(&ctx->lock);
    op->next = ctx->ops;
    ctx->ops = op;
    pthread_mutex_unlock(&ctx->lock);
    *out = op;
    return DGK_OK;
}

const char *dgk_op_cuda(const dgk_op *op)
{
    return op ? op->cuda : NULL;
}

int dgk_op_is_debug(const dgk_op *op)
{
    return op && op->debug;
}

/* The module's `dgk_debug_word` (generated code defines it only under DGK_DEBUG):
 * synchronize, read it, and put back "nothing recorded" for the next launch. */
dgk_status dgk_op_debug_word(dgk_op *op, void *stream, uint64_t *word)
{
    if (!op || !word)
        return dgk_fail(DGK_EINVAL, "dgk_op_debug_word: %s is NULL", op ? "word" : "op");
    *word = DGK_DEBUG_NONE;
    if (!op->debug)
        return DGK_OK;
    const dgk_cuda_api *cu = op->fn->cu;
    CUdeviceptr at;
    size_t bytes;
    CUresult r = cu->cuStreamSynchronize((CUstream)stream);
    if (r != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_debug_word: cuStreamSynchronize (the kernel failed, or the stream is being captured)");
    r = cu->cuModuleGetGlobal(&at, &bytes, op->fn->module, "dgk_debug_word");
    if (r == CUDA_ERROR_NOT_FOUND)
        return DGK_OK; /* this kernel has no debug checks */
    if (r != CUDA_SUCCESS || bytes != sizeof *word)
        return r != CUDA_SUCCESS ? dgk_cuda_fail(cu, r, "dgk_op_debug_word: cuModuleGetGlobal")
                                 : dgk_fail(DGK_ECUDA, "dgk_op_debug_word: dgk_debug_word is %zu bytes, not 8", bytes);
    if ((r = cu->cuMemcpyDtoH(word, at, sizeof *word)) != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_debug_word: cuMemcpyDtoH");
    uint64_t none = DGK_DEBUG_NONE;
    if (*word != none && (r = cu->cuMemcpyHtoD(at, &none, sizeof none)) != CUDA_SUCCESS)
        return dgk_cuda_fail(cu, r, "dgk_op_debug_word: cuMemcpyHtoD");
    return DGK_OK;
}

/* ---- launch --------------------------------------------------------------------- */

static const dgk_tma_dtype tma_dtypes[DGK_DTYPE_COUNT] = {
    [DGK_DTYPE_F32] = DGK_TMA_F32, [DGK_DTYPE_TF32] = DGK_TMA_F32, [DGK_DTYPE_BF16] = DGK_TMA_BF16,
    [DGK_DTYPE_F16] = DGK_TMA_F16, [DGK_DTYPE_E4M3] = DGK_TMA_U8,  [DGK_DTYPE_E5M2] = DGK_TMA_U8,
    [DGK_DTYPE_UE8M0] = DGK_TMA_U8, [DGK_DTYPE_I8] = DGK_TMA_U8,   [DGK_DTYPE_I32] = DGK_TMA_I32,
    [DGK_DTYPE_U32] = DGK_TMA_U32, [DGK_DTYPE_I64] = DGK_TMA_I64,
};

static const dgk_tma_swizzle tma_swizzles[] = {
    [DGK_SWIZZLE_NONE] = DGK_TMA_SWIZZLE_NONE, [DGK_SWIZZLE_32B] = DGK_TMA_SWIZZLE_32B,
    [DGK_SWIZZLE_64B] = DGK_TMA_SWIZZLE_64B,   [DGK_SWIZZLE_128B] = DGK_TMA_SWIZZLE_128B,
};

static int64_t stride_of(const dgk_tensor *t, int axis)
{
    if (t->stride[t->rank - 1] != 0)
        return t->stride[axis];
    int64_t s = 1; /* dense row-major */
    for (int a = t->rank - 1; a > axis; a--)
        s *= t->shape[a];
    return s;
}

/* The refusals of an argument with `align`, saying what the kernel does with the tensor
 * (`how`) and so why (a TMA encoder would only name the field). */
static dgk_status address_aligned(const dgk_kernel_arg *a, const dgk_tensor *t, const char *how)
{
    if ((uintptr_t)t->data % (uintptr_t)a->align)
        return dgk_fail(DGK_EALIGN, "dgk_op_launch: %s: the kernel %s, so its address must be a multiple of %d bytes, not %p: allocate or slice the tensor on a %d-byte boundary",
                        a->name, how, a->align, t->data, a->align);
    return DGK_OK;
}

static dgk_status stride_aligned(const dgk_kernel_arg *a, const dgk_tensor *t, int axis, const char *how)
{
    int64_t bytes = stride_of(t, axis) * (dgk_dtype_bits((dgk_dtype)t->dtype) / 8);
    if (bytes % a->align)
        return dgk_fail(DGK_EALIGN, "dgk_op_launch: %s: the kernel %s, so its axis-%d stride must be a multiple of %d bytes, not %lld: pad the rows to a multiple of %d bytes",
                        a->name, how, axis, a->align, (long long)bytes, a->align);
    return DGK_OK;
}

/* PTR and STRIDE arguments with `align`: rows copied by cp.async.bulk (dgk_plan_fp8.sb_tile).
 * A TMA argument with it (the FP8 B scales loaded per stage, sb_tma): TMA needs its
 * address and every stride but the innermost's in multiples of 16 bytes. */
dgk_status dgk_op_check_align(const dgk_kernel_arg *a, const dgk_tensor *t)
{
    if (a->align <= 0)
        return DGK_OK;
    if (a->kind == DGK_ARG_TMA) {
        dgk_status s = address_aligned(a, t, "loads it by TMA");
        for (int axis = 0; s == DGK_OK && axis < t->rank - 1; axis++)
            s = stride_aligned(a, t, axis, "loads it by TMA");
        return s;
    }
    if (a->kind == DGK_ARG_PTR)
        return address_aligned(a, t, "copies rows of it with cp.async.bulk");
    if (a->kind == DGK_ARG_STRIDE)
        return stride_aligned(a, t, a->axis, "copies rows of that tensor with cp.async.bulk");
    return DGK_OK;
}

void dgk_op_tma_desc(const dgk_kernel_arg *a, const dgk_tensor *t, dgk_tma_desc *d)
{
    memset(d, 0, sizeof *d);
    d->dtype = tma_dtypes[t->dtype];
    d->rank = t->rank;
    d->base = t->data;
    for (int i = 0; i < t->rank; i++) {
        int axis = t->rank - 1 - i; /* TMA dimension 0 is the innermost axis */
        d->shape[i] = (uint64_t)t->shape[axis];
        d->strides[i] = (uint64_t)stride_of(t, axis);
        d->box[i] = i < a->tma.rank ? (uint32_t)a->tma.box[i] : 1;
    }
    /* the kernel expects min(box rows, extent) rows per stage (dgk_tma_info.fit_rows) */
    if (a->tma.fit_rows && t->rank >= 2 && d->shape[1] < d->box[1])
        d->box[1] = (uint32_t)d->shape[1];
    d->swizzle = tma_swizzles[a->tma.swizzle];
    d->l2_promotion = (uint32_t)a->tma.l2_promotion;
}

static dgk_status encode_map(const dgk_kernel_arg *a, const dgk_tensor *t, dgk_tensor_map *out)
{
    dgk_tma_desc d;
    dgk_op_tma_desc(a, t, &d);
    dgk_status s = dgk_tma_encode(&d, out);
    return s == DGK_OK ? s : dgk_fail_prefix(s, a->name);
}

/* Checks the tensors against the declaration (dtypes here, extents in libdgkc). */
static dgk_status check_params(const dgk_op *op, const dgk_tensor *const *params, int n)
{
    int ranks[MAX_PARAMS];
    int64_t ext[MAX_PARAMS][DGKC_MAX_RANK];
    char msg[256];
    memset(ext, 0, sizeof ext);
    if (n != op->nparams || n > MAX_PARAMS)
        return dgk_fail(DGK_EINVAL, "dgk_op_launch: kernel %s takes %d parameters, got %d", op->plan->name, op->nparams, n);
    for (int p = 0; p < n; p++) {
        const dgk_tensor *t = params[p];
        int want = dgkc_kernel_param_dtype(op->unit, op->index, p);
        ranks[p] = t ? 0 : -1;
        if (!t)
            continue;
        if ((int)t->dtype != want)
            return dgk_fail(DGK_EDTYPE, "dgk_op_launch: parameter %d of %s is %s, got dtype %d", p, op->plan->name,
                            dgkc_dtype_name(want), (int)t->dtype);
        if (t->rank < 1 || t->rank > DGK_MAX_RANK || !t->data)
            return dgk_fail(DGK_EINVAL, "dgk_op_launch: parameter %d: %s", p, t->data ? "rank must be 1..4" : "data is NULL");
        ranks[p] = t->rank;
        memcpy(ext[p], t->shape, sizeof(int64_t) * (size_t)t->rank);
    }
    if (dgkc_check_launch(op->unit, op->index, ranks, (const int64_t(*)[DGKC_MAX_RANK])ext, msg, sizeof msg) != DGKC_OK)
        return dgk_fail(DGK_ESHAPE, "dgk_op_launch: %s", msg);
    return DGK_OK;
}

static dgk_status bind_arg(const dgk_kernel_arg *a, const dgk_tensor *const *params, const double *scalars,
                           arg_storage *st, int i)
{
    int own = a->kind == DGK_ARG_SCALAR || a->kind == DGK_ARG_WORKSPACE; /* not a tensor parameter */
    const dgk_tensor *t = own ? NULL : params[a->param];
    if (!own && !t)
        return dgk_fail(DGK_EINVAL, "dgk_op_launch: the kernel reads parameter %d (%s), which is NULL", a->param, a->name);
    if (!own && dgk_op_check_align(a, t) != DGK_OK)
        return DGK_EALIGN;
    switch (a->kind) {
    case DGK_ARG_TMA:
        st->argv[i] = &st->maps[i];
        return encode_map(a, t, &st->maps[i]);
    case DGK_ARG_PTR:
        if (t->stride[t->rank - 1] != 0 && t->stride[t->rank - 1] != 1) /* 0: all dense */
            return dgk_fail(DGK_ESHAPE, "dgk_op_launch: %s: the last axis must be contiguous (stride 1), not %lld",
                            a->name, (long long)t->stride[t->rank - 1]);
        st->v[i].ptr = t->data;
        break;
    case DGK_ARG_SHAPE: st->v[i].i32 = (int32_t)t->shape[a->axis]; break;
    case DGK_ARG_STRIDE: st->v[i].i64 = stride_of(t, a->axis); break;
    case DGK_ARG_WORKSPACE: st->v[i].ptr = (void *)(uintptr_t)st->ws[a->axis ? 1 : 0]; break;
    case DGK_ARG_SCALAR:
        if (!scalars)
            return dgk_fail(DGK_EINVAL, "dgk_op_launch: scalar parameter %s needs `scalars`", a->name);
        if (a->dtype == DGK_DT_F32)
            st->v[i].f32 = (float)scalars[a->param];
        else if (a->dtype == DGK_DT_I64)
            st->v[i].i64 = (int64_t)scalars[a->param];
        else if (a->dtype == DGK_DT_U32) /* (int32_t) of 2^31 and up is undefined */
            st->v[i].u32 = (uint32_t)scalars[a->param];
        else
            st->v[i].i32 = (int32_t)scalars[a->param];
        break;
    default: return dgk_fail(DGK_EINVAL, "dgk_op_launch: unknown argument kind");
    }
    st->argv[i] = &st->v[i];
    return DGK_OK;
}

static int64_t dim_value(const dgk_plan_dim *d, const dgk_plan *p, const dgk_tensor *const *params)
{
    if (d->arg < 0)
        return d->value;
    const dgk_kernel_arg *a = &p->args[d->arg];
    return params[a->param]->shape[a->axis];
}

/* An elementwise kernel: one CTA per tile, the product of the schedule's extents. */
static uint32_t simt_grid(const dgk_plan *p, const dgk_tensor *const *params)
{
    int64_t tiles = 1;
    for (int i = 0; i < p->simt->next; i++) {
        const dgk_plan_extent *x = &p->simt->ext[i];
        int64_t v = dim_value(&x->dim, p, params);
        tiles *= x->round_up ? (v + x->div - 1) / x->div : v / x->div;
        if (tiles > INT32_MAX)
            return UINT32_MAX; /* past the grid's limit: refused by dgk_op_launch */
    }
    return (uint32_t)tiles;
}

/* Persistent: one CTA per SM, whole clusters, no more than the work takes
 * (dgk_plan_work_ctas; grouped schedules count every tile, empty ones included: the device
 * skips those). A grid schedule (no clusters): one CTA per tile. */
static uint32_t grid_size(const dgk_op *op, const dgk_tensor *const *params)
{
    const dgk_plan *p = op->plan;
    if (p->simt)
        return simt_grid(p, params);
    int64_t ctas = dgk_plan_work_ctas(p, dim_value(&p->m, p, params), dim_value(&p->n, p, params),
                                      dim_value(&p->k, p, params), dim_value(&p->sched.groups, p, params));
    if (p->launch.grid == DGK_GRID_TILES)
        return (uint32_t)ctas;
    int64_t cl = p->launch.cluster[0] > 0 ? p->launch.cluster[0] : 1;
    int64_t sms = op->ctx->props.sm_count / cl * cl;
    return (uint32_t)(ctas < sms ? ctas : sms);
}

/* Split-K, tail_split, a dynamic schedule: the op's partial-sum and counter buffers, big
 * enough for this launch of `grid` CTAs. */
static dgk_status bind_workspace(dgk_op *op, const dgk_tensor *const *params, void *stream, arg_storage *st,
                                 uint32_t grid)
{
    const dgk_plan *p = op->plan;
    int64_t m = dim_value(&p->m, p, params), n = dim_value(&p->n, p, params);
    return dgk_workspace_bind(&op->ws, op->ctx->cu, (size_t)dgk_plan_partial_bytes(p, m, n, grid),
                              (size_t)dgk_plan_counter_bytes(p, m, n, grid), (CUstream)stream, &st->ws[0], &st->ws[1]);
}

/* Bytes of an element a GEMM stores (bf16, f16, f32, e4m3, e5m2). */
static const int store_bytes[DGK_DTYPE_COUNT] = {
    [DGK_DTYPE_F32] = 4, [DGK_DTYPE_BF16] = 2, [DGK_DTYPE_F16] = 2, [DGK_DTYPE_E4M3] = 1, [DGK_DTYPE_E5M2] = 1,
};

/* A GEMM's TMA store writes whole 16-byte pieces of a row: on the H100 a store box that
 * crosses the output's last column also wrote the bytes after it up to the next 16-byte
 * boundary (tests/gpu/user_check.c, a D with N = 250 f32 in rows 256 apart: columns 250
 * and 251 came back written). A dense output's rows are a multiple of 16 bytes anyway (TMA
 * needs that of the row stride); a view into a wider buffer whose rows are not would have
 * its neighbours' bytes overwritten, so it is refused. */
dgk_status dgk_op_check_store_rows(const dgk_plan *p, const dgk_tensor *const *params)
{
    if (p->simt || p->epi.out_arg < 0 || p->epi.out_arg >= p->nargs || p->args[p->epi.out_arg].kind != DGK_ARG_TMA)
        return DGK_OK;
    const dgk_kernel_arg *a = &p->args[p->epi.out_arg];
    const dgk_tensor *t = params[a->param];
    if (!t)
        return DGK_OK; /* bind_arg reports the missing tensor by name */
    int64_t cols = t->shape[t->rank - 1], bytes = store_bytes[t->dtype] ? store_bytes[t->dtype] : 1;
    if (t->rank < 2 || cols * bytes % 16 == 0 || stride_of(t, t->rank - 2) == cols)
        return DGK_OK;
    int64_t per16 = 16 / bytes, upto = (cols + per16 - 1) / per16 * per16;
    return dgk_fail(DGK_EALIGN,
                    "dgk_op_launch: %s: its rows are %lld elements (%lld bytes) inside rows %lld apart; the TMA store "
                    "writes whole 16-byte pieces and would also overwrite columns %lld .. %lld, outside the view: make "
                    "the last extent a multiple of %lld (pad the output's columns; a dense tensor needs that too)",
                    a->name, (long long)cols, (long long)(cols * bytes), (long long)stride_of(t, t->rank - 2),
                    (long long)cols, (long long)upto - 1, (long long)per16);
}

/* Binds the plan's arguments (the workspace buffers first) and launches. */
static dgk_status bind_and_launch(dgk_op *op, const dgk_tensor *const *params, const double *scalars, void *stream,
                                  uint32_t grid)
{
    const dgk_plan *p = op->plan;
    arg_storage st;
    dgk_status s = dgk_op_check_store_rows(p, params);
    if (s != DGK_OK)
        return s;
    s = dgk_plan_uses_workspace(p) ? bind_workspace(op, params, stream, &st, grid) : DGK_OK;
    for (int i = 0; i < p->nargs && s == DGK_OK; i++)
        s = bind_arg(&p->args[i], params, scalars, &st, i);
    if (s != DGK_OK)
        return s;
    dgk_launch_cfg cfg = {.grid = {grid, 1, 1}, .block = {(uint32_t)p->launch.threads, 1, 1},
                          .smem_bytes = (uint32_t)p->launch.smem_bytes, .stream = stream, .pdl = p->launch.pdl};
    if (p->launch.cluster[0] > 1)
        cfg.cluster[0] = (uint32_t)p->launch.cluster[0], cfg.cluster[1] = cfg.cluster[2] = 1;
    return dgk_launch(op->fn, &cfg, st.argv);
}

dgk_status dgk_op_launch(dgk_op *op, const dgk_tensor *const *params, const double *scalars, int num_params, void *stream)
{
    if (!op || (num_params && !params))
        return dgk_fail(DGK_EINVAL, "dgk_op_launch: %s is NULL", op ? "params" : "op");
    dgk_status s = check_params(op, params, num_params);
    if (s != DGK_OK)
        return s;
    const dgk_plan *p = op->plan;
    uint32_t grid = grid_size(op, params);
    if (grid == 0)
        return DGK_OK; /* an empty problem: nothing to compute */
    if (grid > INT32_MAX)
        return dgk_fail(DGK_ESHAPE, "dgk_op_launch: %s needs more than 2^31 - 1 CTAs", p->name);
    if (!dgk_plan_uses_workspace(p))
        return bind_and_launch(op, params, scalars, stream, grid);
    /* split-K, tail_split, a dynamic schedule: the buffers stay as bound until the kernel is queued */
    dgk_workspace_lock(&op->ws);
    s = bind_and_launch(op, params, scalars, stream, grid);
    dgk_workspace_unlock(&op->ws);
    return s;
}

dgk_tensor dgk_tensor_make(void *data, dgk_dtype_id dtype, int rank, const int64_t *shape)
{
    dgk_tensor t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.dtype = dtype;
    t.rank = rank > 0 && rank <= DGK_MAX_RANK && shape ? rank : 0;
    for (int i = 0; i < t.rank; i++)
        t.shape[i] = shape[i];
    return t;
}
