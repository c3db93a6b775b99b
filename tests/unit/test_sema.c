/* test_sema.c - Check tests for the checker (compiler/sema*.c) through the libdgkc
 * unit API: the per-kernel facts it leaves for the IR builder (dgk_sema_print's text),
 * expression types, -D handling, the mma layout and FP8 promotion records, and the
 * one-error-per-mistake rule. Golden files under tests/golden/err/ pin the messages;
 * these tests pin the data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "compiler/unit.h"

/* Checks `src` with the -D list `defs` ("NAME=VALUE" strings, NULL-terminated). */
static dgkc_unit *check(const char *src, const char *const *defs, int *rc)
{
    dgkc_unit *u = dgkc_unit_new("t.dgk", src, strlen(src));
    ck_assert_ptr_nonnull(u);
    for (; defs && *defs; defs++) {
        char name[64];
        const char *eq = strchr(*defs, '=');
        ck_assert_ptr_nonnull(eq);
        snprintf(name, sizeof name, "%.*s", (int)(eq - *defs), *defs);
        ck_assert_int_eq(dgkc_define(u, name, eq + 1), DGKC_OK);
    }
    *rc = dgkc_check(u);
    return u;
}

static char *diags(dgkc_unit *u)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    dgkc_print_diagnostics(u, f);
    fclose(f);
    return buf;
}

static char *facts(dgkc_unit *u)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    dgk_sema_print(u->module, &u->arena, f);
    fclose(f);
    return buf;
}

/* Checks cleanly and returns the facts text (caller frees). */
static char *clean(const char *src, const char *const *defs)
{
    int rc;
    dgkc_unit *u = check(src, defs, &rc);
    char *d = diags(u);
    ck_assert_msg(rc == DGKC_OK, "expected no errors, got:\n%s", d);
    free(d);
    char *t = facts(u);
    dgkc_unit_free(u);
    return t;
}

/* Checks with errors and returns the diagnostics text (caller frees). */
static char *errors(const char *src, const char *const *defs, int want)
{
    int rc;
    dgkc_unit *u = check(src, defs, &rc);
    char *d = diags(u);
    ck_assert_int_eq(rc, DGKC_EUSER);
    ck_assert_msg(dgkc_error_count(u) == want, "expected %d errors, got %d:\n%s", want, dgkc_error_count(u), d);
    dgkc_unit_free(u);
    return d;
}

#define HAS(text, needle) ck_assert_msg(strstr((text), (needle)) != NULL, "missing <%s> in:\n%s", (needle), (text))
#define LACKS(text, needle) ck_assert_msg(strstr((text), (needle)) == NULL, "unexpected <%s> in:\n%s", (needle), (text))

/* The type of `let NAME = ...`'s value in the first kernel's top-level body. */
static char *let_type(const char *src, const char *let_name)
{
    int rc;
    dgkc_unit *u = check(src, NULL, &rc);
    char *d = diags(u);
    ck_assert_msg(rc == DGKC_OK, "%s", d);
    free(d);
    const char *found = NULL;
    for (const dgk_stmt *st = u->module->kernels->body; st; st = st->next)
        if ((st->kind == DGK_STMT_LET || st->kind == DGK_STMT_VAR) && strcmp(st->u.var.name.id, let_name) == 0)
            found = dgk_type_str(&u->arena, st->u.var.value->type);
    ck_assert_ptr_nonnull(found);
    char *r = strdup(found);
    dgkc_unit_free(u);
    return r;
}

/* ---- compile-time parameters, shapes, -D ---------------------------------------- */

static const char *const CT_SRC =
    "kernel k<BM = 64, USE: bool = false, TD: dtype = bf16, FLAG = true, T2 = TD, N: int, BK = BM * 2>(\n"
    "    A : TD[M, K], B : f32[N, K], D : f32[M])\n"
    "{\n"
    "    schedule grid (cdiv(M, BM)) -> (i);\n"
    "    D[i*BM +: BM] = f32(A[i*BM +: BM, 0]);\n"
    "}\n";

START_TEST(test_ctparam_kinds_and_defaults)
{
    char *t = clean(CT_SRC, NULL);
    HAS(t, "ctparam BM int = 64\n");
    HAS(t, "ctparam USE bool = false\n");
    HAS(t, "ctparam TD dtype = bf16\n");
    HAS(t, "ctparam FLAG bool = true\n");  /* kind inferred from the default */
    HAS(t, "ctparam T2 dtype = bf16\n");   /* a dtype default naming a dtype parameter */
    HAS(t, "ctparam N int (no value, bound at launch)\n");
    HAS(t, "ctparam BK int = 128\n");
    HAS(t, "shape N: B axis 0 (compile-time parameter)\n");
    HAS(t, "param A: tensor bf16[M, K]\n");
    free(t);
}
END_TEST

START_TEST(test_defines_override)
{
    const char *defs[] = {"BM=128", "USE=true", "TD=e4m3", "N=4096", "K=7168", NULL};
    char *t = clean(CT_SRC, defs);
    HAS(t, "ctparam BM int = 128 (-D)\n");
    HAS(t, "ctparam USE bool = true (-D)\n");
    HAS(t, "ctparam TD dtype = e4m3 (-D)\n");
    HAS(t, "ctparam N int = 4096 (-D)\n");
    HAS(t, "ctparam BK int = 256\n");      /* defaults see the -D values */
    HAS(t, "shape K: A axis 1 = 7168 (-D)\n");
    HAS(t, "param A: tensor e4m3[M, 7168]\n");
    HAS(t, "param B: tensor f32[4096, 7168]\n");
    free(t);
}
END_TEST

START_TEST(test_define_errors_point_at_command_line)
{
    const char *defs[] = {"BM=true", "TD=7", "NOPE=1", "M=0", NULL};
    char *d = errors(CT_SRC, defs, 4);
    HAS(d, "<command line>:1:7: error: bad value 'true' for compile-time parameter BM: expected an integer\n"
           "    -D BM=true\n"
           "          ^\n");
    HAS(d, "<command line>:1:7: error: bad value '7' for compile-time parameter TD: expected a dtype name");
    HAS(d, "<command line>:1:6: error: bad value '0' for shape symbol M: expected a positive integer");
    HAS(d, "<command line>:1:4: error: -D NOPE: no kernel has a compile-time parameter or shape symbol named 'NOPE'");
    free(d);
}
END_TEST

START_TEST(test_define_twice)
{
    const char *defs[] = {"BM=64", "BM=128", NULL};
    char *d = errors(CT_SRC, defs, 1);
    HAS(d, "-D BM is given twice (64 and 128); give it once");
    free(d);
}
END_TEST

START_TEST(test_specialized_shape_allows_whole_axis)
{
    const char *src = "kernel k<BM = 64>(A : f32[M, K], D : f32[M])\n"
                      "{\n"
                      "    schedule grid (cdiv(M, BM)) -> (i);\n"
                      "    D[i*BM +: BM] = sum(A[i*BM +: BM, :], 1);\n"
                      "}\n";
    char *d = errors(src, NULL, 1);
    HAS(d, "t.dgk:4:39: error: `:` takes all of axis 1 of A, whose extent `K` is not a compile-time value");
    free(d);
    const char *defs[] = {"K=256", NULL};
    free(clean(src, defs));
}
END_TEST

START_TEST(test_define_applies_to_every_kernel)
{
    const char *src = "kernel a<BM = 64>(D : f32[M]) { schedule grid (cdiv(M, BM)) -> (i); D[i*BM +: BM] = full(f32[BM], 0.0); }\n"
                      "kernel b<BM = 32>(D : f32[M]) { schedule grid (cdiv(M, BM)) -> (i); D[i*BM +: BM] = full(f32[BM], 1.0); }\n";
    const char *defs[] = {"BM=16", NULL};
    char *t = clean(src, defs);
    HAS(t, "kernel a\n  ctparam BM int = 16 (-D)\n");
    HAS(t, "kernel b\n  ctparam BM int = 16 (-D)\n");
    free(t);
}
END_TEST

/* ---- types of expressions ------------------------------------------------------- */

#define TYPED_KERNEL(body)                                                               \
    "kernel k<BM = 128, BN = 64>(A : bf16[M, K], G : i32[M], alpha : f32, D : f32[M])\n" \
    "{\n    schedule grid (cdiv(M, BM)) -> (i);\n" body "    D[i*BM +: BM] = full(f32[BM], 0.0);\n}\n"

START_TEST(test_expression_types)
{
    struct { const char *body, *name, *type; } cases[] = {
        {"    let x = A[i*BM +: BM, 0 +: BN];\n", "x", "bf16[128, 64]"},
        {"    let x = A[i*BM +: BM, 3];\n", "x", "bf16[128]"},
        {"    let x = A[i, 3];\n", "x", "bf16"},
        {"    let x = G[i * BM];\n", "x", "i32"},
        {"    let x = A[i*BM +: BM, 0 +: BN]^T;\n", "x", "bf16[64, 128]"},
        {"    let x = f32(A[i*BM +: BM, 0 +: BN]) * 2;\n", "x", "f32[128, 64]"},
        {"    let x = zeros(f32[BM])[:, new] + zeros(f32[BN])[new, :];\n", "x", "f32[128, 64]"},
        {"    let x = sum(zeros(f32[BM, BN]), 0);\n", "x", "f32[64]"},
        {"    let x = iota(BN) < 3;\n", "x", "bool[64]"},
        {"    let x = where(iota(BN) < 3, zeros(f32[BN]), -inf);\n", "x", "f32[64]"},
        {"    var x = 1;\n", "x", "i32"},
        {"    var x = 3000000000;\n", "x", "i64"},
        {"    var x = 1.5;\n", "x", "f32"},
        {"    let x = alpha * 2;\n", "x", "f32"},
        {"    let x = bf16(1.0) * 0.5;\n", "x", "bf16"},
        {"    let x = f32(A[i, 0]) + bf16(1.0);\n", "x", "f32"},
        {"    let x = cdiv(M, BM) * BM;\n", "x", "i32"},
        {"    let x = max(amax(abs(zeros(f32[BM, BN])), 1), 1e-4);\n", "x", "f32[128]"},
        {"    let x = i > 0 ? 1.0 : 2.0;\n", "x", "f32"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char src[1024];
        snprintf(src, sizeof src, TYPED_KERNEL("%s"), cases[c].body);
        char *t = let_type(src, cases[c].name);
        ck_assert_msg(strcmp(t, cases[c].type) == 0, "%s: got %s, want %s", cases[c].body, t, cases[c].type);
        free(t);
    }
}
END_TEST

START_TEST(test_every_expression_typed_and_names_resolved)
{
    int rc;
    dgkc_unit *u = check(TYPED_KERNEL("    let x = f32(A[i*BM +: BM, 0]) * alpha;\n"), NULL, &rc);
    ck_assert_int_eq(rc, DGKC_OK);
    const dgk_stmt *let = u->module->kernels->body->next;
    const dgk_expr *mul = let->u.var.value;
    ck_assert_ptr_nonnull(mul->type);
    ck_assert_ptr_nonnull(mul->u.binary.l->type);
    ck_assert_ptr_nonnull(mul->u.binary.l->u.call.callee->u.name.sym);
    ck_assert_int_eq(mul->u.binary.l->u.call.callee->u.name.sym->kind, DGK_SYM_DTYPE);
    const dgk_expr *alpha = mul->u.binary.r;
    ck_assert_int_eq(alpha->u.name.sym->kind, DGK_SYM_SCALAR);
    ck_assert_ptr_nonnull(let->u.var.name.sym);
    ck_assert_int_eq(let->u.var.name.sym->kind, DGK_SYM_LET);
    ck_assert_int_eq(u->module->kernels->params->name.sym->kind, DGK_SYM_TENSOR);
    dgkc_unit_free(u);
}
END_TEST

/* ---- mma and the FP8 promotion form --------------------------------------------- */

START_TEST(test_mma_layouts)
{
    char *t = clean("kernel k<BM = 128, BN = 128>(A : bf16[K, M], B : bf16[K, N], E : i8[M, K], F : i8[N, K],\n"
                    "                           D : f32[M, N], I : i32[M, N])\n"
                    "{\n"
                    "    schedule grid (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
                    "    D[i*BM +: BM, j*BN +: BN] = mma(A[0 +: 64, i*BM +: BM]^T, B[0 +: 64, j*BN +: BN]);\n"
                    "    I[i*BM +: BM, j*BN +: BN] = mma(E[i*BM +: BM, 0 +: 64], F[j*BN +: BN, 0 +: 64]^T);\n"
                    "}\n", NULL);
    HAS(t, "mma 5:33 m128 n128 k64 a=A^T MN-major b=B MN-major\n");
    HAS(t, "mma 6:33 m128 n128 k64 a=E K-major b=F^T K-major\n"); /* i8 gives i32: stored into I */
    free(t);
}
END_TEST

static const char *const FP8_SRC =
    "kernel k<BM = 128, BN = 128>(A : e4m3[M, K], SA : f32[M, K / 128] scales(A, 1, 128),\n"
    "                             B : e4m3[G, N, K], SB : f32[G, cdiv(K, 128), cdiv(N, 128)] scales(B, 128, 128),\n"
    "                             GID : i32[M], D : bf16[M, N])\n"
    "  where K % 128 == 0\n"
    "{\n"
    "    schedule m_grouped_contiguous (cdiv(M, BM), cdiv(N, BN)) group_ids GID cluster 2 -> (i, j, g);\n"
    "    var acc = zeros(f32[BM, BN]);\n"
    "    pipeline k in 0 .. K / 128 stages 6 {\n"
    "        let a = A[i*BM +: BM, k*128 +: 128];\n"
    "        acc += SB[g, k, j] * mma(a, B[g, j*BN +: BN, k*128 +: 128]^T) * SA[i*BM +: BM, k][:, new];\n"
    "    }\n"
    "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
    "}\n";

START_TEST(test_promotion_recorded)
{
    char *t = clean(FP8_SRC, NULL);
    HAS(t, "param SA: tensor f32[M, K / 128] scales(A, 1, 128)\n");
    HAS(t, "param SB: tensor f32[G, cdiv(K, 128), cdiv(N, 128)] scales(B, 128, 128) mn-major\n");
    HAS(t, "schedule m_grouped_contiguous (cdiv(M, BM), cdiv(N, BN)) cluster 2 group_ids GID -> i, j, g\n");
    HAS(t, "pipeline k at 8:5\n");
    HAS(t, "mma 10:30 m128 n128 k128 a=A K-major b=B^T K-major\n");
    HAS(t, "promote 10:9 mma 10:30 SB->b SA->a\n");
    free(t);
}
END_TEST

START_TEST(test_promotion_struct)
{
    int rc;
    dgkc_unit *u = check(FP8_SRC, NULL, &rc);
    ck_assert_int_eq(rc, DGKC_OK);
    const dgk_kernel *k = u->module->kernels;
    const dgk_stmt *pipe = k->info->pipeline;
    ck_assert_ptr_nonnull(pipe);
    const dgk_stmt *st = pipe->u.loop.body->next;
    const dgk_sema_promote *p = st->u.assign.promote;
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_eq(p->mma, k->info->mmas);
    ck_assert_int_eq(p->nscales, 2);
    ck_assert_int_eq(p->scales[0].operand, 1);
    ck_assert_str_eq(k->info->params[p->scales[0].param].decl->name.id, "SB");
    ck_assert_int_eq(p->scales[1].operand, 0);
    ck_assert_str_eq(k->info->params[p->scales[1].param].decl->name.id, "SA");
    ck_assert_int_eq(p->mma->a.k_axis, 1);
    ck_assert_int_eq(p->mma->b.k_axis, 2);
    ck_assert_int_eq(p->mma->b.mn_axis, 1);
    ck_assert_str_eq(k->info->params[p->mma->a.param].decl->name.id, "A"); /* traced through the let */
    const dgk_sema_sched *s = &k->info->sched;
    ck_assert_int_eq(s->kind, DGK_SCHED_M_GROUPED_CONTIGUOUS);
    ck_assert(s->mods[DGK_SMOD_GROUP_IDS].given);
    ck_assert_str_eq(k->info->params[s->mods[DGK_SMOD_GROUP_IDS].param].decl->name.id, "GID");
    ck_assert_int_eq(s->mods[DGK_SMOD_CLUSTER].value, 2);
    ck_assert_int_eq(s->nvars, 3);
    ck_assert_str_eq(s->vars[2]->name, "g");
    dgkc_unit_free(u);
}
END_TEST

START_TEST(test_plain_mma_not_promoted)
{
    char *t = clean("kernel k<BM = 128, BN = 128>(A : e4m3[M, K], B : e4m3[N, K], alpha : f32, D : f32[M, N])\n"
                    "{\n"
                    "    schedule grid (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
                    "    var acc = zeros(f32[BM, BN]);\n"
                    "    pipeline k in 0 .. cdiv(K, 128) {\n"
                    "        acc += mma(A[i*BM +: BM, k*128 +: 128], B[j*BN +: BN, k*128 +: 128]^T) * alpha;\n"
                    "    }\n"
                    "    D[i*BM +: BM, j*BN +: BN] = acc;\n"
                    "}\n", NULL);
    HAS(t, "mma 6:16");
    LACKS(t, "promote");
    free(t);
}
END_TEST

START_TEST(test_scale_block_smaller_tile)
{
    /* BN = 64 inside 128-wide B scale blocks: the scale index is (j * BN) / 128. */
    const char *src =
        "kernel k<BM = 128, BN = 64>(A : e4m3[M, K], SA : f32[cdiv(K, 128), M] scales(A, 1, 128),\n"
        "                            B : e4m3[N, K], SB : f32[cdiv(N, 128), cdiv(K, 128)] scales(B, 128, 128),\n"
        "                            D : bf16[M, N])\n"
        "{\n"
        "    schedule persistent (cdiv(M, BM), cdiv(N, BN)) -> (i, j);\n"
        "    var acc = zeros(f32[BM, BN]);\n"
        "    pipeline k in 0 .. cdiv(K, 128) {\n"
        "        acc += mma(A[i*BM +: BM, k*128 +: 128], B[j*BN +: BN, k*128 +: 128]^T)\n"
        "               * SA[k, i*BM +: BM][:, new] * SB[%s, k];\n"
        "    }\n"
        "    D[i*BM +: BM, j*BN +: BN] = bf16(acc);\n"
        "}\n";
    char buf[2048];
    snprintf(buf, sizeof buf, src, "j*BN / 128");
    char *t = clean(buf, NULL);
    HAS(t, "promote 8:9");
    free(t);
    snprintf(buf, sizeof buf, src, "j / 2");
    free(clean(buf, NULL)); /* the same quotient once reduced: (64 j) / 128 = j / 2 */
    snprintf(buf, sizeof buf, src, "j");
    char *d = errors(buf, NULL, 1);
    HAS(d, "t.dgk:9:49: error: this subscript of SB must be `(j * BN) / 128`");
    free(d);
}
END_TEST

/* ---- errors: counting and cascades ---------------------------------------------- */

START_TEST(test_one_error_per_mistake)
{
    char *d = errors(TYPED_KERNEL("    let x = (nope + 1) * f32(A[i*BM +: BM, 0]) + zeros(f32[BN, BM]) * nope2;\n"
                                  "    let y = x * 2;\n"),
                     NULL, 2);
    HAS(d, "unknown name 'nope'");
    HAS(d, "unknown name 'nope2'");
    LACKS(d, "broadcast");
    free(d);
}
END_TEST

START_TEST(test_bad_default_is_one_error)
{
    char *d = errors("kernel k<BM = 1.5>(D : f32[M])\n"
                     "{\n"
                     "    schedule grid (cdiv(M, BM)) -> (i);\n"
                     "    D[i*BM +: BM] = full(f32[BM], 0.0);\n"
                     "}\n", NULL, 1);
    HAS(d, "t.dgk:1:15: error: the default of BM must be an integer");
    free(d);
}
END_TEST

START_TEST(test_errors_reported_in_every_kernel)
{
    char *d = errors("kernel a(D : f32[M]) { schedule grid (M) -> (i); D[i] = x; }\n"
                     "kernel b(D : f32[M]) { schedule grid (M) -> (i); D[i] = y; }\n", NULL, 2);
    HAS(d, "t.dgk:1:57: error: unknown name 'x'");
    HAS(d, "t.dgk:2:57: error: unknown name 'y'");
    free(d);
}
END_TEST

/* ---- every shipped .dgk checks clean, fully annotated ----------------------------- */

/* Counts expressions without a (non-error) type and names without a symbol. */
static int untyped_expr(const dgk_expr *e);

static int untyped_list(const dgk_expr *e)
{
    int n = 0;
    for (; e; e = e->next)
        n += untyped_expr(e);
    return n;
}

static int untyped_expr(const dgk_expr *e)
{
    if (!e)
        return 0;
    int n = !e->type || e->type->kind == DGK_TYPE_ERROR;
    switch (e->kind) {
    case DGK_EXPR_NAME: return n + !e->u.name.sym;
    case DGK_EXPR_UNARY: return n + untyped_expr(e->u.unary.x);
    case DGK_EXPR_BINARY: return n + untyped_expr(e->u.binary.l) + untyped_expr(e->u.binary.r);
    case DGK_EXPR_CALL: return n + untyped_expr(e->u.call.callee) + untyped_list(e->u.call.args);
    case DGK_EXPR_INDEX:
        n += untyped_expr(e->u.index.base);
        for (const dgk_sub *sub = e->u.index.subs; sub; sub = sub->next)
            n += untyped_expr(sub->start) + untyped_expr(sub->len);
        return n;
    case DGK_EXPR_TRANSPOSE: return n + untyped_expr(e->u.transpose.x);
    case DGK_EXPR_COND: return n + untyped_expr(e->u.cond.c) + untyped_expr(e->u.cond.a) + untyped_expr(e->u.cond.b);
    default: return n;
    }
}

static int untyped_stmts(const dgk_stmt *st)
{
    int n = 0;
    for (; st; st = st->next) {
        switch (st->kind) {
        case DGK_STMT_VAR: case DGK_STMT_LET:
            n += untyped_expr(st->u.var.value) + !st->u.var.name.sym;
            break;
        case DGK_STMT_ASSIGN: n += untyped_expr(st->u.assign.target) + untyped_expr(st->u.assign.value); break;
        case DGK_STMT_SCHEDULE:
            n += untyped_list(st->u.schedule.extents);
            for (const dgk_sched_mod *m = st->u.schedule.mods; m; m = m->next)
                n += untyped_expr(m->value);
            for (const dgk_ident *v = st->u.schedule.vars; v; v = v->next)
                n += !v->sym;
            break;
        case DGK_STMT_PIPELINE: case DGK_STMT_FOR:
            n += untyped_expr(st->u.loop.lo) + untyped_expr(st->u.loop.hi) + untyped_expr(st->u.loop.stages);
            n += !st->u.loop.var.sym + untyped_stmts(st->u.loop.body);
            break;
        case DGK_STMT_IF:
            n += untyped_expr(st->u.if_.cond) + untyped_stmts(st->u.if_.then_body) + untyped_stmts(st->u.if_.else_body);
            break;
        case DGK_STMT_EXPR: n += untyped_expr(st->u.expr.e); break;
        default: break;
        }
    }
    return n;
}

static int untyped_kernel(const dgk_kernel *k)
{
    int n = untyped_list(k->constraints) + untyped_stmts(k->body);
    for (const dgk_ctparam *c = k->ctparams; c; c = c->next)
        n += untyped_expr(c->deflt) + !c->name.sym;
    for (const dgk_param *p = k->params; p; p = p->next) {
        n += untyped_expr(p->elem) + untyped_list(p->dims) + !p->name.sym;
        for (const dgk_attr *a = p->attrs; a; a = a->next)
            n += untyped_list(a->args);
    }
    return n;
}

static int check_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    dgkc_unit *u = dgkc_unit_new(path, buf, n);
    int rc = dgkc_check(u);
    if (rc != DGKC_OK) {
        char *d = diags(u);
        fprintf(stderr, "%s", d);
        free(d);
    }
    int kernels = 0;
    for (const dgk_kernel *k = rc == DGKC_OK ? u->module->kernels : NULL; k; k = k->next) {
        int missing = untyped_kernel(k);
        if (missing)
            fprintf(stderr, "%s: kernel %s has %d untyped expressions or unresolved names\n", path, k->name.id, missing);
        kernels += k->info && k->info->sched.stmt != NULL && !missing;
    }
    dgkc_unit_free(u);
    return rc == DGKC_OK && kernels > 0;
}

START_TEST(test_shipped_dgk_files_check_clean)
{
    FILE *ls = popen("ls stdlib/*.dgk examples/*.dgk tests/dgk/*.dgk 2>/dev/null", "r");
    ck_assert_ptr_nonnull(ls);
    char path[512];
    int files = 0, stock = 0;
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        ck_assert_msg(check_file(path), "%s does not check clean", path);
        files++;
        stock += strncmp(path, "stdlib/", 7) == 0;
    }
    pclose(ls);
    ck_assert_int_ge(stock, 5);
    ck_assert_int_ge(files, 10);
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Every ```dgk block of the manual names its file on its first line (`// FILE`), is a
 * verbatim part of that file, and checks clean on its own. */
START_TEST(test_spec_examples_are_files_and_check)
{
    char *spec = slurp("dsl/SPEC.md");
    ck_assert_ptr_nonnull(spec);
    int blocks = 0;
    for (char *p = strstr(spec, "\n```dgk\n"); p; p = strstr(p, "\n```dgk\n")) {
        char *from = p + 8, *end = strstr(from, "\n```\n");
        ck_assert_ptr_nonnull(end);
        char *start = strndup(from, (size_t)(end + 1 - from));
        char path[256];
        ck_assert_msg(sscanf(start, "// %255s", path) == 1, "a dgk block in SPEC.md does not name its file");
        char *body = strchr(start, '\n') + 1, *file = slurp(path);
        ck_assert_msg(file && strstr(file, body), "SPEC.md block for %s is not text of that file", path);
        free(file);
        int rc;
        dgkc_unit *u = check(start, NULL, &rc);
        char *d = diags(u);
        ck_assert_msg(rc == DGKC_OK, "SPEC.md block from %s does not check:\n%s", path, d);
        free(d);
        dgkc_unit_free(u);
        free(start);
        blocks++;
        p = end + 1;
    }
    ck_assert_int_ge(blocks, 16);
    free(spec);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sema");
    TCase *tc = tcase_create("ctparams");
    tcase_add_test(tc, test_ctparam_kinds_and_defaults);
    tcase_add_test(tc, test_defines_override);
    tcase_add_test(tc, test_define_errors_point_at_command_line);
    tcase_add_test(tc, test_define_twice);
    tcase_add_test(tc, test_specialized_shape_allows_whole_axis);
    tcase_add_test(tc, test_define_applies_to_every_kernel);
    suite_add_tcase(s, tc);
    tc = tcase_create("types");
    tcase_add_test(tc, test_expression_types);
    tcase_add_test(tc, test_every_expression_typed_and_names_resolved);
    suite_add_tcase(s, tc);
    tc = tcase_create("mma");
    tcase_add_test(tc, test_mma_layouts);
    tcase_add_test(tc, test_promotion_recorded);
    tcase_add_test(tc, test_promotion_struct);
    tcase_add_test(tc, test_plain_mma_not_promoted);
    tcase_add_test(tc, test_scale_block_smaller_tile);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_one_error_per_mistake);
    tcase_add_test(tc, test_bad_default_is_one_error);
    tcase_add_test(tc, test_errors_reported_in_every_kernel);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_shipped_dgk_files_check_clean);
    tcase_add_test(tc, test_spec_examples_are_files_and_check);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
