/* grouped_shapes.c - the grouped GEMM case specs: DeepGEMM's grouped MoE shapes
 * (tests/generators.py: contiguous 4x8192 and 8x4096 rows; masked max 4096 rows with
 * 32x192, 6x1024, 32x20 and 6x20 expected rows; (N, K) in {(6144, 7168), (7168,
 * 3072), (4096, 4096), (4096, 2048)}), the edge cases (empty group, one 128-row
 * block, all padding, masked counts 0 and max_m, a masked max_m below the tile's rows,
 * counts 0 and max_m with few expected rows),
 * the per-group row counts drawn from a seed, the work a grouped problem counts (valid rows only), DeepGEMM's measured
 * TFLOPS from shared/DESIGN.md, and the --mode flag. Pure host C. */
#include "grouped.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const int nk[][2] = {{6144, 7168}, {7168, 3072}, {4096, 4096}, {4096, 2048}};
#define NNK ((int)(sizeof nk / sizeof nk[0]))

/* (mode, groups, rows) of DeepGEMM's grouped tests. */
static const struct { gg_mode mode; int groups, rows; } layouts[] = {
    {GG_CONTIG, 4, 8192}, {GG_CONTIG, 8, 4096},
    {GG_MASKED, 32, 192}, {GG_MASKED, 6, 1024}, {GG_MASKED, 32, 20}, {GG_MASKED, 6, 20},
};
#define NLAYOUTS ((int)(sizeof layouts / sizeof layouts[0]))
#define MASKED_MAX_M 4096

/* "quick": one (N, K) per layout, chosen so all four (N, K) appear. */
static const int quick_nk[NLAYOUTS] = {0, 3, 0, 3, 2, 1};

static gg_spec make(gg_mode mode, int groups, int rows, int n, int k, gg_edge edge, int max_m)
{
    gg_spec s = {mode, groups, rows, mode == GG_MASKED ? max_m : 0, n, k, edge};
    return s;
}

static int add(gg_spec *out, int count, int max, unsigned modes, gg_spec s)
{
    if (!(modes & (1u << s.mode)) || count >= max)
        return count;
    out[count] = s;
    return count + 1;
}

static int deepgemm_set(const char *set, unsigned modes, gg_spec *out, int max)
{
    int quick = strcmp(set, "quick") == 0, n = 0;
    for (int l = 0; l < NLAYOUTS; l++)
        for (int j = 0; j < NNK; j++)
            if (!quick || quick_nk[l] == j)
                n = add(out, n, max, modes,
                        make(layouts[l].mode, layouts[l].groups, layouts[l].rows, nk[j][0],
                             nk[j][1], GG_EDGE_NONE, MASKED_MAX_M));
    return n;
}

/* Edge cases at (N, K) = (4096, 2048) ("tiny": small sizes, N not a multiple of 128). */
static int edge_set(int tiny, unsigned modes, gg_spec *out, int count, int max)
{
    int n = tiny ? 320 : 4096, k = tiny ? 256 : 2048;
    count = add(out, count, max, modes, make(GG_CONTIG, 4, tiny ? 160 : 256, n, k, GG_EDGE_EDGES, 0));
    count = add(out, count, max, modes, make(GG_CONTIG, 4, 128, n, k, GG_EDGE_ALL_PADDING, 0));
    count = add(out, count, max, modes,
                make(GG_MASKED, 4, tiny ? 64 : 192, n, k, GG_EDGE_EDGES, tiny ? 256 : MASKED_MAX_M));
    /* max_m below every tile's rows: A's TMA box is fit to the 40 rows a group has */
    count = add(out, count, max, modes, make(GG_MASKED, 3, 20, n, k, GG_EDGE_NONE, 40));
    /* few expected rows (a swapped tile of 16 rows) with counts of 0 and of max_m */
    count = add(out, count, max, modes, make(GG_MASKED, 4, 12, n, k, GG_EDGE_EDGES, tiny ? 64 : 256));
    return count;
}

static int tiny_set(unsigned modes, gg_spec *out, int max)
{
    int n = add(out, 0, max, modes, make(GG_CONTIG, 3, 200, 320, 256, GG_EDGE_NONE, 0));
    n = add(out, n, max, modes, make(GG_MASKED, 3, 50, 320, 256, GG_EDGE_NONE, 128));
    return edge_set(1, modes, out, n, max);
}

static int known_set(const char *set)
{
    return strcmp(set, "tiny") == 0 || strcmp(set, "quick") == 0 || strcmp(set, "full") == 0;
}

/* A decimal number of 1 .. 2^31 - 1 at *t, then `sep` (0: the end of the text); advances
 * *t past both. 0 when the text is not that (a sign, a space, no digits, too many). */
static int number(const char **t, char sep, int *v)
{
    long long x = 0;
    const char *p = *t;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((x = x * 10 + (*p - '0')) > INT_MAX)
            return 0;
    if (p == *t || x < 1 || *p != sep)
        return 0;
    *v = (int)x;
    *t = p + (sep != 0);
    return 1;
}

/* The explicit specs' prefixes: the layout, and whether every group has exactly ROWS rows
 * (not drawn 0.7-1.3x). */
static const struct {
    const char *prefix;
    gg_mode mode;
    gg_edge edge;
} spec_prefixes[] = {
    {"masked:", GG_MASKED, GG_EDGE_NONE},
    {"masked-exact:", GG_MASKED, GG_EDGE_EXACT},
    {"contig:", GG_CONTIG, GG_EDGE_NONE},
    {"contig-exact:", GG_CONTIG, GG_EDGE_EXACT},
};

/* One explicit spec, PREFIXGxROWS:NxK (spec_prefixes; masked max_m 4096); 0 when the text
 * is not one. */
static int parse_spec(const char *t, size_t len, gg_spec *s)
{
    char buf[64];
    int g, rows, n, k;
    if (len >= sizeof buf)
        return 0;
    memcpy(buf, t, len);
    buf[len] = 0;
    size_t i = 0, nprefix = sizeof spec_prefixes / sizeof spec_prefixes[0];
    while (i < nprefix && strncmp(buf, spec_prefixes[i].prefix, strlen(spec_prefixes[i].prefix)) != 0)
        i++;
    if (i == nprefix)
        return 0;
    int masked = spec_prefixes[i].mode == GG_MASKED;
    const char *p = buf + strlen(spec_prefixes[i].prefix);
    if (!number(&p, 'x', &g) || !number(&p, ':', &rows) || !number(&p, 'x', &n) || !number(&p, 0, &k) ||
        g > GG_MAX_GROUPS)
        return 0;
    *s = make(spec_prefixes[i].mode, g, rows, n, k, spec_prefixes[i].edge, masked ? MASKED_MAX_M : 0);
    /* K whole 128-wide scale blocks (the cases' FP8 scale layouts and the entry points'
     * contract); a contiguous group's 1.3 x rows plus its padding, times G, must fit an
     * int row offset */
    if (k % 128 != 0 || (!masked && (int64_t)rows * 2 * g > INT32_MAX / 2))
        return 0;
    return !masked || rows <= MASKED_MAX_M;
}

/* A comma-separated list of explicit specs (those of `modes` only); -1 when one is not a
 * spec (an empty item included: a leading, doubled or trailing comma) or there are more
 * than `max`. */
static int explicit_set(const char *set, unsigned modes, gg_spec *out, int max)
{
    int n = 0;
    for (const char *t = set;; t++) {
        size_t len = strcspn(t, ",");
        gg_spec s;
        if (!parse_spec(t, len, &s) || n >= max)
            return -1;
        n = add(out, n, max, modes, s);
        t += len;
        if (!*t)
            return n;
    }
}

int gg_specs_check(const char *set, unsigned modes, gg_spec *out, int max)
{
    if (strchr(set, ':'))
        return explicit_set(set, modes, out, max);
    if (!known_set(set))
        return -1;
    if (strcmp(set, "tiny") == 0)
        return tiny_set(modes, out, max);
    return edge_set(0, modes, out, deepgemm_set(set, modes, out, max), max);
}

int gg_specs_bench(const char *set, unsigned modes, gg_spec *out, int max)
{
    if (strchr(set, ':'))
        return explicit_set(set, modes, out, max);
    if (!known_set(set))
        return -1;
    if (strcmp(set, "tiny") == 0)
        return tiny_set(modes, out, max);
    return deepgemm_set(set, modes, out, max);
}

int gg_specs_known(const char *set, unsigned modes, int (*specs)(const char *, unsigned, gg_spec *, int))
{
    static gg_spec out[GG_MAX_SPECS];
    int n = specs(set, modes, out, GG_MAX_SPECS);
    if (n > 0)
        return 1;
    if (n == 0)
        gh_set_error("--shapes %s: no spec of the --mode selected", set);
    else
        gh_set_error("--shapes %s: expected tiny, quick, full, or specs masked:GxROWS:NxK / contig:GxROWS:NxK / masked-exact: / contig-exact:GxROWS:NxK[,...]",
                     set);
    return 0;
}

/* --- sizes ------------------------------------------------------------------------------ */

/* Uniform in [0, 1) from (seed, g). */
static double uniform(uint64_t seed, int g)
{
    return (double)(gh_seed_mix(seed, 0x6700u + (uint64_t)g) >> 11) * 0x1p-53;
}

void gg_draw_rows(const gg_spec *s, uint64_t seed, int *rows)
{
    for (int g = 0; g < s->groups; g++) {
        int r = s->edge == GG_EDGE_EXACT ? s->rows : (int)lround(s->rows * (0.7 + 0.6 * uniform(seed, g)));
        if (s->mode == GG_MASKED)
            r = r < 0 ? 0 : r > s->max_m ? s->max_m : r;
        rows[g] = r;
    }
    if (s->edge == GG_EDGE_ALL_PADDING)
        for (int g = 0; g < s->groups; g++)
            rows[g] = 0;
    if (s->edge == GG_EDGE_EDGES && s->groups >= 2) {
        rows[0] = 0;
        rows[1] = s->mode == GG_MASKED ? s->max_m : 128;
    }
}

const char *gg_mode_name(gg_mode m)
{
    return m == GG_CONTIG ? "contig" : "masked";
}

void gg_spec_str(const gg_spec *s, char *buf, size_t len)
{
    static const char *const edge[] = {"", " edges", " all-padding", " exact"};
    if (s->mode == GG_CONTIG)
        snprintf(buf, len, "contig G=%d m~%d N=%d K=%d%s", s->groups, s->rows, s->n, s->k,
                 edge[s->edge]);
    else
        snprintf(buf, len, "masked G=%d exp=%d max=%d N=%d K=%d%s", s->groups, s->rows,
                 s->max_m, s->n, s->k, edge[s->edge]);
}

/* --- DeepGEMM's numbers (FP8, H100, shared/DESIGN.md) -------------------------------- */

static const struct { gg_mode mode; int groups, rows, n, k; double tflops; } anchors[] = {
    {GG_CONTIG, 4, 8192, 6144, 7168, 1419}, {GG_CONTIG, 8, 4096, 6144, 7168, 1419},
    {GG_CONTIG, 4, 8192, 7168, 3072, 1381}, {GG_CONTIG, 8, 4096, 7168, 3072, 1381},
    {GG_CONTIG, 4, 8192, 4096, 4096, 1391}, {GG_CONTIG, 8, 4096, 4096, 4096, 1391},
    {GG_CONTIG, 4, 8192, 4096, 2048, 1322}, {GG_CONTIG, 8, 4096, 4096, 2048, 1322},
    {GG_MASKED, 32, 192, 6144, 7168, 901},  {GG_MASKED, 32, 192, 4096, 2048, 756},
    {GG_MASKED, 6, 1024, 6144, 7168, 1428}, {GG_MASKED, 6, 1024, 4096, 2048, 1243},
    {GG_MASKED, 32, 20, 6144, 7168, 114},   {GG_MASKED, 32, 20, 4096, 2048, 100},
};

/* DESIGN.md does not say whether its masked numbers had masked_m drawn (DeepGEMM's
 * test draws 0.7-1.3x of expected_m) or set to expected_m, so `masked-exact:` specs are
 * held against the same anchors as drawn ones. */
double gg_deepgemm_tflops(const gg_spec *s, gh_dtype in)
{
    int exact_masked = s->mode == GG_MASKED && s->edge == GG_EDGE_EXACT;
    if (in != GH_E4M3 || (s->edge != GG_EDGE_NONE && !exact_masked))
        return 0.0;
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++)
        if (anchors[i].mode == s->mode && anchors[i].groups == s->groups &&
            anchors[i].rows == s->rows && anchors[i].n == s->n && anchors[i].k == s->k)
            return anchors[i].tflops;
    return 0.0;
}

/* --- work counted ------------------------------------------------------------------------ */

double gg_problem_flops(const gg_problem *p)
{
    return 2.0 * (double)p->valid_rows * p->n * (double)p->k;
}

/* DeepGEMM's tests count a contiguous problem's work as 2 * m * N * K with m the rows
 * of A, each group padded to the alignment (tests/generators.py,
 * generate_m_grouped_contiguous: m = sum(aligned_ms)), and a masked one by its valid
 * rows (test_m_grouped_gemm_masked: valid_m = masked_m.sum()). */
double gg_problem_flops_as_deepgemm(const gg_problem *p)
{
    double rows = p->mode == GG_CONTIG ? (double)p->m_rows : (double)p->valid_rows;
    return 2.0 * rows * p->n * (double)p->k;
}

double gg_problem_bytes(const gg_problem *p)
{
    double ib = (double)gh_dtype_bytes(p->in), kb = p->k / 128, nblk = (double)gh_cdiv(p->n, 128);
    double a = (double)p->valid_rows * p->k * ib, b = (double)p->groups * p->n * p->k * ib;
    double d = 2.0 * (double)p->valid_rows * p->n;
    double meta = 4.0 * (p->mode == GG_CONTIG ? (double)p->m_rows : p->groups);
    double scales = p->in == GH_E4M3 ? 4.0 * ((double)p->valid_rows * kb + p->groups * nblk * kb) : 0;
    return a + b + d + meta + scales;
}

/* --- --mode ------------------------------------------------------------------------------ */

static int parse_mode(const char *v, unsigned *modes)
{
    if (strcmp(v, "contig") == 0 || strcmp(v, "contiguous") == 0)
        *modes = 1u << GG_CONTIG;
    else if (strcmp(v, "masked") == 0)
        *modes = 1u << GG_MASKED;
    else if (strcmp(v, "all") == 0)
        *modes = (1u << GG_CONTIG) | (1u << GG_MASKED);
    else {
        gh_set_error("--mode %s: expected contig, masked or all", v);
        return -1;
    }
    return 0;
}

int gg_take_mode(int *argc, char **argv, unsigned *modes)
{
    int out = 1;
    *modes = (1u << GG_CONTIG) | (1u << GG_MASKED);
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--mode") != 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc) {
            gh_set_error("--mode: value missing (contig, masked or all)");
            return -1;
        }
        if (parse_mode(argv[++i], modes) != 0)
            return -1;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}
