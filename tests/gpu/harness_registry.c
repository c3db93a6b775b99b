/* harness_registry.c - the runner registry: gh_runners[] built from runners.def, and
 * the lookups the programs use to pick runners for a case. */
#include "harness.h"

#include <string.h>

/* Declare every runner function named in the table (C linkage). */
#define GH_RUNNER(name, kind, in, recipe, caps, fn) \
    int fn(const gh_problem *p, const gh_buffers *b, cudaStream_t s);
#include "runners.def"
#undef GH_RUNNER

const gh_runner gh_runners[] = {
#define GH_RUNNER(name, kind, in, recipe, caps, fn) {name, kind, in, recipe, caps, fn},
#include "runners.def"
#undef GH_RUNNER
};

const int gh_runner_count = (int)(sizeof gh_runners / sizeof gh_runners[0]);

const gh_runner *gh_runner_find(const char *name)
{
    for (int i = 0; i < gh_runner_count; i++)
        if (strcmp(gh_runners[i].name, name) == 0)
            return &gh_runners[i];
    return NULL;
}

void gh_runners_print(FILE *out)
{
    for (int i = 0; i < gh_runner_count; i++) {
        const gh_runner *r = &gh_runners[i];
        fprintf(out, "%-24s %-10s in %-4s recipe %-20s caps 0x%02x\n", r->name,
                r->kind == GH_BASELINE ? "baseline" : "under-test", gh_dtype_name(r->in),
                gh_recipe_name(r->recipe), r->caps);
    }
}

/* Every operand row a whole number of 16-byte units (K-major rows are K long). */
static int tma_rows(const gh_problem *p)
{
    int esize = p->in == GH_E4M3 ? 1 : 2, unit = 16 / esize;
    int a_row = gh_layout_a_kmajor(p->layout) ? p->k : p->m, b_row = gh_layout_b_kmajor(p->layout) ? p->k : p->n;
    return a_row % unit == 0 && b_row % unit == 0;
}

int gh_runner_applies(const gh_runner *r, const gh_problem *p)
{
    unsigned out_cap = p->out == GH_F32 ? GH_CAP_OUT_F32 : GH_CAP_OUT_BF16;
    if (r->in != p->in)
        return 0;
    if (!(r->caps & (1u << p->layout)) || !(r->caps & out_cap))
        return 0;
    if ((r->caps & GH_CAP_ACCUMULATE) && (!p->has_c || p->out != GH_F32))
        return 0; /* D += A*B starts from C, in f32 */
    if ((r->caps & GH_CAP_TMA_ROWS) && !tma_rows(p))
        return 0;
    return !p->has_c || (r->caps & GH_CAP_WITH_C);
}
