/* dgkc.h - the dgk compiler as a library (libdgkc).
 * A dgkc_unit is one compilation of one .dgk source: it owns the arena, the
 * diagnostics, the AST and everything later passes derive. No function here prints
 * or exits; errors are counted and rendered on request. */
#ifndef DGKC_H
#define DGKC_H

#include <stddef.h>
#include <stdint.h>
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

/* The back half. `arch` is "sm_90a" (the only target with a backend so far). */
int dgkc_lower(dgkc_unit *u);                    /* + tile IR */
int dgkc_plan(dgkc_unit *u, const char *arch);   /* + planning passes, every kernel */
/* One kernel only (i in source order): a kernel that cannot be lowered does not keep
 * the others of its file from being planned and emitted. */
int dgkc_plan_kernel(dgkc_unit *u, const char *arch, int i);
int dgkc_emit_kernel(dgkc_unit *u, const char *arch, int i, const char **src, size_t *len);
/* Runtime parameters of kernel i (checked unit): how many, and each one's dtype as a
 * dgk_dtypes.def number (0 if there is no such parameter). */
int dgkc_kernel_param_count(const dgkc_unit *u, int i);
int dgkc_kernel_param_dtype(const dgkc_unit *u, int i, int param);
/* The dtype table's name for a dtype number ("bf16"). */
const char *dgkc_dtype_name(int dtype);
/* Index of the kernel named `name`, or -1. */
int dgkc_kernel_index(const dgkc_unit *u, const char *name);
/* + the CUDA C of every kernel as one translation unit that includes the target's
 * device header by name (dgkc_device_header). *src stays owned by the unit. */
int dgkc_emit(dgkc_unit *u, const char *arch, const char **src, size_t *len);
/* The device header generated code includes: its #include name and its text. */
int dgkc_device_header(const char *arch, const char **name, const char **text);

/* Kernels of a planned unit, in source order. */
int dgkc_kernel_count(const dgkc_unit *u);
const char *dgkc_kernel_name(const dgkc_unit *u, int i);
/* The plan (compiler/plan.h) of kernel i; NULL before dgkc_plan succeeded. */
const struct dgk_plan *dgkc_kernel_plan(const dgkc_unit *u, int i);

/* Checks one launch of kernel `kernel` (source order): ranks[p] and extents[p][axis]
 * of each runtime parameter p (scalars: rank 0; -1: a tensor not given, which is fine
 * unless it is the one that binds a shape symbol). Binds the shape symbols, then checks
 * every declared extent and `where` constraint. Allocates nothing; on failure returns
 * DGKC_EUSER and writes a message naming the parameter and axis into msg. */
enum { DGKC_MAX_RANK = 8 };
int dgkc_check_launch(const dgkc_unit *u, int kernel, const int *ranks, const int64_t (*extents)[DGKC_MAX_RANK],
                      char *msg, size_t size);

/* --dump-ir / --dump-plan: run the stage and print its result to `out`. dgkc_dump_plan
 * plans and prints kernel `kernel` only (source order), or every kernel when it is
 * negative; DGKC_EARG for an index past the kernels. */
int dgkc_dump_ir(dgkc_unit *u, FILE *out);
int dgkc_dump_plan(dgkc_unit *u, const char *arch, int kernel, FILE *out);

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
