/* sema_sched.c - the schedule statement (SPEC.md section 6): how output tiles map onto
 * CTAs and which tile coordinates the body sees. The rules of each kind (extent count,
 * allowed and required modifiers, bound variables) and of each modifier (a constant
 * in a range, or an i32 tensor) are the two tables below; adding a kind is a row in
 * DGK_SCHED_KINDS (sema.h) and one here. Output: info->sched and the schedule
 * variables in the kernel body's scope. */
#include "sema_int.h"

#include <string.h>

#define M(x) (1u << DGK_SMOD_##x)
#define TUNING (M(SWIZZLE) | M(CLUSTER) | M(CLUSTER_N) | M(STORE_PASSES))

static const struct kind_rule {
    int min_ext, max_ext;
    unsigned allowed, one_of;   /* modifier sets; one_of: exactly one of them is required */
    int nvars;                  /* bound variables; 0 = one per extent */
    const char *binds;          /* what the variables are, for messages */
} kinds[DGK_SCHED_COUNT] = {
    [DGK_SCHED_GRID] = {1, 3, 0, 0, 0, "one tile index per extent"},
    /* split_k: only the plain persistent schedule spreads one tile's K over CTAs */
    [DGK_SCHED_PERSISTENT] = {1, 3, TUNING | M(SPLIT_K) | M(L2_STREAM), 0, 0, "one tile index per extent"},
    [DGK_SCHED_M_GROUPED_CONTIGUOUS] = {2, 2, TUNING | M(GROUP_IDS) | M(GROUP_OFFSETS) | M(DYNAMIC),
                                        M(GROUP_IDS) | M(GROUP_OFFSETS),
                                        3, "(i, j, g): row block, column block, group"},
    [DGK_SCHED_M_GROUPED_MASKED] = {3, 3, TUNING | M(MASKED) | M(SKIP_IDLE) | M(TAIL_SPLIT), M(MASKED), 3,
                                    "(g, i, j): group, row block, column block"},
    [DGK_SCHED_K_GROUPED] = {3, 3, TUNING | M(GROUP_OFFSETS), M(GROUP_OFFSETS), 3,
                             "(g, i, j): group, row block, column block"},
};

static const struct mod_rule {
    int tensor;                 /* the value names an i32 tensor of rank 1 */
    int64_t lo, hi;             /* constant modifiers: the allowed range */
    const char *meaning;
} mods[DGK_SMOD_COUNT] = {
    [DGK_SMOD_SWIZZLE] = {0, 1, 256, "the L2 swizzle group size in tiles"},
    [DGK_SMOD_CLUSTER] = {0, 1, 2, "CTAs per cluster along M, sharing B's tile by TMA multicast"},
    [DGK_SMOD_CLUSTER_N] = {0, 1, 2, "CTAs per cluster along N, sharing A's tile by TMA multicast"},
    [DGK_SMOD_GROUP_IDS] = {1, 0, 0, "one i32 group id per row, -1 for padding rows"},
    [DGK_SMOD_GROUP_OFFSETS] = {1, 0, 0, "i32 cumulative offsets, G + 1 of them"},
    [DGK_SMOD_MASKED] = {1, 0, 0, "i32 valid row count per group"},
    [DGK_SMOD_SPLIT_K] = {0, 1, 16, "the number of K slices per output tile"},
    [DGK_SMOD_SKIP_IDLE] = {0, 0, 1, "whether a consumer warpgroup whose rows all lie past the group's valid rows skips "
                                     "its mma and store, 0 or 1"},
    [DGK_SMOD_TAIL_SPLIT] = {0, 0, 1, "whether each tile of the last, partial wave of CTAs is cut by K over the "
                                      "CTAs it would leave idle, 0 or 1"},
    [DGK_SMOD_DYNAMIC] = {0, 0, 1, "whether CTAs take their tiles from a counter as they finish the last one "
                                   "(1) or in a fixed stride (0)"},
    [DGK_SMOD_L2_STREAM] = {0, 0, 1, "whether A's and B's tiles are loaded with the L2 evict_first policy (1: "
                                     "for launches whose tiles all run at once) or unhinted (0)"},
    [DGK_SMOD_STORE_PASSES] = {0, 1, 8, "the column passes the output tile is stored in, each staged through that "
                                        "fraction of the tile's shared memory"},
};

static const char *const kind_names[] = {
#define X(id, s) s,
    DGK_SCHED_KINDS(X)
#undef X
};

static const char *const mod_names[] = {
#define X(id, s) s,
    DGK_SCHED_MODS(X)
#undef X
};

const char *dgk_sched_kind_name(dgk_sched_kind k)
{
    return (unsigned)k < DGK_SCHED_COUNT ? kind_names[k] : "?";
}

const char *dgk_sched_mod_name(dgk_sched_mod_kind k)
{
    return (unsigned)k < DGK_SMOD_COUNT ? mod_names[k] : "?";
}

static int find(const char *const *names, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], id) == 0)
            return i;
    return -1;
}

static const char *list(sema *s, const char *const *names, int n, unsigned mask)
{
    char buf[256] = "";
    for (int i = 0; i < n; i++)
        if (mask & (1u << i)) {
            size_t len = strlen(buf);
            snprintf(buf + len, sizeof buf - len, "%s%s", len ? ", " : "", names[i]);
        }
    return dgk_arena_strdup(s->a, buf[0] ? buf : "none");
}

static void tensor_mod(sema *s, dgk_sched_mod *m, int k)
{
    dgk_type *t = sema_expr(s, m->value);
    dgk_sym *y = sema_name_sym(m->value);
    if (dgk_type_is_error(t))
        return;
    if (!y || y->kind != DGK_SYM_TENSOR || t->dtype != DGK_DT_I32 || t->rank != 1) {
        dgk_error(s->d, m->value->loc, "%s takes an i32 tensor parameter of rank 1 (%s), not %s", mod_names[k],
                  mods[k].meaning, dgk_type_str(s->a, t));
        return;
    }
    s->info->sched.mods[k].param = y->index;
}

static void const_mod(sema *s, dgk_sched_mod *m, int k)
{
    int64_t v;
    const char *what = dgk_arena_printf(s->a, "%s (%s)", mod_names[k], mods[k].meaning);
    if (!sema_ct_int(s, m->value, what, mods[k].lo, &v))
        return;
    if (v > mods[k].hi) {
        dgk_error(s->d, m->value->loc, "%s must be at most %lld, not %lld", what, (long long)mods[k].hi, (long long)v);
        return;
    }
    s->info->sched.mods[k].value = v;
}

static void modifier(sema *s, dgk_sched_mod *m, const struct kind_rule *r, const char *kind)
{
    int k = find(mod_names, DGK_SMOD_COUNT, m->name.id);
    if (k < 0 || !(r->allowed & (1u << k))) {
        dgk_error(s->d, m->name.loc, "%s '%s' for schedule %s (it takes: %s)", k < 0 ? "unknown modifier" : "no modifier",
                  m->name.id, kind, list(s, mod_names, DGK_SMOD_COUNT, r->allowed));
        sema_expr(s, m->value);
        return;
    }
    if (s->info->sched.mods[k].given) {
        dgk_error(s->d, m->name.loc, "modifier %s is given twice", mod_names[k]);
        dgk_note(s->d, s->info->sched.mods[k].mod->name.loc, "first given here");
        sema_expr(s, m->value);
        return;
    }
    s->info->sched.mods[k].given = 1;
    s->info->sched.mods[k].mod = m;
    if (mods[k].tensor)
        tensor_mod(s, m, k);
    else
        const_mod(s, m, k);
}

static void required(sema *s, dgk_stmt *st, const struct kind_rule *r, const char *kind)
{
    unsigned given = 0;
    for (int k = 0; k < DGK_SMOD_COUNT; k++)
        given |= s->info->sched.mods[k].given ? 1u << k : 0;
    int n = __builtin_popcount(given & r->one_of);
    if (r->one_of && n == 0)
        dgk_error(s->d, st->u.schedule.kind.loc, "schedule %s needs %s %s", kind,
                  __builtin_popcount(r->one_of) > 1 ? "one of the modifiers" : "the modifier",
                  list(s, mod_names, DGK_SMOD_COUNT, r->one_of));
    else if (n > 1)
        dgk_error(s->d, st->u.schedule.kind.loc, "schedule %s takes only one of %s", kind,
                  list(s, mod_names, DGK_SMOD_COUNT, r->one_of));
}

static void extents(sema *s, dgk_stmt *st, const struct kind_rule *r, const char *kind)
{
    int n = st->u.schedule.nextents;
    if (r && (n < r->min_ext || n > r->max_ext)) {
        if (r->min_ext == r->max_ext)
            dgk_error(s->d, st->u.schedule.kind.loc, "schedule %s takes %d extents, %d given", kind, r->min_ext, n);
        else
            dgk_error(s->d, st->u.schedule.kind.loc, "schedule %s takes %d to %d extents, %d given", kind, r->min_ext,
                      r->max_ext, n);
    }
    int i = 0;
    for (dgk_expr *e = st->u.schedule.extents; e; e = e->next, i++) {
        sema_scalar_int(s, e, "a schedule extent");
        if (i < 3)
            s->info->sched.extents[i] = e;
    }
    s->info->sched.nextents = i < 3 ? i : 3;
}

/* Declares the bound variables even after an error, so the body's uses of them do not
 * turn into "unknown name" errors. */
static void vars(sema *s, dgk_stmt *st, const struct kind_rule *r, const char *kind)
{
    int want = r ? (r->nvars ? r->nvars : st->u.schedule.nextents) : st->u.schedule.nvars;
    if (st->u.schedule.nvars != want)
        dgk_error(s->d, st->u.schedule.kind.loc, "schedule %s binds %d variable%s (%s), %d given after ->", kind, want,
                  want == 1 ? "" : "s", r->binds, st->u.schedule.nvars);
    int i = 0;
    for (dgk_ident *v = st->u.schedule.vars; v; v = v->next, i++) {
        v->sym = sema_declare(s, DGK_SYM_SCHEDVAR, v->id, v->loc, dgk_type_scalar(s->a, DGK_DT_I32));
        if (v->sym)
            v->sym->index = i;
        if (i < 3)
            s->info->sched.vars[i] = v->sym;
    }
    s->info->sched.nvars = i < 3 ? i : 3;
}

static int placement(sema *s, dgk_stmt *st)
{
    if (s->info->sched.stmt) {
        dgk_error(s->d, st->loc, "a kernel has exactly one schedule");
        dgk_note(s->d, s->info->sched.stmt->loc, "the first schedule is here");
        return 0;
    }
    if (s->nest)
        dgk_error(s->d, st->loc, "the schedule must be at the kernel's top level, as its first statement");
    else if (s->stmt_index != 0)
        dgk_error(s->d, st->loc, "the schedule must be the kernel's first statement");
    return 1;
}

/* Clusters are pairs: along M (B shared) or along N (A shared), not both. */
static void cluster_pair(sema *s)
{
    const dgk_sema_sched *sc = &s->info->sched;
    if (sc->mods[DGK_SMOD_CLUSTER].given && sc->mods[DGK_SMOD_CLUSTER_N].given &&
        sc->mods[DGK_SMOD_CLUSTER].value > 1 && sc->mods[DGK_SMOD_CLUSTER_N].value > 1) {
        dgk_error(s->d, sc->mods[DGK_SMOD_CLUSTER_N].mod->name.loc,
                  "cluster %lld and cluster_n %lld: a cluster is 2 CTAs along M (sharing B) or along N (sharing A), not both",
                  (long long)sc->mods[DGK_SMOD_CLUSTER].value, (long long)sc->mods[DGK_SMOD_CLUSTER_N].value);
        dgk_note(s->d, sc->mods[DGK_SMOD_CLUSTER].mod->name.loc, "cluster given here");
    }
}

void sema_schedule(sema *s, dgk_stmt *st)
{
    if (!placement(s, st))
        return;
    const char *kind = st->u.schedule.kind.id;
    int k = find(kind_names, DGK_SCHED_COUNT, kind);
    s->info->sched.stmt = st;
    if (k < 0)
        dgk_error(s->d, st->u.schedule.kind.loc, "unknown schedule kind '%s' (kinds: %s)", kind,
                  list(s, kind_names, DGK_SCHED_COUNT, (1u << DGK_SCHED_COUNT) - 1));
    const struct kind_rule *r = k < 0 ? NULL : &kinds[k];
    s->info->sched.kind = k < 0 ? DGK_SCHED_GRID : (dgk_sched_kind)k;
    extents(s, st, r, kind);
    for (dgk_sched_mod *m = st->u.schedule.mods; m; m = m->next)
        if (r)
            modifier(s, m, r, kind);
        else
            sema_expr(s, m->value);
    if (r)
        required(s, st, r, kind);
    cluster_pair(s);
    vars(s, st, r, kind);
}

void sema_schedule_missing(sema *s)
{
    dgk_error(s->d, s->k->name.loc, "kernel %s has no schedule; begin its body with one, e.g. "
              "schedule grid (cdiv(M, BM), cdiv(N, BN)) -> (i, j);", s->k->name.id);
}
