/* harness_shapes.c - the shape sets dgk-bench and dgk-gemm-check run: DeepGEMM's
 * dense GEMM shapes (tests/generators.py, enumerate_normal) as tables, expanded into
 * gh_shape lists. Pure host code. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

typedef struct nk { int n, k; } nk;

static const int m_list[] = {1, 64, 128, 4096};

/* Shapes with BF16 output. */
static const nk nk_main[] = {
    {2112, 7168}, {576, 7168}, {24576, 1536}, {32768, 512},
    {7168, 16384}, {4096, 7168}, {7168, 2048},
};

/* Shapes DeepGEMM runs with FP32 output. */
static const nk nk_f32[] = { {256, 7168}, {129280, 7168} };

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Edge cases, seconds to run: M not a multiple of anything, N with partial 64/128
 * tiles (but N % 8 == 0, so rows stay 16-byte aligned), several 128-blocks of K.
 * Every case has >= 264 outputs: the diff of FP8 (about 7e-4 on average) is a mean
 * over the outputs, and over fewer it scatters enough to cross 1e-3 by chance. */
static const int m_tiny[] = {1, 7, 65, 130};
static const nk nk_tiny[] = { {520, 128}, {264, 256}, {392, 384} };
static const nk nk_tiny_f32[] = { {328, 256} };

static const gh_shape bench_quick[] = {
    {1, 2112, 7168, GH_NT, GH_BF16, 0},
    {64, 2112, 7168, GH_NT, GH_BF16, 0},
    {128, 24576, 1536, GH_NT, GH_BF16, 0},
    {4096, 576, 7168, GH_NT, GH_BF16, 0},
    {4096, 7168, 16384, GH_NT, GH_BF16, 0},
    {4096, 32768, 512, GH_NT, GH_BF16, 0},
};

static const gh_shape check_quick_common[] = {
    {1, 2112, 7168, GH_NT, GH_BF16, 0},
    {128, 2112, 7168, GH_NT, GH_BF16, 0},
    {4096, 2112, 7168, GH_NT, GH_BF16, 0},
    {1, 576, 7168, GH_NT, GH_BF16, 0},
    {128, 576, 7168, GH_NT, GH_BF16, 0},
    {4096, 576, 7168, GH_NT, GH_BF16, 0},
    {1, 256, 7168, GH_NT, GH_F32, 0},
    {128, 256, 7168, GH_NT, GH_F32, 0},
    {4096, 256, 7168, GH_NT, GH_F32, 0},
    {128, 2112, 7168, GH_NT, GH_BF16, 1},
    {4096, 256, 7168, GH_NT, GH_F32, 1},
};

static const gh_shape check_quick_bf16[] = {
    {4096, 2112, 7168, GH_NN, GH_BF16, 0},
    {4096, 2112, 7168, GH_TN, GH_BF16, 0},
    {4096, 2112, 7168, GH_TT, GH_BF16, 0},
};

typedef struct list { gh_shape *v; int n, max; } list;

static void push(list *l, int m, nk s, gh_layout layout, gh_dtype out, int has_c)
{
    if (l->n < l->max)
        l->v[l->n] = (gh_shape){m, s.n, s.k, layout, out, has_c};
    l->n++;
}

static void push_table(list *l, const gh_shape *t, int n)
{
    for (int i = 0; i < n; i++) {
        if (l->n < l->max)
            l->v[l->n] = t[i];
        l->n++;
    }
}

/* M x (N,K) in one layout: the BF16-output shapes, then the FP32-output ones. */
static void push_grid(list *l, const int *ms, int nm, gh_layout layout)
{
    for (int i = 0; i < nm; i++) {
        for (int j = 0; j < COUNT(nk_main); j++)
            push(l, ms[i], nk_main[j], layout, GH_BF16, 0);
        for (int j = 0; j < COUNT(nk_f32); j++)
            push(l, ms[i], nk_f32[j], layout, GH_F32, 0);
    }
}

static int finish(const list *l)
{
    return l->n <= l->max ? l->n : l->max;
}

static void tiny(list *l, gh_dtype in)
{
    for (int i = 0; i < COUNT(m_tiny); i++) {
        for (int j = 0; j < COUNT(nk_tiny); j++)
            push(l, m_tiny[i], nk_tiny[j], GH_NT, GH_BF16, 0);
        push(l, m_tiny[i], nk_tiny_f32[0], GH_NT, GH_F32, 0);
    }
    push(l, 65, nk_tiny[1], GH_NT, GH_BF16, 1);
    push(l, 65, nk_tiny_f32[0], GH_NT, GH_F32, 1);
    for (int layout = GH_NN; in == GH_BF16 && layout < GH_LAYOUT_COUNT; layout++) {
        push(l, 130, nk_tiny[1], (gh_layout)layout, GH_BF16, 0);
        push(l, 7, nk_tiny_f32[0], (gh_layout)layout, GH_F32, 1);
    }
}

static int push_listed(list *l, const char *text, int all_layouts);

int gh_shapes_bench(const char *set, gh_shape *out, int max)
{
    list l = {out, 0, max};
    if (strcmp(set, "tiny") == 0) {
        for (int i = 0; i < COUNT(m_tiny); i++)
            for (int j = 0; j < COUNT(nk_tiny); j++)
                push(&l, m_tiny[i], nk_tiny[j], GH_NT, GH_BF16, 0);
    } else if (strcmp(set, "quick") == 0) {
        push_table(&l, bench_quick, COUNT(bench_quick));
    } else if (strcmp(set, "full") == 0 || strcmp(set, "large") == 0) {
        /* large: the M = 4096 rows only, for tile sweeps */
        for (int i = strcmp(set, "large") == 0 ? COUNT(m_list) - 1 : 0; i < COUNT(m_list); i++)
            for (int j = 0; j < COUNT(nk_main); j++)
                push(&l, m_list[i], nk_main[j], GH_NT, GH_BF16, 0);
    } else if (push_listed(&l, set, 0) < 0) {
        return -1;
    }
    return finish(&l);
}

/* "MxNxK[,MxNxK...]" into l; -1 if the text is not such a list. With all_layouts each
 * shape comes in every layout (--layout and the runners' capabilities pick; FP8 runs NT
 * only), else in NT alone (the bench, whose sections set the layout, and the FP8 weight
 * gradient's sets). */
static int push_listed(list *l, const char *text, int all_layouts)
{
    static const gh_layout layouts[] = {GH_NT, GH_NN, GH_TN, GH_TT};
    int m, n, k, used = 0, count = 0, nl = all_layouts ? 4 : 1;
    for (const char *p = text;; p += used + 1) {
        if (sscanf(p, "%dx%dx%d%n", &m, &n, &k, &used) != 3 || (p[used] && p[used] != ',') || m < 1 || n < 1 ||
            k < 1)
            return -1;
        if (l->n + nl > l->max)
            return -1; /* more shapes than a set holds */
        for (int i = 0; i < nl; i++)
            push(l, m, (nk){n, k}, layouts[i], GH_BF16, 0);
        count++;
        if (!p[used])
            return count;
    }
}

int gh_shape_parse(const char *text, gh_shape *out)
{
    gh_shape v[64];
    list l = {v, 0, 64};
    if (push_listed(&l, text, 0) < 0)
        return 0;
    *out = v[0];
    return 1;
}

static void check_full(list *l, gh_dtype in)
{
    static const int m4096[] = {4096};
    push_grid(l, m_list, COUNT(m_list), GH_NT);
    for (int j = 0; j < COUNT(nk_main); j++)
        push(l, 128, nk_main[j], GH_NT, GH_BF16, 1);
    for (int j = 0; j < COUNT(nk_f32); j++)
        push(l, 4096, nk_f32[j], GH_NT, GH_F32, 1);
    if (in != GH_BF16)
        return; /* SM90 FP8 tensor cores read K-major operands only */
    for (int layout = GH_NN; layout < GH_LAYOUT_COUNT; layout++)
        push_grid(l, m4096, 1, (gh_layout)layout);
}

/* The accumulating runners' cases (D += A*B from C, f32): a quick subset. */
static const gh_shape accumulate_quick[] = {
    {1, 576, 7168, GH_NT, GH_F32, 1},
    {64, 24576, 1536, GH_NT, GH_F32, 1},
    {128, 2112, 7168, GH_NT, GH_F32, 1},
    {4096, 256, 7168, GH_NT, GH_F32, 1},
    {4096, 2112, 7168, GH_NT, GH_F32, 1},
    {4096, 7168, 16384, GH_NT, GH_F32, 1},
};

int gh_shapes_accumulate(const char *set, gh_shape *out, int max)
{
    list l = {out, 0, max};
    if (strcmp(set, "tiny") == 0) {
        for (int i = 0; i < COUNT(m_tiny); i++) {
            for (int j = 0; j < COUNT(nk_tiny); j++)
                push(&l, m_tiny[i], nk_tiny[j], GH_NT, GH_F32, 1);
            push(&l, m_tiny[i], nk_tiny_f32[0], GH_NT, GH_F32, 1);
        }
    } else if (strcmp(set, "quick") == 0) {
        push_table(&l, accumulate_quick, COUNT(accumulate_quick));
    } else if (strcmp(set, "full") == 0) {
        for (int i = 0; i < COUNT(m_list); i++) {
            for (int j = 0; j < COUNT(nk_main); j++)
                push(&l, m_list[i], nk_main[j], GH_NT, GH_F32, 1);
            for (int j = 0; j < COUNT(nk_f32); j++)
                push(&l, m_list[i], nk_f32[j], GH_NT, GH_F32, 1);
        }
    } else if (push_listed(&l, set, 0) < 0) {
        return -1;
    } else {
        for (int i = 0; i < l.n && i < l.max; i++) /* listed shapes as accumulate cases: f32 += */
            l.v[i].out = GH_F32, l.v[i].has_c = 1;
    }
    return finish(&l);
}

/* DeepGEMM's weight-gradient GEMMs (tests/generators.py, enumerate_normal, backward,
 * SM90 FP8: 1D1D kernels, K-major, FP32 accumulated): for each dense (n, k) with m = 4096
 * tokens, D [n, 4096] += A [n, k] . B [4096, k]^T. */
static const int wgrad_tokens = 4096;
static const gh_shape wgrad_tiny[] = {
    {130, 264, 256, GH_NT, GH_F32, 1},
    {392, 520, 384, GH_NT, GH_F32, 1},
};

int gh_shapes_wgrad_bench(const char *set, gh_shape *out, int max)
{
    list l = {out, 0, max};
    if (strcmp(set, "tiny") == 0) {
        push_table(&l, wgrad_tiny, COUNT(wgrad_tiny));
    } else if (strcmp(set, "quick") == 0) {
        static const int pick[] = {0, 2, 4}; /* (2112, 7168), (24576, 1536), (7168, 16384) */
        for (int i = 0; i < COUNT(pick); i++)
            push(&l, nk_main[pick[i]].n, (nk){wgrad_tokens, nk_main[pick[i]].k}, GH_NT, GH_F32, 1);
    } else if (strcmp(set, "full") == 0 || strcmp(set, "large") == 0) {
        for (int j = 0; j < COUNT(nk_main); j++)
            push(&l, nk_main[j].n, (nk){wgrad_tokens, nk_main[j].k}, GH_NT, GH_F32, 1);
    } else if (push_listed(&l, set, 0) < 0) {
        return -1;
    }
    for (int i = 0; i < finish(&l); i++) { /* listed shapes: the weight gradient's f32 D += A*B */
        out[i].out = GH_F32;
        out[i].has_c = 1;
    }
    return finish(&l);
}

int gh_shapes_check(const char *set, gh_dtype in, gh_shape *out, int max)
{
    list l = {out, 0, max};
    if (strcmp(set, "tiny") == 0) {
        tiny(&l, in);
    } else if (strcmp(set, "quick") == 0) {
        push_table(&l, check_quick_common, COUNT(check_quick_common));
        if (in == GH_BF16)
            push_table(&l, check_quick_bf16, COUNT(check_quick_bf16));
    } else if (strcmp(set, "full") == 0) {
        check_full(&l, in);
    } else if (push_listed(&l, set, 1) < 0) {
        return -1;
    }
    return finish(&l);
}
