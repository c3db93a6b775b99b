/* dgkc_fixture.h - what the compiler-side Check tests share: a source lowered to tile IR
 * with "NAME=VALUE" definitions, its diagnostics as text, and counting a string in emitted
 * code, the emitted code of a kernel with its plan, and texts with a point substituted.
 * Used by tests/unit/test_grouped.c, test_l2.c, test_launch.c, test_epilogue_reads.c and
 * test_store_passes.c. */
#ifndef DGK_DGKC_FIXTURE_H
#define DGK_DGKC_FIXTURE_H

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgkc.h"

/* `src` (named `name`) checked and lowered with the `n` definitions "NAME=VALUE". */
static inline dgkc_unit *fixture_lower(const char *name, const char *src, const char *const *defs, int n)
{
    dgkc_unit *u = dgkc_unit_new(name, src, strlen(src));
    ck_assert_ptr_nonnull(u);
    for (int i = 0; i < n; i++) {
        char def[64];
        snprintf(def, sizeof def, "%s", defs[i]);
        char *eq = strchr(def, '=');
        ck_assert_ptr_nonnull(eq);
        *eq = '\0';
        ck_assert_int_eq(dgkc_define(u, def, eq + 1), DGKC_OK);
    }
    ck_assert_int_eq(dgkc_check(u), DGKC_OK);
    ck_assert_int_eq(dgkc_lower(u), DGKC_OK);
    return u;
}

/* The unit's diagnostics as printed (free() it). */
static inline char *fixture_diagnostics(const dgkc_unit *u)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    dgkc_print_diagnostics(u, f);
    fclose(f);
    return text;
}

/* Occurrences of `needle` in `s`. */
static inline int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *at = strstr(s, needle); at; at = strstr(at + 1, needle))
        n++;
    return n;
}

/* The sm_90a code of kernel `kernel` of a lowered unit, and its plan. (Not inlined: inlined,
 * gcc 12 takes the returned code for a pointer into the local it was written through.) */
static __attribute__((unused, noinline)) const char *fixture_emit(dgkc_unit *u, const char *kernel, const struct dgk_plan **plan)
{
    const char *code = NULL;
    int i = dgkc_kernel_index(u, kernel);
    ck_assert_int_ge(i, 0);
    ck_assert_int_eq(dgkc_emit_kernel(u, "sm_90a", i, &code, NULL), DGKC_OK);
    *plan = dgkc_kernel_plan(u, i);
    ck_assert_ptr_nonnull(*plan);
    return code;
}

/* Each of the `n` strings of `want` occurs in `text`. */
static inline void fixture_has_all(const char *text, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "lacks \"%s\"", want[i]);
}

/* `text` into `out` (n bytes) with each standalone P (not part of a longer name)
 * replaced by `point`: a read's form at a constant or the group. */
static inline void fixture_with_point(char *out, size_t n, const char *text, const char *point)
{
    size_t w = 0;
    for (const char *r = text; *r && w + 8 < n; r++) {
        int alone = (r == text || (!isalnum((unsigned char)r[-1]) && r[-1] != '_')) && !isalnum((unsigned char)r[1]) &&
                    r[1] != '_';
        if (*r == 'P' && alone)
            w += (size_t)snprintf(out + w, n - w, "%s", point);
        else
            out[w++] = *r;
    }
    out[w] = '\0';
}

/* Planning kernel `kernel` of the lowered unit `u` fails with `want` among the
 * diagnostics (`what` names the case in a failure); frees u. */
static inline void fixture_plan_fails(dgkc_unit *u, const char *kernel, const char *want, const char *what)
{
    ck_assert_int_ne(dgkc_plan_kernel(u, "sm_90a", dgkc_kernel_index(u, kernel)), DGKC_OK);
    char *text = fixture_diagnostics(u);
    ck_assert_msg(strstr(text, want) != NULL, "%s: %s\nwant: %s", what, text, want);
    free(text);
    dgkc_unit_free(u);
}

#endif
