/* dgkc_fixture.h - what the compiler-side Check tests share: a source lowered to tile IR
 * with "NAME=VALUE" definitions, its diagnostics as text, and counting a string in emitted
 * code. Used by tests/unit/test_grouped.c, test_l2.c and test_launch.c. */
#ifndef DGK_DGKC_FIXTURE_H
#define DGK_DGKC_FIXTURE_H

#include <check.h>
#include <stdio.h>
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

#endif
