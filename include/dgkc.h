/* dgkc.h - the dgk compiler as a library (libdgkc).
 * A dgkc_unit is one compilation of one .dgk source: it owns the arena, the
 * diagnostics, the AST and everything later passes derive. No function here prints
 * or exits; errors are counted and rendered on request. */
#ifndef DGKC_H
#define DGKC_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DGKC_VERSION "0.1.0"

typedef struct dgkc_unit dgkc_unit;

/* Status codes. */
enum {
    DGKC_OK = 0,
    DGKC_EUSER = 1,   /* the source has errors: see the diagnostics */
    DGKC_EARG = 2,    /* a bad argument to this API */
    DGKC_ENOMEM = 3,
};

/* Copies `text` (len bytes; NUL bytes inside are diagnosed by the lexer). `name` is
 * how diagnostics name the file. NULL only when out of memory. */
dgkc_unit *dgkc_unit_new(const char *name, const char *text, size_t len);
void dgkc_unit_free(dgkc_unit *u);

/* -D NAME=VALUE: overrides a compile-time parameter's default, or specializes a shape
 * symbol. VALUE is an integer, true/false, or a dtype name. Checked by dgkc_check. */
int dgkc_define(dgkc_unit *u, const char *name, const char *value);

/* Each stage runs the ones before it if they have not run yet. */
int dgkc_parse(dgkc_unit *u);  /* lex + parse -> AST */
int dgkc_check(dgkc_unit *u);  /* + sema */

/* --dump-tokens / --dump-ast: run the stage and print its result to `out`. */
int dgkc_dump_tokens(dgkc_unit *u, FILE *out);
int dgkc_dump_ast(dgkc_unit *u, FILE *out);

int dgkc_error_count(const dgkc_unit *u);
/* Renders all diagnostics collected so far as FILE:LINE:COL: error: MESSAGE + caret. */
void dgkc_print_diagnostics(const dgkc_unit *u, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
