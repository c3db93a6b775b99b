/* grouped_host_check.c - gg-host-check: the grouped harness's pure host logic tested
 * without a GPU (make gpu-harness-grouped-host-check): the spec sets against
 * DeepGEMM's grouped list (counts, every (groups, rows) x (N, K), the edge cases), the
 * drawn group sizes (0.7-1.3x, masked clipped to [0, max_m], deterministic in the
 * seed, different across seeds), DeepGEMM's reference numbers, --mode parsing and the
 * work counted. One line per failed check, a summary; exit 1 on any failure. */
#include "grouped.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

static void expect(int ok, const char *what)
{
    if (ok)
        passed++;
    else {
        failed++;
        printf("FAIL  %s\n", what);
    }
}

static const unsigned all_modes = (1u << GG_CONTIG) | (1u << GG_MASKED);

static int count_edge(const gg_spec *s, int n, gg_mode mode, gg_edge edge)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += s[i].mode == mode && s[i].edge == edge;
    return c;
}

static int has(const gg_spec *s, int n, gg_mode mode, int groups, int rows, int nn, int k)
{
    for (int i = 0; i < n; i++)
        if (s[i].mode == mode && s[i].groups == groups && s[i].rows == rows && s[i].n == nn &&
            s[i].k == k && s[i].edge == GG_EDGE_NONE)
            return 1;
    return 0;
}

static void test_sets(void)
{
    gg_spec s[GG_MAX_SPECS];
    static const int nk[4][2] = {{6144, 7168}, {7168, 3072}, {4096, 4096}, {4096, 2048}};
    int n = gg_specs_check("full", all_modes, s, GG_MAX_SPECS);
    expect(n == 29, "full check set: 24 DeepGEMM specs + 5 edge cases");
    for (int j = 0; j < 4; j++) {
        int nn = nk[j][0], k = nk[j][1];
        expect(has(s, n, GG_CONTIG, 4, 8192, nn, k) && has(s, n, GG_CONTIG, 8, 4096, nn, k),
               "contig 4x8192 and 8x4096 at every (N, K)");
        expect(has(s, n, GG_MASKED, 32, 192, nn, k) && has(s, n, GG_MASKED, 6, 1024, nn, k) &&
                   has(s, n, GG_MASKED, 32, 20, nn, k) && has(s, n, GG_MASKED, 6, 20, nn, k),
               "masked 32x192, 6x1024, 32x20, 6x20 at every (N, K)");
    }
    for (int i = 0; i < n; i++)
        expect(s[i].mode == GG_CONTIG || s[i].max_m == 4096 || (s[i].edge == GG_EDGE_NONE && i == n - 2 && s[i].max_m == 40) ||
                   (s[i].edge == GG_EDGE_EDGES && i == n - 1 && s[i].rows == 12 && s[i].max_m == 256),
               "masked max_m = 4096, but for the edge cases' 40 (below every tile's rows) and 256 (few rows, counts 0 and max_m)");
    expect(count_edge(s, n, GG_CONTIG, GG_EDGE_EDGES) == 1 &&
               count_edge(s, n, GG_CONTIG, GG_EDGE_ALL_PADDING) == 1 &&
               count_edge(s, n, GG_MASKED, GG_EDGE_EDGES) == 2,
           "full set has the four edge cases");
    expect(gg_specs_check("quick", all_modes, s, GG_MAX_SPECS) == 11, "quick check set: 6 + 5 edges");
    expect(gg_specs_bench("full", all_modes, s, GG_MAX_SPECS) == 24, "full bench set: 24, no edges");
    expect(gg_specs_bench("quick", all_modes, s, GG_MAX_SPECS) == 6, "quick bench set: 6");
    n = gg_specs_check("tiny", all_modes, s, GG_MAX_SPECS);
    expect(n == 7, "tiny set: 2 plain + 5 edge cases");
    for (int i = 0; i < n; i++)
        expect(s[i].n % 128 != 0 && s[i].k % 128 == 0, "tiny: partial N scale block, K % 128 == 0");
    expect(gg_specs_check("full", 1u << GG_MASKED, s, GG_MAX_SPECS) == 19, "--mode masked: 16 + 3 edges");
    expect(gg_specs_check("nope", all_modes, s, GG_MAX_SPECS) == -1, "unknown set is -1");
    n = gg_specs_bench("masked:2x20:4096x7168,contig:3x256:320x256", all_modes, s, GG_MAX_SPECS);
    expect(n == 2 && s[0].mode == GG_MASKED && s[0].groups == 2 && s[0].rows == 20 && s[0].max_m == 4096 &&
               s[0].n == 4096 && s[0].k == 7168 && s[1].mode == GG_CONTIG && s[1].groups == 3 && s[1].rows == 256,
           "explicit specs: masked:GxROWS:NxK,contig:GxROWS:NxK");
    expect(gg_specs_bench("masked:2x20:4096x7168", 1u << GG_CONTIG, s, GG_MAX_SPECS) == 0,
           "explicit specs keep --mode");
    expect(gg_specs_bench("masked:2x20:4096", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("masked:0x20:4096x7168", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("masked:2x20:4096x7168x", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("dense:2x20:4096x7168", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("masked:2x20:4096x7100", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("contig:64x300000000:4096x7168", all_modes, s, GG_MAX_SPECS) == -1,
           "malformed explicit specs are -1");
    expect(gg_specs_bench("masked:2x20:4096x7168,", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench(",masked:2x20:4096x7168", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("masked:2x20:4096x7168,,contig:3x256:320x256", all_modes, s, GG_MAX_SPECS) == -1,
           "explicit specs: an empty item (leading, doubled or trailing comma) is -1");
    expect(gg_specs_bench("masked:2x20:4096x4294967297", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("contig:2x4294967552:4096x7168", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_check("masked:2x20:99999999999x128", all_modes, s, GG_MAX_SPECS) == -1,
           "explicit specs: a number past int is -1, not its low 32 bits");
    expect(gg_specs_bench("masked: 2x20:4096x7168", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("masked:2x+20:4096x7168", all_modes, s, GG_MAX_SPECS) == -1,
           "explicit specs: digits only");
    expect(gg_specs_bench("masked:64x20:128x128", all_modes, s, GG_MAX_SPECS) == 1 &&
               gg_specs_bench("masked:65x20:128x128", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("masked:2x4096:128x128", all_modes, s, GG_MAX_SPECS) == 1 &&
               gg_specs_bench("masked:2x4097:128x128", all_modes, s, GG_MAX_SPECS) == -1,
           "explicit specs: at most GG_MAX_GROUPS groups, masked rows at most max_m");
    expect(gg_specs_bench("contig-exact:4x8192:6144x7168", all_modes, s, GG_MAX_SPECS) == 1 && s[0].mode == GG_CONTIG &&
               s[0].edge == GG_EDGE_EXACT && s[0].groups == 4 && s[0].rows == 8192 &&
               gg_specs_bench("masked-exact:4x20:6144x7168", all_modes, s, GG_MAX_SPECS) == 1 && s[0].mode == GG_MASKED &&
               s[0].edge == GG_EDGE_EXACT && s[0].rows == 20 && s[0].max_m == 4096 &&
               gg_specs_bench("masked-exact:4x4097:6144x7168", all_modes, s, GG_MAX_SPECS) == -1 &&
               gg_specs_bench("exact:4x20:6144x7168", all_modes, s, GG_MAX_SPECS) == -1,
           "explicit specs: contig-exact: and masked-exact: take every group at ROWS rows");
    char many[64 * 24] = "";
    for (int i = 0; i <= GG_MAX_SPECS; i++)
        strcat(many, i ? ",contig:1x128:128x128" : "contig:1x128:128x128");
    expect(gg_specs_bench(many, all_modes, s, GG_MAX_SPECS) == -1 && gg_specs_bench(many, all_modes, s, 3) == -1,
           "explicit specs: more than the array holds is -1");
}

static void test_rows_spec(const gg_spec *sp, uint64_t seed)
{
    int rows[GG_MAX_GROUPS], again[GG_MAX_GROUPS];
    gg_draw_rows(sp, seed, rows);
    gg_draw_rows(sp, seed, again);
    expect(memcmp(rows, again, sizeof(int) * (size_t)sp->groups) == 0, "rows are a function of the seed");
    for (int g = 0; g < sp->groups; g++) {
        double lo = floor(0.7 * sp->rows), hi = ceil(1.3 * sp->rows);
        int in_range = rows[g] >= lo && rows[g] <= hi;
        if (sp->mode == GG_MASKED)
            in_range = in_range && rows[g] >= 0 && rows[g] <= sp->max_m;
        expect(in_range, "drawn rows within 0.7..1.3x (masked: and within [0, max_m])");
    }
}

static void test_rows(void)
{
    gg_spec s[GG_MAX_SPECS];
    int n = gg_specs_check("full", all_modes, s, GG_MAX_SPECS);
    for (int i = 0; i < n; i++)
        if (s[i].edge == GG_EDGE_NONE)
            for (uint64_t seed = 1; seed < 40; seed++)
                test_rows_spec(&s[i], seed * 0x9e3779b97f4a7c15ull);
    gg_spec c = {GG_CONTIG, 8, 4096, 0, 4096, 2048, GG_EDGE_NONE};
    int a[GG_MAX_GROUPS], b[GG_MAX_GROUPS], differ = 0;
    gg_draw_rows(&c, 1, a);
    gg_draw_rows(&c, 2, b);
    for (int g = 0; g < c.groups; g++)
        differ += a[g] != b[g];
    expect(differ > 0, "other seeds draw other sizes");
    gg_spec x = {GG_CONTIG, 8, 4096, 0, 4096, 2048, GG_EDGE_EXACT};
    int exact_ok = 1;
    gg_draw_rows(&x, 3, b);
    for (int g = 0; g < x.groups; g++)
        exact_ok &= b[g] == 4096;
    expect(exact_ok, "contig-exact: every group exactly ROWS rows");
    gg_spec y = {GG_MASKED, 6, 1024, 4096, 6144, 7168, GG_EDGE_EXACT};
    gg_draw_rows(&y, 3, b);
    for (int g = 0; g < y.groups; g++)
        exact_ok &= b[g] == 1024;
    expect(exact_ok, "masked-exact: masked_m = expected_m for every group");
    int spread = 0;
    for (int g = 1; g < c.groups; g++)
        spread += a[g] != a[0];
    expect(spread > 0, "groups of one case differ in size");
}

static void test_edges(void)
{
    int rows[GG_MAX_GROUPS];
    gg_spec e = {GG_CONTIG, 4, 256, 0, 4096, 2048, GG_EDGE_EDGES};
    gg_draw_rows(&e, 7, rows);
    expect(rows[0] == 0 && rows[1] == 128, "contig edges: an empty group, a one-block group");
    gg_spec p = {GG_CONTIG, 4, 128, 0, 4096, 2048, GG_EDGE_ALL_PADDING};
    gg_draw_rows(&p, 7, rows);
    expect(rows[0] == 0 && rows[1] == 0 && rows[2] == 0 && rows[3] == 0, "all padding: no valid row");
    gg_spec m = {GG_MASKED, 4, 192, 4096, 4096, 2048, GG_EDGE_EDGES};
    gg_draw_rows(&m, 7, rows);
    expect(rows[0] == 0 && rows[1] == 4096, "masked edges: masked_m 0 and max_m");
}

static void test_anchors_and_work(void)
{
    gg_spec c = {GG_CONTIG, 4, 8192, 0, 6144, 7168, GG_EDGE_NONE};
    gg_spec m = {GG_MASKED, 32, 192, 4096, 4096, 2048, GG_EDGE_NONE};
    gg_spec none = {GG_MASKED, 6, 20, 4096, 6144, 7168, GG_EDGE_NONE};
    expect(gg_deepgemm_tflops(&c, GH_E4M3) == 1419, "DeepGEMM contig 4x8192 (6144, 7168): 1419");
    expect(gg_deepgemm_tflops(&m, GH_E4M3) == 756, "DeepGEMM masked 32x192 (4096, 2048): 756");
    expect(gg_deepgemm_tflops(&c, GH_BF16) == 0, "no DeepGEMM BF16 numbers");
    expect(gg_deepgemm_tflops(&none, GH_E4M3) == 0, "no number for masked 6x20");
    gg_spec me = {GG_MASKED, 6, 1024, 4096, 6144, 7168, GG_EDGE_EXACT};
    gg_spec ce = {GG_CONTIG, 4, 8192, 0, 6144, 7168, GG_EDGE_EXACT};
    gg_spec medge = {GG_MASKED, 6, 1024, 4096, 6144, 7168, GG_EDGE_EDGES};
    expect(gg_deepgemm_tflops(&me, GH_E4M3) == 1428 && gg_deepgemm_tflops(&ce, GH_E4M3) == 0 &&
               gg_deepgemm_tflops(&medge, GH_E4M3) == 0,
           "masked-exact takes the masked anchor; contig-exact and edge cases none");
    gg_problem p = {.mode = GG_MASKED, .in = GH_E4M3, .groups = 2, .n = 256, .k = 512, .m_rows = 4096, .expected_m = 100,
                    .valid_rows = 150};
    expect(gg_problem_flops(&p) == 2.0 * 150 * 256 * 512, "flops count valid rows only");
    expect(gg_problem_flops_as_deepgemm(&p) == gg_problem_flops(&p), "masked: DeepGEMM counts valid rows too");
    gg_problem q = {.mode = GG_CONTIG, .in = GH_E4M3, .groups = 2, .n = 256, .k = 512, .m_rows = 384, .valid_rows = 300};
    expect(gg_problem_flops(&q) == 2.0 * 300 * 256 * 512 && gg_problem_flops_as_deepgemm(&q) == 2.0 * 384 * 256 * 512,
           "contig: DeepGEMM counts every row of A (padding included), ours the valid rows");
    double bytes = 150.0 * 512 + 2.0 * 256 * 512 + 2.0 * 150 * 256 + 4.0 * 2 +
                   4.0 * (150.0 * 4 + 2.0 * 2 * 4);
    expect(gg_problem_bytes(&p) == bytes, "bytes: valid A and D rows, all B, scales, masked_m");
}

static void test_mode_flag(void)
{
    char a0[] = "prog", a1[] = "--mode", a2[] = "masked", a3[] = "--quick";
    char *argv[] = {a0, a1, a2, a3, NULL};
    int argc = 4;
    unsigned modes = 0;
    expect(gg_take_mode(&argc, argv, &modes) == 0 && modes == 1u << GG_MASKED && argc == 2 &&
               strcmp(argv[1], "--quick") == 0,
           "--mode masked is taken out of argv");
    char b1[] = "--mode", b2[] = "sideways";
    char *bad[] = {a0, b1, b2, NULL};
    argc = 3;
    expect(gg_take_mode(&argc, bad, &modes) == -1, "--mode sideways is an error");
    char *none[] = {a0, NULL};
    argc = 1;
    expect(gg_take_mode(&argc, none, &modes) == 0 && modes == all_modes, "default: both modes");
}

int main(void)
{
    test_sets();
    test_rows();
    test_edges();
    test_anchors_and_work();
    test_mode_flag();
    printf("gg-host-check: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
