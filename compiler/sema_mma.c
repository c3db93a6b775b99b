/* sema_mma.c - the rules for mma(a, b) on SM90 (SPEC.md 7.3): a is [M, K], b is [K, N],
 * both 2-D tiles of one dtype the tensor cores take (the dtype table's sm90 column),
 * each a slice of a global tensor (wgmma reads shared memory, which TMA fills from
 * such a slice), optionally transposed. The layout of each operand follows from the
 * slice: K-major when K is the tensor's contiguous last axis. wgmma transposes only
 * 16-bit operands, so FP8, TF32 and INT8 operands must both be K-major. Output: the
 * result type f32[M, N] (i32 for i8) and a dgk_sema_mma record in info->mmas. */
#include "sema_int.h"

#include <string.h>

/* Whether wgmma can read this operand type MN-major (its transpose bit). */
static int transposable(dgk_dtype t)
{
    dgk_sm90_mma k = dgk_dtype_info_of(t)->sm90;
    return k == DGK_SM90_BF16 || k == DGK_SM90_F16;
}

static const char *family(dgk_dtype t)
{
    switch (dgk_dtype_info_of(t)->sm90) {
    case DGK_SM90_E4M3: case DGK_SM90_E5M2: return "FP8";
    case DGK_SM90_TF32: return "TF32";
    case DGK_SM90_S8: return "INT8";
    default: return dgk_dtype_name(t);
    }
}

/* K elements one wgmma instruction consumes: 32 bytes of K. */
static int k_step(dgk_dtype t)
{
    return 256 / dgk_dtype_bits(t);
}

static const char *mma_dtypes(sema *s)
{
    char buf[128] = "";
    for (int t = 1; t < DGK_DT_COUNT; t++)
        if (dgk_dtype_info_of((dgk_dtype)t)->sm90 != DGK_SM90_NONE) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, "%s%s", n ? ", " : "", dgk_dtype_name((dgk_dtype)t));
        }
    return dgk_arena_strdup(s->a, buf);
}

/* Follows let-bound names and ^T down to the slice; counts transposes. */
static const dgk_expr *strip(const dgk_expr *e, int *transposed)
{
    for (int guard = 0; e && guard < 64; guard++) {
        dgk_sym *y = sema_name_sym(e);
        if (y && y->kind == DGK_SYM_LET && y->init)
            e = y->init;
        else if (e->kind == DGK_EXPR_TRANSPOSE)
            e = e->u.transpose.x, *transposed ^= 1;
        else
            break;
    }
    return e;
}

/* The tensor axes the slice keeps (2 for a 2-D operand); 0 if it adds a new axis. */
static int kept_axes(const dgk_expr *slice, int ax[2])
{
    int axis = 0, n = 0;
    for (const dgk_sub *sub = slice->u.index.subs; sub; sub = sub->next) {
        if (sub->kind == DGK_SUB_NEW)
            return 0;
        if (sub->kind != DGK_SUB_POINT && n < 2)
            ax[n++] = axis;
        axis++;
    }
    return n == 2;
}

static int trace(sema *s, const dgk_expr *arg, int which, dgk_sema_operand *op)
{
    const char *nm = which ? "b" : "a";
    const dgk_expr *e = strip(arg, &op->transposed);
    dgk_sym *t = sema_slice_tensor(e);
    int ax[2];
    if (!t || !kept_axes(e, ax)) {
        dgk_error(s->d, arg->loc, "mma operand %s must be a 2-D slice of a tensor parameter, such as "
                  "A[i*BM +: BM, k*BK +: BK], optionally transposed with ^T: wgmma reads its operands from shared "
                  "memory, which the compiler fills from a tensor slice", nm);
        return 0;
    }
    int rank = t->type->rank;
    if (ax[1] != rank - 1) {
        dgk_error(s->d, arg->loc, "mma operand %s: the slice of %s must keep the tensor's last (contiguous) axis as "
                  "its inner axis; a point subscript there leaves a strided tile TMA cannot load for wgmma", nm, t->name);
        return 0;
    }
    op->slice = e;
    op->param = t->index;
    /* a is [M, K], b is [K, N]: which slice axis is K depends on the operand and ^T. */
    int k_inner = which ? op->transposed : !op->transposed;
    op->k_major = k_inner;
    op->k_axis = k_inner ? ax[1] : ax[0];
    op->mn_axis = k_inner ? ax[0] : ax[1];
    return 1;
}

static void layout_error(sema *s, const dgk_expr *arg, int which, const dgk_sema_operand *op, dgk_dtype dt)
{
    const dgk_sema_param *p = &s->info->params[op->param];
    const char *name = p->decl->name.id;
    const char *ty = dgk_type_str(s->a, p->type);
    if (which == 0)
        dgk_error(s->d, arg->loc, "mma operand a is MN-major (a transposed slice of %s : %s); SM90 %s wgmma reads only "
                  "K-major shared memory: store %s as [M, K] with K the last axis and slice it without ^T",
                  name, ty, family(dt), name);
    else
        dgk_error(s->d, arg->loc, "mma operand b is MN-major (an untransposed slice of %s : %s); SM90 %s wgmma reads "
                  "only K-major shared memory: store %s as [N, K] with K the last axis and use %s[...]^T",
                  name, ty, family(dt), name, name);
}

static int operand_types(sema *s, dgk_expr *call, const dgk_type *ta, const dgk_type *tb)
{
    const dgk_expr *a = call->u.call.args, *b = a->next;
    if (ta->rank != 2 || tb->rank != 2) {
        const dgk_expr *bad = ta->rank != 2 ? a : b;
        dgk_error(s->d, bad->loc, "mma operand %s must be a 2-D tile (%s), not %s", bad == a ? "a" : "b",
                  bad == a ? "[M, K]" : "[K, N]", dgk_type_str(s->a, bad == a ? ta : tb));
        return 0;
    }
    if (ta->dtype != tb->dtype) {
        dgk_error(s->d, call->loc, "mma operands must have the same dtype; a is %s and b is %s",
                  dgk_dtype_name(ta->dtype), dgk_dtype_name(tb->dtype));
        return 0;
    }
    if (dgk_dtype_info_of(ta->dtype)->sm90 == DGK_SM90_NONE) {
        dgk_error(s->d, call->loc, "mma operands are %s, which SM90 tensor cores do not take (they take %s)",
                  dgk_dtype_name(ta->dtype), mma_dtypes(s));
        return 0;
    }
    if (ta->ext[1].value != tb->ext[0].value) {
        dgk_error(s->d, call->loc, "mma needs a [M, K] and b [K, N]; a is %s and b is %s, so their K extents differ "
                  "(%lld and %lld)%s", dgk_type_str(s->a, ta), dgk_type_str(s->a, tb), (long long)ta->ext[1].value,
                  (long long)tb->ext[0].value, tb->ext[1].value == ta->ext[1].value ? "; for a [N, K] tile write b^T" : "");
        return 0;
    }
    return 1;
}

/* wgmma's instruction shape: m64 per warpgroup, n8..n256 in steps of 8, 32 bytes of K.
 * An M extent of 8 .. 56 is lowered with the operands swapped (its rows become wgmma's N,
 * compiler/plan_swap.c), so it needs to be a multiple of 8 only. */
static int wgmma_shape(sema *s, dgk_expr *call, const dgk_sema_mma *m, dgk_dtype dt)
{
    if (m->m < 64 ? m->m % 8 != 0 : m->m % 64 != 0) {
        dgk_error(s->d, call->loc,
                  "mma M extent %lld is not a multiple of 64 (each warpgroup's wgmma covers 64 rows), nor a multiple of 8 below 64 (computed with the operands swapped)",
                  (long long)m->m);
        return 0;
    }
    if (m->n % 8 || m->n > 256) {
        dgk_error(s->d, call->loc, "mma N extent %lld must be a multiple of 8 from 8 to 256 (wgmma n8 .. n256)",
                  (long long)m->n);
        return 0;
    }
    if (m->k % k_step(dt)) {
        dgk_error(s->d, call->loc, "mma K extent %lld must be a multiple of %d for %s (one wgmma consumes K = %d)",
                  (long long)m->k, k_step(dt), dgk_dtype_name(dt), k_step(dt));
        return 0;
    }
    return 1;
}

dgk_type *sema_mma(sema *s, dgk_expr *call, dgk_type *ta, dgk_type *tb)
{
    if (dgk_type_is_error(ta) || dgk_type_is_error(tb) || !operand_types(s, call, ta, tb))
        return dgk_type_error();
    dgk_sema_mma *m = DGK_NEW(s->a, dgk_sema_mma);
    if (!m)
        return dgk_type_error();
    const dgk_expr *a = call->u.call.args, *b = a->next;
    dgk_dtype dt = ta->dtype;
    int ok = trace(s, a, 0, &m->a);
    ok &= trace(s, b, 1, &m->b);
    int traced = ok;
    if (traced && !transposable(dt) && !m->a.k_major)
        layout_error(s, a, 0, &m->a, dt), ok = 0;
    if (traced && !transposable(dt) && !m->b.k_major)
        layout_error(s, b, 1, &m->b, dt), ok = 0;
    m->call = call;
    m->m = ta->ext[0].value;
    m->k = ta->ext[1].value;
    m->n = tb->ext[1].value;
    if (!ok || !wgmma_shape(s, call, m, dt))
        return dgk_type_error();
    *s->mma_tail = m;
    s->mma_tail = &m->next;
    int64_t ext[2] = {m->m, m->n};
    return dgk_type_tile(s->a, dgk_dtype_info_of(dt)->sm90 == DGK_SM90_S8 ? DGK_DT_I32 : DGK_DT_F32, 2, ext);
}

dgk_sema_mma *sema_mma_site(sema *s, const dgk_expr *call)
{
    for (dgk_sema_mma *m = s->info->mmas; m; m = m->next)
        if (m->call == call)
            return m;
    return NULL;
}
