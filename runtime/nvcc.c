/* nvcc.c - the debugging back end selected by DGK_USE_NVCC: writes the program and its
 * headers into a fresh directory under $TMPDIR, runs nvcc -cubin (or -ptx) with
 * -Xptxas -v, and reads back the image and the log. Same input and output as nvrtc.c.
 * The disk cache is not used for its results (compile.c): the key cannot name the nvcc
 * version without running nvcc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"

enum { PATH_LEN = 1200, FIXED_ARGS = 12 };

typedef struct workdir {
    char dir[PATH_LEN];
    char src[PATH_LEN], out[PATH_LEN], log[PATH_LEN], inc[PATH_LEN];
} workdir;

static dgk_status make_workdir(const dgk_program *p, workdir *w)
{
    dgk_status s = dgk_temp_dir(w->dir, sizeof w->dir, "nvcc", "DGK_USE_NVCC");
    if (s == DGK_OK)
        s = dgk_path(w->src, sizeof w->src, "%s/dgk_kernel.cu", w->dir);
    if (s == DGK_OK)
        s = dgk_path(w->out, sizeof w->out, "%s/out.bin", w->dir);
    if (s == DGK_OK)
        s = dgk_path(w->log, sizeof w->log, "%s/log.txt", w->dir);
    if (s == DGK_OK)
        s = dgk_path(w->inc, sizeof w->inc, "-I%s", w->dir);
    if (s == DGK_OK)
        s = dgk_write_file(w->src, p->source, strlen(p->source));
    for (int i = 0; s == DGK_OK && i < p->num_headers; i++) {
        char path[PATH_LEN];
        s = dgk_path(path, sizeof path, "%s/%s", w->dir, p->headers[i].name);
        if (s == DGK_OK)
            s = dgk_write_file(path, p->headers[i].text, strlen(p->headers[i].text));
    }
    return s;
}

static void remove_workdir(const dgk_program *p, const workdir *w)
{
    for (int i = 0; i < p->num_headers; i++) {
        char path[PATH_LEN];
        if (dgk_path(path, sizeof path, "%s/%s", w->dir, p->headers[i].name) == DGK_OK)
            unlink(path);
    }
    unlink(w->src);
    unlink(w->out);
    unlink(w->log);
    rmdir(w->dir);
}

/* nvcc -cubin -arch=sm_90a -Xptxas -v OPTIONS -I DIR -o OUT SRC */
static char **command(const dgk_program *p, const dgk_env *env, workdir *w, char arch[32])
{
    char **a = calloc((size_t)p->num_options + FIXED_ARGS, sizeof *a);
    if (!a)
        return NULL;
    int cubin = p->output == DGK_OUTPUT_CUBIN, k = 0;
    snprintf(arch, 32, "-arch=%s", dgk_arch_name(p->arch));
    a[k++] = (char *)env->nvcc;
    a[k++] = cubin ? "-cubin" : "-ptx";
    a[k++] = arch;
    if (cubin)
        a[k++] = "-Xptxas", a[k++] = "-v";
    for (int i = 0; i < p->num_options; i++)
        a[k++] = (char *)p->options[i];
    a[k++] = w->inc;
    a[k++] = "-o";
    a[k++] = w->out;
    a[k++] = w->src;
    return a;
}

static void print_command(char **argv)
{
    fprintf(stderr, "dgk:");
    for (int i = 0; argv[i]; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "\n");
}

/* After nvcc ran: its exit status and log decide; the image is read back. */
static dgk_status collect(const dgk_program *p, const uint8_t key[16], int rc, workdir *w,
                          dgk_build *out)
{
    char *log = NULL, *image = NULL;
    size_t log_len = 0, image_len = 0;
    if (dgk_read_file(w->log, &log, &log_len) != DGK_OK)
        return dgk_fail(DGK_ECOMPILE, "DGK_USE_NVCC: nvcc left no log in %s", w->log);
    if (rc != 0) {
        dgk_fail(DGK_ECOMPILE, "dgk_compile: nvcc could not compile kernel %s for %s (exit %d):\n%.3000s",
                 p->kernel, dgk_arch_name(p->arch), rc, log);
        free(log);
        return DGK_ECOMPILE;
    }
    if (dgk_read_file(w->out, &image, &image_len) != DGK_OK) {
        free(log);
        return dgk_fail(DGK_ECOMPILE, "DGK_USE_NVCC: nvcc wrote no output %s", w->out);
    }
    if (p->output == DGK_OUTPUT_PTX)
        image_len++;   /* the NUL byte is part of a PTX image, as NVRTC counts it */
    return dgk_binary_new(key, log, log_len, image, image_len, &out->bin);
}

dgk_status dgk_nvcc_compile(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                            dgk_build *out)
{
    workdir w = {0};
    char arch[32];
    dgk_status s = make_workdir(p, &w);
    char **argv = s == DGK_OK ? command(p, env, &w, arch) : NULL;
    if (s == DGK_OK && !argv)
        s = dgk_fail(DGK_ENOMEM, "out of memory building the nvcc command");
    if (s == DGK_OK) {
        if (env->print_compile)
            print_command(argv);
        double t0 = dgk_now();
        int rc = dgk_spawn(argv, w.log);
        out->seconds = dgk_now() - t0;
        dgk_stat_add(DGK_STAT_COMPILES);
        s = rc < 0 ? DGK_EIO : collect(p, key, rc, &w, out);
    }
    free(argv);
    remove_workdir(p, &w);
    return s;
}
