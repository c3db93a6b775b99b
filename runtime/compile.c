/* compile.c - dgk_compile: the cache in front of the compilers. A request is checked,
 * keyed (program.c), then served from memory (cache_mem.c), else from disk
 * (cache_disk.c), else compiled (nvrtc.c, or nvcc.c under DGK_USE_NVCC; its source first
 * through DGK_SOURCE_FILTER's command, source_filter.c), dumped (dump.c)
 * and stored in both layers; whichever way it came, it must define the requested kernel. DGK_PRINT_COMPILE reports each step
 * on stderr: the one place the runtime prints, because the user asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

void dgk_compile_key(const dgk_program *p, const dgk_env *env, uint8_t key[16])
{
    /* a filtered build is another build of the same program: its key names the filter */
    char id[1200];
    snprintf(id, sizeof id, "%s%s%s", env->nvcc[0] ? "nvcc" : dgk_nvrtc_id(), env->source_filter[0] ? " filtered by " : "",
             env->source_filter);
    dgk_program_key(p, id, key);
}

/* ".entry NAME(" or ".entry NAME" then white space, in PTX text. */
static int ptx_has_entry(const char *ptx, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = ptx; (p = strstr(p, ".entry ")); p += 7) {
        const char *q = p + 7;
        if (strncmp(q, name, n) == 0 && q[n] && strchr("( \t\r\n", q[n]))
            return 1;
    }
    return 0;
}

static dgk_status check_entry(const dgk_program *p, const dgk_binary *b)
{
    const dgk_func_report *f = dgk_report_find(&b->report, p->kernel);
    if (p->output == DGK_OUTPUT_PTX ? ptx_has_entry(b->image, p->kernel) : f && f->is_entry)
        return DGK_OK;
    if (p->output == DGK_OUTPUT_CUBIN && b->report.num_funcs == 0)
        return dgk_fail(DGK_ECOMPILE,
                        "dgk_compile: the compiler's log for kernel %s has no ptxas report, so its "
                        "registers and spills are unknown (log: \"%.300s\")",
                        p->kernel, b->log);
    char list[512] = "";
    for (int i = 0; i < b->report.num_funcs; i++)
        if (b->funcs[i].is_entry && strlen(list) + strlen(b->funcs[i].name) + 3 < sizeof list)
            strcat(strcat(list, list[0] ? ", " : ""), b->funcs[i].name);
    return dgk_fail(DGK_ENOTFOUND,
                    "dgk_compile: prog->kernel \"%s\" is not an entry of the compiled module "
                    "(entries: %s); declare it extern \"C\" __global__",
                    p->kernel, list[0] ? list : p->output == DGK_OUTPUT_PTX ? "see the PTX" : "none");
}

/* Hands `b` to the caller if it has the program's kernel; a module is cached whole, so
 * a request for a kernel it lacks is answered here, whatever the binary's origin. */
static dgk_status checked(const dgk_program *p, dgk_binary *b, dgk_binary **out)
{
    dgk_status s = check_entry(p, b);
    if (s != DGK_OK) {
        dgk_binary_release(b);
        return s;
    }
    *out = b;
    return DGK_OK;
}

static void print_compiled(const dgk_program *p, const dgk_build *b)
{
    const dgk_func_report *f = dgk_report_find(&b->bin->report, p->kernel);
    fprintf(stderr, "dgk: compiled %s for %s in %.3f s", p->kernel, dgk_arch_name(p->arch),
            b->seconds);
    if (f)
        fprintf(stderr, ": %d registers, %d B smem, %d B stack, %d B spill stores, %d B spill loads%s%s",
                f->registers, f->smem_bytes, f->stack_bytes, f->spill_store_bytes,
                f->spill_load_bytes, f->wgmma_serialized ? ", wgmma serialized: " : "",
                f->wgmma_serialized && f->wgmma_reason ? f->wgmma_reason : "");
    fprintf(stderr, "\n");
}

static dgk_status from_disk(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                            dgk_binary **out)
{
    char why[128], path[1100];
    double t0 = dgk_now();
    dgk_status s = dgk_disk_load(env->cache_dir, key, out, why, sizeof why);
    if (s != DGK_OK || !(*out || why[0]))
        return s;
    dgk_disk_path(env->cache_dir, key, path, sizeof path);
    if (*out)
        dgk_stat_add(DGK_STAT_DISK_HITS);
    else
        dgk_stat_add(DGK_STAT_DISK_REBUILDS);
    if (env->print_compile && *out)
        fprintf(stderr, "dgk: disk hit %s (%s): %s, %.3f ms\n", p->kernel,
                dgk_arch_name(p->arch), path, (dgk_now() - t0) * 1e3);
    else if (env->print_compile)
        fprintf(stderr, "dgk: cache entry %s is unusable (%s): rebuilding\n", path, why);
    return DGK_OK;
}

/* The disk cache serves NVRTC builds of unfiltered sources only: its key cannot name the
 * nvcc version, nor what a source filter does. */
static int on_disk(const dgk_env *env)
{
    return !env->nvcc[0] && !env->source_filter[0];
}

/* Compile (the source through DGK_SOURCE_FILTER first, if set). */
static dgk_status compile_source(const dgk_program *p, const uint8_t key[16], const dgk_env *env, dgk_build *b)
{
    dgk_program q = *p;
    char *filtered = NULL;
    if (env->source_filter[0]) {
        dgk_status s = dgk_filter_source(p, env, &filtered);
        if (s != DGK_OK)
            return s;
        q.source = filtered;
    }
    dgk_status s = env->nvcc[0] ? dgk_nvcc_compile(&q, key, env, b) : dgk_nvrtc_compile(&q, key, env, b);
    if (s == DGK_OK && env->dump_dir)
        s = dgk_dump(env, &q, b);
    free(filtered);
    return s;
}

/* Compile, check, dump, store on disk. Returns the new binary in b->bin. */
static dgk_status build(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                        dgk_build *b)
{
    dgk_status s = compile_source(p, key, env, b);
    if (s == DGK_OK && env->print_compile)
        print_compiled(p, b);
    if (s == DGK_OK && !env->disable_cache && on_disk(env))
        s = dgk_disk_store(env->cache_dir, b->bin);
    return s;
}

static void set_origin(dgk_origin *origin, dgk_origin o)
{
    if (origin)
        *origin = o;
}

dgk_status dgk_compile_keyed(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                             dgk_binary **out, dgk_origin *origin)
{
    /* A dump wants every artefact, so it compiles even when the cache has the binary. */
    int lookup = !env->disable_cache && !env->dump_dir;
    dgk_binary *b = lookup ? dgk_mem_get(key) : NULL;
    if (b) {
        if (env->print_compile)
            fprintf(stderr, "dgk: memory hit %s (%s)\n", p->kernel, dgk_arch_name(p->arch));
        dgk_stat_add(DGK_STAT_MEM_HITS);
        set_origin(origin, DGK_ORIGIN_MEMORY);
        return checked(p, b, out);
    }
    dgk_status s = lookup && on_disk(env) ? from_disk(p, key, env, &b) : DGK_OK;
    if (s != DGK_OK)
        return s;
    set_origin(origin, b ? DGK_ORIGIN_DISK : DGK_ORIGIN_COMPILED);
    dgk_build bd = {.bin = b};
    if (!b && (s = build(p, key, env, &bd)) != DGK_OK) {
        dgk_binary_release(bd.bin);
        free(bd.ptx);
        return s;
    }
    free(bd.ptx);
    b = env->disable_cache ? dgk_binary_retain(bd.bin) : dgk_mem_put(bd.bin);
    dgk_binary_release(bd.bin);
    return checked(p, b, out);
}

/* Validates `prog` (errors name `fn`), reads the environment and derives the cache key. */
static dgk_status checked_key(const char *fn, const dgk_program *prog, dgk_env *env, uint8_t key[16])
{
    dgk_status s = dgk_program_check(fn, prog);
    if (s != DGK_OK)
        return s;
    dgk_env_read(env);
    dgk_compile_key(prog, env, key);
    return DGK_OK;
}

dgk_status dgk_compile(const dgk_program *prog, dgk_binary **out, dgk_origin *origin)
{
    if (!out)
        return dgk_fail(DGK_EINVAL, "dgk_compile: out is NULL");
    *out = NULL;
    dgk_env env;
    uint8_t key[16];
    dgk_status s = checked_key("dgk_compile", prog, &env, key);
    return s != DGK_OK ? s : dgk_compile_keyed(prog, key, &env, out, origin);
}

dgk_status dgk_cache_path(const dgk_program *prog, char *buf, size_t size)
{
    if (!buf || size == 0)
        return dgk_fail(DGK_EINVAL, "dgk_cache_path: buf is NULL or size is 0");
    dgk_env env;
    uint8_t key[16];
    dgk_status s = checked_key("dgk_cache_path", prog, &env, key);
    return s != DGK_OK ? s : dgk_disk_path(env.cache_dir, key, buf, size);
}
