/* ident.h - whether a string is a C identifier ([A-Za-z_][A-Za-z0-9_]*): names that
 * generated CUDA C or a compile request will use as identifiers (kernel names, kernel
 * parameters, -D names) are checked with it before they reach a compiler. */
#ifndef DGK_IDENT_H
#define DGK_IDENT_H

#include <ctype.h>

static inline int dgk_is_c_ident(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

#endif
