/* emit_sched.c - the tile scheduler: which output tiles a CTA computes and in what order.
 * Both the producer and the consumers walk the same sequence (they must agree stage by
 * stage), so it is one helper function in the generated namespace plus a loop header.
 * Tiles are counted per cluster: the CTAs of a cluster take neighbouring blocks along the
 * cluster's axis (the ones that share the multicast operand). For L2 reuse, cluster tiles
 * are walked in groups of GROUP along one axis, the grouped axis varying fastest, so
 * CTAs running at the same time share operand tiles in L2. The grouped schedules
 * (clusters along N or M on the m-grouped ones, none on k-grouped) add the tile's group:
 * contiguous reads it per tile from the group ids and skips padding, or with group
 * offsets walks swaths of one group's row blocks and numbers no padding; masked
 * numbers only the tiles with valid rows (and, with `skip_idle`, tells how many of the
 * tile's rows are valid); k-grouped numbers the tiles group after group and gives each
 * tile its group's K blocks. With `dynamic 1` (contiguous) the producer takes the tiles
 * from a device counter instead and tells the consumers each one and its coordinates
 * through shared memory. */
#include <stdio.h>

#include "emit_internal.h"

/* The walk over cluster tiles in L2 groups of `group` (an enum of the generated code)
 * units along the grouped axis. */
static void emit_coords_body_in(dgk_sm90_ctx *e, const char *group)
{
    const dgk_plan_sched *s = &e->p->sched;
    if (s->group > 1)
        dgk_sm90_line(e, "const int m_units = (M + BM * CLUSTER_M - 1) / (BM * CLUSTER_M);");
    dgk_sm90_line(e, "const int n_units = (N + BN * CLUSTER_N - 1) / (BN * CLUSTER_N);");
    if (s->group <= 1) {
        dgk_sm90_line(e, "const int mu = tile / n_units, nu = tile %% n_units;");
    } else {
        const char *g = s->group_axis == 0 ? "m" : "n", *o = s->group_axis == 0 ? "n" : "m";
        dgk_sm90_line(e, "const int per_group = %s * %s_units;", group, o);
        dgk_sm90_line(e, "const int first = tile / per_group * %s;", group);
        dgk_sm90_line(e, "const int size = min(%s_units - first, %s);", g, group);
        dgk_sm90_line(e, "const int in_group = tile %% per_group;");
        dgk_sm90_line(e, "const int %su = first + in_group %% size, %su = in_group / size;", g, o);
    }
    dgk_sm90_line(e, "m_block = mu * CLUSTER_M%s;", e->p->cluster_m > 1 ? " + (int)rank" : "");
    dgk_sm90_line(e, "n_block = nu * CLUSTER_N%s;", e->p->cluster_n > 1 ? " + (int)rank" : "");
}

static void emit_coords_body(dgk_sm90_ctx *e)
{
    emit_coords_body_in(e, "GROUP");
}

int dgk_sm90_grouped(const dgk_plan *p)
{
    return p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS || p->sched.kind == DGK_SCHED_M_GROUPED_MASKED ||
           p->sched.kind == DGK_SCHED_K_GROUPED;
}

/* Contiguous with group_offsets: the tiles are walked swath by swath. A swath is a run of
 * up to GROUP row blocks of one group (never two: a swath of two groups needs both
 * groups' B tiles in L2 at once), its tiles numbered with the row block varying fastest,
 * so the CTAs running together share each B column tile; padding blocks have no tiles.
 * Group g's blocks are align(offsets[g], BM) / BM .. the block of row offsets[g + 1] - 1,
 * and `group_end` bounds the rows stored. Tiles only increase per CTA (fixed stride or
 * the dynamic counter), so a cursor (the current swath and its first tile) walks the
 * groups once per CTA. Against the fixed swaths of GROUP blocks that straddled groups:
 * FP8, H100, 4 x 8192 rows 6144x7168 1344-1346 -> 1357-1361 TFLOPS (1347.8 -> 1362.5 with
 * the new build run first), +1..3% on each of DeepGEMM's 8 contiguous shapes, 16 groups
 * of 2048 rows +1.4%, 64 of 512 rows +9% (tests/gpu/results/2026-11-27-H100-swaths/).
 * With group ids the walk keeps fixed swaths of GROUP blocks and reads each tile's group
 * from its first row (padding tiles skipped): the group runs are known only by reading the
 * ids, and a producer finding each swath that way (15 loads per swath, or 8 at a time)
 * made the kernel 1-4% slower at 4 and 8 groups (faster from 64 groups of 512 rows on).
 * In a cluster along M a tile is a pair of blocks of one swath (rank r takes the pair's
 * block r), so both CTAs share the group's B tile; swaths hold a whole number of pairs
 * (SWATH), so only a group's last swath can end in a lone block, whose partner's block
 * lies past the group's end and runs idle (emit_consumer.c, emit_idle_block). */
static void emit_swath_cursor(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// the swath a CTA's walk has reached: row blocks [start, end) of group `group`, whose first tile");
    dgk_sm90_line(e, "// is `first`");
    dgk_sm90_line(e, "struct swath_cursor { int start, end, group, first; };");
    dgk_sm90_line(e, "// blocks per swath: GROUP, a whole number of cluster pairs");
    dgk_sm90_line(e, "enum { SWATH = (GROUP + CLUSTER_M - 1) / CLUSTER_M * CLUSTER_M };");
    dgk_sm90_line(e, "// its tiles: pairs of blocks in a cluster along M (a group's odd last block pairs with an idle CTA)");
    dgk_sm90_open(e, "static __device__ __forceinline__ int swath_tiles(const swath_cursor &cur, int n_units)");
    dgk_sm90_line(e, "return (cur.end - cur.start + CLUSTER_M - 1) / CLUSTER_M * n_units;");
    dgk_sm90_close(e, NULL);
}

static void emit_next_swath_offsets(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// moves to the swath after cur's: up to SWATH blocks of group cur.group from cur.end on, else of the");
    dgk_sm90_line(e, "// next group with blocks; false past the last group");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool next_swath(swath_cursor &cur, int m_blocks, const int "
                     "*__restrict__ offsets, int G)");
    dgk_sm90_open(e, "for (; cur.group < G; ++cur.group)");
    dgk_sm90_line(e, "const int first = (__ldg(offsets + cur.group) + BM - 1) / BM;  // the group's aligned start");
    dgk_sm90_line(e, "const int last = min((__ldg(offsets + cur.group + 1) + BM - 1) / BM, m_blocks);  // one past its last block");
    dgk_sm90_line(e, "const int start = max(cur.end, first);");
    dgk_sm90_open(e, "if (start < last)");
    dgk_sm90_line(e, "cur.start = start;");
    dgk_sm90_line(e, "cur.end = min(start + SWATH, last);");
    dgk_sm90_line(e, "return true;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "return false;");
    dgk_sm90_close(e, NULL);
}

/* tile_coords: skip to the swath holding `tile`, then its blocks. */
static void emit_offsets_coords(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// the blocks and group of tile `tile`, and the group's end (one past its last row); tiles only");
    dgk_sm90_line(e, "// increase; false past the last one");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool tile_coords(int tile, int M, int N, const int *__restrict__ "
                     "offsets, int G, dgk_u32 rank, swath_cursor &cur, int &m_block, int &n_block, int &group, "
                     "int &group_end)");
    dgk_sm90_line(e, "const int m_blocks = (M + BM - 1) / BM;");
    dgk_sm90_line(e, "const int n_units = (N + BN * CLUSTER_N - 1) / (BN * CLUSTER_N);");
    dgk_sm90_open(e, "while (tile >= cur.first + swath_tiles(cur, n_units))");
    dgk_sm90_line(e, "cur.first += swath_tiles(cur, n_units);");
    dgk_sm90_line(e, "if (!next_swath(cur, m_blocks, offsets, G))");
    dgk_sm90_line(e, "    return false;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "const int t = tile - cur.first, size = (cur.end - cur.start + CLUSTER_M - 1) / CLUSTER_M;");
    dgk_sm90_line(e, "m_block = cur.start + t %% size * CLUSTER_M%s;", e->p->cluster_m > 1 ? " + (int)rank" : "");
    dgk_sm90_line(e, "n_block = t / size * CLUSTER_N%s;", e->p->cluster_n > 1 ? " + (int)rank" : "");
    if (e->cluster == 1)
        dgk_sm90_line(e, "(void)rank;");
    dgk_sm90_line(e, "group = cur.group;");
    dgk_sm90_line(e, "group_end = min(__ldg(offsets + cur.group + 1), M);");
    dgk_sm90_line(e, "return true;");
    dgk_sm90_close(e, NULL);
}

/* Group ids in a cluster along M: a cluster tile is the pair of row blocks 2u, 2u + 1
 * (rank r takes block 2u + r), which may hold two groups (the ids are read per tile, the
 * groups' extents are not known up front). B is multicast by rank 0 when the pair's blocks
 * with rows are of one group (`b_shared`); when they are of two, each CTA loads its own
 * group's B (DeepGEMM's contiguous kernel disables its multicast the same way). A CTA
 * whose block is padding (or past M) while its peer's is not runs idle (`idle`; `group`
 * is then the peer's, so its loads stay inside the tensors); a pair of padding blocks is
 * skipped by both. Its L2 swaths hold GROUP row blocks (GROUP / 2 pairs), as the offsets
 * walk's: swaths of GROUP pairs (as the dense walk counts cluster tiles) ran 1.7-2.4%
 * slower (tests/gpu/results/2026-11-27-H100-contig-cluster/swath-pairs/). */
static void emit_ids_coords_cluster_m(dgk_sm90_ctx *e)
{
    if (e->p->sched.group > 1) {
        dgk_sm90_line(e, "// pairs per L2 swath: GROUP row blocks, as the offsets walk's swaths (GROUP pairs, twice");
        dgk_sm90_line(e, "// the blocks, ran 1.7-2.4%% slower on the H100)");
        dgk_sm90_line(e, "enum { SWATH_PAIRS = GROUP / CLUSTER_M > 0 ? GROUP / CLUSTER_M : 1 };");
    }
    dgk_sm90_line(e, "// the row block (rank r: block 2u + r of the pair) and column block of cluster tile `tile`");
    dgk_sm90_open(e, "static __device__ __forceinline__ void tile_blocks(int tile, int M, int N, dgk_u32 rank, int &m_block, "
                     "int &n_block)");
    emit_coords_body_in(e, "SWATH_PAIRS");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "// the blocks and group of cluster tile `tile` for this CTA from its pair's group ids g0, g1 (-1:");
    dgk_sm90_line(e, "// padding or past M), whether the pair shares B (its blocks with rows are of one group) and whether");
    dgk_sm90_line(e, "// this CTA's block is padding (idle, `group` then the peer's); false when both blocks are padding");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool tile_coords_of(int tile, int M, int N, int g0, int g1, dgk_u32 rank, "
                     "int &m_block, int &n_block, int &group, int &b_shared, int &idle)");
    dgk_sm90_line(e, "tile_blocks(tile, M, N, rank, m_block, n_block);");
    dgk_sm90_line(e, "const int own = rank ? g1 : g0, peer = rank ? g0 : g1;");
    dgk_sm90_line(e, "idle = own < 0;");
    dgk_sm90_line(e, "group = idle ? peer : own;");
    dgk_sm90_line(e, "b_shared = g0 < 0 || g1 < 0 || g0 == g1;");
    dgk_sm90_line(e, "return g0 >= 0 || g1 >= 0;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "// the group ids of cluster tile `tile`'s pair of row blocks (all BM rows of a block share one)");
    dgk_sm90_open(e, "static __device__ __forceinline__ void pair_ids(int tile, int M, int N, const int *__restrict__ group_ids, "
                     "int &g0, int &g1)");
    dgk_sm90_line(e, "int pair, n_block;");
    dgk_sm90_line(e, "tile_blocks(tile, M, N, 0, pair, n_block);  // rank 0: the pair's first block, inside M");
    dgk_sm90_line(e, "g0 = __ldg(group_ids + pair * BM);");
    dgk_sm90_line(e, "g1 = (pair + 1) * BM < M ? __ldg(group_ids + (pair + 1) * BM) : -1;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_open(e, "static __device__ __forceinline__ bool tile_coords(int tile, int M, int N, const int *__restrict__ "
                     "group_ids, dgk_u32 rank, int &m_block, int &n_block, int &group, int &b_shared, int &idle)");
    dgk_sm90_line(e, "int g0, g1;");
    dgk_sm90_line(e, "pair_ids(tile, M, N, group_ids, g0, g1);");
    dgk_sm90_line(e, "return tile_coords_of(tile, M, N, g0, g1, rank, m_block, n_block, group, b_shared, idle);");
    dgk_sm90_close(e, NULL);
}

/* Group ids: fixed swaths of GROUP blocks (emit_coords_body), the group read per tile. */
static void emit_ids_coords(dgk_sm90_ctx *e)
{
    if (dgk_sm90_b_shared_per_tile(e->p)) {
        emit_ids_coords_cluster_m(e);
        return;
    }
    dgk_sm90_line(e, "// the blocks and group of tile `tile`; false when its rows are padding (group id < 0)");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool tile_coords(int tile, int M, int N, const int *__restrict__ "
                     "group_ids, dgk_u32 rank, int &m_block, int &n_block, int &group)");
    emit_coords_body(e);
    if (e->cluster == 1)
        dgk_sm90_line(e, "(void)rank;");
    if (e->p->sched.group <= 1)
        dgk_sm90_line(e, "(void)M;");
    dgk_sm90_line(e, "group = __ldg(group_ids + m_block * BM);  // all BM rows of a block share a group");
    dgk_sm90_line(e, "return group >= 0;");
    dgk_sm90_close(e, NULL);
}

static void emit_contiguous_sched(dgk_sm90_ctx *e)
{
    /* with offsets a cluster along M pairs blocks within a group's swaths, so groups of odd
     * block counts can take more pairs than M / (2 BM): every block counts */
    int pairs = dgk_sm90_b_shared_per_tile(e->p);
    if (e->p->sched.offsets)
        dgk_sm90_line(e, "// tiles, at most: every row block x the column blocks of a cluster");
    else
        dgk_sm90_line(e, "// tiles: every row block%s x the column blocks of a cluster", pairs ? " pair" : "");
    dgk_sm90_open(e, "static __device__ __forceinline__ int cluster_tiles(int M, int N)");
    if (pairs)
        dgk_sm90_line(e, "return ((M + BM * CLUSTER_M - 1) / (BM * CLUSTER_M)) * ((N + BN * CLUSTER_N - 1) / (BN * CLUSTER_N));");
    else
        dgk_sm90_line(e, "return ((M + BM - 1) / BM) * ((N + BN * CLUSTER_N - 1) / (BN * CLUSTER_N));");
    dgk_sm90_close(e, NULL);
    if (e->p->sched.offsets) {
        emit_swath_cursor(e);
        emit_next_swath_offsets(e);
        emit_offsets_coords(e);
    } else {
        emit_ids_coords(e);
    }
    dgk_sm90_line(e, "%s", "");
}

/* m_block, n_block of tile `t` of one group's m_units x n_units tiles, in the dense L2
 * order (GROUP M blocks at a time). */
static void emit_group_order(dgk_sm90_ctx *e)
{
    if (e->p->sched.group > 1) {
        dgk_sm90_line(e, "const int per_group = GROUP * n_units;");
        dgk_sm90_line(e, "const int first = t / per_group * GROUP;");
        dgk_sm90_line(e, "const int size = min(m_units - first, GROUP);");
        dgk_sm90_line(e, "const int in_group = t %% per_group;");
        dgk_sm90_line(e, "m_block = first + in_group %% size;");
        dgk_sm90_line(e, "n_block = in_group / size;");
    } else {
        dgk_sm90_line(e, "m_block = t / n_units;");
        dgk_sm90_line(e, "n_block = t %% n_units;");
    }
}

/* K-grouped: every group has the same m_units x n_units output tiles (D[g] is [M, N]);
 * they are numbered group after group, so the CTAs running together share the group's
 * operand columns in L2. A tile's K blocks are its group's, OFFS[g] / BK ..
 * OFFS[g + 1] / BK; an empty group's tiles are skipped (D[g] += 0 needs no store). */
static void emit_k_grouped_sched(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// tiles: G groups of row blocks x column blocks (k_grouped takes no clusters)");
    dgk_sm90_open(e, "static __device__ __forceinline__ int cluster_tiles(int M, int N, int G)");
    dgk_sm90_line(e, "return G * ((M + BM - 1) / BM) * ((N + BN - 1) / BN);");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "// the blocks, group and K blocks of tile `tile`; false when the group's K range is empty");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool tile_coords(int tile, int M, int N, const int *__restrict__ "
                     "offsets, int &m_block, int &n_block, int &group, int &k_first, int &k_blocks)");
    dgk_sm90_line(e, "const int m_units = (M + BM - 1) / BM, n_units = (N + BN - 1) / BN;");
    dgk_sm90_line(e, "group = tile / (m_units * n_units);");
    dgk_sm90_line(e, "const int t = tile - group * (m_units * n_units);");
    emit_group_order(e);
    dgk_sm90_line(e, "k_first = __ldg(offsets + group) / BK;  // the offsets are multiples of BK");
    dgk_sm90_line(e, "k_blocks = __ldg(offsets + group + 1) / BK - k_first;");
    dgk_sm90_line(e, "return k_blocks > 0;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "%s", "");
}

/* tail_split (plan.h; clusters are refused with it, plan_split.c): the tiles of whole
 * waves, one CTA each in a fixed stride; then the tail's tiles, each cut by K into
 * `splits` = min(CTAs / tail tiles, TAIL_SLICES, K blocks) slices of balanced length, one
 * CTA per slice (CTA c: tail tile c / splits, slice c % splits). A slice never crosses a tile:
 * runs that did (a CTA finishing one tile's K and starting the next one's) paid two
 * reductions in series and made the kernel no faster (H100, 6 groups x 1024 rows). */
static void emit_tail_unit(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// this CTA's unit number `it`: a tile of the whole waves, or a K slice of a tail tile");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool tail_unit(int it, int tiles, int k_total, int &tile, int &k_first, "
                     "int &k_blocks, int &tail_tile, int &slice, int &splits)");
    dgk_sm90_line(e, "const int ctas = (int)gridDim.x, cta = (int)blockIdx.x;");
    dgk_sm90_line(e, "const int waves = tiles / ctas, tail = tiles - waves * ctas;  // whole waves: a tile per CTA");
    dgk_sm90_line(e, "tail_tile = 0, slice = 0, splits = 1, k_first = 0, k_blocks = k_total;");
    dgk_sm90_open(e, "if (it < waves)");
    dgk_sm90_line(e, "tile = it * ctas + cta;");
    dgk_sm90_line(e, "return true;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "splits = tail ? max(min(min(ctas / tail, TAIL_SLICES), k_total), 1) : 1;");
    dgk_sm90_line(e, "if (it > waves || cta >= tail * splits)");
    dgk_sm90_line(e, "    return false;");
    dgk_sm90_line(e, "tail_tile = cta / splits, slice = cta %% splits;");
    dgk_sm90_line(e, "tile = waves * ctas + tail_tile;");
    dgk_sm90_line(e, "k_first = slice * k_total / splits;");
    dgk_sm90_line(e, "k_blocks = (slice + 1) * k_total / splits - k_first;");
    dgk_sm90_line(e, "return true;");
    dgk_sm90_close(e, NULL);
}

/* tail_split: the masked schedule's tile count, and the unit map. */
static void emit_masked_tiles(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// tiles with valid rows, over all groups");
    dgk_sm90_open(e, "static __device__ __forceinline__ int masked_tiles(int M, int N, int G, const int *__restrict__ masked_m)");
    dgk_sm90_line(e, "int tiles = 0;");
    dgk_sm90_line(e, "for (int g = 0; g < G; ++g)");
    dgk_sm90_line(e, "    tiles += (min(max(__ldg(masked_m + g), 0), M) + BM - 1) / BM;");
    dgk_sm90_line(e, "return tiles * ((N + BN - 1) / BN);");
    dgk_sm90_close(e, NULL);
    emit_tail_unit(e);
    dgk_sm90_line(e, "%s", "");
}

/* Masked: only tiles with valid rows are numbered, group after group (cdiv(masked_m[g],
 * BM) row blocks each, the dense L2 order inside a group), so the CTAs share the work
 * evenly and never visit an empty tile. A CTA's tiles only increase, so a cursor (the
 * group reached and its first tile) makes the walk over masked_m O(G) per CTA. In a
 * cluster the tiles are the cluster's: along N the pair shares the row block; along M
 * it takes row blocks 2u and 2u + 1 of one group (sharing B), and when the group's last
 * row block is 2u the other CTA's block has no valid row: rows_left <= 0 tells it to run
 * the stages without mma or store (its producer still issues its loads, so both CTAs
 * fill their stages alike, which the release protocol needs). */
static void emit_masked_sched(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// where a CTA's walk over the groups has got to");
    dgk_sm90_line(e, "struct group_cursor { int group, first; };");
    int cl = e->cluster > 1, cl_m = e->p->cluster_m > 1, left = dgk_sm90_masked_rows_left(e->p);
    if (left) {
        dgk_sm90_line(e, "// the blocks and group of valid tile `tile` (tiles only increase), and the group's valid rows from");
        dgk_sm90_line(e, "// the block's first row on (%s); false past the last one", cl_m ? "<= 0: none, the peer's block holds the last" : "> 0");
    } else
        dgk_sm90_line(e, "// the blocks and group of valid tile `tile` (tiles only increase); false past the last one");
    dgk_sm90_open(e, "static __device__ __forceinline__ bool tile_coords(int tile, int M, int N, int G, const int "
                     "*__restrict__ masked_m, %sgroup_cursor &cur, int &m_block, int &n_block, int &group%s)",
                  cl ? "dgk_u32 rank, " : "", left ? ", int &rows_left" : "");
    if (cl)
        dgk_sm90_line(e, "const int n_units = (N + BN * CLUSTER_N - 1) / (BN * CLUSTER_N);  // column blocks of a cluster");
    else
        dgk_sm90_line(e, "const int n_units = (N + BN - 1) / BN;");
    dgk_sm90_open(e, "for (; cur.group < G; ++cur.group)");
    dgk_sm90_line(e, "const int rows = min(max(__ldg(masked_m + cur.group), 0), M);");
    if (cl_m)
        dgk_sm90_line(e, "const int m_units = (rows + BM * CLUSTER_M - 1) / (BM * CLUSTER_M);  // row blocks of a cluster");
    else
        dgk_sm90_line(e, "const int m_units = (rows + BM - 1) / BM;");
    dgk_sm90_open(e, "if (tile < cur.first + m_units * n_units)");
    dgk_sm90_line(e, "const int t = tile - cur.first;");
    emit_group_order(e);
    if (e->p->cluster_n > 1)
        dgk_sm90_line(e, "n_block = n_block * CLUSTER_N + (int)rank;  // the cluster's CTAs share the row block");
    if (cl_m)
        dgk_sm90_line(e, "m_block = m_block * CLUSTER_M + (int)rank;  // the cluster's CTAs share the group's B tile");
    dgk_sm90_line(e, "group = cur.group;");
    if (left)
        dgk_sm90_line(e, "rows_left = rows - m_block * BM;");
    dgk_sm90_line(e, "return true;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "cur.first += m_units * n_units;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "return false;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "%s", "");
    if (e->p->split.tail)
        emit_masked_tiles(e);
}

int dgk_sm90_b_shared_per_tile(const dgk_plan *p)
{
    return p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS && !p->sched.offsets && p->cluster_m > 1;
}

int dgk_sm90_masked_rows_left(const dgk_plan *p)
{
    return p->sched.kind == DGK_SCHED_M_GROUPED_MASKED && (p->sched.skip_idle || p->cluster_m > 1);
}

/* Grouped schedules: producer and consumers call the same tile_coords, so they agree on
 * which tiles exist. */
static void emit_grouped_sched(dgk_sm90_ctx *e)
{
    if (e->p->sched.kind == DGK_SCHED_M_GROUPED_MASKED)
        emit_masked_sched(e);
    else if (e->p->sched.kind == DGK_SCHED_K_GROUPED)
        emit_k_grouped_sched(e);
    else
        emit_contiguous_sched(e);
}

void dgk_sm90_emit_sched(dgk_sm90_ctx *e)
{
    const dgk_plan *p = e->p;
    const dgk_plan_sched *s = &p->sched;
    char what[128];
    snprintf(what, sizeof what, "%s schedule, L2 groups of %d %s blocks", dgk_sched_kind_name(s->kind),
             s->group > 1 ? s->group : 1, s->group_axis == 0 ? "M" : "N");
    dgk_sm90_loc(e, s->loc, what);
    dgk_sm90_line(e, "enum { CLUSTER_M = %d, CLUSTER_N = %d, GROUP = %d };", p->cluster_m, p->cluster_n,
                  s->group > 1 ? s->group : 1);
    if (dgk_sm90_grouped(p)) {
        emit_grouped_sched(e);
        return;
    }
    dgk_sm90_line(e, "// tiles of CLUSTER_M x CLUSTER_N blocks, one per cluster");
    dgk_sm90_open(e, "static __device__ __forceinline__ int cluster_tiles(int M, int N)");
    dgk_sm90_line(e, "return ((M + BM * CLUSTER_M - 1) / (BM * CLUSTER_M)) * ((N + BN * CLUSTER_N - 1) / (BN * CLUSTER_N));");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "// the block coordinates cluster tile `tile` gives the CTA of cluster rank `rank`");
    dgk_sm90_open(e, "static __device__ __forceinline__ void tile_coords(int tile, int M, int N, dgk_u32 rank, int "
                     "&m_block, int &n_block)");
    emit_coords_body(e);
    if (e->cluster == 1)
        dgk_sm90_line(e, "(void)rank;");
    if (s->group <= 1)
        dgk_sm90_line(e, "(void)M;");
    dgk_sm90_close(e, NULL);
    dgk_sm90_line(e, "%s", "");
}

/* Split-K: the loop is over (tile, K slice) units, a tile's slices numbered next to each
 * other (they run at about the same time, so the last one finds the others' partials in
 * L2); the unit's K blocks are [k_first, k_first + k_blocks), slices balanced to within
 * one block. Needs k_total and splits (dgk_sm90_emit_kblocks). */
static void emit_split_loop_open(dgk_sm90_ctx *e, const char *m, const char *n)
{
    dgk_sm90_line(e, "const int units = cluster_tiles(%s, %s) * splits;  // (tile, K slice) work units", m, n);
    dgk_sm90_line(e, "#pragma unroll 1");
    dgk_sm90_open(e, "for (int unit = blockIdx.x / CLUSTER; unit < units; unit += gridDim.x / CLUSTER)");
    dgk_sm90_line(e, "const int tile = unit / splits, slice = unit %% splits;");
    dgk_sm90_line(e, "int m_block, n_block;");
    dgk_sm90_line(e, "tile_coords(tile, %s, %s, cta_rank, m_block, n_block);", m, n);
    dgk_sm90_line(e, "const int k_first = slice * k_total / splits;");
    dgk_sm90_line(e, "const int k_blocks = (slice + 1) * k_total / splits - k_first;  // this slice's K blocks");
}

/* A dynamic schedule (plan.h, dgk_plan_sched.dynamic; contiguous only). The producer
 * takes each tile from the counter when it starts one and writes it into each stage's
 * slot before it publishes the stage (emit_producer.c); the consumers wait for a tile's
 * first stage and read it from its slot (tile -1 after the last one,
 * dgk_sm90_emit_dynamic_end). With group offsets the slot also holds the tile's block
 * coordinates and group (`consumer_extra` derives the rest), which spares the consumers
 * the walk over the groups. With group ids the consumers compute them (one id load); the
 * ids form with the coordinates in the slot was only measured together with the swath
 * walk (-0.5..-2% over DeepGEMM's 8 contiguous FP8 shapes, H100,
 * tests/gpu/results/2026-11-27-H100-swaths/sw2/), so it keeps the form measured best. */
static void emit_dynamic_loop_open(dgk_sm90_ctx *e, int producer, const char *cluster_args, const char *decl,
                                   const char *coord_args, const char *on_false, const char *consumer_extra)
{
    if (producer) {
        dgk_sm90_line(e, "const int tiles = cluster_tiles(%s);", cluster_args);
        dgk_sm90_line(e, "int *const tile_counter = %s;  // [0] the next tile, [1] the CTAs done",
                      e->p->args[e->p->sched.counter_arg].name);
    }
    dgk_sm90_line(e, "#pragma unroll 1");
    dgk_sm90_open(e, "for (;;)");
    if (producer) {
        dgk_sm90_line(e, "const int tile = dgk_atom_add_relaxed_gpu(tile_counter, 1);  // the first tile no CTA has taken");
        dgk_sm90_line(e, "if (tile >= tiles)");
        dgk_sm90_line(e, "    break;");
        dgk_sm90_line(e, "int m_block, n_block, %s;", decl);
        dgk_sm90_line(e, "if (!tile_coords(tile, %s))", coord_args);
        dgk_sm90_line(e, "    %s", on_false);
        return;
    }
    if (dgk_sm90_slot_bytes(e->p) == 4) {
        dgk_sm90_line(e, "// the tile the producer loaded into this stage; -1: there are no more");
        dgk_sm90_line(e, "dgk_mbar_wait(&full_bar[stage], phase);");
        dgk_sm90_line(e, "const int tile = (int)dgk_ld_shared_b32(tile_slot + 4 * stage);");
        dgk_sm90_line(e, "if (tile < 0)");
        dgk_sm90_line(e, "    break;");
        dgk_sm90_line(e, "int m_block, n_block, %s;", decl);
        dgk_sm90_line(e, "(void)tile_coords(tile, %s);  // never padding: the producer skipped those", coord_args);
        return;
    }
    dgk_sm90_line(e, "// the tile the producer loaded into this stage and its coordinates; tile -1: there are no more");
    dgk_sm90_line(e, "dgk_mbar_wait(&full_bar[stage], phase);");
    dgk_sm90_line(e, "dgk_u32 slot[4];");
    dgk_sm90_line(e, "dgk_ld_shared_v4b32(tile_slot + 16 * stage, slot[0], slot[1], slot[2], slot[3]);");
    dgk_sm90_line(e, "if ((int)slot[0] < 0)");
    dgk_sm90_line(e, "    break;");
    dgk_sm90_line(e, "const int m_block = (int)slot[1], n_block = (int)slot[2], group = (int)slot[3];");
    if (consumer_extra)
        dgk_sm90_line(e, "%s", consumer_extra);
}

int dgk_sm90_slot_bytes(const dgk_plan *p)
{
    return p->sched.offsets ? 16 : 4;
}

void dgk_sm90_emit_slot_store(dgk_sm90_ctx *e)
{
    if (!e->p->sched.dynamic)
        return;
    if (dgk_sm90_slot_bytes(e->p) == 4)
        dgk_sm90_line(e, "dgk_st_shared_b32(tile_slot + 4 * stage, (dgk_u32)tile);  // published by the arrive below");
    else
        dgk_sm90_line(e, "dgk_st_shared_v4b32(tile_slot + 16 * stage, (dgk_u32)tile, (dgk_u32)m_block, (dgk_u32)n_block, "
                         "(dgk_u32)group);  // published by the arrive below");
}

/* The producer after its last tile (dynamic schedules): a stage whose slot says -1 ends
 * the consumers' loop; then it counts its CTA done, and the last CTA sets both counters
 * back to zero for the next launch (every CTA took its last tile before counting in). */
void dgk_sm90_emit_dynamic_end(dgk_sm90_ctx *e)
{
    if (!e->p->sched.dynamic)
        return;
    dgk_sm90_line(e, "// no more tiles: tell the consumers through the next stage, with no loads in it");
    dgk_sm90_line(e, "dgk_mbar_wait(&empty_bar[stage], phase ^ 1);");
    dgk_sm90_line(e, "dgk_st_shared_b32(tile_slot + %d * stage, (dgk_u32)-1);", dgk_sm90_slot_bytes(e->p));
    dgk_sm90_line(e, "for (int i = 0; i < %d; ++i)", dgk_sm90_full_arrivals(e->p));
    dgk_sm90_line(e, "    dgk_mbar_arrive(&full_bar[stage]);");
    dgk_sm90_open(e, "if (dgk_atom_add_acq_rel_gpu(tile_counter + 1, 1) == (int)gridDim.x - 1)");
    dgk_sm90_line(e, "dgk_st_relaxed_gpu_s32(tile_counter, 0);");
    dgk_sm90_line(e, "dgk_st_relaxed_gpu_s32(tile_counter + 1, 0);");
    dgk_sm90_close(e, NULL);
}

/* A fixed-stride tile loop's head: `tiles`, the loop over this CTA's (cluster) tiles and
 * the coordinates `decl` declares (set by the caller's tile_coords). */
static void emit_stride_loop_head(dgk_sm90_ctx *e, const char *cluster_args, const char *decl)
{
    dgk_sm90_line(e, "const int tiles = cluster_tiles(%s);", cluster_args);
    dgk_sm90_line(e, "#pragma unroll 1");
    if (e->cluster > 1)
        dgk_sm90_open(e, "for (int tile = blockIdx.x / CLUSTER; tile < tiles; tile += gridDim.x / CLUSTER)");
    else
        dgk_sm90_open(e, "for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x)");
    dgk_sm90_line(e, "int m_block, n_block, %s;", decl);
}

/* The grouped schedules whose tiles are counted up front (all but masked): `tiles` from
 * cluster_tiles(cluster_args) bounds them, then per tile the coordinates `decl` declares
 * from tile_coords(coord_args), and `on_false` (a statement) where it refuses the tile.
 * `consumer_extra` (or NULL): a line the consumers of a dynamic schedule run after reading
 * the coordinates from the slot (emit_dynamic_loop_open); unused otherwise. */
static void emit_grouped_loop_open(dgk_sm90_ctx *e, int producer, const char *cluster_args, const char *decl,
                                   const char *coord_args, const char *on_false, const char *consumer_extra)
{
    if (e->p->sched.dynamic) {
        emit_dynamic_loop_open(e, producer, cluster_args, decl, coord_args, on_false, consumer_extra);
        return;
    }
    emit_stride_loop_head(e, cluster_args, decl);
    dgk_sm90_line(e, "if (!tile_coords(tile, %s))", coord_args);
    dgk_sm90_line(e, "    %s", on_false);
}

/* The producer's tile loop with group ids in a cluster along M (fixed stride): it reads
 * the next tile's pair of ids during this tile's first K block, after that block's loads
 * are issued (dgk_sm90_emit_next_pair_ids), into registers, and takes that tile's
 * coordinates from them (tile_coords_of). Read at the tile switch, the
 * ids (each pair's first read of them, often a miss) held the producer there: it issued
 * the next tile's first stage about 600 cycles later than the dense kernel's producer,
 * whose coordinates need no load, and the consumers waited for it (tile phases, H200,
 * tests/gpu/results/2026-11-28-H200-tile-switch/). The consumers still read the ids at
 * the switch: they wait for that first stage anyway (loading theirs a tile ahead gained
 * nothing, tests/gpu/results/2026-11-28-H100-contig-probes/). */
static void emit_pairs_producer_loop_open(dgk_sm90_ctx *e, const char *cluster_args, const char *coord_args,
                                          const char *m, const char *n)
{
    dgk_sm90_line(e, "int next_g0 = -2, next_g1 = -1;  // the next tile's pair ids, read during this tile (-2: not read)");
    emit_stride_loop_head(e, cluster_args, "group, b_shared, idle");
    dgk_sm90_line(e, "const bool has_rows = next_g0 == -2 ? tile_coords(tile, %s)", coord_args);
    dgk_sm90_line(e, "    : tile_coords_of(tile, %s, %s, next_g0, next_g1, cta_rank, m_block, n_block, group, b_shared, idle);", m, n);
    dgk_sm90_line(e, "next_g0 = -2;  // read again in this tile's first K block (dgk_sm90_emit_next_pair_ids)");
    dgk_sm90_line(e, "if (!has_rows)");
    dgk_sm90_line(e, "    continue;  // a pair of padding blocks: no loads, no mma, no store");
}

/* The producer's first K block of a tile, after its loads (group ids in a cluster along M):
 * the next tile's pair ids, whose load nothing waits for until that tile (see
 * emit_pairs_producer_loop_open). Against reading them at the switch (H200, two cards,
 * tests/gpu/results/2026-11-28-H200-tile-switch/): 4 x 8192 rows 6144x7168 +0.5% (12 of
 * 12 alternated runs faster, here or read right after the coordinates), 8 x 4096 rows at
 * K = 3072 / 4096 0.1-0.4% slower in most runs (run-to-run spread ~0.3%). */
void dgk_sm90_emit_next_pair_ids(dgk_sm90_ctx *e)
{
    char mb[32], nb[32];
    const dgk_plan *p = e->p;
    if (!dgk_sm90_b_shared_per_tile(p))
        return;
    dgk_sm90_line(e, "if (kb == 0 && tile + gridDim.x / CLUSTER < tiles)  // the next tile's pair ids: used there, not waited for here");
    dgk_sm90_line(e, "    pair_ids(tile + gridDim.x / CLUSTER, %s, %s, %s, next_g0, next_g1);", dgk_sm90_dim(e, &p->m, mb, sizeof mb),
                  dgk_sm90_dim(e, &p->n, nb, sizeof nb), p->args[p->sched.group_arg].name);
}

/* tail_split (plan.h): the loop counts this CTA's units (`it`) and tail_unit maps the
 * count to the unit; carrying the run's position from unit to unit instead (a second
 * loop variable set in branches) made ptxas move the consumers' wgmma descriptors out of
 * the uniform registers (32 R2UR around each K block's eight wgmmas, 17% slower at 6
 * groups x 1024 rows on the H100). */
static void emit_tail_loop_open(dgk_sm90_ctx *e, const char *m, const char *n, const char *g, const char *mask)
{
    dgk_sm90_line(e, "const int tiles = masked_tiles(%s, %s, %s, %s);", m, n, g, mask);
    dgk_sm90_line(e, "#pragma unroll 1");
    dgk_sm90_open(e, "for (int it = 0;; ++it)");
    dgk_sm90_line(e, "int tile, k_first, k_blocks, tail_tile, slice, splits;");
    dgk_sm90_line(e, "if (!tail_unit(it, tiles, k_total, tile, k_first, k_blocks, tail_tile, slice, splits))");
    dgk_sm90_line(e, "    break;");
}

/* The masked schedule: tiles with valid rows only, found by a cursor that walks the
 * groups; the loop ends after the last one. */
static void emit_masked_loop_open(dgk_sm90_ctx *e, const char *m, const char *n)
{
    char gb[32];
    const dgk_plan *p = e->p;
    const char *g = dgk_sm90_dim(e, &p->sched.groups, gb, sizeof gb), *mask = p->args[p->sched.group_arg].name;
    dgk_sm90_line(e, "group_cursor cursor = {0, 0};");
    if (p->split.tail) {
        emit_tail_loop_open(e, m, n, g, mask);
    } else {
        dgk_sm90_line(e, "#pragma unroll 1");
        if (e->cluster > 1)
            dgk_sm90_open(e, "for (int tile = blockIdx.x / CLUSTER;; tile += gridDim.x / CLUSTER)");
        else
            dgk_sm90_open(e, "for (int tile = blockIdx.x;; tile += gridDim.x)");
    }
    const char *rows_left = dgk_sm90_masked_rows_left(p) ? ", rows_left" : "";
    dgk_sm90_line(e, "int m_block, n_block, group%s;", rows_left);
    dgk_sm90_line(e, "if (!tile_coords(tile, %s, %s, %s, %s, %scursor, m_block, n_block, group%s))", m, n, g, mask,
                  e->cluster > 1 ? "cta_rank, " : "", rows_left);
    dgk_sm90_line(e, "    break;  // past the last tile with valid rows");
}

/* Contiguous with group ids, consumers: the group of the warpgroup's last row in D, read
 * when the tile starts. The epilogue compares it with the tile's group (does the group
 * end inside these rows?); read there, every tile's store waited on that load. */
static void emit_last_group(dgk_sm90_ctx *e, const char *m, const char *ids)
{
    dgk_sm90_line(e, "// the group of this warpgroup's last row in D (the epilogue's check), read now: the mainloop hides its latency");
    dgk_sm90_line(e, "const int last_group = __ldg(%s + min(m_block * BM + consumer * WG_ROWS + WG_ROWS, %s) - 1);", ids, m);
}

/* `for (tile ...) {` over this CTA's cluster tiles, with m_block/n_block set. The grid is
 * persistent (a multiple of CLUSTER CTAs, striding) or one cluster per tile (one pass). */
void dgk_sm90_emit_tile_loop_open(dgk_sm90_ctx *e, int producer)
{
    char mb[32], nb[32], gb[32], ca[160], ta[320];
    const dgk_plan *p = e->p;
    const char *m = dgk_sm90_dim(e, &p->m, mb, sizeof mb), *n = dgk_sm90_dim(e, &p->n, nb, sizeof nb);
    const char *gt = p->sched.group_arg >= 0 ? p->args[p->sched.group_arg].name : "";
    snprintf(ca, sizeof ca, "%s, %s", m, n);
    if (p->sched.kind == DGK_SCHED_M_GROUPED_MASKED) {
        emit_masked_loop_open(e, m, n);
    } else if (p->sched.kind == DGK_SCHED_K_GROUPED) {
        const char *g = dgk_sm90_dim(e, &p->sched.groups, gb, sizeof gb);
        snprintf(ca, sizeof ca, "%s, %s, %s", m, n, g);
        snprintf(ta, sizeof ta, "%s, %s, %s, m_block, n_block, group, k_first, k_blocks", m, n, gt);
        emit_grouped_loop_open(e, producer, ca, "group, k_first, k_blocks", ta,
                               "continue;  // an empty group: no loads, no mma, no store (D[g] += 0)", NULL);
    } else if (p->sched.offsets) {
        char ge[160];
        snprintf(ta, sizeof ta, "%s, %s, %s, %s, cta_rank, cursor, m_block, n_block, group, group_end", m, n, gt,
                 dgk_sm90_dim(e, &p->sched.groups, gb, sizeof gb));
        snprintf(ge, sizeof ge, "const int group_end = min(__ldg(%s + group + 1), %s);  // one past the group's last row", gt, m);
        if (producer || !p->sched.dynamic)
            dgk_sm90_line(e, "swath_cursor cursor = {0, 0, 0, 0};  // before group 0's first swath");
        emit_grouped_loop_open(e, producer, ca, "group, group_end", ta, "break;  // past the last group's blocks", ge);
    } else if (dgk_sm90_grouped(p)) { /* contiguous with group ids */
        int pairs = dgk_sm90_b_shared_per_tile(p);
        snprintf(ta, sizeof ta, "%s, %s, %s, cta_rank, m_block, n_block, group%s", m, n, gt, pairs ? ", b_shared, idle" : "");
        if (pairs && producer)
            emit_pairs_producer_loop_open(e, ca, ta, m, n);
        else
            emit_grouped_loop_open(e, producer, ca, pairs ? "group, b_shared, idle" : "group", ta,
                                   pairs ? "continue;  // a pair of padding blocks: no loads, no mma, no store"
                                         : "continue;  // a block of padding rows: no loads, no mma, no store",
                                   NULL);
        if (pairs)
            dgk_sm90_line(e, producer ? "(void)idle;  // an idle CTA's stages are loaded as its peer's" : "(void)b_shared;");
        if (!producer && p->epi.out_guard_rows)
            emit_last_group(e, m, gt);
    } else if (dgk_sm90_split(p)) {
        emit_split_loop_open(e, m, n);
    } else {
        dgk_sm90_line(e, "const int tiles = cluster_tiles(%s, %s);", m, n);
        dgk_sm90_line(e, "#pragma unroll 1");
        dgk_sm90_open(e, "for (int tile = blockIdx.x / CLUSTER; tile < tiles; tile += gridDim.x / CLUSTER)");
        dgk_sm90_line(e, "int m_block, n_block;");
        dgk_sm90_line(e, "tile_coords(tile, %s, %s, cta_rank, m_block, n_block);", m, n);
    }
}
