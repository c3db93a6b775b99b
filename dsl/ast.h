/* ast.h - the abstract syntax tree the parser builds and sema annotates.
 * Every node carries the location of its first token. Nodes are allocated from the
 * compilation's arena and never freed individually. Lists are singly linked through
 * `next` in source order.
 * Producers: dsl/parser.y (via the constructors in ast.c). Consumers: sema, ast_print,
 * the IR builder. Sema fills the `type` and `sym` slots; the parser leaves them NULL. */
#ifndef DGK_AST_H
#define DGK_AST_H

#include <stdint.h>

#include "../compiler/arena.h"
#include "loc.h"

struct dgk_type; /* sema's view of an expression: dtype + shape (compiler/types.h) */
struct dgk_sym;  /* what a name resolves to (compiler/sema.h) */

/* Operators: X(ID, spelling). One table for the parser, the printer and sema. */
#define DGK_OPS(X)                                                                \
    X(ADD, "+") X(SUB, "-") X(MUL, "*") X(DIV, "/") X(MOD, "%")                  \
    X(SHL, "<<") X(SHR, ">>") X(BAND, "&") X(BOR, "|") X(BXOR, "^")              \
    X(EQ, "==") X(NE, "!=") X(LT, "<") X(LE, "<=") X(GT, ">") X(GE, ">=")        \
    X(LAND, "&&") X(LOR, "||") X(NEG, "-") X(NOT, "!") X(BNOT, "~")              \
    X(ASSIGN, "=") X(ADD_ASSIGN, "+=") X(SUB_ASSIGN, "-=") X(MUL_ASSIGN, "*=")   \
    X(MAX_ASSIGN, "max=")

typedef enum dgk_op {
#define X(id, s) DGK_OP_##id,
    DGK_OPS(X)
#undef X
    DGK_OP_COUNT
} dgk_op;

const char *dgk_op_spelling(dgk_op op);

/* Expression kinds: X(ID, printable name). */
#define DGK_EXPR_KINDS(X)                                                         \
    X(INT, "int")             /* 42, 0x2a; u.i */                                 \
    X(FLOAT, "float")         /* 1.5, 1e-3, inf; u.f */                           \
    X(BOOL, "bool")           /* true, false; u.b */                              \
    X(NAME, "name")           /* A, BM, k, bf16; u.name */                        \
    X(UNARY, "unary")         /* -x, !x, ~x; u.unary */                           \
    X(BINARY, "binary")       /* x + y; u.binary */                               \
    X(CALL, "call")           /* mma(a, b), bf16(acc), zeros(f32[BM, BN]); u.call */ \
    X(INDEX, "index")         /* A[i*BM +: BM, k], f32[BM, BN], t[:, new]; u.index */ \
    X(TRANSPOSE, "transpose") /* x^T; u.transpose */                              \
    X(COND, "cond")           /* c ? a : b; u.cond */

typedef enum dgk_expr_kind {
#define X(id, s) DGK_EXPR_##id,
    DGK_EXPR_KINDS(X)
#undef X
    DGK_EXPR_COUNT
} dgk_expr_kind;

const char *dgk_expr_kind_name(dgk_expr_kind k);

/* One subscript of an INDEX expression. */
typedef enum dgk_sub_kind {
    DGK_SUB_POINT, /* e       : one element; the axis is dropped */
    DGK_SUB_RANGE, /* e +: n  : n elements starting at e; n must be compile-time */
    DGK_SUB_ALL,   /* :       : the whole axis */
    DGK_SUB_NEW,   /* new     : a new axis of extent 1 (broadcasting) */
} dgk_sub_kind;

typedef struct dgk_sub {
    dgk_sub_kind kind;
    dgk_loc loc;
    struct dgk_expr *start; /* POINT, RANGE */
    struct dgk_expr *len;   /* RANGE */
    struct dgk_sub *next;
} dgk_sub;

typedef struct dgk_expr dgk_expr;
struct dgk_expr {
    dgk_expr_kind kind;
    dgk_loc loc;
    dgk_expr *next;          /* next argument / list element */
    struct dgk_type *type;   /* set by sema */
    union {
        struct { uint64_t value; } i;
        struct { double value; } f;
        struct { int value; } b;
        struct { const char *id; struct dgk_sym *sym; } name;
        struct { dgk_op op; dgk_expr *x; } unary;
        struct { dgk_op op; dgk_expr *l, *r; } binary;
        /* callee is a NAME expression (builtin, dtype cast, or error) */
        struct { dgk_expr *callee; dgk_expr *args; int nargs; } call;
        struct { dgk_expr *base; dgk_sub *subs; int nsubs; } index;
        struct { dgk_expr *x; } transpose;
        struct { dgk_expr *c, *a, *b; } cond;
    } u;
};

/* Statement kinds: X(ID, printable name). */
#define DGK_STMT_KINDS(X)                                                         \
    X(VAR, "var")           /* var x = e;  mutable local (tile or scalar) */      \
    X(LET, "let")           /* let x = e;  immutable local */                     \
    X(ASSIGN, "assign")     /* target op= value;  local update or tensor store */ \
    X(SCHEDULE, "schedule") /* schedule KIND (extents) modifiers -> (vars); */    \
    X(PIPELINE, "pipeline") /* pipeline k in lo .. hi [stages S] { ... } */       \
    X(FOR, "for")           /* for k in lo .. hi { ... } */                       \
    X(IF, "if")             /* if c { ... } [else { ... }] */                     \
    X(RETURN, "return")     /* return; */                                         \
    X(EXPR, "expr")         /* e;  (a call for its effect) */

typedef enum dgk_stmt_kind {
#define X(id, s) DGK_STMT_##id,
    DGK_STMT_KINDS(X)
#undef X
    DGK_STMT_COUNT
} dgk_stmt_kind;

const char *dgk_stmt_kind_name(dgk_stmt_kind k);

/* A name introduced by a statement or a parameter list, with its own location. */
typedef struct dgk_ident {
    const char *id;
    dgk_loc loc;
    struct dgk_sym *sym; /* set by sema */
    struct dgk_ident *next;
} dgk_ident;

/* `swizzle 8`, `group_ids GID`, `masked MASK`, ... after a schedule's extents. */
typedef struct dgk_sched_mod {
    dgk_ident name;
    dgk_expr *value;
    struct dgk_sched_mod *next;
} dgk_sched_mod;

typedef struct dgk_stmt dgk_stmt;
struct dgk_stmt {
    dgk_stmt_kind kind;
    dgk_loc loc;
    dgk_stmt *next;
    union {
        struct { dgk_ident name; dgk_expr *value; } var;     /* VAR and LET */
        struct {
            dgk_expr *target; dgk_op op; dgk_expr *value;
            struct dgk_sema_promote *promote; /* set by sema: the FP8 promotion form */
        } assign;
        struct {
            dgk_ident kind;          /* grid, persistent, m_grouped_contiguous, ... */
            dgk_expr *extents; int nextents;
            dgk_sched_mod *mods;
            dgk_ident *vars; int nvars;
        } schedule;
        struct {                     /* PIPELINE and FOR */
            dgk_ident var;
            dgk_expr *lo, *hi;
            dgk_expr *stages;        /* PIPELINE only; NULL = compiler's choice */
            dgk_stmt *body;
        } loop;
        struct { dgk_expr *cond; dgk_stmt *then_body, *else_body; } if_;
        struct { dgk_expr *e; } expr;
    } u;
};

/* Compile-time parameter kinds: X(ID, spelling). */
#define DGK_CT_KINDS(X) X(INT, "int") X(BOOL, "bool") X(DTYPE, "dtype")

typedef enum dgk_ct_kind {
#define X(id, s) DGK_CT_##id,
    DGK_CT_KINDS(X)
#undef X
    DGK_CT_COUNT
} dgk_ct_kind;

const char *dgk_ct_kind_name(dgk_ct_kind k);

/* <BM = 128>, <USE_BIAS: bool = false>, <TD: dtype = bf16>, <N: int> (no default:
 * must be given by -D or bound from a tensor shape). */
typedef struct dgk_ctparam {
    dgk_ident name;
    dgk_ct_kind kind;
    int kind_given;          /* whether `: kind` was written */
    dgk_expr *deflt;         /* NULL if none */
    struct dgk_ctparam *next;
} dgk_ctparam;

/* A parameter annotation such as `scales(A, 1, 128)`. */
typedef struct dgk_attr {
    dgk_ident name;
    dgk_expr *args; int nargs;
    struct dgk_attr *next;
} dgk_attr;

/* A runtime parameter: a global tensor `A : e4m3[M, K]` (dims != NULL, rank >= 1) or a
 * scalar `alpha : f32` (rank 0). The element type is a NAME expression so that it can
 * name a dtype or a `dtype` compile-time parameter. */
typedef struct dgk_param {
    dgk_ident name;
    dgk_expr *elem;          /* NAME */
    dgk_expr *dims; int rank;
    dgk_attr *attrs;
    struct dgk_param *next;
} dgk_param;

typedef struct dgk_kernel {
    dgk_ident name;
    dgk_loc loc;             /* the `kernel` keyword */
    dgk_ctparam *ctparams;
    dgk_param *params;
    dgk_expr *constraints;   /* `where c1, c2` */
    dgk_stmt *body;
    struct dgk_kernel *next;
    struct dgk_sema_kernel *info; /* set by sema (compiler/sema.h) */
} dgk_kernel;

typedef struct dgk_module {
    const dgk_source *src;
    dgk_kernel *kernels;
} dgk_module;

/* Constructors used by the parser: allocate from the arena, zero the rest. */
dgk_expr *dgk_expr_new(dgk_arena *a, dgk_expr_kind kind, dgk_loc loc);
dgk_stmt *dgk_stmt_new(dgk_arena *a, dgk_stmt_kind kind, dgk_loc loc);

/* Pretty-prints a module as an indented tree (dgkc --dump-ast). Deterministic. */
#include <stdio.h>
void dgk_ast_print(const dgk_module *m, FILE *out);

#endif
