/* dump.c - DGK_DUMP_DIR: after each compile, writes what went in and what came out so a
 * developer can read it: DIR/KERNEL-ARCH-KEY.cu (the source), DIR/HEADER for each header,
 * .log (compiler log with ptxas's report), .ptx, .cubin, and with DGK_DUMP_SASS=1 the
 * SASS from cuobjdump (.sass). A dump that cannot be written is an error: the user asked
 * for it. */
#include <stdio.h>
#include <string.h>

#include "rt.h"

enum { PATH_LEN = 1200 };

static dgk_status put(const char *base, const char *ext, const void *data, size_t len)
{
    char path[PATH_LEN];
    dgk_status s = dgk_path(path, sizeof path, "%s%s", base, ext);
    if (s == DGK_OK)
        s = dgk_write_file(path, data, len);
    return s == DGK_OK ? s : dgk_fail_prefix(s, "DGK_DUMP_DIR");
}

static dgk_status sass(const dgk_env *env, const char *base)
{
    char tool[PATH_LEN], cubin[PATH_LEN], out[PATH_LEN];
    if (dgk_path(tool, sizeof tool, "%s/bin/cuobjdump", env->cuda_home) != DGK_OK ||
        dgk_path(cubin, sizeof cubin, "%s.cubin", base) != DGK_OK ||
        dgk_path(out, sizeof out, "%s.sass", base) != DGK_OK)
        return dgk_fail_prefix(DGK_EIO, "DGK_DUMP_SASS");
    char *argv[] = {tool, "-sass", cubin, NULL};
    int rc = dgk_spawn(argv, out);
    if (rc < 0)
        return dgk_fail_prefix(DGK_EIO, "DGK_DUMP_SASS (is CUDA_HOME right?)");
    if (rc != 0)
        return dgk_fail(DGK_EIO, "DGK_DUMP_SASS: %s exited with %d; see %s", tool, rc, out);
    return DGK_OK;
}

static dgk_status headers(const dgk_env *env, const dgk_program *p)
{
    dgk_status s = DGK_OK;
    for (int i = 0; s == DGK_OK && i < p->num_headers; i++) {
        char path[PATH_LEN];
        s = dgk_path(path, sizeof path, "%s/%s", env->dump_dir, p->headers[i].name);
        if (s == DGK_OK)
            s = put(path, "", p->headers[i].text, strlen(p->headers[i].text));
    }
    return s;
}

dgk_status dgk_dump(const dgk_env *env, const dgk_program *p, const dgk_build *b)
{
    char base[PATH_LEN], hex[33];
    dgk_status s = dgk_mkdirs(env->dump_dir);
    if (s != DGK_OK)
        return dgk_fail_prefix(s, "DGK_DUMP_DIR");
    dgk_key_hex(b->bin->key, hex);
    hex[16] = '\0';
    if (dgk_path(base, sizeof base, "%s/%s-%s-%s", env->dump_dir, p->kernel,
                 dgk_arch_name(p->arch), hex) != DGK_OK)
        return dgk_fail_prefix(DGK_EIO, "DGK_DUMP_DIR");
    int cubin = p->output == DGK_OUTPUT_CUBIN;
    const char *ptx = cubin ? b->ptx : b->bin->image;
    s = put(base, ".cu", p->source, strlen(p->source));
    if (s == DGK_OK)
        s = headers(env, p);
    if (s == DGK_OK)
        s = put(base, ".log", b->bin->log, b->bin->log_len);
    if (s == DGK_OK && ptx)
        s = put(base, ".ptx", ptx, strlen(ptx));
    if (s == DGK_OK && cubin)
        s = put(base, ".cubin", b->bin->image, b->bin->image_len);
    if (s == DGK_OK && cubin && env->dump_sass)
        s = sass(env, base);
    return s;
}
