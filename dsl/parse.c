/* parse.c - drives the front end: pulls tokens from the lexer, keeps count of open
 * brackets, feeds the Lemon parser (parser.y), and words its syntax errors.
 * Input: a dgk_source. Output: a dgk_module (AST) and diagnostics. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

#include "parse_state.h"
#include "parser.h"

/* Token sets that syntax errors name as one thing ("expected an expression"). */
static const int expr_start[] = {TK_INT, TK_FLOAT, TK_IDENT, TK_TRUE, TK_FALSE,
                                 TK_LPAREN, TK_MINUS, TK_BANG, TK_TILDE, TK_WHERE};
static const int stmt_start[] = {TK_VAR, TK_LET, TK_SCHEDULE, TK_PIPELINE, TK_FOR, TK_IF, TK_RETURN};
static const int assign_ops[] = {TK_ASSIGN, TK_PLUSEQ, TK_MINUSEQ, TK_STAREQ, TK_MAXEQ};
static const int operators[] = {TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_SHL, TK_SHR,
                                TK_AMP, TK_PIPE, TK_CARET, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
                                TK_ANDAND, TK_OROR, TK_QUESTION, TK_LBRACKET, TK_LPAREN, TK_TRANSPOSE};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Whether every token of the set is expected; if so, they are taken out of `expected`
 * (the set is then named as one) and 1 is returned. `need` is the minimum subset. */
static int take_class(char *expected, const int *set, int n, const int *need, int nneed)
{
    for (int i = 0; i < nneed; i++)
        if (!expected[need[i]])
            return 0;
    for (int i = 0; i < n; i++)
        expected[set[i]] = 0;
    return 1;
}

/* Appends ", expected A, B or C" to buf when the list is short enough to help. */
static void describe_expected(char *expected, char *buf, size_t size)
{
    const char *names[256 + 4]; /* every token kind, plus the four group names */
    int n = 0;
    static const int stmt_need[] = {TK_VAR, TK_IF, TK_IDENT};
    static const int expr_need[] = {TK_INT, TK_IDENT, TK_LPAREN};
    static const int op_need[] = {TK_PLUS, TK_STAR};
    int want_stmt = take_class(expected, stmt_start, COUNT(stmt_start), stmt_need, COUNT(stmt_need));
    if (want_stmt) /* a statement can be an expression: "a statement" covers those too */
        take_class(expected, expr_start, COUNT(expr_start), expr_start, 0);
    int want_expr = take_class(expected, expr_start, COUNT(expr_start), expr_need, COUNT(expr_need));
    int want_op = take_class(expected, operators, COUNT(operators), op_need, COUNT(op_need));
    int want_assign = take_class(expected, assign_ops, COUNT(assign_ops), assign_ops, 2);
    int ntok = dgk_token_count();
    int has_other = 0;
    for (int k = 1; k < ntok && k < 256; k++)
        has_other |= expected[k];
    if (expected[TK_EOF] && (has_other || want_stmt || want_expr || want_op || want_assign))
        expected[TK_EOF] = 0; /* "or end of file" only helps when it is the only way out */
    for (int k = 0; k < ntok && k < 256; k++)
        if (expected[k])
            names[n++] = dgk_token_expected(k);
    if (want_stmt)
        names[n++] = "a statement";
    if (want_expr)
        names[n++] = "an expression";
    if (want_assign)
        names[n++] = "an assignment";
    if (want_op)
        names[n++] = "an operator";
    if (n == 0 || n > 6)
        return;
    size_t len = strlen(buf);
    for (int i = 0; i < n && len < size; i++) {
        const char *sep = i == 0 ? ", expected " : i == n - 1 ? " or " : ", ";
        len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, names[i]);
    }
}

static void describe_token(const dgk_token *t, char *buf, size_t size)
{
    if (t->kind == TK_IDENT || t->kind == TK_INT || t->kind == TK_FLOAT)
        snprintf(buf, size, "unexpected %s '%.*s'", dgk_token_desc(t->kind), t->len > 40 ? 40 : t->len, t->text);
    else
        snprintf(buf, size, "unexpected %s", dgk_token_desc(t->kind));
}

void dgk_pb_syntax_error(dgk_pstate *ps, const dgk_token *t, const char *expected_in)
{
    char expected[256], msg[512];
    if (ps->lex_error)
        return; /* the lexical error just reported explains this one */
    memcpy(expected, expected_in, sizeof expected);
    describe_token(t, msg, sizeof msg);
    describe_expected(expected, msg, sizeof msg);
    dgk_error(ps->diags, t->loc, "%s", msg);
    if (t->kind == TK_EOF && ps->depth > 0) {
        int d = ps->depth - 1;
        dgk_note(ps->diags, ps->open[d], "to match this %s", dgk_token_desc(ps->open_kind[d]));
    }
}

void dgk_pb_stack_overflow(dgk_pstate *ps)
{
    if (!ps->fatal)
        dgk_error(ps->diags, ps->tok.loc, "expression nested too deeply (the parser's stack is full)");
    ps->fatal = 1;
}

/* Counts open brackets; refuses one past DGK_MAX_NESTING. Returns 0 to stop. */
static int track_nesting(dgk_pstate *ps, const dgk_token *t)
{
    int k = t->kind;
    if (k == TK_RPAREN || k == TK_RBRACKET || k == TK_RBRACE) {
        if (ps->depth > 0)
            ps->depth--;
        return 1;
    }
    if (k != TK_LPAREN && k != TK_LBRACKET && k != TK_LBRACE)
        return 1;
    if (ps->depth == DGK_MAX_NESTING) {
        dgk_error(ps->diags, t->loc, "brackets nested too deeply (more than %d levels)", DGK_MAX_NESTING);
        ps->fatal = 1;
        return 0;
    }
    ps->open_kind[ps->depth] = k;
    ps->open[ps->depth++] = t->loc;
    return 1;
}

/* When token `kind` is a syntax error, notes what the parser would have taken instead.
 * This must happen before the token is fed: Lemon's default reductions for it would
 * leave the parser in a state that knows less (after `f(`, a ',' first reduces the
 * empty argument list, after which only ')' is expected). */
static void note_expected(dgk_pstate *ps, void *parser, int kind)
{
    ps->expected_valid = 0;
    if (dgk_parser_recovering(parser) || dgk_parser_accepts(parser, kind))
        return; /* no error, or one that is skipped without a report */
    dgk_parser_expected(parser, ps->expected);
    ps->expected_valid = 1;
}

/* A statement that ends without its ';' at the end of a line or before a '}': say so
 * where the ';' belongs and feed the parser one, so the next statement parses.
 * Called when `t` is a syntax error; returns whether a ';' was fed. */
static int insert_missing_semi(dgk_pstate *ps, void *parser, const dgk_token *t)
{
    if (ps->tok.kind < 0)
        return 0;
    if (t->loc.line == ps->tok.loc.line && t->kind != TK_RBRACE)
        return 0;
    if (!ps->expected[TK_SEMI])
        return 0;
    dgk_token semi = ps->tok;
    semi.kind = TK_SEMI;
    semi.loc.col += semi.len;
    semi.text = ";";
    semi.len = 0;
    dgk_error(ps->diags, semi.loc, "expected ';' after statement");
    dgk_parser(parser, TK_SEMI, semi);
    return 1;
}

static void init_state(dgk_pstate *ps, const dgk_source *src, dgk_arena *a, dgk_diags *d, dgk_module *m)
{
    memset(ps, 0, sizeof *ps);
    ps->arena = a;
    ps->diags = d;
    ps->src = src;
    ps->module = m;
    ps->prev.kind = -1;
    ps->tok.kind = -1;
}

int dgk_parse(const dgk_source *src, dgk_arena *a, dgk_diags *d, dgk_module **out)
{
    return dgk_parse_with(src, a, d, d, out);
}

int dgk_parse_with(const dgk_source *src, dgk_arena *a, dgk_diags *d, dgk_diags *lexd, dgk_module **out)
{
    int errors_before = d->nerrors, lex_before = lexd->nerrors;
    if (src->len > DGK_MAX_SOURCE) {
        dgk_error(d, dgk_loc_make(src, 1, 1), "source is too large (%zu bytes; at most %zu)", src->len,
                  DGK_MAX_SOURCE);
        *out = NULL;
        return 1;
    }
    dgk_module *m = *out = DGK_NEW(a, dgk_module);
    dgk_pstate *ps = malloc(sizeof *ps);
    void *parser = ps && m ? dgk_parserAlloc(malloc, ps) : NULL;
    if (!parser) {
        dgk_error(d, dgk_loc_make(src, 1, 1), "out of memory");
        free(ps);
        return d->nerrors - errors_before;
    }
    m->src = src;
    init_state(ps, src, a, d, m);
    dgk_lexer lx;
    dgk_lexer_init(&lx, src, lexd, a);
    while (d->nerrors <= d->limit) {
        dgk_token t;
        int lex_errors = lexd->nerrors;
        int kind = dgk_lex(&lx, &t);
        ps->lex_error = lexd->nerrors > lex_errors;
        if (!track_nesting(ps, &t))
            break;
        note_expected(ps, parser, kind);
        if (ps->expected_valid && insert_missing_semi(ps, parser, &t))
            note_expected(ps, parser, kind);
        ps->prev = ps->tok;
        ps->tok = t;
        dgk_parser(parser, kind, t);
        if (kind == TK_EOF || ps->fatal)
            break;
    }
    dgk_parserFree(parser, free);
    free(ps);
    int lex_errors = lexd == d ? 0 : lexd->nerrors - lex_before;
    return d->nerrors - errors_before + lex_errors;
}
