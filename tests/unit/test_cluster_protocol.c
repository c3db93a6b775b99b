/* test_cluster_protocol.c - a model of the stage protocol the SM90 emitter generates for
 * 2-CTA clusters (backend/sm90/emit_producer.c, emit_consumer.c), run under many random
 * interleavings. Modelled: mbarriers with the phase parity the hardware keeps (a wait on
 * parity P passes while the phase count's parity differs from P, so a barrier two phases
 * ahead looks like one that has not moved); per CTA one producer and one consumer thread;
 * TMA loads and remote arrives that land late, in any order (a CTA's own tiles into its
 * own stage, multicast chunks into both CTAs' stages). The producer's program is the
 * emitted one: wait for its consumers' release, from a stage's second fill on forward it
 * to the peer and wait for the peer's, issue the loads; then one more round without
 * loads (the drain). Checked: every run ends (no hang); no load lands in a stage before
 * that CTA's consumers released the stage's previous fill; nothing lands in or arrives
 * on a CTA that has left. The first version's rule (the wait for the peer's forward also
 * on a stage's first fill) must hang in the model when one CTA issues the whole
 * multicast tile, as it could on the GPU, and dropping the peer wait must let a load
 * land in a stage still held: the model can fail both ways. */
#include <stdint.h>
#include <string.h>

#include "check_main.h"

enum { MAX_STAGES = 4, MAX_EVENTS = 64 };

typedef struct mbar {
    int count, pending, done; /* arrivals per phase, still missing, phases completed */
} mbar;

static void mb_init(mbar *b, int count)
{
    b->count = b->pending = count;
    b->done = 0;
}

static void mb_arrive(mbar *b)
{
    if (--b->pending == 0) {
        b->done++;
        b->pending = b->count;
    }
}

/* mbarrier.try_wait.parity: passes once the phase of that parity has completed */
static int mb_passes(const mbar *b, int parity)
{
    return (b->done & 1) != parity;
}

typedef struct cta {
    mbar full[MAX_STAGES], empty[MAX_STAGES], peer[MAX_STAGES];
    int released[MAX_STAGES]; /* fills of each stage its consumer has released */
    int pf, pstep;            /* producer: fill index, step within it */
    int cf, creading;         /* consumer: fill index, reading it (full wait passed) */
    int left;
} cta;

typedef enum { EV_LOAD, EV_FORWARD } ev_kind;

typedef struct event {
    ev_kind kind;
    int to, stage, fill;
} event;

typedef struct model {
    int stages, fills, rank0_only, first_fill_wait, no_peer_wait;
    cta c[2];
    event ev[MAX_EVENTS];
    int nev;
    uint64_t rng;
    unsigned weight[4]; /* per run: how eagerly each thread runs (P0, C0, P1, C1) */
    const char *error;
} model;

static unsigned rnd(model *m, unsigned n)
{
    m->rng = m->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(m->rng >> 33) % n;
}

static void post(model *m, ev_kind kind, int to, int stage, int fill)
{
    ck_assert_int_lt(m->nev, MAX_EVENTS);
    m->ev[m->nev++] = (event){kind, to, stage, fill};
}

/* chunks of the multicast tile CTA r issues (each lands in both CTAs) */
static int chunks_of(const model *m, int r)
{
    return m->rank0_only ? (r == 0) : 1;
}

static void setup_model(model *m, int stages, int fills, int rank0_only, int first_fill_wait, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->stages = stages, m->fills = fills, m->rank0_only = rank0_only, m->first_fill_wait = first_fill_wait;
    m->rng = seed * 0x9e3779b97f4a7c15ull + 1;
    for (int i = 0; i < 4; i++)
        m->weight[i] = 1 + rnd(m, 100);
    /* full: the producer's arrive.expect_tx, its own tiles, and every multicast chunk */
    int chunks = chunks_of(m, 0) + chunks_of(m, 1);
    for (int r = 0; r < 2; r++)
        for (int s = 0; s < stages; s++) {
            mb_init(&m->c[r].full[s], 2 + chunks);
            mb_init(&m->c[r].empty[s], 1);
            mb_init(&m->c[r].peer[s], 1);
        }
}

/* One producer step of CTA r, or 0 when it waits. */
static int producer_step(model *m, int r)
{
    cta *c = &m->c[r];
    int f = c->pf, s = f % m->stages, ph = (f / m->stages) & 1;
    if (f >= m->fills + m->stages)
        return 0;
    switch (c->pstep) {
    case 0: /* this CTA's consumers released the stage */
        if (!mb_passes(&c->empty[s], ph ^ 1))
            return 0;
        c->pstep = 1;
        return 1;
    case 1: /* forward the release to the peer (a stage's first fill has none) */
        if (f >= m->stages)
            post(m, EV_FORWARD, r ^ 1, s, f);
        c->pstep = 2;
        return 1;
    case 2: /* the peer's consumers released their copy */
        if (!m->no_peer_wait && (f >= m->stages || m->first_fill_wait) && !mb_passes(&c->peer[s], ph ^ 1))
            return 0;
        c->pstep = 3;
        return 1;
    default: /* the loads (none in the drain round) */
        if (f < m->fills) {
            mb_arrive(&c->full[s]);
            post(m, EV_LOAD, r, s, f);
            for (int k = 0; k < chunks_of(m, r); k++) {
                post(m, EV_LOAD, 0, s, f);
                post(m, EV_LOAD, 1, s, f);
            }
        }
        c->pf++, c->pstep = 0;
        return 1;
    }
}

static int consumer_step(model *m, int r)
{
    cta *c = &m->c[r];
    int f = c->cf, s = f % m->stages;
    if (f >= m->fills)
        return 0;
    if (!c->creading) {
        if (!mb_passes(&c->full[s], (f / m->stages) & 1))
            return 0;
        c->creading = 1;
        return 1;
    }
    mb_arrive(&c->empty[s]);
    c->released[s]++;
    c->creading = 0, c->cf++;
    return 1;
}

static void deliver(model *m, int i)
{
    event e = m->ev[i];
    m->ev[i] = m->ev[--m->nev];
    cta *t = &m->c[e.to];
    if (t->left) {
        m->error = "a load or a forwarded release reached a CTA that had left";
        return;
    }
    if (e.kind == EV_FORWARD) {
        mb_arrive(&t->peer[e.stage]);
        return;
    }
    /* fill f is use f / stages of its stage: every earlier use must have been released */
    if (t->released[e.stage] < e.fill / m->stages)
        m->error = "a load landed in a stage its consumers had not released";
    mb_arrive(&t->full[e.stage]);
}

static void update_left(model *m)
{
    for (int r = 0; r < 2; r++) {
        cta *c = &m->c[r];
        c->left = c->left || (c->pf >= m->fills + m->stages && c->cf >= m->fills);
    }
}

static int thread_step(model *m, int a)
{
    return a % 2 ? consumer_step(m, a / 2) : producer_step(m, a / 2);
}

/* One weighted random pick among the threads (P0, C0, P1, C1) and the events in flight:
 * the thread's step (0 when it waits) or the event's delivery. */
static int random_move(model *m)
{
    unsigned x = rnd(m, m->weight[0] + m->weight[1] + m->weight[2] + m->weight[3] + 50u * (unsigned)m->nev);
    for (int a = 0; a < 4; a++) {
        if (x < m->weight[a])
            return thread_step(m, a);
        x -= m->weight[a];
    }
    deliver(m, (int)(x / 50u));
    return 1;
}

/* Runs the model to the end; returns 1 when it finished, 0 when it hung (m->error set on
 * a safety violation). */
static int run(model *m)
{
    for (;;) {
        update_left(m);
        if (m->error)
            return 0;
        if (m->c[0].left && m->c[1].left) {
            if (m->nev)
                m->error = "events left after both CTAs left";
            return m->nev == 0;
        }
        int moved = 0;
        for (int tries = 0; tries < 64 && !moved; tries++)
            moved = random_move(m);
        for (int a = 0; a < 4 && !moved; a++) /* the random picks found nothing: try everything */
            moved = thread_step(m, a);
        if (!moved && m->nev) {
            deliver(m, 0);
            moved = 1;
        }
        if (!moved)
            return 0; /* nothing can move: hung */
    }
}

enum { SEEDS = 300 };

/* The emitted rule: every configuration finishes and stays safe, with the multicast tile
 * split between the CTAs (K-major operands) or issued by rank 0 alone (one chunk). */
START_TEST(emitted_rule_finishes_safely)
{
    for (int stages = 2; stages <= MAX_STAGES; stages++)
        for (int fills = 0; fills <= 10; fills++)
            for (int rank0 = 0; rank0 <= 1; rank0++)
                for (uint64_t seed = 0; seed < SEEDS; seed++) {
                    model m;
                    setup_model(&m, stages, fills, rank0, 0, seed);
                    int ok = run(&m);
                    ck_assert_msg(ok, "stages %d fills %d %s seed %llu: %s", stages, fills,
                                  rank0 ? "rank 0 issues the tile" : "split tile", (unsigned long long)seed,
                                  m.error ? m.error : "hung");
                }
}
END_TEST

/* The first version waited for the peer's forward on a stage's first fill too. With
 * the tile split between the CTAs each CTA's loads gate the other's progress and it
 * holds; with rank 0 issuing it all, rank 0 can run a whole round ahead, complete the
 * phase rank 1's first wait expects open, and the model hangs (as the review found). */
START_TEST(first_fill_wait_hangs_with_one_chunk)
{
    int hangs = 0;
    for (int stages = 2; stages <= MAX_STAGES; stages++)
        for (uint64_t seed = 0; seed < SEEDS; seed++) {
            model split, one;
            setup_model(&split, stages, 3 * stages, 0, 1, seed);
            ck_assert_msg(run(&split), "split tile, stages %d seed %llu: %s", stages, (unsigned long long)seed,
                          split.error ? split.error : "hung");
            setup_model(&one, stages, 3 * stages, 1, 1, seed);
            if (!run(&one) && !one.error)
                hangs++;
        }
    ck_assert_int_gt(hangs, 0);
}
END_TEST

/* The safety check can fail: without the wait for the peer's release, a CTA's multicast
 * chunk lands in the peer's stage while the peer's consumers still hold the fill before. */
START_TEST(no_peer_wait_overwrites)
{
    int races = 0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        model m;
        setup_model(&m, 2, 8, 0, 0, seed);
        m.no_peer_wait = 1;
        if (!run(&m) && m.error)
            races++;
    }
    ck_assert_int_gt(races, 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("cluster_protocol");
    TCase *tc = tcase_create("model");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, emitted_rule_finishes_safely);
    tcase_add_test(tc, first_fill_wait_hangs_with_one_chunk);
    tcase_add_test(tc, no_peer_wait_overwrites);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
