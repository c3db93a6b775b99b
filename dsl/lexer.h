/* lexer.h - the re2c lexer (dsl/lexer.re) and the token table (dsl/tokens.def).
 * Input: a dgk_source. Output: one dgk_token per call, each with its location; lexical
 * errors go to the dgk_diags and lexing goes on after them, so one run reports several.
 * Token codes are Lemon's (TK_* from the generated parser.h) so the parser takes them
 * as they come. */
#ifndef DGK_LEXER_H
#define DGK_LEXER_H

#include <stdint.h>

#include "../compiler/arena.h"
#include "../compiler/diag.h"
#include "loc.h"

/* Lemon numbers terminals from 1; 0 is end of input. */
#define TK_EOF 0

/* The longest identifier, in bytes. */
enum { DGK_MAX_IDENT = 255 };

typedef struct dgk_token {
    int kind;          /* TK_* */
    dgk_loc loc;       /* the first byte */
    const char *text;  /* points into the source; not NUL-terminated */
    int len;           /* bytes of text */
    union {
        uint64_t i;      /* INT: the value (at most 2^63 - 1) */
        double f;        /* FLOAT */
        const char *id;  /* IDENT: NUL-terminated copy in the arena */
    } v;
} dgk_token;

typedef struct dgk_lexer {
    const dgk_source *src;
    const char *cur;        /* next byte to read */
    const char *lim;        /* src->text + src->len; *lim == '\0' */
    const char *line_start; /* first byte of the current line */
    int line;
    dgk_diags *diags;
    dgk_arena *arena;
    int done;               /* EOF returned, or stopped at the error limit */
} dgk_lexer;

void dgk_lexer_init(dgk_lexer *lx, const dgk_source *src, dgk_diags *d, dgk_arena *a);
/* Fills *t with the next token and returns its kind; TK_EOF at the end, for ever after,
 * and also once the diagnostics are past their limit (so junk input stops early). */
int dgk_lex(dgk_lexer *lx, dgk_token *t);

/* --- the token table (tokens.c) --- */
/* The X-macro id: "KERNEL", "SEMI", "IDENT" (--dump-tokens). NULL if not a token. */
const char *dgk_token_id(int kind);
/* How an error message names a token kind: "';'", "'kernel'", "identifier". */
const char *dgk_token_desc(int kind);
/* How a list of expected tokens names it: "';'", "an identifier", "end of file". */
const char *dgk_token_expected(int kind);
/* The keyword spelled by text[0..len), or TK_IDENT. */
int dgk_keyword_lookup(const char *text, int len);
/* Number of token codes (all valid codes are < this). */
int dgk_token_count(void);

#endif
