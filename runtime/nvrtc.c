/* nvrtc.c - the default compiler back end: NVRTC, linked normally (it ships with every
 * toolkit we build with). Input: a validated dgk_program; output: a dgk_binary holding
 * the cubin (or PTX) and the log with ptxas's -v report, plus the PTX text when a dump
 * wants it. Needs no GPU. */
#include <nvrtc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static pthread_once_t id_once = PTHREAD_ONCE_INIT;
static char id[32];

static void init_id(void)
{
    int major = 0, minor = 0;
    nvrtcVersion(&major, &minor);
    snprintf(id, sizeof id, "nvrtc %d.%d", major, minor);
}

const char *dgk_nvrtc_id(void)
{
    pthread_once(&id_once, init_id);
    return id;
}

static const char *source_name(const dgk_program *p)
{
    return p->source_name ? p->source_name : "dgk_kernel.cu";
}

/* -arch=sm_90a for a cubin with ptxas's report; -arch=compute_90a for PTX. --no-cache:
 * NVRTC (12.9+) keeps its own cache of ptxas results, and a compile it answers from
 * there prints no -v report; we have our cache, and every compile must report. Returns
 * the option vector (malloc'd; the program's options follow ours) and its length. */
static const char **options(const dgk_program *p, char arch[32], int *n)
{
    const char **o = malloc(((size_t)p->num_options + 3) * sizeof *o);
    if (!o)
        return NULL;
    const char *name = dgk_arch_name(p->arch);
    if (p->output == DGK_OUTPUT_PTX)
        snprintf(arch, 32, "-arch=compute_%s", name + 3);
    else
        snprintf(arch, 32, "-arch=%s", name);
    int k = 0;
    o[k++] = arch;
    o[k++] = "--no-cache";
    if (p->output == DGK_OUTPUT_CUBIN)
        o[k++] = "--ptxas-options=-v";
    for (int i = 0; i < p->num_options; i++)
        o[k++] = p->options[i];
    *n = k;
    return o;
}

static nvrtcResult create(nvrtcProgram *prog, const dgk_program *p)
{
    int n = p->num_headers;
    const char **texts = malloc(((size_t)n + 1) * sizeof *texts);
    const char **names = malloc(((size_t)n + 1) * sizeof *names);
    nvrtcResult r = NVRTC_ERROR_OUT_OF_MEMORY;
    if (texts && names) {
        for (int i = 0; i < n; i++) {
            texts[i] = p->headers[i].text;
            names[i] = p->headers[i].name;
        }
        r = nvrtcCreateProgram(prog, p->source, source_name(p), n, texts, names);
    }
    free(texts);
    free(names);
    return r;
}

/* The compile log, NUL-terminated and malloc'd ("" when NVRTC has none). */
static char *get_log(nvrtcProgram prog, size_t *len)
{
    size_t n = 0;
    if (nvrtcGetProgramLogSize(prog, &n) != NVRTC_SUCCESS || n == 0)
        n = 1;
    char *log = calloc(1, n);
    if (log && n > 1 && nvrtcGetProgramLog(prog, log) != NVRTC_SUCCESS)
        log[0] = '\0';
    *len = log ? strlen(log) : 0;
    return log;
}

/* The cubin or the PTX, with a NUL byte after it. */
static void *get_output(nvrtcProgram prog, int ptx, size_t *len)
{
    size_t n = 0;
    nvrtcResult r = ptx ? nvrtcGetPTXSize(prog, &n) : nvrtcGetCUBINSize(prog, &n);
    char *buf = r == NVRTC_SUCCESS && n ? malloc(n + 1) : NULL;
    if (!buf)
        return NULL;
    r = ptx ? nvrtcGetPTX(prog, buf) : nvrtcGetCUBIN(prog, buf);
    if (r != NVRTC_SUCCESS) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* DGK_PRINT_COMPILE: the compile as a command line. */
static void print_command(const char **opts, int n, const dgk_program *p)
{
    fprintf(stderr, "dgk: nvrtc");
    for (int i = 0; i < n; i++)
        fprintf(stderr, " %s", opts[i]);
    fprintf(stderr, " %s (kernel %s, %d headers)\n", source_name(p), p->kernel, p->num_headers);
}

static dgk_status compile_failed(const dgk_program *p, nvrtcResult r, const char *log,
                                 const dgk_env *env)
{
    if (env->print_compile)
        fprintf(stderr, "dgk: NVRTC log for %s:\n%s\n", source_name(p), log ? log : "");
    return dgk_fail(DGK_ECOMPILE, "dgk_compile: NVRTC could not compile %s (kernel %s) for %s: %s\n%.3000s",
                    source_name(p), p->kernel, dgk_arch_name(p->arch), nvrtcGetErrorString(r),
                    log ? log : "");
}

/* After a successful compile: the image, the log and (for dumps) the PTX. */
static dgk_status collect(nvrtcProgram prog, const dgk_program *p, const uint8_t key[16],
                          const dgk_env *env, dgk_build *out)
{
    size_t log_len = 0, image_len = 0, ptx_len = 0;
    char *log = get_log(prog, &log_len);
    void *image = get_output(prog, p->output == DGK_OUTPUT_PTX, &image_len);
    if (env->dump_dir)
        out->ptx = get_output(prog, 1, &ptx_len);
    if (!log || !image) {
        free(log);
        free(image);
        return dgk_fail(DGK_ECOMPILE, "dgk_compile: NVRTC produced no %s for %s",
                        p->output == DGK_OUTPUT_PTX ? "PTX" : "cubin", source_name(p));
    }
    return dgk_binary_new(key, log, log_len, image, image_len, &out->bin);
}

dgk_status dgk_nvrtc_compile(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                             dgk_build *out)
{
    char arch[32];
    int n = 0;
    nvrtcProgram prog;
    const char **opts = options(p, arch, &n);
    if (!opts || create(&prog, p) != NVRTC_SUCCESS) {
        free(opts);
        return dgk_fail(DGK_ENOMEM, "dgk_compile: NVRTC could not create a program for %s",
                        source_name(p));
    }
    if (env->print_compile)
        print_command(opts, n, p);
    double t0 = dgk_now();
    nvrtcResult r = nvrtcCompileProgram(prog, n, opts);
    out->seconds = dgk_now() - t0;
    dgk_stat_add(DGK_STAT_COMPILES);
    dgk_stat_add(DGK_STAT_NVRTC);
    free(opts);
    dgk_status s;
    if (r != NVRTC_SUCCESS) {
        size_t len;
        char *log = get_log(prog, &len);
        s = compile_failed(p, r, log, env);
        free(log);
    } else {
        s = collect(prog, p, key, env, out);
    }
    nvrtcDestroyProgram(&prog);
    return s;
}
