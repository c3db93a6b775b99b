/* parse_state.h - what the Lemon grammar (parser.y), its driver (parse.c) and its
 * actions (parse_build.c) share: the parse state carried as Lemon's %extra_context,
 * and the value types of the grammar's nonterminals. Internal to dsl/. */
#ifndef DGK_PARSE_STATE_H
#define DGK_PARSE_STATE_H

#include <stdlib.h>

#include "ast.h"
#include "lexer.h"
#include "parse.h"

typedef struct dgk_pstate {
    dgk_arena *arena;
    dgk_diags *diags;
    const dgk_source *src;
    dgk_module *module;
    dgk_kernel *ktail;       /* kernels are appended as they are reduced */
    dgk_token tok;           /* the token being fed to the parser */
    dgk_token prev;          /* the one before it (kind -1 at the start) */
    int depth;               /* open brackets */
    dgk_loc open[DGK_MAX_NESTING];  /* where each open bracket is */
    int open_kind[DGK_MAX_NESTING];
    int fatal;               /* stop parsing: nesting limit or out of memory */
    int lex_error;           /* the lexer reported an error reading `tok` or just before */
    char expected[256];      /* the tokens the parser would take instead of `tok` ... */
    int expected_valid;      /* ... when `tok` is a syntax error */
    _Alignas(16) unsigned char scratch[256]; /* stands in for nodes once out of memory */
} dgk_pstate;

/* Nonterminal values. Expressions carry their tree depth so the parser can refuse
 * trees deeper than DGK_MAX_NESTING (a left-recursive chain a+a+...+a grows the
 * tree without growing Lemon's stack). Lists keep a tail for O(1) appends. */
typedef struct dgk_xp { dgk_expr *e; int depth; } dgk_xp;
typedef struct dgk_xlist { dgk_expr *head, *tail; int n, depth; } dgk_xlist;
typedef struct dgk_subx { dgk_sub *s; int depth; } dgk_subx;
typedef struct dgk_sublist { dgk_sub *head, *tail; int n, depth; } dgk_sublist;
typedef struct dgk_slist { dgk_stmt *head, *tail; } dgk_slist;
typedef struct dgk_ilist { dgk_ident *head, *tail; int n; } dgk_ilist;
typedef struct dgk_mlist { dgk_sched_mod *head, *tail; } dgk_mlist;
typedef struct dgk_clist { dgk_ctparam *head, *tail; } dgk_clist;
typedef struct dgk_plist { dgk_param *head, *tail; } dgk_plist;
typedef struct dgk_alist { dgk_attr *head, *tail; } dgk_alist;
typedef struct dgk_ctkind { int given; dgk_ct_kind kind; } dgk_ctkind;

/* --- parse_build.c: the grammar's actions --- */
dgk_ident dgk_pb_ident(dgk_pstate *ps, const dgk_token *t);
dgk_xp dgk_pb_leaf(dgk_pstate *ps, dgk_expr_kind kind, const dgk_token *t);
dgk_xp dgk_pb_unary(dgk_pstate *ps, dgk_op op, const dgk_token *optok, dgk_xp x);
dgk_xp dgk_pb_binary(dgk_pstate *ps, dgk_op op, const dgk_token *optok, dgk_xp l, dgk_xp r);
dgk_xp dgk_pb_cond(dgk_pstate *ps, const dgk_token *optok, dgk_xp c, dgk_xp a, dgk_xp b);
dgk_xp dgk_pb_call(dgk_pstate *ps, const dgk_token *lparen, dgk_xp callee, dgk_xlist args);
dgk_xp dgk_pb_index(dgk_pstate *ps, const dgk_token *lbracket, dgk_xp base, dgk_sublist subs);
dgk_xp dgk_pb_transpose(dgk_pstate *ps, const dgk_token *optok, dgk_xp x);
dgk_subx dgk_pb_sub(dgk_pstate *ps, dgk_sub_kind kind, dgk_loc loc, dgk_xp start, dgk_xp len);
dgk_sublist dgk_pb_subs(dgk_sublist l, dgk_subx s);
dgk_xlist dgk_pb_exprs(dgk_xlist l, dgk_xp x);

dgk_stmt *dgk_pb_var(dgk_pstate *ps, dgk_stmt_kind kind, const dgk_token *kw, const dgk_token *name, dgk_xp value);
dgk_stmt *dgk_pb_assign(dgk_pstate *ps, dgk_xp target, dgk_op op, const dgk_token *optok, dgk_xp value);
dgk_stmt *dgk_pb_schedule(dgk_pstate *ps, const dgk_token *kw, const dgk_token *kind, dgk_xlist extents,
                          dgk_mlist mods, dgk_ilist vars);
dgk_stmt *dgk_pb_loop(dgk_pstate *ps, dgk_stmt_kind kind, const dgk_token *kw, const dgk_token *var,
                      dgk_xp lo, dgk_xp hi, dgk_xp stages, dgk_slist body);
dgk_stmt *dgk_pb_if(dgk_pstate *ps, const dgk_token *kw, dgk_xp cond, dgk_slist then_body, dgk_slist else_body);
dgk_stmt *dgk_pb_simple(dgk_pstate *ps, dgk_stmt_kind kind, dgk_loc loc, dgk_xp e);
dgk_slist dgk_pb_stmts(dgk_slist l, dgk_stmt *s);
dgk_ilist dgk_pb_idents(dgk_pstate *ps, dgk_ilist l, const dgk_token *t);
dgk_mlist dgk_pb_mods(dgk_pstate *ps, dgk_mlist l, const dgk_token *name, dgk_xp value);

dgk_ctkind dgk_pb_ctkind(dgk_pstate *ps, const dgk_token *t);
dgk_clist dgk_pb_ctparams(dgk_clist l, dgk_ctparam *c);
dgk_ctparam *dgk_pb_ctparam(dgk_pstate *ps, const dgk_token *name, dgk_ctkind kind, dgk_xp deflt);
dgk_alist dgk_pb_attrs(dgk_pstate *ps, dgk_alist l, const dgk_token *name, dgk_xlist args);
dgk_param *dgk_pb_param(dgk_pstate *ps, const dgk_token *name, const dgk_token *elem, dgk_xlist dims,
                        dgk_alist attrs);
dgk_plist dgk_pb_params(dgk_plist l, dgk_param *p);
void dgk_pb_kernel(dgk_pstate *ps, const dgk_token *kw, const dgk_token *name, dgk_clist ctparams,
                   dgk_plist params, dgk_xlist where, dgk_slist body);

/* --- parse.c: error reporting for the grammar --- */
/* expected[k] != 0 for every token kind the parser could have taken instead. */
void dgk_pb_syntax_error(dgk_pstate *ps, const dgk_token *t, const char *expected);
void dgk_pb_stack_overflow(dgk_pstate *ps);

/* --- parser.y (Lemon) --- */
void *dgk_parserAlloc(void *(*mallocProc)(size_t), dgk_pstate *ps);
void dgk_parser(void *p, int kind, dgk_token tok);
void dgk_parserFree(void *p, void (*freeProc)(void *));
int dgk_parser_ntokens(void);
/* Whether the parser would take token `kind` now (after any reductions). */
int dgk_parser_accepts(void *parser, int kind);
/* expected[k] = 1 for each token kind it would take now (256 entries). */
void dgk_parser_expected(void *parser, char *expected);
/* Whether it is recovering from a syntax error (discarding tokens, not reporting). */
int dgk_parser_recovering(void *parser);

#endif
