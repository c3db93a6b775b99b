/* env.c - the environment knobs (documented in runtime/README.md). They are read on the
 * slow path (each compile request), never on a launch, so a test or a user may change
 * them between calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* Set and not one of "", "0", "no", "false", "off". */
static int flag(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        return 0;
    static const char *const off[] = {"", "0", "no", "false", "off"};
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        if (strcmp(v, off[i]) == 0)
            return 0;
    return 1;
}

static void cache_dir(char *buf, size_t size)
{
    const char *dir = getenv("DGK_CACHE_DIR");
    const char *home = getenv("HOME");
    buf[0] = '\0';
    if (dir && dir[0])
        snprintf(buf, size, "%s", dir);
    else if (home && home[0])
        snprintf(buf, size, "%s/.cache/dgk", home);
}

/* DGK_USE_NVCC=1 runs $CUDA_HOME/bin/nvcc; a value with a '/' is the nvcc to run. */
static void nvcc_path(const dgk_env *e, char *buf, size_t size)
{
    const char *v = getenv("DGK_USE_NVCC");
    buf[0] = '\0';
    if (!flag("DGK_USE_NVCC"))
        return;
    if (strchr(v, '/'))
        snprintf(buf, size, "%s", v);
    else
        snprintf(buf, size, "%s/bin/nvcc", e->cuda_home);
}

void dgk_env_read(dgk_env *e)
{
    const char *home = getenv("CUDA_HOME");
    const char *dump = getenv("DGK_DUMP_DIR");
    e->cuda_home = home && home[0] ? home : "/usr/local/cuda";
    cache_dir(e->cache_dir, sizeof e->cache_dir);
    e->disable_cache = flag("DGK_DISABLE_CACHE");
    e->dump_dir = dump && dump[0] ? dump : NULL;
    e->dump_sass = flag("DGK_DUMP_SASS");
    e->print_compile = flag("DGK_PRINT_COMPILE");
    e->debug = flag("DGK_DEBUG");
    nvcc_path(e, e->nvcc, sizeof e->nvcc);
    const char *filter = getenv("DGK_SOURCE_FILTER");
    snprintf(e->source_filter, sizeof e->source_filter, "%s", filter ? filter : "");
}

const char *dgk_env_driver_path(void)
{
    const char *v = getenv("DGK_CUDA_DRIVER");
    return v && v[0] ? v : "libcuda.so.1";
}
