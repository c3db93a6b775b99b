/* test_parser.c - Check tests for the Lemon grammar (dsl/parser.y), its actions
 * (dsl/parse_build.c) and driver (dsl/parse.c): the AST shapes of SPEC section 2,
 * operator precedence, and syntax errors with their line:col and wording. */
#include "check_main.h"
#include "lex_util.h"

/* The S-expression builder below truncates silently on overflow; a truncated string
 * would only fail a comparison. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- helpers */

/* An expression as an S-expression: (+ a (* b c)), (idx A (range i n) : new),
 * (call f x), (T x), (? c a b). */
static void sx(const dgk_expr *e, char *buf, size_t size);

static void sx_sub(const dgk_sub *s, char *buf, size_t size)
{
    char a[512], b[512];
    switch (s->kind) {
    case DGK_SUB_POINT: sx(s->start, buf, size); break;
    case DGK_SUB_RANGE: sx(s->start, a, sizeof a); sx(s->len, b, sizeof b); snprintf(buf, size, "(range %s %s)", a, b); break;
    case DGK_SUB_ALL: snprintf(buf, size, ":"); break;
    case DGK_SUB_NEW: snprintf(buf, size, "new"); break;
    }
}

static void sx(const dgk_expr *e, char *buf, size_t size)
{
    char a[512], b[512], c[512];
    size_t n;
    switch (e->kind) {
    case DGK_EXPR_INT: snprintf(buf, size, "%llu", (unsigned long long)e->u.i.value); break;
    case DGK_EXPR_FLOAT: snprintf(buf, size, "%g", e->u.f.value); break;
    case DGK_EXPR_BOOL: snprintf(buf, size, "%s", e->u.b.value ? "true" : "false"); break;
    case DGK_EXPR_NAME: snprintf(buf, size, "%s", e->u.name.id); break;
    case DGK_EXPR_UNARY: sx(e->u.unary.x, a, sizeof a); snprintf(buf, size, "(%s %s)", dgk_op_spelling(e->u.unary.op), a); break;
    case DGK_EXPR_BINARY:
        sx(e->u.binary.l, a, sizeof a);
        sx(e->u.binary.r, b, sizeof b);
        snprintf(buf, size, "(%s %s %s)", dgk_op_spelling(e->u.binary.op), a, b);
        break;
    case DGK_EXPR_COND:
        sx(e->u.cond.c, a, sizeof a);
        sx(e->u.cond.a, b, sizeof b);
        sx(e->u.cond.b, c, sizeof c);
        snprintf(buf, size, "(? %s %s %s)", a, b, c);
        break;
    case DGK_EXPR_TRANSPOSE: sx(e->u.transpose.x, a, sizeof a); snprintf(buf, size, "(T %s)", a); break;
    case DGK_EXPR_CALL:
        n = (size_t)snprintf(buf, size, "(call %s", e->u.call.callee->u.name.id);
        for (const dgk_expr *x = e->u.call.args; x && n < size; x = x->next) {
            sx(x, a, sizeof a);
            n += (size_t)snprintf(buf + n, size - n, " %s", a);
        }
        snprintf(buf + n, size - n, ")");
        break;
    case DGK_EXPR_INDEX:
        sx(e->u.index.base, a, sizeof a);
        n = (size_t)snprintf(buf, size, "(idx %s", a);
        for (const dgk_sub *s = e->u.index.subs; s && n < size; s = s->next) {
            sx_sub(s, b, sizeof b);
            n += (size_t)snprintf(buf + n, size - n, " %s", b);
        }
        snprintf(buf + n, size - n, ")");
        break;
    default: snprintf(buf, size, "?"); break;
    }
}

/* Parses `kernel k() { let x = EXPR; }` and returns EXPR as an S-expression. */
static const char *expr_sx(const char *expr)
{
    static char out[2048];
    char src[1024];
    snprintf(src, sizeof src, "kernel k() { let x = %s; }", expr);
    fixture *f = parse(src);
    ck_assert_msg(f->nerrors == 0, "'%s' did not parse: %s", expr, f->diags.head ? f->diags.head->msg : "");
    sx(f->module->kernels->body->u.var.value, out, sizeof out);
    fx_free(f);
    return out;
}

#define ck_sx(expr, want) ck_assert_str_eq(expr_sx(expr), want)

/* The first statement of the first kernel of a parse that had no errors. */
static const dgk_stmt *first_stmt(const fixture *f)
{
    ck_assert_msg(f->nerrors == 0, "errors: %s", f->diags.head ? f->diags.head->msg : "");
    ck_assert_ptr_nonnull(f->module->kernels);
    return f->module->kernels->body;
}

/* ---------------------------------------------------------------- kernels */

START_TEST(empty_module)
{
    fixture *f = parse("  // nothing\n");
    ck_assert_int_eq(f->nerrors, 0);
    ck_assert_ptr_null(f->module->kernels);
    ck_assert_ptr_eq(f->module->src, &f->src);
    fx_free(f);
}
END_TEST

START_TEST(kernel_header)
{
    fixture *f = parse("kernel g<BM = 128, USE: bool = false, TD: dtype = bf16, N: int, B2 = true, T2 = e4m3,>(\n"
                       "  A : e4m3[M, K], SA : f32[M, K / 128] scales(A, 1, 128) extra(),\n"
                       "  alpha : f32,\n) where K % 128 == 0, N > 0, { }\nkernel h() {}");
    ck_assert_int_eq(f->nerrors, 0);
    const dgk_kernel *k = f->module->kernels;
    ck_assert_str_eq(k->name.id, "g");
    ck_assert_int_eq(k->loc.col, 1);
    ck_assert_int_eq(k->name.loc.col, 8);
    struct { const char *name; dgk_ct_kind kind; int given; int has_default; } want[] = {
        {"BM", DGK_CT_INT, 0, 1}, {"USE", DGK_CT_BOOL, 1, 1}, {"TD", DGK_CT_DTYPE, 1, 1},
        {"N", DGK_CT_INT, 1, 0}, {"B2", DGK_CT_BOOL, 0, 1}, {"T2", DGK_CT_DTYPE, 0, 1},
    };
    const dgk_ctparam *c = k->ctparams;
    for (int i = 0; i < 6; i++, c = c->next) {
        ck_assert_str_eq(c->name.id, want[i].name);
        ck_assert_int_eq(c->kind, want[i].kind);
        ck_assert_int_eq(c->kind_given, want[i].given);
        ck_assert_int_eq(c->deflt != NULL, want[i].has_default);
    }
    ck_assert_ptr_null(c);
    const dgk_param *p = k->params;
    ck_assert_str_eq(p->name.id, "A");
    ck_assert_str_eq(p->elem->u.name.id, "e4m3");
    ck_assert_int_eq(p->rank, 2);
    ck_assert_int_eq(p->name.loc.line, 2);
    ck_assert_int_eq(p->name.loc.col, 3);
    p = p->next;
    ck_assert_str_eq(p->attrs->name.id, "scales");
    ck_assert_int_eq(p->attrs->nargs, 3);
    ck_assert_str_eq(p->attrs->next->name.id, "extra");
    ck_assert_int_eq(p->attrs->next->nargs, 0);
    p = p->next;
    ck_assert_int_eq(p->rank, 0);
    ck_assert_ptr_null(p->dims);
    ck_assert_ptr_null(p->next);
    ck_assert_ptr_nonnull(k->constraints->next);
    ck_assert_ptr_null(k->constraints->next->next);
    ck_assert_ptr_null(k->body);
    ck_assert_str_eq(k->next->name.id, "h");
    fx_free(f);
}
END_TEST

/* A ctparam default is additive-level: a comparison needs parentheses. */
START_TEST(ctparam_default_level)
{
    fixture *f = parse("kernel k<A = 2 * B + 1, C = (A > 3), D = -1>() {}");
    ck_assert_int_eq(f->nerrors, 0);
    char buf[256];
    sx(f->module->kernels->ctparams->deflt, buf, sizeof buf);
    ck_assert_str_eq(buf, "(+ (* 2 B) 1)");
    sx(f->module->kernels->ctparams->next->deflt, buf, sizeof buf);
    ck_assert_str_eq(buf, "(> A 3)");
    fx_free(f);
    f = parse("kernel k<A = B > C>() {}");
    ck_assert_int_eq(f->nerrors, 1);
    ck_diag(f, 0, 1, 18, "unexpected identifier 'C', expected '('");
    fx_free(f);
    f = parse("kernel k<A: float>() {}");
    ck_assert_int_eq(f->nerrors, 1);
    ck_diag(f, 0, 1, 13, "unknown compile-time parameter kind 'float' (expected int, bool or dtype)");
    fx_free(f);
}
END_TEST

/* ---------------------------------------------------------------- statements */

START_TEST(var_let_assign)
{
    fixture *f = parse("kernel k() {\n var a = 1;\n let b = a;\n a = 2; a += 3; a -= 4; a *= 5; a max= 6;\n"
                       " D[i, j] = a;\n}");
    const dgk_stmt *s = first_stmt(f);
    ck_assert_int_eq(s->kind, DGK_STMT_VAR);
    ck_assert_str_eq(s->u.var.name.id, "a");
    ck_assert_int_eq(s->u.var.name.loc.col, 6);
    ck_assert_int_eq(s->loc.line, 2);
    s = s->next;
    ck_assert_int_eq(s->kind, DGK_STMT_LET);
    dgk_op ops[] = {DGK_OP_ASSIGN, DGK_OP_ADD_ASSIGN, DGK_OP_SUB_ASSIGN, DGK_OP_MUL_ASSIGN, DGK_OP_MAX_ASSIGN};
    int cols[] = {2, 9, 17, 25, 33};
    for (int i = 0; i < 5; i++) {
        s = s->next;
        ck_assert_int_eq(s->kind, DGK_STMT_ASSIGN);
        ck_assert_int_eq(s->u.assign.op, ops[i]);
        ck_assert_int_eq(s->loc.col, cols[i]);
        ck_assert_int_eq(s->u.assign.value->u.i.value, (uint64_t)i + 2);
    }
    s = s->next;
    ck_assert_int_eq(s->u.assign.target->kind, DGK_EXPR_INDEX);
    ck_assert_int_eq(s->u.assign.target->u.index.nsubs, 2);
    ck_assert_ptr_null(s->next);
    fx_free(f);
}
END_TEST

START_TEST(schedule)
{
    fixture *f = parse("kernel k() { schedule persistent (cdiv(M, BM), N / BN,) swizzle 8 cluster 2 -> (i, j); }");
    const dgk_stmt *s = first_stmt(f);
    ck_assert_int_eq(s->kind, DGK_STMT_SCHEDULE);
    ck_assert_str_eq(s->u.schedule.kind.id, "persistent");
    ck_assert_int_eq(s->u.schedule.nextents, 2);
    ck_assert_str_eq(s->u.schedule.mods->name.id, "swizzle");
    ck_assert_int_eq(s->u.schedule.mods->value->u.i.value, 8);
    ck_assert_str_eq(s->u.schedule.mods->next->name.id, "cluster");
    ck_assert_ptr_null(s->u.schedule.mods->next->next);
    ck_assert_int_eq(s->u.schedule.nvars, 2);
    ck_assert_str_eq(s->u.schedule.vars->next->id, "j");
    ck_assert_int_eq(s->u.schedule.vars->next->loc.col, 84);
    fx_free(f);
    f = parse("kernel k() { schedule grid (G) -> (g); }");
    s = first_stmt(f);
    ck_assert_ptr_null(s->u.schedule.mods);
    fx_free(f);
}
END_TEST

START_TEST(loops)
{
    fixture *f = parse("kernel k() {\n pipeline kk in 0 .. K / 128 stages S { acc += 1; }\n"
                       " pipeline k2 in a..b { }\n for t in 0..4 { x = t; y = t; }\n}");
    const dgk_stmt *s = first_stmt(f);
    ck_assert_int_eq(s->kind, DGK_STMT_PIPELINE);
    ck_assert_str_eq(s->u.loop.var.id, "kk");
    ck_assert_str_eq(s->u.loop.stages->u.name.id, "S");
    ck_assert_int_eq(s->u.loop.hi->kind, DGK_EXPR_BINARY);
    ck_assert_int_eq(s->u.loop.body->kind, DGK_STMT_ASSIGN);
    s = s->next;
    ck_assert_ptr_null(s->u.loop.stages);
    ck_assert_ptr_null(s->u.loop.body);
    s = s->next;
    ck_assert_int_eq(s->kind, DGK_STMT_FOR);
    ck_assert_int_eq(s->loc.line, 4);
    ck_assert_ptr_nonnull(s->u.loop.body->next);
    fx_free(f);
}
END_TEST

START_TEST(if_else_chain)
{
    fixture *f = parse("kernel k() { if a { return; } else if b { x = 1; } else { } if c { } f(x); }");
    const dgk_stmt *s = first_stmt(f);
    ck_assert_int_eq(s->kind, DGK_STMT_IF);
    ck_assert_int_eq(s->u.if_.then_body->kind, DGK_STMT_RETURN);
    const dgk_stmt *e = s->u.if_.else_body;
    ck_assert_int_eq(e->kind, DGK_STMT_IF);
    ck_assert_int_eq(e->loc.col, 36);
    ck_assert_ptr_null(e->next);
    ck_assert_ptr_null(e->u.if_.else_body); /* `else { }` is empty */
    s = s->next;
    ck_assert_ptr_null(s->u.if_.else_body);
    s = s->next;
    ck_assert_int_eq(s->kind, DGK_STMT_EXPR);
    ck_assert_int_eq(s->u.expr.e->kind, DGK_EXPR_CALL);
    fx_free(f);
}
END_TEST

/* ---------------------------------------------------------------- expressions */

START_TEST(precedence)
{
    ck_sx("a + b * c", "(+ a (* b c))");
    ck_sx("a - b - c", "(- (- a b) c)");
    ck_sx("a / b % c * d", "(* (% (/ a b) c) d)");
    ck_sx("a << 1 + 2", "(<< a (+ 1 2))");
    ck_sx("a < b == c > d", "(== (< a b) (> c d))");
    ck_sx("a & b ^ c | d", "(| (^ (& a b) c) d)");
    ck_sx("a || b && c", "(|| a (&& b c))");
    ck_sx("-a * !b", "(* (- a) (! b))");
    ck_sx("~~x", "(~ (~ x))");
    ck_sx("c ? a : b ? d : e", "(? c a (? b d e))");
    ck_sx("c || d ? a + 1 : b", "(? (|| c d) (+ a 1) b)");
    ck_sx("(a + b) * c", "(* (+ a b) c)");
    ck_sx("x^T^T", "(T (T x))");
    ck_sx("-x^T", "(- (T x))");
    ck_sx("a ^ b", "(^ a b)");
}
END_TEST

START_TEST(literals_and_calls)
{
    ck_sx("0x10 + 1.5 + true", "(+ (+ 16 1.5) true)");
    ck_sx("f()", "(call f)");
    ck_sx("mma(a, b^T,)", "(call mma a (T b))");
    ck_sx("zeros(f32[BM, BN])", "(call zeros (idx f32 BM BN))");
    ck_sx("inf", "inf");
    ck_sx("where(c && d, a, -b) + 1", "(+ (call where (&& c d) a (- b)) 1)"); /* keyword as builtin */
}
END_TEST

START_TEST(subscripts)
{
    ck_sx("A[i*BM +: BM, k]", "(idx A (range (* i BM) BM) k)");
    ck_sx("s[:, new]", "(idx s : new)");
    ck_sx("a[0][1]", "(idx (idx a 0) 1)");
    ck_sx("x[c ? 1 : 2]", "(idx x (? c 1 2))");
    fixture *f = parse("kernel k() { let x = A[i +: n, :]; }");
    const dgk_expr *e = first_stmt(f)->u.var.value;
    ck_assert_int_eq(e->u.index.nsubs, 2);
    ck_assert_int_eq(e->u.index.subs->loc.col, 24);
    ck_assert_int_eq(e->u.index.subs->next->loc.col, 32);
    ck_assert_int_eq(e->loc.col, 22);
    fx_free(f);
}
END_TEST

/* Each node is at its first token. */
START_TEST(locations)
{
    fixture *f = parse("kernel k() {\n  let x = (a +\n b) * -c;\n}");
    const dgk_expr *e = first_stmt(f)->u.var.value;
    ck_assert_int_eq(e->loc.line, 2);
    ck_assert_int_eq(e->loc.col, 12); /* `(` is not a node: `a` starts it */
    ck_assert_int_eq(e->u.binary.r->loc.line, 3);
    ck_assert_int_eq(e->u.binary.r->loc.col, 7);
    fx_free(f);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(missing_semicolon)
{
    fixture *f = parse("kernel k() {\n  var x = 1\n  var y = 2;\n  if x { z }\n}");
    ck_assert_int_eq(f->nerrors, 2);
    ck_diag(f, 0, 2, 12, "expected ';' after statement");
    ck_diag(f, 1, 4, 11, "expected ';' after statement");
    /* the ';' was supplied: both statements are there */
    ck_assert_ptr_nonnull(f->module->kernels->body->next);
    fx_free(f);
}
END_TEST

START_TEST(expected_lists)
{
    struct { const char *src; int col; const char *msg; } cases[] = {
        {"kernel k() { var x = ; }", 22, "unexpected ';', expected an expression"},
        {"kernel k() { x = (1 + 2; }", 24, "unexpected ';', expected ')' or an operator"},
        {"kernel k() { y = 3 4; }", 20, "unexpected integer literal '4', expected ';' or an operator"},
        {"kernel k() { ) }", 14, "unexpected ')', expected '}' or a statement"},
        {"kernel k(A: f32[M) {}", 18, "unexpected ')', expected ',', ']' or an operator"},
        {"foo", 1, "unexpected identifier 'foo', expected 'kernel'"},
        {"kernel 3() {}", 8, "unexpected integer literal '3', expected an identifier"},
        {"kernel k() { schedule grid (a) (i); }", 32, "unexpected '(', expected an identifier or '->'"},
        {"kernel k() { let y = f(,); }", 24, "unexpected ',', expected ')' or an expression"},
        {"kernel k() { pipeline p in 0 to 4 {} }", 30, "unexpected identifier 'to', expected '..' or an operator"},
        {"kernel k() { x[] = 1; }", 16, "unexpected ']', expected ':', 'new' or an expression"},
        {"kernel k() { z }", 15, "expected ';' after statement"},
        {"kernel k() { let = 1; }", 18, "unexpected '=', expected an identifier"},
        {"kernel k() { x.y = 1; }", 15, "unexpected '.', expected ';', an assignment or an operator"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture *f = parse(cases[i].src);
        ck_assert_msg(f->nerrors == 1, "%s: %d errors", cases[i].src, f->nerrors);
        ck_assert_str_eq(diag_at(f, 0)->msg, cases[i].msg);
        ck_diag(f, 0, 1, cases[i].col, cases[i].msg);
        fx_free(f);
    }
}
END_TEST

START_TEST(end_of_file)
{
    fixture *f = parse("kernel k() {\n  for i in 0 .. 4 {\n    x = 1;\n");
    ck_assert_int_eq(f->nerrors, 1);
    ck_diag(f, 0, 3, 11, "unexpected end of file, expected '}' or a statement");
    ck_assert_int_eq(diag_at(f, 1)->sev, DGK_SEV_NOTE);
    ck_diag(f, 1, 2, 19, "to match this '{'");
    fx_free(f);
}
END_TEST

START_TEST(callee_and_target)
{
    fixture *f = parse("kernel k() {\n  let a = (f)(x) + g[0](y) + h^T();\n  a + 1 = 2;\n}");
    ck_assert_int_eq(f->nerrors, 3);
    ck_diag(f, 0, 2, 20, "only a name can be called (a builtin like mma(a, b) or a cast like bf16(x)), not a index");
    ck_diag(f, 1, 2, 30, "only a name can be called");
    ck_diag(f, 2, 3, 3, "cannot assign to a binary expression: the left side of '=' must be a variable");
    fx_free(f);
    f = parse("kernel k() { 3 += x; }");
    ck_diag(f, 0, 1, 14, "cannot assign to a int expression: the left side of '+='");
    fx_free(f);
}
END_TEST

/* After an error the parser skips to ';', over a block, or to the next kernel, and
 * reports the next independent error. */
START_TEST(recovery)
{
    fixture *f = parse("kernel a() {\n  x = = 1;\n  if ) { y = 1; }\n  z = 2;\n}\n"
                       "junk here;\nkernel b(A: ) { w = , ; }\nkernel c() { ok = 1; }");
    ck_assert_int_eq(f->nerrors, 5);
    ck_diag(f, 0, 2, 7, "unexpected '='");
    ck_diag(f, 1, 3, 6, "unexpected ')'");
    ck_diag(f, 2, 6, 1, "unexpected identifier 'junk'");
    ck_diag(f, 3, 7, 13, "unexpected ')'");
    ck_diag(f, 4, 7, 21, "unexpected ','");
    /* a's good statement and all of kernel c survive */
    const dgk_kernel *k = f->module->kernels;
    ck_assert_str_eq(k->name.id, "a");
    ck_assert_int_eq(k->body->kind, DGK_STMT_ASSIGN);
    ck_assert_int_eq(k->body->loc.line, 4);
    ck_assert_str_eq(k->next->name.id, "c");
    fx_free(f);
}
END_TEST

/* Many independent errors: all reported up to the limit, then parsing stops. */
START_TEST(error_limit)
{
    size_t n = 200, len = 0;
    char *src = malloc(n * 16 + 64);
    len += (size_t)sprintf(src, "kernel k() {\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(src + len, "x = ;\n");
    sprintf(src + len, "}\n");
    fixture *f = parse(src);
    ck_assert_int_eq(f->diags.nerrors, DGK_DIAG_DEFAULT_LIMIT + 1);
    ck_assert_int_eq(f->diags.dropped, 1);
    ck_diag(f, 49, 51, 5, "unexpected ';'");
    fx_free(f);
    free(src);
}
END_TEST

/* ---------------------------------------------------------------- the printer */

START_TEST(ast_print)
{
    fixture *f = parse("kernel k<B: bool = true>(A : f32[M] scales(X, 1)) where M > 0 {\n"
                       "  schedule grid (1) -> (i);\n  if B { A[i +: 4] = 1.5; } else { return; }\n}");
    ck_assert_int_eq(f->nerrors, 0);
    char *out = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&out, &size);
    dgk_ast_print(f->module, mem);
    fclose(mem);
    ck_assert_str_eq(out,
                     "module\n"
                     "  kernel k @1:1\n"
                     "    ctparam B bool @1:10\n"
                     "      bool true @1:20\n"
                     "    param A rank 1 @1:26\n"
                     "      name f32 @1:30\n"
                     "      dims\n"
                     "        name M @1:34\n"
                     "      attr scales @1:37\n"
                     "        name X @1:44\n"
                     "        int 1 @1:47\n"
                     "    where\n"
                     "      binary > @1:57\n"
                     "        name M @1:57\n"
                     "        int 0 @1:61\n"
                     "    body\n"
                     "      schedule grid @2:3\n"
                     "        extents\n"
                     "          int 1 @2:18\n"
                     "        bind i @2:25\n"
                     "      if @3:3\n"
                     "        name B @3:6\n"
                     "        then\n"
                     "          assign = @3:10\n"
                     "            index @3:10\n"
                     "              name A @3:10\n"
                     "              sub range @3:12\n"
                     "                name i @3:12\n"
                     "                int 4 @3:17\n"
                     "            float 1.5 @3:22\n"
                     "        else\n"
                     "          return @3:36\n");
    free(out);
    fx_free(f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("parser");
    struct { const char *name; const TTest *tests[8]; } cases[] = {
        {"kernels", {empty_module, kernel_header, ctparam_default_level}},
        {"statements", {var_let_assign, schedule, loops, if_else_chain}},
        {"expressions", {precedence, literals_and_calls, subscripts, locations}},
        {"errors", {missing_semicolon, expected_lists, end_of_file, callee_and_target}},
        {"recovery", {recovery, error_limit}},
        {"printer", {ast_print}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        for (int j = 0; j < 8 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}

DGK_CHECK_MAIN(make_suite)
