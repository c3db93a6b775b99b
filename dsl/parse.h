/* parse.h - the front end's entry point: source text -> AST.
 * Runs the lexer (lexer.re) and feeds the Lemon parser (parser.y) token by token.
 * Lexical and syntax errors go to the dgk_diags; after a syntax error the parser skips
 * to the next ';' or block and goes on, so one run reports several. Used by
 * compiler/unit.c (dgkc_parse) and the unit tests. */
#ifndef DGK_PARSE_H
#define DGK_PARSE_H

#include "../compiler/arena.h"
#include "../compiler/diag.h"
#include "ast.h"

/* Limits that keep every later pass's recursion shallow: at most this many open
 * brackets ( [ { at once, and expression trees at most this deep. */
enum { DGK_MAX_NESTING = 256 };

/* Parses src into *out (NULL afterwards only when out of memory or the source is over
 * DGK_MAX_SOURCE; holds the kernels parsed so far even when there are errors). Returns the number of errors reported
 * (lexical + syntax); the AST is complete and well-formed only when it is 0. */
int dgk_parse(const dgk_source *src, dgk_arena *a, dgk_diags *d, dgk_module **out);
/* The same, with the lexer's errors going to `lexd` (a scratch list when they were
 * reported already, by --dump-tokens). */
int dgk_parse_with(const dgk_source *src, dgk_arena *a, dgk_diags *d, dgk_diags *lexd, dgk_module **out);

/* Sources past this size are refused: lines and columns are ints. */
#define DGK_MAX_SOURCE ((size_t)1 << 30)

#endif
