/* emit_dual.c - two accumulators sharing the A tile (plan.h, dgk_plan_dual): the text of
 * the second B tile's row offset R, which the producer adds to its load's row and the FP8
 * B-scale pointers to its scale row. The rest of the form is spread where it acts: the
 * stage's size (emit.c), the second load (emit_producer.c), the second scale row and its
 * constant split at BN (emit_fp8_sb.c), the epilogue's ACC2 (emit_epilogue.c). */
#include <stdio.h>

#include "emit_internal.h"

const char *dgk_sm90_dual_row(const dgk_sm90_ctx *e, char *buf, int n)
{
    const dgk_plan_dual *d = &e->p->dual;
    if (d->row_arg < 0)
        snprintf(buf, (size_t)n, "%lld", (long long)d->row_c);
    else if (d->row_c == 0 && d->row_mul == 1)
        snprintf(buf, (size_t)n, "%s", e->p->args[d->row_arg].name);
    else
        snprintf(buf, (size_t)n, "(%lld * %s + %lld)", (long long)d->row_mul, e->p->args[d->row_arg].name,
                 (long long)d->row_c);
    return buf;
}
