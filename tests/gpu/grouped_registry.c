/* grouped_registry.c - the grouped runner registries: gg_runners[] built from
 * grouped_runners.def, gg_selftests[] from grouped_selftest.def, and the listing for
 * --list. */
#include "grouped.h"

#define GG_RUNNER(name, mode, in, fn) \
    int fn(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
#include "grouped_runners.def"
#undef GG_RUNNER

const gg_runner gg_runners[] = {
#define GG_RUNNER(name, mode, in, fn) {name, mode, in, fn},
#include "grouped_runners.def"
#undef GG_RUNNER
};

const int gg_runner_count = (int)(sizeof gg_runners / sizeof gg_runners[0]);

/* The self-test runners (grouped_selftest.cu); gg_naive may be declared twice. */
#define GG_SELF(name, mode, in, fn, must_pass) \
    int fn(const gg_problem *p, const gg_buffers *b, cudaStream_t s);
#include "grouped_selftest.def"
#undef GG_SELF

const gg_self gg_selftests[] = {
#define GG_SELF(name, mode, in, fn, must_pass) {{name, mode, in, fn}, must_pass},
#include "grouped_selftest.def"
#undef GG_SELF
};

const int gg_selftest_count = (int)(sizeof gg_selftests / sizeof gg_selftests[0]);

void gg_runners_print(FILE *out)
{
    for (int i = 0; i < gg_runner_count; i++)
        fprintf(out, "%-26s %-7s in %s\n", gg_runners[i].name, gg_mode_name(gg_runners[i].mode),
                gh_dtype_name(gg_runners[i].in));
}
