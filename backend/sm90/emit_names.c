/* emit_names.c - the C names a kernel's parameters may not take. A kernel parameter is
 * emitted under its own name (a shape symbol `M`, a scalar `alpha`) or one derived from
 * it (`ptr_X`, `tma_A`, `stride_X_0`), beside the names the emitters generate; a
 * parameter named like one of those would be hidden by a local inside a loop and read
 * wrong, or make NVRTC fail on the generated code (a C++ keyword, `threadIdx`, a helper
 * function). So each is refused at the parameter, with the reason. The tables hold every
 * identifier the emitters write that is not a kernel parameter: tests/unit/
 * test_emit_names.c scans the generated code of the stock kernels, the examples and the
 * golden kernels and fails on any identifier not refused here. */
#include <ctype.h>
#include <string.h>

#include "emit_internal.h"

/* C++ (through C++20) keywords and alternative tokens. */
static const char *const cxx_keywords[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char",
    "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr", "constinit",
    "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
    "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
    "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid",
    "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor",
    "xor_eq",
};

/* CUDA's built-in variables and vector types, and the math functions the emitters call. */
static const char *const cuda_names[] = {
    "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "uint2", "uint4", "int2", "int4", "float2", "float4",
    "fabsf", "fmaxf", "fminf", "sqrtf", "rsqrtf", "expf", "exp2f", "logf", "min", "max", "abs", "printf", "assert",
};

/* Names the GEMM emitter declares at kernel or namespace scope, or as loop and block
 * locals. */
static const char *const gemm_names[] = {
    "BM", "BN", "BK", "STAGES", "CONSUMERS", "WG_ROWS", "WG_M64", "PRODUCER_REGS", "CONSUMER_REGS", "INST_N", "N_INSTS",
    "K_STEPS", "CLUSTER", "CLUSTER_M", "CLUSTER_N", "CLUSTER_MASK", "GROUP", "SMEM_A", "SMEM_B", "SMEM_SA", "SMEM_D",
    "SMEM_BAR", "SA_STAGE_BYTES", "STAGE_TX_BYTES", "EMPTY_ARRIVALS", "D_BOX_COLS", "D_ROW_BYTES", "D_BOX_BYTES",
    "D_BOXES", "D_SWIZZLE", "D_PASSES", "D_PASS_BOXES", "D_PASS_COLS", "pass", "smem", "smem_a", "smem_b", "smem_sa",
    "smem_d", "full_bar", "empty_bar", "peer_bar", "fills", "peer", "warpgroup", "consumer", "warp", "lane", "cta_rank",
    "k_blocks", "acc", "tmp", "stage", "phase", "tile", "tiles", "m_block", "n_block", "kb", "bar", "desc_a0", "desc_b0",
    "desc_a", "desc_b", "row0", "col0", "staging", "staging_addr", "sa", "sa_addr", "sb_rows", "sb_row", "sb_lo_ptr",
    "sb_hi_ptr", "sb_split", "sb_lo", "sb_hi", "sb_kb", "SMEM_SB", "SB_STAGE_BYTES", "smem_sb", "sb_base", "mi", "ni",
    "ks", "i", "c", "r", "sr", "sc", "box", "acc_t", "group", "sb_group", "masked_m", "group_ids", "group_tiles", "idx",
    "last", "row", "col", "group_cursor", "cursor", "SPLIT", "splits", "k_total", "k_first", "unit", "units", "slice",
    "part", "ws_block", "store_partial", "sum_partials", "arrive_last", "ws_slot", "TAIL_SLICES", "masked_tiles",
    "tail_unit", "it", "tail_tile", "offsets", "group_end", "debug_check", "last_group", "next_g0", "next_g1",
    "has_rows", "out", "CHUNK", "s", "b_shared", "idle", "ready", "swath_cursor",
    "producer_warp", "l2_first", "tile_slot", "SMEM_TILE", "tile_counter", "slot",
    /* FP8 promotion's kernel-scope temporaries and scale copies (emit_fp8.c, emit_fp8_sb.c) */
    "tmp0", "tmp1", "sa0", "sa1", "sa_base", "held0", "held1", "sb0", "sb1", "sb_dst", "sb_lo_b", "sb_hi_b", "SB_SPLIT",
    "sb_ring", "sb_slot", "sb_at", "SB_SLOTS", "SB_SLOT_BYTES", "SB_ROW_BYTES", "store_tile", "tq0", "tq1", "da", "db",
    "stage_tx",
    /* two accumulators (plan.h dgk_plan_dual): the second's value, its scale row */
    "acc2", "sb_row2",
};

/* The GEMM emitter's helpers at namespace scope (a kernel of such a name would make the
 * kernel's calls ambiguous). */
static const char *const gemm_helpers[] = {
    "cluster_tiles", "tile_coords", "tile_coords_of", "tile_blocks", "pair_ids", "staging_offset", "mma_stage",
    "mma_m64", "fence_frag", "fence_acc", "promote", "promote_m64", "read_sa", "read_sb", "release_stage", "fence_piece",
    "mma_piece", "promote_piece",
};

/* Names the elementwise emitter declares: the element loops' e, j, s, v and the groups'
 * g, here, four; the reductions' o, l, w, q, m, acc, half, part; tid, THREADS, VEC, smem. */
static const char *const simt_names[] = {
    "e", "j", "s", "v", "g", "here", "four", "o", "l", "w", "q", "m", "acc", "half", "part", "tid", "THREADS", "VEC",
    "smem",
};

/* Prefixes of generated names: the compiler's own (dgk_, DGK_, the epilogue's functions),
 * the implementation's (__), and the GEMM emitter's constants and wgmma wrappers. */
static const char *const prefixes[] = {"__", "dgk_", "DGK_", "epilogue_"};
static const char *const gemm_prefixes[] = {"A_", "B_", "s_", "wgmma_"};

static int in(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

static int has_prefix(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(s, set[i], strlen(set[i])) == 0)
            return 1;
    return 0;
}
#define IN(s, set) in((s), (set), sizeof(set) / sizeof((set)[0]))
#define HAS_PREFIX(s, set) has_prefix((s), (set), sizeof(set) / sizeof((set)[0]))

const char *dgk_sm90_kernel_name_clash(const char *s)
{
    if (IN(s, cxx_keywords))
        return "is a C++ keyword";
    if (IN(s, cuda_names))
        return "is a name CUDA C defines";
    if ((s[0] == '_' && isupper((unsigned char)s[1])) || HAS_PREFIX(s, prefixes))
        return "is reserved (names beginning with __, _ and a capital, dgk_, DGK_ or epilogue_ belong to the compiler)";
    if (IN(s, gemm_helpers))
        return "is the name of a helper function the SM90 emitter generates";
    return NULL;
}

const char *dgk_sm90_name_clash(const char *s, dgk_sm90_code code)
{
    const char *why = dgk_sm90_kernel_name_clash(s);
    if (why)
        return why;
    if ((s[0] == 'v' || s[0] == 'x') && isdigit((unsigned char)s[1]))
        return "collides with a name the SM90 emitter generates (v0, x0, ...)";
    if (code == DGK_SM90_CODE_GEMM && (IN(s, gemm_names) || HAS_PREFIX(s, gemm_prefixes)))
        return "collides with a name the SM90 emitter generates";
    if (code == DGK_SM90_CODE_SIMT && IN(s, simt_names))
        return "collides with a name the elementwise emitter generates";
    return NULL;
}
