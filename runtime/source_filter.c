/* source_filter.c - DGK_SOURCE_FILTER: a program's CUDA source passed through a command
 * before it is compiled, for timing a variant of a generated kernel in the stock compile
 * path (nvcc builds the same source differently: DGK_USE_NVCC is not for timing, see
 * runtime/README.md). The command gets the path of a file holding the source as its only
 * argument, rewrites the file in place and exits 0; anything else is a compile error that
 * quotes its output. Its results are keyed apart from unfiltered builds and never stored
 * on disk (compile.c): the key cannot know what the command does. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt.h"

enum { PATH_LEN = 1200 };

typedef struct filter_dir {
    char dir[PATH_LEN], src[PATH_LEN], log[PATH_LEN];
} filter_dir;

static dgk_status make_dir(filter_dir *f)
{
    dgk_status s = dgk_temp_dir(f->dir, sizeof f->dir, "filter", "DGK_SOURCE_FILTER");
    if (s == DGK_OK)
        s = dgk_path(f->src, sizeof f->src, "%s/dgk_kernel.cu", f->dir);
    if (s == DGK_OK)
        s = dgk_path(f->log, sizeof f->log, "%s/log.txt", f->dir);
    return s;
}

/* The command's exit status and output decide; the rewritten file is read back. */
static dgk_status run(const dgk_program *p, const dgk_env *env, filter_dir *f, char **out)
{
    char *argv[] = {(char *)env->source_filter, f->src, NULL};
    int rc = dgk_spawn(argv, f->log);
    if (rc < 0)
        return dgk_fail_prefix(DGK_EIO, "DGK_SOURCE_FILTER");
    if (rc != 0) {
        char *log = NULL;
        size_t len = 0;
        int have = dgk_read_file(f->log, &log, &len) == DGK_OK;
        dgk_status s = dgk_fail(DGK_ECOMPILE, "DGK_SOURCE_FILTER: %s exited %d on kernel %s:\n%.2000s",
                                env->source_filter, rc, p->kernel, have ? log : "(no output)");
        free(log);
        return s;
    }
    size_t len = 0;
    if (dgk_read_file(f->src, out, &len) != DGK_OK)
        return dgk_fail(DGK_ECOMPILE, "DGK_SOURCE_FILTER: %s left no source in %s", env->source_filter, f->src);
    return DGK_OK;
}

dgk_status dgk_filter_source(const dgk_program *p, const dgk_env *env, char **out)
{
    filter_dir f = {0};
    *out = NULL;
    dgk_status s = make_dir(&f);
    if (s == DGK_OK)
        s = dgk_write_file(f.src, p->source, strlen(p->source));
    if (s == DGK_OK)
        s = run(p, env, &f, out);
    unlink(f.src);
    unlink(f.log);
    if (f.dir[0])
        rmdir(f.dir);
    return s;
}
