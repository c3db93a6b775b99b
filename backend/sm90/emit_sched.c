/* emit_sched.c - the tile scheduler: which output tiles a CTA computes and in what order.
 * Both the producer and the consumers walk the same sequence (they must agree stage by
 * stage), so it is one helper function in the generated namespace plus a loop header.
 * Tiles are counted per cluster: the CTAs of a cluster take neighbouring blocks along the
 * cluster's axis (the ones that share the multicast operand). For L2 reuse, cluster tiles
 * are walked in groups of GROUP along one axis, the grouped axis varying fastest, so
 * CTAs running at the same time share operand tiles in L2. */
#include <stdio.h>

#include "emit_internal.h"

static void emit_coords_body(dgk_sm90_ctx *e)
{
    const dgk_plan_sched *s = &e->p->sched;
    if (s->group > 1)
        dgk_sm90_line(e, "const int m_units = (M + BM * CLUSTER_M - 1) / (BM * CLUSTER_M);");
    dgk_sm90_line(e, "const int n_units = (N + BN * CLUSTER_N - 1) / (BN * CLUSTER_N);");
    if (s->group <= 1) {
        dgk_sm90_line(e, "const int mu = tile / n_units, nu = tile %% n_units;");
    } else {
        const char *g = s->group_axis == 0 ? "m" : "n", *o = s->group_axis == 0 ? "n" : "m";
        dgk_sm90_line(e, "const int per_group = GROUP * %s_units;", o);
        dgk_sm90_line(e, "const int first = tile / per_group * GROUP;");
        dgk_sm90_line(e, "const int size = min(%s_units - first, GROUP);", g);
        dgk_sm90_line(e, "const int in_group = tile %% per_group;");
        dgk_sm90_line(e, "const int %su = first + in_group %% size, %su = in_group / size;", g, o);
    }
    dgk_sm90_line(e, "m_block = mu * CLUSTER_M%s;", e->p->cluster_m > 1 ? " + (int)rank" : "");
    dgk_sm90_line(e, "n_block = nu * CLUSTER_N%s;", e->p->cluster_n > 1 ? " + (int)rank" : "");
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

/* `for (tile ...) {` over this CTA's cluster tiles, with m_block/n_block set. The grid is
 * persistent (a multiple of CLUSTER CTAs, striding) or one cluster per tile (one pass). */
void dgk_sm90_emit_tile_loop_open(dgk_sm90_ctx *e)
{
    char mb[32], nb[32];
    const char *m = dgk_sm90_dim(e, &e->p->m, mb, sizeof mb), *n = dgk_sm90_dim(e, &e->p->n, nb, sizeof nb);
    dgk_sm90_line(e, "const int tiles = cluster_tiles(%s, %s);", m, n);
    dgk_sm90_line(e, "#pragma unroll 1");
    dgk_sm90_open(e, "for (int tile = blockIdx.x / CLUSTER; tile < tiles; tile += gridDim.x / CLUSTER)");
    dgk_sm90_line(e, "int m_block, n_block;");
    dgk_sm90_line(e, "tile_coords(tile, %s, %s, cta_rank, m_block, n_block);", m, n);
}
