/* builtins.h - the builtin functions and constants (builtins.def) as an enum plus
 * lookups. Sema types calls by the rule column; the IR builder maps a call's
 * callee sym (kind BUILTIN, index = dgk_builtin) to its operation. */
#ifndef DGK_BUILTINS_H
#define DGK_BUILTINS_H

#include <stddef.h>

typedef enum dgk_builtin {
#define X(id, name, lo, hi, rule) DGK_BI_##id,
#include "builtins.def"
#undef X
    DGK_BI_COUNT
} dgk_builtin;

typedef enum dgk_builtin_rule {
    DGK_BR_MMA, DGK_BR_ZEROS, DGK_BR_FULL, DGK_BR_IOTA, DGK_BR_INTDIV, DGK_BR_BINARY,
    DGK_BR_NUMERIC, DGK_BR_FLOAT, DGK_BR_WHERE, DGK_BR_CLAMP, DGK_BR_REDUCE,
    DGK_BR_KRANGE, DGK_BR_CONST
} dgk_builtin_rule;

typedef struct dgk_builtin_info {
    const char *name;
    int min_args, max_args;  /* -1: a constant, not callable */
    dgk_builtin_rule rule;
} dgk_builtin_info;

const dgk_builtin_info *dgk_builtin_info_of(dgk_builtin b);
/* DGK_BI_COUNT if `name` is not a builtin. */
dgk_builtin dgk_builtin_lookup(const char *name);

#endif
