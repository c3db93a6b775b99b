/* test_sm90_emit.c - the SM90 emitter without NVRTC: the golden file of one small plan
 * (tests/golden/emit/NAME.cu; DGK_GOLDEN_UPDATE=1 rewrites it), byte-stable output, the
 * shared-memory layout, what the emitted text must contain for each lowering choice
 * (transpose bits, multicast, promotion, straddle, reduce-add, stmatrix), and the
 * validation errors for plans the fast path cannot take. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sm90_configs.h"

/* Emits `c` (after `tweak`, if any); returns the text (malloc'd) or NULL with the
 * rendered diagnostics in *diag (malloc'd). */
typedef void (*tweak_fn)(dgk_plan *p);

static char *emit_cfg(const sm90_cfg *c, tweak_fn tweak, char **diag)
{
    dgk_arena a;
    dgk_diags d;
    dgk_strbuf out;
    dgk_arena_init(&a);
    dgk_diags_init(&d, &a);
    dgk_strbuf_init(&out);
    dgk_plan *p = sm90_build_plan(&a, c);
    ck_assert_ptr_nonnull(p);
    if (tweak)
        tweak(p);
    int errors = dgk_sm90_emit(p, &out, &d);
    char *text = NULL;
    if (diag) {
        size_t n = 0;
        FILE *f = open_memstream(diag, &n);
        dgk_diags_print(&d, f);
        fclose(f);
    }
    if (!errors)
        text = strdup(dgk_strbuf_str(&out));
    dgk_strbuf_free(&out);
    dgk_arena_free(&a);
    return text;
}

static const sm90_cfg *sample(const char *name)
{
    for (size_t i = 0; i < sizeof sm90_sample / sizeof *sm90_sample; i++)
        if (strcmp(sm90_sample[i].name, name) == 0)
            return &sm90_sample[i];
    ck_abort_msg("no sample configuration %s", name);
    return NULL;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* ---- golden ---------------------------------------------------------------------------- */

static const sm90_cfg golden_cfg = {"gemm_bf16_bias_silu", DGK_DT_BF16, DGK_MAJOR_K, DGK_MAJOR_K, 128, 128, 4, 2, 1, 1,
                                    DGK_DT_BF16, 1, 0, 1, 8, 4096, 4096, 0, 0, 0};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

START_TEST(golden_small_plan)
{
    const char *path = "tests/golden/emit/gemm_bf16_bias_silu.cu";
    char *text = emit_cfg(&golden_cfg, NULL, NULL);
    ck_assert_ptr_nonnull(text);
    if (getenv("DGK_GOLDEN_UPDATE")) {
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
    }
    char *want = slurp(path);
    ck_assert_msg(want != NULL, "%s is missing (run from the repository root; make golden-update-emit)", path);
    ck_assert_msg(strcmp(text, want) == 0, "emitted CUDA C differs from %s (make golden-update-emit, review the diff)",
                  path);
    free(want);
    free(text);
}
END_TEST

START_TEST(output_is_deterministic)
{
    for (size_t i = 0; i < sizeof sm90_sample / sizeof *sm90_sample; i++) {
        char *x = emit_cfg(&sm90_sample[i], NULL, NULL), *y = emit_cfg(&sm90_sample[i], NULL, NULL);
        ck_assert_ptr_nonnull(x);
        ck_assert_str_eq(x, y);
        free(x);
        free(y);
    }
}
END_TEST

/* ---- what each lowering choice produces -------------------------------------------------- */

START_TEST(transpose_bits_follow_majorness)
{
    char *nt = emit_cfg(sample("bf16_nt_128x256"), NULL, NULL);
    char *nn = emit_cfg(sample("bf16_nn_128x128"), NULL, NULL);
    char *tn = emit_cfg(sample("bf16_tn_64x128"), NULL, NULL);
    char *tt = emit_cfg(sample("bf16_tt_256x112"), NULL, NULL);
    ck_assert_ptr_nonnull(strstr(nt, "p, 1, 1, 0, 0;"));
    ck_assert_ptr_nonnull(strstr(nn, "p, 1, 1, 0, 1;"));
    ck_assert_ptr_nonnull(strstr(tn, "p, 1, 1, 1, 0;"));
    ck_assert_ptr_nonnull(strstr(tt, "p, 1, 1, 1, 1;"));
    /* MN-major B of BN = 112 is two 64-column TMA boxes, 64 x BK each, LBO apart */
    ck_assert_ptr_nonnull(strstr(tt, "B_CHUNK_ROWS = 64, B_CHUNKS = 2, B_CHUNK_BYTES = 8192"));
    ck_assert_ptr_nonnull(strstr(tt, "B_LBO = 8192, B_SBO = 1024, B_KSTEP_BYTES = 2048"));
    free(nt);
    free(nn);
    free(tn);
    free(tt);
}
END_TEST

START_TEST(fp8_promotion_and_straddle)
{
    char *even = emit_cfg(sample("fp8_nt_128x128"), NULL, NULL);
    char *odd = emit_cfg(sample("fp8_nt_128x112_mcA"), NULL, NULL);
    char *plain = emit_cfg(sample("fp8_nt_128x256_pertensor"), NULL, NULL);
    ck_assert_ptr_nonnull(strstr(even, "m64n128k32.f32.e4m3.e4m3"));
    ck_assert_ptr_nonnull(strstr(even, "acc[ni][i + 0] += t[ni][i + 0] * s0;"));
    ck_assert_ptr_null(strstr(even, "sb_split"));
    ck_assert_ptr_nonnull(strstr(odd, "const int sb_split = 128 - n_block * BN % 128;"));
    /* A scales: per CTA, or in a cluster along N (A multicast) by rank 0 for both */
    ck_assert_ptr_nonnull(strstr(even, "dgk_tma_load_2d(smem_sa + stage * SA_STAGE_BYTES, &tma_SA"));
    ck_assert_ptr_nonnull(strstr(odd, "if (cta_rank == 0) dgk_tma_load_2d_mc(smem_sa + stage * SA_STAGE_BYTES, &tma_SA"));
    ck_assert_ptr_null(strstr(odd, "dgk_tma_load_2d(smem_sa"));
    ck_assert_ptr_nonnull(strstr(odd, "STAGE_TX_BYTES = 31232"));   /* 16384 A + 14336 B + 512 SA */
    /* overlapped promotion: two temporaries, a branch-free steady state, then the tail */
    ck_assert_ptr_nonnull(strstr(odd, "for (; kb + 2 < k_blocks; kb += 2)"));
    /* the K loop once per value of sb_split (N = 7168: all 8 multiples of 16), each with
     * the split a constant */
    ck_assert_ptr_nonnull(strstr(odd, "switch (sb_split)"));
    ck_assert_int_eq(count(odd, "constexpr int SB_SPLIT = "), 8);
    ck_assert_ptr_nonnull(strstr(odd, "case 80: {"));
    ck_assert_int_eq(count(odd, "promote(acc, tmp1, sa1, sb1[0], sb1[1], SB_SPLIT);"), 16);
    /* B scales: the producer copies the tile's two values into the stage; the stage's
     * full barrier expects that copy's arrive as well as the TMA one */
    ck_assert_ptr_nonnull(strstr(odd, "dgk_cp_async_4(sb_dst, sb_lo_ptr + kb);"));
    ck_assert_ptr_nonnull(strstr(odd, "dgk_cp_async_4(sb_dst + 4, sb_hi_ptr + kb);"));
    ck_assert_ptr_nonnull(strstr(odd, "dgk_mbar_init(&full_bar[s], 2);"));
    ck_assert_ptr_nonnull(strstr(even, "dgk_cp_async_mbar_arrive(bar);"));
    ck_assert_ptr_null(strstr(even, "sb_dst + 4"));
    ck_assert_int_eq(count(odd, "read_sb(sb1, dgk_smem_u32(smem_sb) + stage * SB_STAGE_BYTES);"), 16);
    /* FP8 with multicast: every consumer thread releases its own CTA's stage (its scale
     * reads) and nothing remote; the producer forwards the release to the peer */
    ck_assert_ptr_nonnull(strstr(odd, "enum { EMPTY_ARRIVALS = 128 * CONSUMERS };"));
    ck_assert_ptr_null(strstr(odd, "dgk_mbar_arrive_cluster(bar"));
    ck_assert_ptr_nonnull(strstr(odd, "if (fills >= STAGES) {\n"));
    ck_assert_ptr_nonnull(strstr(odd, "dgk_mbar_arrive_cluster(&peer_bar[stage], cta_rank ^ 1);"));
    ck_assert_ptr_nonnull(strstr(odd, "dgk_mbar_wait(&peer_bar[stage], phase ^ 1);"));
    ck_assert_ptr_nonnull(strstr(even, "enum { EMPTY_ARRIVALS = 128 * CONSUMERS };"));
    ck_assert_ptr_null(strstr(even, "peer_bar"));
    /* the same along M (B multicast) */
    char *mcb = emit_cfg(sample("fp8_nt_128x128_mcB"), NULL, NULL);
    ck_assert_ptr_nonnull(strstr(mcb, "dgk_tma_load_2d_mc(smem_b +"));
    ck_assert_ptr_nonnull(strstr(mcb, "enum { EMPTY_ARRIVALS = 128 * CONSUMERS };"));
    ck_assert_ptr_nonnull(strstr(mcb, "dgk_mbar_init(&peer_bar[s], 1);"));
    free(mcb);
    ck_assert_ptr_null(strstr(odd, "dgk_load_f32(sb_"));
    ck_assert_ptr_null(strstr(even, "tmp1["));
    ck_assert_ptr_null(strstr(plain, "tmp0["));
    ck_assert_ptr_nonnull(strstr(plain, "dgk_wgmma_wait<1>();"));
    free(even);
    free(odd);
    free(plain);
}
END_TEST

START_TEST(multicast_and_clusters)
{
    char *mca = emit_cfg(sample("bf16_nt_256x128_mcA"), NULL, NULL);
    char *mcb = emit_cfg(sample("bf16_nt_128x160_mcB"), NULL, NULL);
    char *none = emit_cfg(sample("bf16_nt_128x256"), NULL, NULL);
    ck_assert_int_eq(count(mca, "dgk_tma_load_2d_mc("), 1);
    ck_assert_ptr_nonnull(strstr(mca, "dgk_tma_load_2d_mc(smem_a +"));
    ck_assert_ptr_nonnull(strstr(mca, "n_block = nu * CLUSTER_N + (int)rank;"));
    ck_assert_ptr_nonnull(strstr(mcb, "dgk_tma_load_2d_mc(smem_b +"));
    ck_assert_ptr_nonnull(strstr(mcb, "m_block = mu * CLUSTER_M + (int)rank;"));
    /* consumers release their own CTA's stage, one lane per warp; the producer forwards it
     * to the peer once per reused stage and waits for the peer's forward */
    ck_assert_ptr_nonnull(strstr(mcb, "enum { EMPTY_ARRIVALS = 4 * CONSUMERS };"));
    ck_assert_ptr_null(strstr(mcb, "dgk_mbar_arrive_cluster(bar"));
    ck_assert_ptr_nonnull(strstr(mcb, "dgk_mbar_arrive_cluster(&peer_bar[stage], cta_rank ^ 1);"));
    /* the forward and the wait for the peer's only from a stage's second fill on: a
     * first-round wait could miss a phase the peer already completed */
    const char *fw = strstr(mca, "if (fills >= STAGES) {\n");
    ck_assert_ptr_nonnull(fw);
    const char *close = strchr(fw, '}');
    const char *wait = strstr(fw, "dgk_mbar_wait(&peer_bar[stage], phase ^ 1);");
    ck_assert(wait && close && wait < close);
    ck_assert_ptr_null(strstr(none, "peer_bar"));
    /* one cluster barrier (after the barrier inits); the producer drains its stages
     * instead of a closing one */
    ck_assert_int_eq(count(mca, "dgk_cluster_sync();"), 1);
    ck_assert_ptr_nonnull(strstr(mca, "// stay until every stage this CTA filled was released cluster-wide"));
    ck_assert_int_eq(count(none, "dgk_cluster_sync();"), 0);
    ck_assert_ptr_nonnull(strstr(none, "if (lane == 0) dgk_mbar_arrive(bar);"));
    free(mca);
    free(mcb);
    free(none);
}
END_TEST

START_TEST(epilogue_paths)
{
    char *silu = emit_cfg(sample("bf16_nt_128x256"), NULL, NULL);
    char *f32acc = emit_cfg(sample("bf16_nt_128x160_mcB"), NULL, NULL);
    ck_assert_ptr_nonnull(strstr(silu, "const float v1 = col < dgk_n ? dgk_load_f32(ptr_bias + col) : 0.0f;"));
    ck_assert_ptr_nonnull(strstr(silu, "const float v3 = dgk_silu(v2);"));
    ck_assert_ptr_nonnull(strstr(silu, "dgk_stmatrix_x4(staging_addr"));
    ck_assert_ptr_nonnull(strstr(silu, "dgk_tma_store_2d(&tma_D"));
    ck_assert_ptr_nonnull(strstr(f32acc, "dgk_st_shared_v2f32("));
    ck_assert_ptr_nonnull(strstr(f32acc, "dgk_tma_reduce_add_2d(&tma_D"));
    ck_assert_ptr_null(strstr(f32acc, "dgk_stmatrix_x4(staging_addr"));
    /* source locations of the epilogue ops */
    ck_assert_ptr_nonnull(strstr(silu, "// gemm.dgk:8: silu"));
    free(silu);
    free(f32acc);
}
END_TEST

/* `D = bf16(...)` into a bf16 D: the store's pack rounds, so the cast does not round
 * first (rounding twice cost a conversion per element). A cast to another dtype than D's,
 * or into `D +=`, keeps its rounding. */
static void cast_to(dgk_plan *p, dgk_dtype t)
{
    dgk_plan_epilogue *ep = &p->epi;
    ep->ops[ep->nops] = (dgk_epi_op){.op = DGK_EPI_CAST, .a = ep->nops - 1, .dtype = t, .loc = ep->ops[0].loc};
    ep->nops++;
}
static void cast_bf16(dgk_plan *p) { cast_to(p, DGK_DT_BF16); }
static void cast_f16(dgk_plan *p) { cast_to(p, DGK_DT_F16); }
static void cast_bf16_accumulate(dgk_plan *p)
{
    cast_to(p, DGK_DT_BF16);
    p->epi.accumulate = 1;
}

START_TEST(store_rounds_a_final_cast)
{
    char *same = emit_cfg(sample("fp8_nt_128x128"), cast_bf16, NULL);
    char *other = emit_cfg(sample("fp8_nt_128x128"), cast_f16, NULL);
    char *acc = emit_cfg(sample("fp8_nt_128x128"), cast_bf16_accumulate, NULL);
    ck_assert_ptr_nonnull(same);
    ck_assert_ptr_nonnull(other);
    ck_assert_ptr_nonnull(acc);
    ck_assert_ptr_nonnull(strstr(same, "const float v1 = v0;  // the store rounds to bf16"));
    ck_assert_ptr_null(strstr(same, "dgk_round_bf16("));
    ck_assert_ptr_nonnull(strstr(other, "const float v1 = dgk_round_f16(v0);"));
    ck_assert_ptr_nonnull(strstr(acc, "const float v1 = dgk_round_bf16(v0);"));
    free(same);
    free(other);
    free(acc);
}
END_TEST

START_TEST(smem_layout)
{
    dgk_arena a;
    dgk_arena_init(&a);
    dgk_plan *p = sm90_build_plan(&a, sample("fp8_nt_128x112_mcA"));
    /* A 128x128 e4m3 = 16 KiB; B 112x128 = 14 KiB, rounded to 1024; 6 stages; SA 512 B */
    ck_assert_int_eq(p->smem.a_stage_bytes, 16384);
    ck_assert_int_eq(p->smem.b_stage_bytes, 14336);
    ck_assert_int_eq(p->smem.b_off, 6 * 16384);
    ck_assert_int_eq(p->smem.sa_off, 6 * 16384 + 6 * 14336);
    ck_assert_int_eq(p->smem.sa_stage_bytes, 512);
    ck_assert_int_eq(p->smem.epi_off % 1024, 0);
    ck_assert_int_eq(p->smem.epi_bytes, 2 * 64 * 112 * 2);
    /* full, empty and (a cluster) peer barriers per stage */
    ck_assert_int_eq(p->smem.total, p->smem.bar_off + 3 * 6 * 8);
    ck_assert_int_eq(p->launch.smem_bytes, p->smem.total);
    ck_assert_int_le(p->smem.total, DGK_SM90_SMEM_MAX);
    dgk_arena_free(&a);
}
END_TEST

/* ---- rejected plans ---------------------------------------------------------------------- */

static void fp8_mn_major(dgk_plan *p)
{
    p->b.major = DGK_MAJOR_MN;
}

static void too_many_stages(dgk_plan *p)
{
    p->stages = 12;
    dgk_sm90_plan_smem(p);
}

static void bad_bn(dgk_plan *p)
{
    p->bn = 100;
}

static void stale_smem(dgk_plan *p)
{
    p->stages++;
}

static void bad_regs(dgk_plan *p)
{
    p->consumer_regs = 248;
}

static void grouped_sched(dgk_plan *p)
{
    p->sched.kind = DGK_SCHED_M_GROUPED_MASKED;
}

static void reserved_name(dgk_plan *p)
{
    p->args[0].name = "BM";
}

/* names added with FP8 promotion's scale copies and the namespace-scope helpers */
static void reserved_slot(dgk_plan *p)
{
    p->args[0].name = "sb_lo_b";
}

static void reserved_helper(dgk_plan *p)
{
    p->args[0].name = "promote";
}

static void reserved_wgmma(dgk_plan *p)
{
    p->args[0].name = "wgmma_m64n128k32";
}

/* fp8.unroll and fp8.early_wait belong to other loop forms than the overlap one */
static void unrolled_overlap(dgk_plan *p)
{
    p->fp8.unroll = 8;
}

static void early_without_pieces(dgk_plan *p)
{
    p->fp8.early_wait = 1;
}

/* a row vector store of an op past the program, through the output's TMA parameter */
static void bad_row_store(dgk_plan *p)
{
    static dgk_epi_vstore v;
    v = (dgk_epi_vstore){.at = {.op = DGK_EPI_ROW, .arg = p->epi.out_arg, .loc = p->epi.loc}, .value = p->epi.nops};
    p->epi.vstores = &v;
    p->epi.nvstores = 1;
}

/* a row reduction in a split-K plan (a unit holds part of the sum) */
static void split_row_reduce(dgk_plan *p)
{
    p->split.slices = 2;
    static dgk_epi_op ops[2];
    ops[0] = p->epi.ops[0];
    ops[1] = (dgk_epi_op){.op = DGK_EPI_ROWMAX, .a = 0, .b = -1, .c = -1, .loc = p->epi.loc};
    p->epi.ops = ops;
    p->epi.nops = 2;
}

static void expect_error(const char *cfg, tweak_fn t, const char *msg)
{
    char *diag = NULL;
    char *text = emit_cfg(sample(cfg), t, &diag);
    ck_assert_ptr_null(text);
    ck_assert_msg(strstr(diag, msg) != NULL, "expected \"%s\" in:\n%s", msg, diag);
    ck_assert_ptr_nonnull(strstr(diag, "gemm.dgk:"));
    free(diag);
}

START_TEST(rejects_what_the_fast_path_cannot_take)
{
    expect_error("fp8_nt_128x128", fp8_mn_major, "FP8 operand B is MN-major");
    expect_error("fp8_nt_128x128", too_many_stages, "12 stages need");
    expect_error("bf16_nt_128x256", bad_bn, "BN = 100 is not a multiple of 8");
    expect_error("bf16_nt_128x256", stale_smem, "layout is stale");
    expect_error("bf16_nt_128x256", bad_regs, "register budgets exceed");
    expect_error("bf16_nt_128x256", grouped_sched, "the group tensor");
    expect_error("bf16_nt_128x256", reserved_name, "collides with a name the SM90 emitter generates");
    expect_error("fp8_nt_128x128", reserved_slot, "collides with a name the SM90 emitter generates");
    expect_error("bf16_nt_128x256", reserved_helper, "is the name of a helper function the SM90 emitter generates");
    expect_error("bf16_nt_128x256", reserved_wgmma, "collides with a name the SM90 emitter generates");
    expect_error("fp8_nt_128x112_mcA", unrolled_overlap, "unrolled (8) only in the per-m64 and one-temporary forms");
    expect_error("fp8_nt_128x128", early_without_pieces, "early try is lowered for pieces only");
    expect_error("bf16_nt_128x256", bad_row_store, "row vector store 0 stores op");
    expect_error("bf16_nt_128x256", bad_row_store, "a row vector store's tensor must be a ptr kernel parameter");
    expect_error("bf16_nt_128x256", split_row_reduce, "row reductions and row vector stores need a warpgroup");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sm90_emit");
    TCase *golden = tcase_create("golden");
    tcase_add_test(golden, golden_small_plan);
    tcase_add_test(golden, output_is_deterministic);
    suite_add_tcase(s, golden);
    TCase *lower = tcase_create("lowering");
    tcase_add_test(lower, transpose_bits_follow_majorness);
    tcase_add_test(lower, fp8_promotion_and_straddle);
    tcase_add_test(lower, multicast_and_clusters);
    tcase_add_test(lower, epilogue_paths);
    tcase_add_test(lower, store_rounds_a_final_cast);
    tcase_add_test(lower, smem_layout);
    suite_add_tcase(s, lower);
    TCase *check = tcase_create("validation");
    tcase_add_test(check, rejects_what_the_fast_path_cannot_take);
    suite_add_tcase(s, check);
    return s;
}

DGK_CHECK_MAIN(make_suite)
