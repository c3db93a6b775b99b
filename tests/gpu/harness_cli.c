/* harness_cli.c - the command-line flags dgk-gemm-check and dgk-bench share, parsed
 * into a gh_opts. Each program prints its own usage text. */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void gh_opts_default(gh_opts *o)
{
    memset(o, 0, sizeof *o);
    o->want_in[GH_BF16] = o->want_in[GH_E4M3] = 1;
    o->shapes = "full";
    o->seed = gh_fresh_seed();
    o->warmup = 5;
    o->reps = 30;
    o->verify = 1;
    o->self_test = 1;
    o->sections = GH_SECTION_DENSE | GH_SECTION_WGRAD;
}

static int parse_sections(gh_opts *o, const char *v)
{
    int dense = strcmp(v, "dense") == 0, wgrad = strcmp(v, "wgrad") == 0, all = strcmp(v, "all") == 0;
    if (!dense && !wgrad && !all) {
        gh_set_error("--sections %s: expected dense, wgrad or all", v);
        return -1;
    }
    o->sections = (dense || all ? GH_SECTION_DENSE : 0u) | (wgrad || all ? GH_SECTION_WGRAD : 0u);
    return 0;
}

static int parse_dtype(gh_opts *o, const char *v)
{
    int bf16 = strcmp(v, "bf16") == 0, fp8 = strcmp(v, "fp8") == 0, all = strcmp(v, "all") == 0;
    if (!bf16 && !fp8 && !all) {
        gh_set_error("--dtype %s: expected bf16, fp8 or all", v);
        return -1;
    }
    o->want_in[GH_BF16] = bf16 || all;
    o->want_in[GH_E4M3] = fp8 || all;
    return 0;
}

static int parse_layout(gh_opts *o, const char *v)
{
    int l = gh_layout_parse(v);
    if (strcmp(v, "all") == 0)
        o->layouts = (1u << GH_LAYOUT_COUNT) - 1;
    else if (l >= 0)
        o->layouts = 1u << l;
    else {
        gh_set_error("--layout %s: expected NT, NN, TN, TT or all", v);
        return -1;
    }
    return 0;
}

static int parse_int(const char *flag, const char *v, int lo, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > 100000) {
        gh_set_error("%s %s: expected an integer >= %d", flag, v, lo);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int parse_seed(gh_opts *o, const char *v)
{
    char *end;
    errno = 0;
    o->seed = strtoull(v, &end, 0);
    if (errno || *end) {
        gh_set_error("--seed %s: expected an integer (0x... for hex)", v);
        return -1;
    }
    return 0;
}

static int parse_shapes(gh_opts *o, const char *v)
{
    gh_shape one;
    /* `masked:GxROWS:NxK,...` and `contig:...` are the grouped programs' specs, which they
     * parse themselves (gg_specs_*, an error there when malformed); the dense programs
     * refuse them here, before any GPU work, as any other text they cannot read */
    if (strchr(v, ':') && o->grouped_specs) {
        o->shapes = v;
        return 0;
    }
    if (strcmp(v, "tiny") && strcmp(v, "quick") && strcmp(v, "full") && strcmp(v, "large") && !gh_shape_parse(v, &one)) {
        gh_set_error("--shapes %s: expected tiny, quick, large, full or one shape MxNxK", v);
        return -1;
    }
    o->shapes = v;
    return 0;
}

/* Flags that take a value: name, handler. */
static int with_value(gh_opts *o, const char *flag, const char *v)
{
    if (strcmp(flag, "--dtype") == 0)
        return parse_dtype(o, v);
    if (strcmp(flag, "--layout") == 0)
        return parse_layout(o, v);
    if (strcmp(flag, "--shapes") == 0)
        return parse_shapes(o, v);
    if (strcmp(flag, "--seed") == 0)
        return parse_seed(o, v);
    if (strcmp(flag, "--sections") == 0)
        return parse_sections(o, v);
    if (strcmp(flag, "--warmup") == 0)
        return parse_int(flag, v, 0, &o->warmup);
    if (strcmp(flag, "--reps") == 0)
        return parse_int(flag, v, 1, &o->reps);
    if (strcmp(flag, "--flush-mb") == 0)
        return parse_int(flag, v, 1, &o->flush_mb);
    if (strcmp(flag, "--sustain") == 0) {
        int ms;
        if (parse_int(flag, v, 0, &ms))
            return -1;
        o->sustain_ms = ms;
        return 0;
    }
    if (strcmp(flag, "--runner") == 0)
        o->runners = v;
    else if (strcmp(flag, "--csv") == 0)
        o->csv = v;
    else if (strcmp(flag, "--md") == 0)
        o->md = v;
    else {
        gh_set_error("unknown flag %s (see --help)", flag);
        return -1;
    }
    return 0;
}

/* Flags only the benchmarks read (they time runners); a check program refuses them. */
static const char *const bench_flags[] = {"--no-verify", "--warmup", "--reps",    "--csv",
                                          "--md",        "--sections", "--sustain", "--kernel-time",
                                          "--flush-mb",  "--cold-code"};

static void note_bench_flag(gh_opts *o, const char *f)
{
    for (size_t i = 0; i < sizeof bench_flags / sizeof *bench_flags && !o->bench_only; i++)
        if (strcmp(f, bench_flags[i]) == 0)
            o->bench_only = bench_flags[i];
}

int gh_opts_parse(gh_opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        note_bench_flag(o, f);
        if (strcmp(f, "--no-verify") == 0)
            o->verify = 0;
        else if (strcmp(f, "--no-self-test") == 0)
            o->self_test = 0;
        else if (strcmp(f, "--list") == 0)
            o->list = 1;
        else if (strcmp(f, "--kernel-time") == 0)
            o->kernel_time = 1;
        else if (strcmp(f, "--cold-code") == 0)
            o->cold_code = 1;
        else if (strcmp(f, "--quick") == 0)
            o->shapes = "quick";
        else if (i + 1 >= argc) {
            gh_set_error("%s: unknown flag, or its value is missing (see --help)", f);
            return -1;
        } else if (with_value(o, f, argv[++i]) != 0)
            return -1;
    }
    return 0;
}

int gh_name_in_list(const char *list, const char *name)
{
    if (!list)
        return 1;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (comma ? 1 : 0);
    }
    return 0;
}
