/* test_runtime_compile.c - NVRTC compiles for both targets and PTX, with ptxas's report
 * read from the real log (registers, spills, the wgmma serialization warning), headers
 * passed by name, compile errors and missing entries reported with their text, the cache
 * key's sensitivity to every input, and the knobs that change how a compile runs:
 * DGK_DUMP_DIR, DGK_PRINT_COMPILE, DGK_USE_NVCC, DGK_SOURCE_FILTER. Needs NVRTC, no GPU. */
#include <fcntl.h>

#include "rt_fixture.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

static dgk_binary *compile_ok(const dgk_program *p, dgk_origin want)
{
    dgk_binary *b = NULL;
    dgk_origin o = (dgk_origin)-1;
    dgk_status s = dgk_compile(p, &b, &o);
    ck_assert_msg(s == DGK_OK, "%s: %s", dgk_status_name(s), dgk_last_error());
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(o, want);
    return b;
}

static void check_cubin(dgk_arch arch)
{
    dgk_program p = rt_tiny(arch);
    dgk_binary *b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    size_t n;
    const unsigned char *img = dgk_binary_image(b, &n);
    ck_assert_uint_gt(n, 256);
    ck_assert_mem_eq(img, "\177ELF", 4);
    char want[64];
    snprintf(want, sizeof want, "Compiling entry function 'dgk_test_add' for '%s'", dgk_arch_name(arch));
    ck_assert_ptr_nonnull(strstr(dgk_binary_log(b), want));
    const dgk_func_report *f = dgk_report_find(dgk_binary_report(b), "dgk_test_add");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->is_entry, 1);
    ck_assert_int_gt(f->registers, 0);
    ck_assert_int_le(f->registers, 32);
    ck_assert_int_eq(f->spill_store_bytes, 0);
    ck_assert_int_eq(f->spill_load_bytes, 0);
    ck_assert_int_eq(f->stack_bytes, 0);
    ck_assert_int_eq(dgk_binary_report(b)->wgmma_serialized, 0);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 1);
    dgk_binary_release(b);
}

START_TEST(test_cubin_sm90a)
{
    check_cubin(DGK_ARCH_SM90A);
}
END_TEST

START_TEST(test_cubin_sm100a)
{
    check_cubin(DGK_ARCH_SM100A);
}
END_TEST

START_TEST(test_ptx)
{
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    p.output = DGK_OUTPUT_PTX;
    dgk_binary *b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    size_t n;
    const char *ptx = dgk_binary_image(b, &n);
    ck_assert_uint_eq(n, strlen(ptx) + 1);   /* NUL-terminated, the NUL counted */
    ck_assert_ptr_nonnull(strstr(ptx, ".target sm_90a"));
    ck_assert_ptr_nonnull(strstr(ptx, ".entry dgk_test_add("));
    ck_assert_int_eq(dgk_binary_report(b)->num_funcs, 0);
    dgk_binary_release(b);
}
END_TEST

static const char header_src[] =
    "#include \"rt_twice.cuh\"\n"
    "extern \"C\" __global__ void use_header(float *x) { x[threadIdx.x] = twice(x[threadIdx.x]); }\n";
static const dgk_header twice_header[] = {
    {"rt_twice.cuh", "__device__ __forceinline__ float twice(float v) { return v + v; }\n"},
};

START_TEST(test_headers_by_name)
{
    dgk_program p = {.source = header_src, .kernel = "use_header", .arch = DGK_ARCH_SM90A,
                     .headers = twice_header, .num_headers = 1};
    dgk_binary *b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    ck_assert_int_gt(dgk_report_find(dgk_binary_report(b), "use_header")->registers, 0);
    dgk_binary_release(b);
    /* Without the header the same source does not compile: it really came from the list. */
    p.num_headers = 0;
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_ECOMPILE);
    ck_msg_has("rt_twice.cuh");
}
END_TEST

static const char spill_src[] =
    "extern \"C\" __global__ void spill(float *a, int n)\n"
    "{\n"
    "    float v[48];\n"
    "#pragma unroll\n"
    "    for (int j = 0; j < 48; j++) v[j] = a[threadIdx.x + j * 32];\n"
    "    for (int k = 0; k < n; k++) {\n"
    "#pragma unroll\n"
    "        for (int j = 0; j < 48; j++) v[j] = v[j] * v[(j + 1) % 48] + 1.0f;\n"
    "    }\n"
    "    float s = 0;\n"
    "#pragma unroll\n"
    "    for (int j = 0; j < 48; j++) s += v[j];\n"
    "    a[threadIdx.x] = s;\n"
    "}\n";

START_TEST(test_spill_report)
{
    static const char *const opts[] = {"--maxrregcount=24"};
    dgk_program p = {.source = spill_src, .kernel = "spill", .arch = DGK_ARCH_SM90A,
                     .options = opts, .num_options = 1};
    dgk_binary *b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    const dgk_func_report *f = dgk_report_find(dgk_binary_report(b), "spill");
    ck_assert_int_le(f->registers, 24);
    ck_assert_int_gt(f->spill_store_bytes, 0);
    ck_assert_int_gt(f->spill_load_bytes, 0);
    ck_assert_int_gt(f->stack_bytes, 0);
    dgk_binary_release(b);
}
END_TEST

/* A non-wgmma write to an accumulator between two wgmmas of one stage; at ptxas -O0 this
 * makes ptxas serialize them and say so (C7511). */
static const char wgmma_src[] =
    "extern \"C\" __global__ void wg(float *out, unsigned long long desc)\n"
    "{\n"
    "    float d0 = out[0], d1 = 0, d2 = 0, d3 = 0;\n"
    "    asm volatile(\"wgmma.fence.sync.aligned;\");\n"
    "    asm volatile(\"{ .reg .pred p; setp.ne.b32 p, 0, 0;\\n\"\n"
    "        \"wgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {%0,%1,%2,%3}, %4, %4, p, 1, 1, 0, 0;\\n\"\n"
    "        \"mov.f32 %0, 0f3F800000;\\n\"\n"
    "        \"wgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 {%0,%1,%2,%3}, %4, %4, p, 1, 1, 0, 0;\\n\"\n"
    "        \"wgmma.commit_group.sync.aligned;\\n wgmma.wait_group.sync.aligned 0; }\"\n"
    "        : \"+f\"(d0), \"+f\"(d1), \"+f\"(d2), \"+f\"(d3) : \"l\"(desc));\n"
    "    out[threadIdx.x] = d0 + d1 + d2 + d3;\n"
    "}\n";

START_TEST(test_wgmma_serialized_report)
{
    static const char *const opts[] = {"--ptxas-options=-O0"};
    dgk_program p = {.source = wgmma_src, .kernel = "wg", .arch = DGK_ARCH_SM90A,
                     .options = opts, .num_options = 1};
    dgk_binary *b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    const dgk_func_report *f = dgk_report_find(dgk_binary_report(b), "wg");
    ck_assert_int_eq(dgk_binary_report(b)->wgmma_serialized, 1);
    ck_assert_int_eq(f->is_entry, 1);
    ck_assert_int_eq(f->wgmma_serialized, 1);
    ck_assert_ptr_nonnull(f->wgmma_reason);
    ck_assert_ptr_nonnull(strstr(f->wgmma_reason, "due to "));
    dgk_binary_release(b);
}
END_TEST

START_TEST(test_compile_error)
{
    dgk_program p = {.source = "extern \"C\" __global__ void broken(int *x) { x[0] = }\n",
                     .source_name = "broken.cu", .kernel = "broken", .arch = DGK_ARCH_SM90A};
    dgk_binary *b = (dgk_binary *)1;
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_ECOMPILE);
    ck_assert_ptr_null(b);
    ck_msg_has("NVRTC could not compile broken.cu (kernel broken) for sm_90a");
    ck_msg_has("broken.cu(1): error");
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 1);
    ck_assert_uint_eq(rt_stats().disk_writes, 0);
    /* Failures are not cached: asking again compiles again. */
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_ECOMPILE);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 2);
}
END_TEST

START_TEST(test_kernel_not_an_entry)
{
    dgk_program p = {.source = "__global__ void mangled(int *x) { x[0] = 1; }\n",
                     .kernel = "mangled", .arch = DGK_ARCH_SM90A};
    dgk_binary *b = (dgk_binary *)1;
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_ENOTFOUND);
    ck_assert_ptr_null(b);
    ck_msg_has("prog->kernel \"mangled\" is not an entry of the compiled module (entries: _Z7mangledPi)");
    ck_msg_has("extern \"C\"");
    /* The module compiled and is cached whole: another of its kernels needs no compile. */
    p.kernel = "_Z7mangledPi";
    dgk_origin o;
    ck_assert_int_eq(dgk_compile(&p, &b, &o), DGK_OK);
    ck_assert_int_eq(o, DGK_ORIGIN_MEMORY);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 1);
    dgk_binary_release(b);
    /* PTX output is checked for the entry too. */
    p.kernel = "mangled";
    p.output = DGK_OUTPUT_PTX;
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_ENOTFOUND);
    ck_msg_has("(entries: see the PTX)");
    p.kernel = "_Z7mangledPi";
    ck_assert_int_eq(dgk_compile(&p, &b, &o), DGK_OK);
    ck_assert_int_eq(o, DGK_ORIGIN_MEMORY);
    dgk_binary_release(b);
}
END_TEST

/* ---- the cache key: every input changes it; the same input gives the same key ---- */

static const dgk_header hdr_a[] = {{"h.cuh", "// a"}};
static const dgk_header hdr_b[] = {{"h.cuh", "// b"}};
static const dgk_header hdr_c[] = {{"g.cuh", "// a"}};
static const char *const opt_a[] = {"-DX=1"};
static const char *const opt_b[] = {"-DX=2"};
static const char *const opt_ab[] = {"-DX=1", "-lineinfo"};

static dgk_program key_base(void)
{
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    p.headers = hdr_a;
    p.num_headers = 1;
    p.options = opt_a;
    p.num_options = 1;
    return p;
}

static void k_source(dgk_program *p) { p->source = "// other\n"; }
static void k_name(dgk_program *p) { p->source_name = "other.cu"; }
static void k_arch(dgk_program *p) { p->arch = DGK_ARCH_SM100A; }
static void k_output(dgk_program *p) { p->output = DGK_OUTPUT_PTX; }
static void k_htext(dgk_program *p) { p->headers = hdr_b; }
static void k_hname(dgk_program *p) { p->headers = hdr_c; }
static void k_nohdr(dgk_program *p) { p->num_headers = 0; }
static void k_opt(dgk_program *p) { p->options = opt_b; }
static void k_more_opts(dgk_program *p) { p->options = opt_ab; p->num_options = 2; }

static void (*const key_mutations[])(dgk_program *) = {
    k_source, k_name, k_arch, k_output, k_htext, k_hname, k_nohdr, k_opt, k_more_opts,
};
enum { NMUT = sizeof key_mutations / sizeof key_mutations[0] };

START_TEST(test_key_sensitivity)
{
    char paths[NMUT + 1][512];
    dgk_program p = key_base();
    ck_assert_int_eq(dgk_cache_path(&p, paths[NMUT], sizeof paths[NMUT]), DGK_OK);
    char again[512];
    ck_assert_int_eq(dgk_cache_path(&p, again, sizeof again), DGK_OK);
    ck_assert_str_eq(again, paths[NMUT]);
    ck_assert_ptr_nonnull(strstr(again, getenv("DGK_CACHE_DIR")));
    ck_assert_ptr_nonnull(strstr(again, ".dgkbin"));
    for (int i = 0; i < NMUT; i++) {
        p = key_base();
        key_mutations[i](&p);
        ck_assert_int_eq(dgk_cache_path(&p, paths[i], sizeof paths[i]), DGK_OK);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(paths[i], paths[j]);
        ck_assert_str_ne(paths[i], paths[NMUT]);
    }
    /* The kernel name is not: one module serves all its kernels. */
    p = key_base();
    p.kernel = "another_kernel";
    ck_assert_int_eq(dgk_cache_path(&p, again, sizeof again), DGK_OK);
    ck_assert_str_eq(again, paths[NMUT]);
    /* The compiler is: nvcc results never alias NVRTC's. */
    setenv("DGK_USE_NVCC", "1", 1);
    p = key_base();
    ck_assert_int_eq(dgk_cache_path(&p, again, sizeof again), DGK_OK);
    ck_assert_str_ne(again, paths[NMUT]);
    ck_assert_uint_eq(rt_stats().compiles, 0);
}
END_TEST

/* ---- knobs ---- */

static int exists(const char *dir, const char *suffix)
{
    return rt_count_files(dir, suffix, 0);
}

START_TEST(test_dump_dir)
{
    char dump[400];
    snprintf(dump, sizeof dump, "%s/dump/sub", rt_dir);
    setenv("DGK_DUMP_DIR", dump, 1);
    dgk_program p = {.source = header_src, .kernel = "use_header", .arch = DGK_ARCH_SM90A,
                     .headers = twice_header, .num_headers = 1};
    dgk_binary *b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    ck_assert_int_eq(exists(dump, ".cu"), 1);
    ck_assert_int_eq(exists(dump, ".ptx"), 1);
    ck_assert_int_eq(exists(dump, ".cubin"), 1);
    ck_assert_int_eq(exists(dump, ".log"), 1);
    ck_assert_int_eq(exists(dump, "rt_twice.cuh"), 1);
    ck_assert_int_eq(rt_count_files(dump, "use_header-sm_90a-", 1), 4);
    dgk_binary_release(b);
    /* Dumping compiles every time, so every artefact is written even for a known kernel. */
    b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    dgk_binary_release(b);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 2);
    /* A dump directory that cannot be made is an error naming it. */
    char file[400];
    snprintf(file, sizeof file, "%s/plainfile", rt_dir);
    close(open(file, O_CREAT | O_WRONLY, 0644));
    strcat(file, "/dump");
    setenv("DGK_DUMP_DIR", file, 1);
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_EIO);
    ck_msg_has("DGK_DUMP_DIR: cannot create directory");
    ck_msg_has("plainfile");
}
END_TEST

/* Runs fn with stderr sent to a file; returns the file's text (static buffer). */
static const char *capture_stderr(void (*fn)(void))
{
    static char text[8192];
    char path[400];
    snprintf(path, sizeof path, "%s/stderr.txt", rt_dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static void compile_twice_then_disk(void)
{
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    dgk_binary *b;
    for (int i = 0; i < 3; i++) {
        if (i == 2)
            dgk_cache_clear_memory();
        ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_OK);
        dgk_binary_release(b);
    }
}

START_TEST(test_print_compile)
{
    setenv("DGK_PRINT_COMPILE", "1", 1);
    const char *out = capture_stderr(compile_twice_then_disk);
    ck_assert_ptr_nonnull(strstr(out, "dgk: nvrtc -arch=sm_90a --no-cache --ptxas-options=-v dgk_kernel.cu (kernel dgk_test_add"));
    ck_assert_ptr_nonnull(strstr(out, "dgk: compiled dgk_test_add for sm_90a in "));
    ck_assert_ptr_nonnull(strstr(out, " registers, "));
    ck_assert_ptr_nonnull(strstr(out, "dgk: memory hit dgk_test_add (sm_90a)"));
    ck_assert_ptr_nonnull(strstr(out, "dgk: disk hit dgk_test_add (sm_90a): "));
    /* Quiet unless asked. */
    setenv("DGK_PRINT_COMPILE", "0", 1);
    dgk_cache_clear_memory();
    ck_assert_str_eq(capture_stderr(compile_twice_then_disk), "");
}
END_TEST

START_TEST(test_use_nvcc)
{
    setenv("DGK_USE_NVCC", "1", 1);
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    dgk_binary *b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    size_t n;
    ck_assert_mem_eq(dgk_binary_image(b, &n), "\177ELF", 4);
    ck_assert_int_gt(dgk_report_find(dgk_binary_report(b), "dgk_test_add")->registers, 0);
    ck_assert_uint_eq(rt_stats().compiles, 1);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 0);
    /* nvcc results stay out of the disk cache. */
    ck_assert_uint_eq(rt_stats().disk_writes, 0);
    dgk_binary_release(b);
    /* A path that is no nvcc is an error naming it. */
    setenv("DGK_USE_NVCC", "/nonexistent/bin/nvcc", 1);
    dgk_cache_clear_memory();
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_EIO);
    ck_msg_has("cannot run /nonexistent/bin/nvcc");
}
END_TEST

/* A shell script at rt_dir/NAME with `body`, executable; its path in path. */
static void write_script(const char *name, const char *body, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", rt_dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

/* A source that compiles only once the filter has replaced its marker. */
static const char filter_src[] =
    "extern \"C\" __global__ void dgk_test_add(float *x, float v, int n)\n"
    "{\n"
    "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "    if (i < n)\n"
    "        x[i] += FILTER_ME;\n"
    "}\n";

START_TEST(test_source_filter)
{
    char filter[600], failing[600], plain[512], filtered[512];
    write_script("filter.sh", "sed -i 's/FILTER_ME/v/' \"$1\"", filter, sizeof filter);
    write_script("failing.sh", "echo 'cannot rewrite this kernel'; exit 3", failing, sizeof failing);
    dgk_program p = rt_tiny(DGK_ARCH_SM90A);
    p.source = filter_src;
    /* Unfiltered, the marker is a compile error; filtered, the kernel compiles with NVRTC. */
    dgk_binary *b = NULL;
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_ECOMPILE);
    ck_assert_int_eq(dgk_cache_path(&p, plain, sizeof plain), DGK_OK);
    setenv("DGK_SOURCE_FILTER", filter, 1);
    b = compile_ok(&p, DGK_ORIGIN_COMPILED);
    ck_assert_uint_eq(rt_stats().nvrtc_compiles, 2);
    ck_assert_int_gt(dgk_report_find(dgk_binary_report(b), "dgk_test_add")->registers, 0);
    dgk_binary_release(b);
    /* Keyed apart from the unfiltered source, kept in memory, never on disk. */
    ck_assert_int_eq(dgk_cache_path(&p, filtered, sizeof filtered), DGK_OK);
    ck_assert_str_ne(plain, filtered);
    b = compile_ok(&p, DGK_ORIGIN_MEMORY);
    dgk_binary_release(b);
    ck_assert_uint_eq(rt_stats().disk_writes, 0);
    /* A command that fails is a compile error quoting its output; a missing one names itself. */
    setenv("DGK_SOURCE_FILTER", failing, 1);
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_ECOMPILE);
    ck_msg_has("exited 3 on kernel dgk_test_add");
    ck_msg_has("cannot rewrite this kernel");
    setenv("DGK_SOURCE_FILTER", "/nonexistent/filter", 1);
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_EIO);
    ck_msg_has("cannot run /nonexistent/filter");
    /* No room for its work directory: an error naming the knob. */
    setenv("DGK_SOURCE_FILTER", filter, 1);
    setenv("TMPDIR", "/nonexistent", 1);
    dgk_cache_clear_memory();
    ck_assert_int_eq(dgk_compile(&p, &b, NULL), DGK_EIO);
    ck_msg_has("DGK_SOURCE_FILTER: cannot create a work directory from /nonexistent/dgk-filter-");
    unsetenv("TMPDIR");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("runtime_compile");
    TCase *t = tcase_create("nvrtc");
    tcase_set_timeout(t, 60);
    tcase_add_checked_fixture(t, rt_setup, rt_teardown);
    tcase_add_test(t, test_cubin_sm90a);
    tcase_add_test(t, test_cubin_sm100a);
    tcase_add_test(t, test_ptx);
    tcase_add_test(t, test_headers_by_name);
    tcase_add_test(t, test_spill_report);
    tcase_add_test(t, test_wgmma_serialized_report);
    tcase_add_test(t, test_compile_error);
    tcase_add_test(t, test_kernel_not_an_entry);
    suite_add_tcase(s, t);
    t = tcase_create("key");
    tcase_add_checked_fixture(t, rt_setup, rt_teardown);
    tcase_add_test(t, test_key_sensitivity);
    suite_add_tcase(s, t);
    t = tcase_create("knobs");
    tcase_set_timeout(t, 60);
    tcase_add_checked_fixture(t, rt_setup, rt_teardown);
    tcase_add_test(t, test_dump_dir);
    tcase_add_test(t, test_print_compile);
    tcase_add_test(t, test_use_nvcc);
    tcase_add_test(t, test_source_filter);
    suite_add_tcase(s, t);
    return s;
}

DGK_CHECK_MAIN(make_suite)
