/* walk_check.cpp - the tile schedulers' generated code run on the CPU: the
 * scheduling helpers dgkc emits for a kernel (its tile enums, cluster_tiles, the cursor,
 * tile_coords), cut out of the .cu by tests/sched_walk/extract.sh and compiled here with
 * a few host stand-ins, walked the way the CTAs walk them (each CTA of each cluster, tiles
 * in a fixed stride, one cursor per CTA) over random group layouts, edges included. Checks
 * that every output tile the layout has is visited exactly once, with the right group
 * (and group end / valid rows), nothing else but the idle partner blocks a cluster along
 * M needs (masked, contiguous; with group ids also whether the pair shares B), that a
 * cluster's CTAs agree on each contiguous tile, that the contiguous walk's swaths
 * hold one group each, and that the masked tail_split units cover each tile's K blocks
 * exactly once, in slices that agree on their count, order and workspace slots. No GPU.
 * Prints a FAIL line per failed walk and "walk-check: P passed, F failed". */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>
#include <vector>

#define __device__
#define __forceinline__ inline
#define __restrict__
typedef unsigned int dgk_u32;
template <class T> static inline T __ldg(const T *p) { return *p; }
/* CUDA's integer min and max (the enums convert to int) */
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
/* the launch as tail_unit reads it (set per CTA by the walk) */
static struct { unsigned x; } gridDim, blockIdx;

namespace offsets_c1 {
#include "offsets_c1.inc"
}
namespace offsets_cn2 {
#include "offsets_cn2.inc"
}
namespace offsets_cm2 {
#include "offsets_cm2.inc"
}
namespace ids_c1 {
#include "ids_c1.inc"
}
namespace ids_cn2 {
#include "ids_cn2.inc"
}
namespace ids_cm2 {
#include "ids_cm2.inc"
}
namespace kgrouped {
#include "kgrouped.inc"
}
namespace dense_c1 {
#include "dense_c1.inc"
}
namespace dense_cm2 {
#include "dense_cm2.inc"
}
namespace dense_cn2 {
#include "dense_cn2.inc"
}
namespace masked_c1 {
#include "masked_c1.inc"
}
namespace masked_cm2 {
#include "masked_cm2.inc"
}
namespace masked_cn2 {
#include "masked_cn2.inc"
}
namespace masked_tail {
#include "masked_tail.inc"
}

static int passed, failed;

static void report(bool ok, const char *what, int seed)
{
    if (ok)
        ++passed;
    else
        ++failed;
    if (!ok)
        printf("FAIL  %s (seed %d)\n", what, seed);
}

static unsigned rng_state;
static int rnd(int n) /* 0 .. n - 1 */
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (int)((rng_state >> 8) % (unsigned)n);
}

/* rows of one group: the edges (none, one, one block, one past it) or anything */
static int draw_rows(int big)
{
    static const int edges[] = {0, 1, 64, 127, 128, 129, 255, 256};
    return rnd(3) ? rnd(big) : edges[rnd(8)];
}

typedef std::tuple<int, int, int, int> visit; /* m_block, n_block, group, extra */

/* Every tile the layout has visited exactly once, and nothing else. */
static bool visits_match(const std::map<visit, int> &got, const std::map<visit, int> &want)
{
    bool ok = got.size() == want.size();
    for (auto &kv : got)
        ok = ok && kv.second == 1 && want.count(kv.first);
    return ok;
}

/* ---- contiguous with group offsets ------------------------------------------------------ */

/* A group-offsets layout: G + 1 offsets (G = 0 too; the first one may leave leading
 * padding), sometimes breaking the contract (decreasing, negative: nothing may be visited
 * twice or past M, each block goes to the first group whose range reaches it past the
 * blocks before), and M past the last row (trailing padding) or short of it. */
static std::vector<int> draw_offsets(int bm, int G, int &M)
{
    std::vector<int> offs(G + 1);
    offs[0] = rnd(3) ? 0 : rnd(300);
    for (int g = 0; g < G; g++)
        offs[g + 1] = (offs[g] + bm - 1) / bm * bm + draw_rows(5000);
    if (G > 2 && !rnd(8))
        offs[1 + rnd(G)] = rnd(2) ? -rnd(500) : offs[G] / 2;
    M = rnd(4) ? offs[G] + rnd(400) : max(1, offs[G] - rnd(700));
    return offs;
}

/* The tiles an offsets layout has, with their group and group end; `idle` gets the idle
 * partners a cluster of `cm` along M needs (a group's odd last block, once per column). */
static std::map<visit, int> offsets_want(const std::vector<int> &offs, int M, int bm, int n_units, int cm, int cn,
                                         int &idle)
{
    int G = (int)offs.size() - 1, m_blocks = (M + bm - 1) / bm;
    std::map<visit, int> want;
    idle = 0;
    for (int g = 0, done = 0; g < G; g++) { /* done: one past the last block given a group */
        int first = max((offs[g] + bm - 1) / bm, done), last = min((offs[g + 1] + bm - 1) / bm, m_blocks);
        for (int b = first; b < last; b++)
            for (int n = 0; n < n_units * cn; n++)
                want[visit(b, n, g, min(offs[g + 1], M))] = 0;
        if (cm > 1 && first < last && (last - first) % cm)
            idle += n_units;
        done = first < last ? last : done;
    }
    return want;
}

/* One grid's walk: each cluster's CTAs walk in step, each with its cursor; they must agree
 * on each tile (or the end), its group and group end, and the block of the shared axis.
 * Returns whether they did and the idle partners only where a group's odd last block is;
 * fills `got` and counts `idle`. */
template <int BM_, int CM, int CN, class Cursor, class Coords>
static bool offsets_walk(const std::vector<int> &offs, int M, int N, int clusters, int tiles, Cursor cursor0,
                         Coords coords, std::map<visit, int> &got, int &idle)
{
    int G = (int)offs.size() - 1;
    bool ok = true;
    for (int q = 0; q < clusters; q++) {
        Cursor curs[CM * CN];
        for (auto &c : curs)
            c = cursor0;
        for (int t = q; t < tiles; t += clusters) {
            bool more[CM * CN];
            int mb[CM * CN], nb[CM * CN], grp[CM * CN], end[CM * CN];
            for (int rank = 0; rank < CM * CN; rank++)
                more[rank] = coords(t, M, N, offs.data(), G, (dgk_u32)rank, curs[rank], mb[rank], nb[rank], grp[rank],
                                    end[rank]);
            for (int rank = 1; rank < CM * CN; rank++)
                ok = ok && more[rank] == more[0] &&
                     (!more[0] || (grp[rank] == grp[0] && end[rank] == end[0] &&
                                   (CM > 1 ? nb[rank] == nb[0] : mb[rank] == mb[0])));
            if (!more[0])
                break;
            for (int rank = 0; rank < CM * CN; rank++) {
                if (CM > 1 && mb[rank] * BM_ >= end[rank]) {
                    ok = ok && rank != 0; /* only the partner of a group's last block */
                    idle++;
                    continue;
                }
                got[visit(mb[rank], nb[rank], grp[rank], end[rank])]++;
            }
        }
    }
    return ok;
}

/* One CTA's walk, tile after tile: groups never go back (a swath mixing two groups, its
 * rows varying fastest, would alternate them), and a swath (where the column goes back to
 * 0; with two columns or more) spans at most GROUP blocks. */
template <int GROUP_, class Cursor, class Coords>
static bool offsets_swaths(const std::vector<int> &offs, int M, int N, int n_units, int tiles, Cursor cur,
                           Coords coords)
{
    int G = (int)offs.size() - 1, prev_group = -1, prev_n = -1, lo = 0, hi = 0;
    bool ok = true;
    for (int t = 0; t < tiles && ok; t++) {
        int mb, nb, grp, end;
        if (!coords(t, M, N, offs.data(), G, 0u, cur, mb, nb, grp, end))
            break;
        ok = grp >= prev_group;
        if (nb < prev_n || grp != prev_group)
            lo = hi = mb;
        lo = min(lo, mb), hi = max(hi, mb);
        ok = ok && (hi - lo < GROUP_ || n_units < 2); /* one column: swaths run into each other */
        prev_group = grp, prev_n = nb;
    }
    return ok;
}

/* cm: CTAs along M per cluster (row blocks 2u, 2u + 1 of one swath; the partner past a
 * group's odd last block comes back with m_block * BM >= group end and is idle); cn: along
 * N (the pair shares the row block). */
template <int BM_, int BN_, int CM, int CN, int GROUP_, class Cursor, class Coords, class Tiles>
static void offsets_case(const char *name, int seed, Cursor cursor0, Coords coords, Tiles cluster_tiles)
{
    rng_state = (unsigned)seed * 2654435761u + 1;
    int G = rnd(40), N = 64 + rnd(3000), M;
    std::vector<int> offs = draw_offsets(BM_, G, M);
    int n_units = (N + BN_ * CN - 1) / (BN_ * CN), idle_want, tiles = cluster_tiles(M, N);
    std::map<visit, int> want = offsets_want(offs, M, BM_, n_units, CM, CN, idle_want);
    int grids[3] = {CM * CN, 7 * CM * CN, 132};
    bool ok = true;
    for (int gi = 0; gi < 3 && ok; gi++) {
        std::map<visit, int> got;
        int idle = 0;
        ok = offsets_walk<BM_, CM, CN>(offs, M, N, grids[gi] / (CM * CN), tiles, cursor0, coords, got, idle);
        ok = ok && idle == idle_want && visits_match(got, want);
    }
    ok = ok && offsets_swaths<GROUP_>(offs, M, N, n_units, tiles, cursor0, coords);
    char what[128];
    snprintf(what, sizeof what, "%s G=%d N=%d M=%d", name, G, N, M);
    report(ok, what, seed);
}

/* ---- contiguous with group ids: each block's group from its first row, padding skipped ---- */

/* A group-id layout of G groups (rows drawn below `big`, each padded to whole blocks),
 * with whole blocks of padding (1 .. max_gap) between groups one time in `gap_odds`; at
 * least one row. */
static std::vector<int> draw_ids(int G, int bm, int big, int gap_odds, int max_gap)
{
    std::vector<int> ids;
    for (int g = 0; g < G; g++) {
        int rows = draw_rows(big), span = (rows + bm - 1) / bm * bm;
        for (int r = 0; r < span; r++)
            ids.push_back(r < rows ? g : -1);
        if (!rnd(gap_odds))
            ids.insert(ids.end(), (size_t)bm * (1 + rnd(max_gap)), -1);
    }
    if (ids.empty())
        ids.push_back(-1);
    return ids;
}

template <int BM_, int BN_, int CN, class Coords, class Tiles>
static void ids_case(const char *name, int seed, Coords coords, Tiles cluster_tiles)
{
    rng_state = (unsigned)seed * 2246822519u + 3;
    int G = 1 + rnd(40), N = 64 + rnd(3000);
    std::vector<int> ids = draw_ids(G, BM_, 5000, 6, 1);
    int M = (int)ids.size();
    int m_blocks = (M + BM_ - 1) / BM_, n_units = (N + BN_ * CN - 1) / (BN_ * CN);
    std::map<visit, int> want;
    for (int b = 0; b < m_blocks; b++)
        if (ids[(size_t)b * BM_] >= 0)
            for (int n = 0; n < n_units * CN; n++)
                want[visit(b, n, ids[(size_t)b * BM_], 0)] = 0;
    int grids[3] = {CN, 7 * CN, 132}, tiles = cluster_tiles(M, N);
    bool ok = true;
    for (int gi = 0; gi < 3 && ok; gi++) {
        std::map<visit, int> got;
        int clusters = grids[gi] / CN;
        for (int q = 0; q < clusters; q++)
            for (int rank = 0; rank < CN; rank++)
                for (int t = q; t < tiles; t += clusters) {
                    int mb, nb, grp;
                    if (coords(t, M, N, ids.data(), (dgk_u32)rank, mb, nb, grp))
                        got[visit(mb, nb, grp, 0)]++;
                }
        ok = visits_match(got, want);
    }
    char what[128];
    snprintf(what, sizeof what, "%s G=%d N=%d M=%d", name, G, N, M);
    report(ok, what, seed);
}

/* contiguous with group ids in a cluster along M: the pair of blocks 2u, 2u + 1 may hold two
 * groups; B is shared only when its blocks with rows are of one group; a CTA whose block is
 * padding (or past M) is idle and carries the peer's group; a pair of padding is skipped. */
template <int BM_, int BN_, class Coords, class Tiles>
static void ids_cm_case(const char *name, int seed, Coords coords, Tiles cluster_tiles)
{
    rng_state = (unsigned)seed * 2246822519u + 3;
    int G = 1 + rnd(40), N = 64 + rnd(3000);
    std::vector<int> ids = draw_ids(G, BM_, 900, 4, 3); /* small groups, many gaps: many odd pairs */
    int M = (int)ids.size();
    int m_blocks = (M + BM_ - 1) / BM_, n_units = (N + BN_ - 1) / BN_;
    auto id_of = [&](int b) { return b < m_blocks ? ids[(size_t)b * BM_] : -1; };
    std::map<visit, int> want;
    int idle_want = 0;
    for (int b = 0; b < m_blocks; b++)
        if (id_of(b) >= 0) {
            int peer = id_of(b ^ 1);
            int shared = peer < 0 || peer == id_of(b);
            for (int n = 0; n < n_units; n++)
                want[visit(b, n, id_of(b), shared)] = 0;
            idle_want += peer < 0 ? n_units : 0;
        }
    int grids[3] = {2, 14, 132}, tiles = cluster_tiles(M, N);
    bool ok = true;
    for (int gi = 0; gi < 3 && ok; gi++) {
        std::map<visit, int> got;
        int idle_got = 0, clusters = grids[gi] / 2;
        for (int q = 0; q < clusters; q++)
            for (int t = q; t < tiles; t += clusters) {
                /* both CTAs of the pair: the same answer, column and shared-B decision */
                bool more[2];
                int mb[2], nb[2], grp[2], shared[2], idle[2];
                for (int rank = 0; rank < 2; rank++)
                    more[rank] = coords(t, M, N, ids.data(), (dgk_u32)rank, mb[rank], nb[rank], grp[rank],
                                        shared[rank], idle[rank]);
                ok = ok && more[0] == more[1] && (!more[0] || (nb[0] == nb[1] && shared[0] == shared[1] &&
                                                              mb[1] == mb[0] + 1 && !(idle[0] && idle[1])));
                if (!more[0])
                    continue;
                for (int rank = 0; rank < 2; rank++) {
                    if (idle[rank]) { /* own block padding, the peer's not: its group and a shared B */
                        ok = ok && id_of(mb[rank]) < 0 && grp[rank] == id_of(mb[rank] ^ 1) && grp[rank] >= 0 &&
                             shared[rank];
                        idle_got++;
                        continue;
                    }
                    got[visit(mb[rank], nb[rank], grp[rank], shared[rank])]++;
                }
            }
        ok = ok && idle_got == idle_want && visits_match(got, want);
    }
    char what[128];
    snprintf(what, sizeof what, "%s G=%d N=%d M=%d", name, G, N, M);
    report(ok, what, seed);
}

/* ---- k-grouped: G groups of the same M x N tiles, each with its K range --------------------- */

static void kgrouped_case(int seed)
{
    using namespace kgrouped;
    rng_state = (unsigned)seed * 1597334677u + 11;
    int G = 1 + rnd(20), M = 1 + rnd(3000), N = 1 + rnd(3000);
    std::vector<int> offs(G + 1, 0);
    for (int g = 0; g < G; g++)
        offs[g + 1] = offs[g] + BK * (rnd(3) ? rnd(20) : 0); /* empty groups too */
    int m_units = (M + BM - 1) / BM, n_units = (N + BN - 1) / BN;
    std::map<visit, int> want;
    for (int g = 0; g < G; g++)
        if (offs[g + 1] > offs[g])
            for (int b = 0; b < m_units; b++)
                for (int n = 0; n < n_units; n++)
                    want[visit(b, n, g, offs[g] / BK * 65536 + (offs[g + 1] - offs[g]) / BK)] = 0;
    bool ok = true;
    for (int grid : {1, 7, 132}) {
        std::map<visit, int> got;
        for (int q = 0; q < grid; q++)
            for (int t = q; t < cluster_tiles(M, N, G); t += grid) {
                int mb, nb, g, kf, kn;
                if (tile_coords(t, M, N, offs.data(), mb, nb, g, kf, kn))
                    got[visit(mb, nb, g, kf * 65536 + kn)]++;
            }
        ok = ok && visits_match(got, want);
    }
    char what[96];
    snprintf(what, sizeof what, "k-grouped G=%d M=%d N=%d", G, M, N);
    report(ok, what, seed);
}

/* ---- dense persistent GEMMs, with clusters: every block once; the blocks past M or N a
 * cluster's partner gets (an odd count of row or column blocks) once each at most ---------- */

template <int BM_, int BN_, int CM, int CN, class Coords, class Tiles>
static void dense_case(const char *name, int seed, Coords coords, Tiles cluster_tiles)
{
    rng_state = (unsigned)seed * 374761393u + 5;
    int M = 1 + rnd(20000), N = 1 + rnd(12000);
    int m_blocks = (M + BM_ - 1) / BM_, n_blocks = (N + BN_ - 1) / BN_;
    bool ok = true;
    for (int grid : {CM * CN, 6 * CM * CN, 132}) {
        std::map<visit, int> got;
        int clusters = grid / (CM * CN), tiles = cluster_tiles(M, N);
        for (int q = 0; q < clusters; q++)
            for (int rank = 0; rank < CM * CN; rank++)
                for (int t = q; t < tiles; t += clusters) {
                    int mb, nb;
                    coords(t, M, N, (dgk_u32)rank, mb, nb);
                    got[visit(mb, nb, 0, 0)]++;
                }
        int inside = 0;
        for (auto &kv : got) {
            int mb = std::get<0>(kv.first), nb = std::get<1>(kv.first);
            ok = ok && kv.second == 1 && mb >= 0 && nb >= 0 && mb < m_blocks + CM - 1 && nb < n_blocks + CN - 1;
            inside += mb < m_blocks && nb < n_blocks;
        }
        ok = ok && inside == m_blocks * n_blocks;
    }
    char what[96];
    snprintf(what, sizeof what, "%s M=%d N=%d", name, M, N);
    report(ok, what, seed);
}

/* ---- masked ------------------------------------------------------------------------------ */

/* cm: CTAs along M per cluster (their row blocks 2u, 2u + 1 of one group; a block with no
 * valid row comes back with rows_left <= 0 and is the partner of the group's last block);
 * cn: along N (the pair shares the row block). */
template <int BM_, int BN_, int CM, int CN, class Coords>
static void masked_case(const char *name, int seed, Coords coords)
{
    rng_state = (unsigned)seed * 40503u + 7;
    int G = 1 + rnd(24), N = 64 + rnd(2000), MMAX = 128 * (1 + rnd(8)) + (rnd(2) ? 0 : rnd(100));
    std::vector<int> masked(G);
    for (int g = 0; g < G; g++)
        masked[g] = rnd(5) ? min(draw_rows(MMAX + 1), MMAX) : rnd(3) ? MMAX : rnd(2) ? -5 : MMAX + 1 + rnd(300);
    int n_units = (N + BN_ * CN - 1) / (BN_ * CN);
    std::map<visit, int> want;
    int idle_want = 0;
    for (int g = 0; g < G; g++) {
        int rows = min(max(masked[g], 0), MMAX), blocks = (rows + BM_ - 1) / BM_;
        for (int b = 0; b < blocks; b++)
            for (int n = 0; n < n_units * CN; n++)
                want[visit(b, n, g, rows - b * BM_)] = 0;
        if (CM > 1 && blocks % CM)
            idle_want += n_units; /* the odd last block's partner, once per column */
    }
    int grids[3] = {CM * CN, 5 * CM * CN, 132};
    bool ok = true;
    for (int gi = 0; gi < 3 && ok; gi++) {
        std::map<visit, int> got;
        int idle = 0, clusters = grids[gi] / (CM * CN);
        for (int q = 0; q < clusters; q++)
            for (int rank = 0; rank < CM * CN; rank++) {
                struct { int group, first; } c0 = {0, 0};
                decltype(c0) cur = c0;
                for (int t = q;; t += clusters) {
                    int mb, nb, grp, left;
                    if (!coords(t, MMAX, N, G, masked.data(), (dgk_u32)rank, cur, mb, nb, grp, left))
                        break;
                    if (left <= 0) {
                        ok = ok && CM > 1 && mb % CM != 0; /* only the partner of a last block */
                        idle++;
                        continue;
                    }
                    got[visit(mb, nb, grp, left)]++;
                }
            }
        ok = ok && idle == idle_want && visits_match(got, want);
    }
    char what[128];
    snprintf(what, sizeof what, "%s G=%d N=%d MMAX=%d", name, G, N, MMAX);
    report(ok, what, seed);
}

/* tail_split: every CTA's units (tail_unit, then tile_coords on its cursor) over random
 * layouts, K block counts and grids. Each tile's K blocks [0, k_total) must be covered once;
 * a tile's units agree on `splits`, its slices are 0 .. splits - 1 in K order; only tiles
 * of the last partial wave (number `tiles / grid * grid` on) are sliced, each slice on its
 * own CTA with slot tail_tile * splits + slice below the grid (the partial-sum buffer's
 * size), tail_tile below the grid (the counters'). */
struct tail_unit_seen {
    int k_first, k_blocks, slice, splits, slot;
};

static bool tail_units_ok(const std::vector<tail_unit_seen> &u, int k_total, int grid)
{
    std::vector<tail_unit_seen> s = u;
    std::sort(s.begin(), s.end(), [](const tail_unit_seen &a, const tail_unit_seen &b) { return a.slice < b.slice; });
    int next = 0;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i].splits != (int)s.size() || s[i].slice != (int)i || s[i].k_first != next || s[i].k_blocks < 0)
            return false;
        if (s.size() > 1 && (s[i].slot < 0 || s[i].slot >= grid))
            return false;
        next += s[i].k_blocks;
    }
    return next == k_total;
}

static void masked_tail_case(int seed)
{
    using namespace masked_tail;
    rng_state = (unsigned)seed * 69069u + 11;
    int G = 1 + rnd(24), N = 64 + rnd(2000), MMAX = 128 * (1 + rnd(8)) + (rnd(2) ? 0 : rnd(100));
    int k_total = rnd(4) ? 1 + rnd(80) : 1 + rnd(4);
    std::vector<int> masked(G);
    for (int g = 0; g < G; g++)
        masked[g] = rnd(5) ? min(draw_rows(MMAX + 1), MMAX) : rnd(3) ? MMAX : rnd(2) ? -5 : MMAX + 1 + rnd(300);
    int n_units = (N + BN - 1) / BN, tiles_want = 0;
    for (int g = 0; g < G; g++)
        tiles_want += (min(max(masked[g], 0), MMAX) + BM - 1) / BM * n_units;
    int grids[4] = {1, 1 + rnd(20), 132, 1 + rnd(400)};
    bool ok = masked_tiles(MMAX, N, G, masked.data()) == tiles_want;
    for (int gi = 0; gi < 4 && ok; gi++) {
        int grid = grids[gi], tiles = masked_tiles(MMAX, N, G, masked.data());
        std::map<visit, std::vector<tail_unit_seen>> got;
        std::map<int, int> slots;
        for (int cta = 0; cta < grid && ok; cta++) {
            gridDim.x = (unsigned)grid, blockIdx.x = (unsigned)cta;
            group_cursor cur = {0, 0};
            for (int it = 0;; ++it) {
                int tile, k_first, k_blocks, tail_tile, slice, splits, mb, nb, grp;
                if (!tail_unit(it, tiles, k_total, tile, k_first, k_blocks, tail_tile, slice, splits))
                    break;
                if (!tile_coords(tile, MMAX, N, G, masked.data(), cur, mb, nb, grp)) {
                    ok = false; /* a unit the walk has no tile for */
                    break;
                }
                bool tail = tile >= tiles / grid * grid;
                int slot = tail_tile * splits + slice;
                if ((!tail && splits != 1) || tail_tile >= grid || (splits > 1 && slots[slot]++))
                    ok = false;
                got[visit(mb, nb, grp, 0)].push_back({k_first, k_blocks, slice, splits, splits > 1 ? slot : 0});
            }
        }
        ok = ok && (int)got.size() == tiles_want;
        for (auto &t : got)
            ok = ok && tail_units_ok(t.second, k_total, grid);
    }
    char what[128];
    snprintf(what, sizeof what, "masked tail_split G=%d N=%d MMAX=%d k_total=%d", G, N, MMAX, k_total);
    report(ok, what, seed);
}

/* adapters from the generated signatures to one form */
template <class Cur>
static bool off1(int t, int M, int N, const int *o, int G, dgk_u32 r, Cur &c, int &mb, int &nb, int &g, int &e)
{
    return offsets_c1::tile_coords(t, M, N, o, G, r, c, mb, nb, g, e);
}
template <class Cur>
static bool off2(int t, int M, int N, const int *o, int G, dgk_u32 r, Cur &c, int &mb, int &nb, int &g, int &e)
{
    return offsets_cn2::tile_coords(t, M, N, o, G, r, c, mb, nb, g, e);
}
template <class Cur>
static bool offm2(int t, int M, int N, const int *o, int G, dgk_u32 r, Cur &c, int &mb, int &nb, int &g, int &e)
{
    return offsets_cm2::tile_coords(t, M, N, o, G, r, c, mb, nb, g, e);
}

int main()
{
    for (int seed = 1; seed <= 300; seed++) {
        offsets_case<offsets_c1::BM, offsets_c1::BN, 1, 1, offsets_c1::GROUP>(
            "contiguous offsets", seed, offsets_c1::swath_cursor{0, 0, 0, 0},
            off1<offsets_c1::swath_cursor>, offsets_c1::cluster_tiles);
        offsets_case<offsets_cn2::BM, offsets_cn2::BN, 1, 2, offsets_cn2::GROUP>(
            "contiguous offsets, cluster along N", seed, offsets_cn2::swath_cursor{0, 0, 0, 0},
            off2<offsets_cn2::swath_cursor>, offsets_cn2::cluster_tiles);
        offsets_case<offsets_cm2::BM, offsets_cm2::BN, 2, 1, offsets_cm2::GROUP>(
            "contiguous offsets, cluster along M", seed, offsets_cm2::swath_cursor{0, 0, 0, 0},
            offm2<offsets_cm2::swath_cursor>, offsets_cm2::cluster_tiles);
        ids_case<ids_c1::BM, ids_c1::BN, 1>("contiguous ids", seed, ids_c1::tile_coords, ids_c1::cluster_tiles);
        ids_case<ids_cn2::BM, ids_cn2::BN, 2>("contiguous ids, cluster along N", seed, ids_cn2::tile_coords,
                                              ids_cn2::cluster_tiles);
        ids_cm_case<ids_cm2::BM, ids_cm2::BN>("contiguous ids, cluster along M", seed, ids_cm2::tile_coords,
                                              ids_cm2::cluster_tiles);
        kgrouped_case(seed);
        dense_case<dense_c1::BM, dense_c1::BN, 1, 1>("dense", seed, dense_c1::tile_coords, dense_c1::cluster_tiles);
        dense_case<dense_cm2::BM, dense_cm2::BN, 2, 1>("dense, cluster along M", seed, dense_cm2::tile_coords,
                                                       dense_cm2::cluster_tiles);
        dense_case<dense_cn2::BM, dense_cn2::BN, 1, 2>("dense, cluster along N", seed, dense_cn2::tile_coords,
                                                       dense_cn2::cluster_tiles);
        masked_case<masked_c1::BM, masked_c1::BN, 1, 1>(
            "masked", seed, [](int t, int M, int N, int G, const int *m, dgk_u32, auto &c, int &mb, int &nb, int &g, int &left) {
                masked_c1::group_cursor mc = {c.group, c.first};
                bool r = masked_c1::tile_coords(t, M, N, G, m, mc, mb, nb, g);
                c.group = mc.group, c.first = mc.first;
                left = r ? min(max(m[g], 0), M) - mb * masked_c1::BM : 0;
                return r;
            });
        masked_case<masked_cm2::BM, masked_cm2::BN, 2, 1>(
            "masked, cluster along M", seed, [](int t, int M, int N, int G, const int *m, dgk_u32 rank, auto &c, int &mb, int &nb, int &g, int &left) {
                masked_cm2::group_cursor mc = {c.group, c.first};
                bool r = masked_cm2::tile_coords(t, M, N, G, m, rank, mc, mb, nb, g, left);
                c.group = mc.group, c.first = mc.first;
                return r;
            });
        masked_tail_case(seed);
        masked_case<masked_cn2::BM, masked_cn2::BN, 1, 2>(
            "masked, cluster along N", seed, [](int t, int M, int N, int G, const int *m, dgk_u32 rank, auto &c, int &mb, int &nb, int &g, int &left) {
                masked_cn2::group_cursor mc = {c.group, c.first};
                bool r = masked_cn2::tile_coords(t, M, N, G, m, rank, mc, mb, nb, g);
                c.group = mc.group, c.first = mc.first;
                left = r ? min(max(m[g], 0), M) - mb * masked_cn2::BM : 0;
                return r;
            });
    }
    printf("walk-check: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
