/* lex_util.h - helpers the front-end unit tests share: lex or parse a string with a
 * fresh arena and diagnostics, and look at what came out. Header-only so that each
 * test binary stays one file (tests/unit/test_*.c). */
#ifndef DGK_TEST_LEX_UTIL_H
#define DGK_TEST_LEX_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/arena.h"
#include "compiler/diag.h"
#include "dsl/ast.h"
#include "dsl/lexer.h"
#include "dsl/parse.h"
#include "dsl/parse_state.h"
#include "dsl/tokens.def"
#include "parser.h"

enum { MAX_TOKS = 256 };

/* One lexed or parsed string and everything it produced. */
typedef struct fixture {
    dgk_arena arena;
    dgk_diags diags;
    dgk_source src;
    dgk_token toks[MAX_TOKS];
    int ntoks;            /* including the final EOF */
    dgk_module *module;
    int nerrors;
} fixture;

static inline fixture *fx_new(const char *text, size_t len)
{
    fixture *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    dgk_arena_init(&f->arena);
    dgk_diags_init(&f->diags, &f->arena);
    char *copy = dgk_arena_alloc(&f->arena, len + 1);
    memcpy(copy, text, len);
    f->src.name = "t.dgk";
    f->src.text = copy;
    f->src.len = len;
    return f;
}

static inline void fx_free(fixture *f)
{
    dgk_arena_free(&f->arena);
    free(f);
}

/* Lexes text (NUL-terminated, or len bytes) to the end. */
static inline fixture *lex_n(const char *text, size_t len)
{
    fixture *f = fx_new(text, len);
    dgk_lexer lx;
    dgk_lexer_init(&lx, &f->src, &f->diags, &f->arena);
    do {
        ck_assert_int_lt(f->ntoks, MAX_TOKS);
        dgk_lex(&lx, &f->toks[f->ntoks]);
    } while (f->toks[f->ntoks++].kind != TK_EOF);
    f->nerrors = f->diags.nerrors;
    return f;
}

static inline fixture *lex(const char *text)
{
    return lex_n(text, strlen(text));
}

static inline fixture *parse_n(const char *text, size_t len)
{
    fixture *f = fx_new(text, len);
    f->nerrors = dgk_parse(&f->src, &f->arena, &f->diags, &f->module);
    return f;
}

static inline fixture *parse(const char *text)
{
    return parse_n(text, strlen(text));
}

/* The i-th diagnostic (0-based) of any severity. */
static inline const dgk_diag *diag_at(const fixture *f, int i)
{
    const dgk_diag *g = f->diags.head;
    while (g && i-- > 0)
        g = g->next;
    ck_assert_msg(g != NULL, "no diagnostic #%d", i);
    return g;
}

/* Asserts diagnostic i is at line:col and its message contains `text`. */
#define ck_diag(f, i, line_, col_, text)                                                     \
    do {                                                                                     \
        const dgk_diag *g_ = diag_at((f), (i));                                              \
        ck_assert_msg(g_->loc.line == (line_) && g_->loc.col == (col_),                      \
                      "diag %d at %d:%d, want %d:%d (%s)", (i), g_->loc.line, g_->loc.col,   \
                      (line_), (col_), g_->msg);                                             \
        ck_assert_msg(strstr(g_->msg, (text)) != NULL, "diag %d is '%s', want '%s'", (i),     \
                      g_->msg, (text));                                                      \
    } while (0)

#endif
