/* test_runtime_validate.c - every argument check of the runtime's public entries returns
 * its status and a message naming the argument: compile requests, TMA descriptors,
 * launch configurations (on a kernel object built here with chosen limits), the memo,
 * the context calls, and "no CUDA driver". None of it needs a GPU or NVRTC. */
#include <pthread.h>

#include "runtime/context.h"
#include "rt_fixture.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

/* ---- status and arch tables ---- */

START_TEST(test_status_names)
{
    ck_assert_str_eq(dgk_status_name(DGK_OK), "DGK_OK");
    ck_assert_str_eq(dgk_status_name(DGK_EINVAL), "DGK_EINVAL");
    ck_assert_str_eq(dgk_status_name(DGK_ENODRIVER), "DGK_ENODRIVER");
    ck_assert_str_eq(dgk_status_name(DGK_EIO), "DGK_EIO");
    ck_assert_str_eq(dgk_status_name((dgk_status)999), "DGK_?");
    ck_assert_str_eq(dgk_status_text(DGK_ESMEM), "too much shared memory");
    ck_assert_str_eq(dgk_status_text((dgk_status)-1), "unknown status");
}
END_TEST

START_TEST(test_arch_table)
{
    ck_assert_int_eq(dgk_arch_lookup("sm_90a"), DGK_ARCH_SM90A);
    ck_assert_int_eq(dgk_arch_lookup("sm_100a"), DGK_ARCH_SM100A);
    ck_assert_int_eq(dgk_arch_lookup("sm_80"), DGK_ARCH_NONE);
    ck_assert_int_eq(dgk_arch_lookup(NULL), DGK_ARCH_NONE);
    ck_assert_str_eq(dgk_arch_name(DGK_ARCH_SM100A), "sm_100a");
    ck_assert_str_eq(dgk_arch_name((dgk_arch)77), "none");
    ck_assert_int_eq(dgk_arch_for_cc(9, 0), DGK_ARCH_SM90A);
    ck_assert_int_eq(dgk_arch_for_cc(10, 0), DGK_ARCH_SM100A);
    ck_assert_int_eq(dgk_arch_for_cc(8, 0), DGK_ARCH_NONE);
}
END_TEST

/* ---- compile requests ---- */

typedef struct prog_case {
    const char *what;
    void (*mutate)(dgk_program *p);
    dgk_status status;
    const char *needle;
} prog_case;

static const dgk_header good_header[1] = {{"ok.cuh", "// ok"}};
static const dgk_header bad_name[1] = {{"../up.cuh", "//"}};
static const dgk_header dot_name[1] = {{".hidden", "//"}};
static const dgk_header null_text[1] = {{"ok.cuh", NULL}};
static const char *const null_opt[2] = {"-lineinfo", NULL};

static void m_source(dgk_program *p) { p->source = NULL; }
static void m_kernel_null(dgk_program *p) { p->kernel = NULL; }
static void m_kernel_space(dgk_program *p) { p->kernel = "a b"; }
static void m_kernel_digit(dgk_program *p) { p->kernel = "9k"; }
static void m_arch_none(dgk_program *p) { p->arch = DGK_ARCH_NONE; }
static void m_arch_big(dgk_program *p) { p->arch = (dgk_arch)99; }
static void m_output(dgk_program *p) { p->output = (dgk_output)7; }
static void m_headers_null(dgk_program *p) { p->num_headers = 1; }
static void m_headers_neg(dgk_program *p) { p->num_headers = -1; p->headers = good_header; }
static void m_header_name(dgk_program *p) { p->num_headers = 1; p->headers = bad_name; }
static void m_header_dot(dgk_program *p) { p->num_headers = 1; p->headers = dot_name; }
static void m_header_text(dgk_program *p) { p->num_headers = 1; p->headers = null_text; }
static void m_options_null(dgk_program *p) { p->num_options = 2; }
static void m_options_neg(dgk_program *p) { p->num_options = -3; p->options = null_opt; }
static void m_option(dgk_program *p) { p->num_options = 2; p->options = null_opt; }

static const prog_case prog_cases[] = {
    {"source", m_source, DGK_EINVAL, "prog->source is NULL"},
    {"kernel NULL", m_kernel_null, DGK_EINVAL, "prog->kernel \"(null)\""},
    {"kernel space", m_kernel_space, DGK_EINVAL, "prog->kernel \"a b\" is not a C identifier"},
    {"kernel digit", m_kernel_digit, DGK_EINVAL, "prog->kernel \"9k\""},
    {"arch none", m_arch_none, DGK_EARCH, "prog->arch = 0 is not a supported target"},
    {"arch 99", m_arch_big, DGK_EARCH, "prog->arch = 99"},
    {"output", m_output, DGK_EINVAL, "prog->output = 7"},
    {"headers NULL", m_headers_null, DGK_EINVAL, "prog->headers is NULL"},
    {"headers negative", m_headers_neg, DGK_EINVAL, "prog->num_headers = -1"},
    {"header name", m_header_name, DGK_EINVAL, "prog->headers[0].name \"../up.cuh\""},
    {"header dot", m_header_dot, DGK_EINVAL, "prog->headers[0].name \".hidden\""},
    {"header text", m_header_text, DGK_EINVAL, "prog->headers[0].text is NULL"},
    {"options NULL", m_options_null, DGK_EINVAL, "prog->options is NULL"},
    {"options negative", m_options_neg, DGK_EINVAL, "prog->num_options = -3"},
    {"option NULL", m_option, DGK_EINVAL, "prog->options[1] is NULL"},
};

START_TEST(test_program_checks)
{
    const prog_case *c = &prog_cases[_i];
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    c->mutate(&p);
    dgk_binary *b = (dgk_binary *)1;
    dgk_cache_stats before = rt_stats();
    ck_assert_msg(dgk_compile(&p, &b, NULL) == c->status, "case %s: %s", c->what, dgk_last_error());
    ck_msg_has("dgk_compile: ");
    ck_msg_has(c->needle);
    ck_assert_ptr_null(b);
    char path[512];
    ck_assert_int_eq(dgk_cache_path(&p, path, sizeof path), c->status);
    ck_msg_has("dgk_cache_path: ");
    ck_msg_has(c->needle);
    ck_assert_uint_eq(rt_stats().compiles, before.compiles);   /* nothing reached NVRTC */
}
END_TEST

START_TEST(test_compile_null_args)
{
    dgk_binary *b;
    ck_assert_int_eq(dgk_compile(NULL, &b, NULL), DGK_EINVAL);
    ck_msg_has("dgk_compile: prog is NULL");
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    ck_assert_int_eq(dgk_compile(&p, NULL, NULL), DGK_EINVAL);
    ck_msg_has("dgk_compile: out is NULL");
    ck_assert_int_eq(dgk_cache_path(&p, NULL, 10), DGK_EINVAL);
    ck_msg_has("dgk_cache_path: buf is NULL");
    /* Accessors take NULL without crashing. */
    size_t n = 5;
    ck_assert_ptr_null(dgk_binary_image(NULL, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(dgk_binary_log(NULL));
    ck_assert_ptr_null(dgk_binary_report(NULL));
    ck_assert_ptr_null(dgk_report_find(NULL, "x"));
    dgk_binary_release(NULL);
}
END_TEST

/* ---- TMA descriptors ---- */

static float *fake_base(void)
{
    return (float *)(uintptr_t)0x10000000u;   /* never dereferenced: only checked */
}

/* A valid 2-D f32 tensor 128 x 256 with a 32 x 64 box, 128-byte swizzle. */
static dgk_tma_desc good_desc(void)
{
    dgk_tma_desc d = {
        .dtype = DGK_TMA_F32, .rank = 2, .base = fake_base(),
        .shape = {256, 128}, .strides = {1, 256}, .box = {32, 64},
        .swizzle = DGK_TMA_SWIZZLE_128B, .l2_promotion = 256,
    };
    return d;
}

typedef struct tma_case {
    const char *what;
    void (*mutate)(dgk_tma_desc *d);
    dgk_status status;
    const char *needle;
} tma_case;

static void t_dtype0(dgk_tma_desc *d) { d->dtype = DGK_TMA_NONE; }
static void t_dtype_big(dgk_tma_desc *d) { d->dtype = (dgk_tma_dtype)50; }
static void t_rank0(dgk_tma_desc *d) { d->rank = 0; }
static void t_rank6(dgk_tma_desc *d) { d->rank = 6; }
static void t_base_null(dgk_tma_desc *d) { d->base = NULL; }
static void t_base_align(dgk_tma_desc *d) { d->base = (char *)fake_base() + 8; }
static void t_shape0(dgk_tma_desc *d) { d->shape[1] = 0; }
static void t_shape_big(dgk_tma_desc *d) { d->shape[0] = (1ull << 32) + 1; }
static void t_stride0_not1(dgk_tma_desc *d) { d->strides[0] = 2; }
static void t_stride_zero(dgk_tma_desc *d) { d->strides[1] = 0; }
static void t_stride_align(dgk_tma_desc *d) { d->strides[1] = 250; }
static void t_stride_big(dgk_tma_desc *d) { d->strides[1] = 1ull << 39; }
static void t_box0(dgk_tma_desc *d) { d->box[1] = 0; }
static void t_box_big(dgk_tma_desc *d) { d->box[1] = 257; }
static void t_box_row(dgk_tma_desc *d) { d->box[0] = 6; }
static void t_swizzle_span(dgk_tma_desc *d) { d->box[0] = 64; }
static void t_swizzle_32(dgk_tma_desc *d) { d->swizzle = DGK_TMA_SWIZZLE_32B; }
static void t_swizzle_bad(dgk_tma_desc *d) { d->swizzle = (dgk_tma_swizzle)9; }
static void t_estride(dgk_tma_desc *d) { d->elem_strides[0] = 9; }
static void t_l2(dgk_tma_desc *d) { d->l2_promotion = 100; }
static void t_oob(dgk_tma_desc *d) { d->dtype = DGK_TMA_U32; d->oob_nan = 1; }

static const tma_case tma_cases[] = {
    {"dtype none", t_dtype0, DGK_EDTYPE, "desc->dtype = 0"},
    {"dtype 50", t_dtype_big, DGK_EDTYPE, "desc->dtype = 50"},
    {"rank 0", t_rank0, DGK_ESHAPE, "desc->rank = 0"},
    {"rank 6", t_rank6, DGK_ESHAPE, "desc->rank = 6"},
    {"base NULL", t_base_null, DGK_EINVAL, "desc->base is NULL"},
    {"base align", t_base_align, DGK_EALIGN, "not 16-byte aligned"},
    {"shape 0", t_shape0, DGK_ESHAPE, "desc->shape[1] = 0"},
    {"shape 2^32+1", t_shape_big, DGK_ESHAPE, "desc->shape[0] = 4294967297"},
    {"stride[0]", t_stride0_not1, DGK_ESHAPE, "desc->strides[0] = 2"},
    {"stride 0", t_stride_zero, DGK_ESHAPE, "desc->strides[1] = 0"},
    {"stride align", t_stride_align, DGK_EALIGN, "desc->strides[1] = 250 elements = 1000 bytes"},
    {"stride 2^41 bytes", t_stride_big, DGK_ESHAPE, "below 2^40 bytes"},
    {"box 0", t_box0, DGK_ESHAPE, "desc->box[1] = 0"},
    {"box 257", t_box_big, DGK_ESHAPE, "desc->box[1] = 257"},
    {"box row", t_box_row, DGK_EALIGN, "desc->box[0] = 6 elements = 24 bytes"},
    {"swizzle span", t_swizzle_span, DGK_ESHAPE, "exceeds the 128-byte swizzle span"},
    {"swizzle 32", t_swizzle_32, DGK_ESHAPE, "at most 8 elements"},
    {"swizzle bad", t_swizzle_bad, DGK_EINVAL, "desc->swizzle = 9"},
    {"elem stride", t_estride, DGK_ESHAPE, "desc->elem_strides[0] = 9"},
    {"l2", t_l2, DGK_EINVAL, "desc->l2_promotion = 100"},
    {"oob nan int", t_oob, DGK_EDTYPE, "desc->oob_nan needs a float dtype"},
};

START_TEST(test_tma_checks)
{
    const tma_case *c = &tma_cases[_i];
    dgk_tma_desc d = good_desc();
    dgk_tensor_map m;
    c->mutate(&d);
    ck_assert_msg(dgk_tma_encode(&d, &m) == c->status, "case %s: %s", c->what, dgk_last_error());
    ck_msg_has("dgk_tma_encode: ");
    ck_msg_has(c->needle);
}
END_TEST

START_TEST(test_tma_valid_reaches_driver)
{
    setenv("DGK_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
    dgk_tma_desc d = good_desc();
    dgk_tensor_map m;
    ck_assert_int_eq(dgk_tma_check(&d), DGK_OK);
    d.rank = 5;   /* the unused dimensions of the 2-D description need filling */
    for (int i = 2; i < 5; i++)
        d.shape[i] = 2, d.strides[i] = 256 * 128 * 2, d.box[i] = 1;
    ck_assert_int_eq(dgk_tma_check(&d), DGK_OK);
    d = good_desc();
    ck_assert_int_eq(dgk_tma_encode(&d, &m), DGK_ENODRIVER);
    ck_msg_has("no CUDA driver");
    ck_msg_has("/nonexistent/libcuda.so.1");
    ck_assert_int_eq(dgk_tma_encode(NULL, &m), DGK_EINVAL);
    ck_msg_has("desc is NULL");
    ck_assert_int_eq(dgk_tma_encode(&d, NULL), DGK_EINVAL);
    ck_msg_has("out is NULL");
    ck_assert_uint_eq(sizeof(dgk_tensor_map), sizeof(CUtensorMap));
    ck_assert_uint_eq(_Alignof(dgk_tensor_map), _Alignof(CUtensorMap));
}
END_TEST

/* ---- launch configurations ---- */

static dgk_kernel fake_kernel(void)
{
    dgk_kernel k = {.name = "fake", .takes_params = 1, .max_threads = 1024, .static_smem = 1024,
                    .max_dyn_smem = 227 * 1024 - 1024, .cluster_launch = 1};
    return k;
}

static dgk_launch_cfg good_cfg(void)
{
    dgk_launch_cfg c = {.grid = {132, 2}, .block = {384}, .cluster = {2, 1, 1},
                        .smem_bytes = 200 * 1024};
    return c;
}

typedef struct launch_case {
    const char *what;
    void (*mutate)(dgk_kernel *k, dgk_launch_cfg *c);
    dgk_status status;
    const char *needle;
} launch_case;

static void l_grid0(dgk_kernel *k, dgk_launch_cfg *c) { c->grid[0] = 0; }
static void l_grid_y(dgk_kernel *k, dgk_launch_cfg *c) { c->grid[1] = 70000; }
static void l_block0(dgk_kernel *k, dgk_launch_cfg *c) { c->block[0] = 0; }
static void l_block_z(dgk_kernel *k, dgk_launch_cfg *c) { c->block[2] = 65; }
static void l_threads(dgk_kernel *k, dgk_launch_cfg *c) { c->block[1] = 4; }
static void l_kernel_threads(dgk_kernel *k, dgk_launch_cfg *c) { k->max_threads = 256; }
static void l_cluster_big(dgk_kernel *k, dgk_launch_cfg *c) { c->cluster[0] = 3; c->cluster[1] = 3; c->grid[0] = 9; c->grid[1] = 9; }
static void l_cluster_div(dgk_kernel *k, dgk_launch_cfg *c) { c->grid[0] = 3; }
static void l_cluster_dev(dgk_kernel *k, dgk_launch_cfg *c) { k->cluster_launch = 0; }
static void l_smem(dgk_kernel *k, dgk_launch_cfg *c) { c->smem_bytes = 227 * 1024; }

static const launch_case launch_cases[] = {
    {"grid 0", l_grid0, DGK_ESHAPE, "cfg->grid[0] = 0"},
    {"grid y", l_grid_y, DGK_ESHAPE, "cfg->grid[1] = 70000; must be 1..65535"},
    {"block 0", l_block0, DGK_ESHAPE, "cfg->block[0] = 0"},
    {"block z", l_block_z, DGK_ESHAPE, "cfg->block[2] = 65"},
    {"threads", l_threads, DGK_ESHAPE, "cfg->block is 384x4x1 = 1536 threads; kernel fake allows at most 1024"},
    {"kernel threads", l_kernel_threads, DGK_ESHAPE, "at most 256"},
    {"cluster 9", l_cluster_big, DGK_ESHAPE, "cfg->cluster is 3x3x1 = 9 CTAs"},
    {"cluster divides", l_cluster_div, DGK_ESHAPE, "cfg->grid[0] = 3 is not a multiple of cfg->cluster[0] = 2"},
    {"cluster device", l_cluster_dev, DGK_EARCH, "cannot launch clusters"},
    {"smem", l_smem, DGK_ESMEM, "cfg->smem_bytes = 232448 exceeds the 231424 bytes"},
};

START_TEST(test_launch_checks)
{
    const launch_case *c = &launch_cases[_i];
    dgk_kernel k = fake_kernel();
    dgk_launch_cfg cfg = good_cfg();
    void *args[2] = {0};
    c->mutate(&k, &cfg);
    ck_assert_msg(dgk_launch(&k, &cfg, args) == c->status, "case %s: %s", c->what, dgk_last_error());
    ck_msg_has("dgk_launch: ");
    ck_msg_has(c->needle);
}
END_TEST

START_TEST(test_launch_good_and_null)
{
    dgk_kernel k = fake_kernel();
    dgk_launch_cfg cfg = good_cfg();
    void *args[2] = {0};
    ck_assert_int_eq(dgk_launch_check(&k, &cfg, args), DGK_OK);
    cfg.cluster[0] = 0;   /* no cluster, grid z left 0 */
    cfg.smem_bytes = 0;
    ck_assert_int_eq(dgk_launch_check(&k, &cfg, args), DGK_OK);
    ck_assert_int_eq(dgk_launch(NULL, &cfg, args), DGK_EINVAL);
    ck_msg_has("dgk_launch: k is NULL");
    ck_assert_int_eq(dgk_launch(&k, NULL, args), DGK_EINVAL);
    ck_msg_has("dgk_launch: cfg is NULL");
    ck_assert_int_eq(dgk_launch(&k, &cfg, NULL), DGK_EINVAL);
    ck_msg_has("args is NULL, but kernel fake takes parameters");
    k.takes_params = 0;
    ck_assert_int_eq(dgk_launch_check(&k, &cfg, NULL), DGK_OK);
    ck_assert_ptr_null(dgk_kernel_report(NULL));
}
END_TEST

/* ---- driver and context ---- */

START_TEST(test_no_driver)
{
    setenv("DGK_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
    dgk_context *ctx = (dgk_context *)1;
    ck_assert_int_eq(dgk_init(0, &ctx), DGK_ENODRIVER);
    ck_assert_ptr_null(ctx);
    ck_msg_has("no CUDA driver: cannot load /nonexistent/libcuda.so.1");
    /* Remembered: the second call answers the same without retrying. */
    ck_assert_int_eq(dgk_init(0, &ctx), DGK_ENODRIVER);
    ck_msg_has("no CUDA driver");
    ck_assert_int_eq(dgk_init(0, NULL), DGK_EINVAL);
    ck_msg_has("dgk_init: out is NULL");
}
END_TEST

static dgk_context *fake_context(void)
{
    dgk_context *ctx = calloc(1, sizeof *ctx);
    pthread_mutex_init(&ctx->lock, NULL);
    dgk_arena_init(&ctx->arena);
    ctx->props.arch = DGK_ARCH_SM90A;
    ctx->props.cc_major = 9;
    snprintf(ctx->props.name, sizeof ctx->props.name, "Fake H100");
    return ctx;
}

static void fake_free(dgk_context *ctx)
{
    dgk_memo_free(ctx);
    dgk_arena_free(&ctx->arena);
    free(ctx);
}

START_TEST(test_context_args)
{
    dgk_device_props p;
    dgk_kernel *k = (dgk_kernel *)1;
    dgk_program prog = rt_tiny(DGK_ARCH_SM100A);
    ck_assert_int_eq(dgk_device_props_get(NULL, &p), DGK_EINVAL);
    ck_msg_has("dgk_device_props_get: ctx is NULL");
    ck_assert_int_eq(dgk_context_make_current(NULL), DGK_EINVAL);
    ck_msg_has("ctx is NULL");
    ck_assert_ptr_null(dgk_context_alloc(NULL, 16));
    ck_msg_has("dgk_context_alloc: ctx is NULL");
    dgk_destroy(NULL);
    ck_assert_int_eq(dgk_kernel_get(NULL, &prog, &k), DGK_EINVAL);
    ck_msg_has("dgk_kernel_get: ctx is NULL");
    ck_assert_ptr_null(k);
    dgk_context *ctx = fake_context();
    ck_assert_int_eq(dgk_kernel_get(ctx, &prog, NULL), DGK_EINVAL);
    ck_msg_has("dgk_kernel_get: out is NULL");
    ck_assert_int_eq(dgk_kernel_get(ctx, &prog, &k), DGK_EARCH);
    ck_msg_has("prog->arch is sm_100a, but device 0 (Fake H100) is compute capability 9.0 (target sm_90a)");
    prog.kernel = "not valid";
    ck_assert_int_eq(dgk_kernel_get(ctx, &prog, &k), DGK_EINVAL);
    ck_msg_has("dgk_kernel_get: prog->kernel");
    ck_assert_int_eq(dgk_device_props_get(ctx, &p), DGK_OK);
    ck_assert_str_eq(p.name, "Fake H100");
    int *mem = dgk_context_alloc(ctx, 64);
    ck_assert_ptr_nonnull(mem);
    ck_assert_int_eq(mem[15], 0);
    fake_free(ctx);
}
END_TEST

/* ---- memo ---- */

START_TEST(test_memo_basic)
{
    dgk_context *ctx = fake_context();
    int a, b;
    void *stored = NULL;
    ck_assert_ptr_null(dgk_memo_get(ctx, 1, 2));
    ck_assert_ptr_null(dgk_memo_get(NULL, 1, 2));
    ck_assert_int_eq(dgk_memo_put(ctx, 1, 2, &a, &stored), DGK_OK);
    ck_assert_ptr_eq(stored, &a);
    ck_assert_ptr_eq(dgk_memo_get(ctx, 1, 2), &a);
    ck_assert_ptr_null(dgk_memo_get(ctx, 2, 1));
    ck_assert_int_eq(dgk_memo_put(ctx, 1, 2, &b, &stored), DGK_OK);
    ck_assert_ptr_eq(stored, &a);   /* the first value stays */
    ck_assert_ptr_eq(dgk_memo_get(ctx, 1, 2), &a);
    ck_assert_int_eq(dgk_memo_put(ctx, 0, 0, &b, NULL), DGK_OK);
    ck_assert_ptr_eq(dgk_memo_get(ctx, 0, 0), &b);
    ck_assert_int_eq(dgk_memo_put(ctx, 3, 3, NULL, NULL), DGK_EINVAL);
    ck_msg_has("dgk_memo_put: value is NULL");
    ck_assert_int_eq(dgk_memo_put(NULL, 3, 3, &a, NULL), DGK_EINVAL);
    ck_msg_has("dgk_memo_put: ctx is NULL");
    fake_free(ctx);
}
END_TEST

enum { WRITERS = 4, PER_WRITER = 3000 };
static char values[WRITERS * PER_WRITER];

typedef struct memo_job {
    dgk_context *ctx;
    int id;
    int misses;
} memo_job;

/* Writer `id` inserts its keys while reading back everyone's inserted so far. */
static void *memo_worker(void *arg)
{
    memo_job *j = arg;
    for (int i = 0; i < PER_WRITER; i++) {
        int v = j->id * PER_WRITER + i;
        dgk_memo_put(j->ctx, (uint64_t)j->id, (uint64_t)i * 7919u, &values[v], NULL);
        if (dgk_memo_get(j->ctx, (uint64_t)j->id, (uint64_t)i * 7919u) != &values[v])
            j->misses++;
    }
    return NULL;
}

START_TEST(test_memo_threads_and_growth)
{
    dgk_context *ctx = fake_context();
    pthread_t t[WRITERS];
    memo_job jobs[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        jobs[i] = (memo_job){ctx, i, 0};
        pthread_create(&t[i], NULL, memo_worker, &jobs[i]);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(jobs[i].misses, 0);
    }
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < PER_WRITER; i++)
            ck_assert_ptr_eq(dgk_memo_get(ctx, (uint64_t)w, (uint64_t)i * 7919u),
                             &values[w * PER_WRITER + i]);
    ck_assert_ptr_null(dgk_memo_get(ctx, WRITERS, 0));
    fake_free(ctx);
}
END_TEST

/* ---- the message is per thread ---- */

static void *fail_in_thread(void *arg)
{
    dgk_tma_encode(NULL, NULL);
    return (void *)dgk_last_error();
}

START_TEST(test_last_error_thread_local)
{
    dgk_launch(NULL, NULL, NULL);
    pthread_t t;
    void *other;
    pthread_create(&t, NULL, fail_in_thread, NULL);
    pthread_join(t, &other);
    ck_msg_has("dgk_launch: k is NULL");
    ck_assert_ptr_ne(other, dgk_last_error());
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("runtime_validate");
    TCase *t = tcase_create("tables");
    tcase_add_test(t, test_status_names);
    tcase_add_test(t, test_arch_table);
    suite_add_tcase(s, t);
    t = tcase_create("program");
    tcase_add_checked_fixture(t, rt_setup, rt_teardown);
    tcase_add_loop_test(t, test_program_checks, 0, sizeof prog_cases / sizeof prog_cases[0]);
    tcase_add_test(t, test_compile_null_args);
    suite_add_tcase(s, t);
    t = tcase_create("tma");
    tcase_add_loop_test(t, test_tma_checks, 0, sizeof tma_cases / sizeof tma_cases[0]);
    tcase_add_test(t, test_tma_valid_reaches_driver);
    suite_add_tcase(s, t);
    t = tcase_create("launch");
    tcase_add_loop_test(t, test_launch_checks, 0, sizeof launch_cases / sizeof launch_cases[0]);
    tcase_add_test(t, test_launch_good_and_null);
    suite_add_tcase(s, t);
    t = tcase_create("context");
    tcase_add_test(t, test_no_driver);
    tcase_add_test(t, test_context_args);
    tcase_add_test(t, test_last_error_thread_local);
    suite_add_tcase(s, t);
    t = tcase_create("memo");
    tcase_add_test(t, test_memo_basic);
    tcase_add_test(t, test_memo_threads_and_growth);
    suite_add_tcase(s, t);
    return s;
}

DGK_CHECK_MAIN(make_suite)
