/* rt_fixture.h - what the runtime's Check tests share: a fresh temporary DGK_CACHE_DIR per
 * test (created by the setup fixture, removed by the teardown; in fork mode each test is
 * its own process, so its environment and memory cache start clean), a tiny kernel, and
 * small file helpers. */
#ifndef DGK_RT_FIXTURE_H
#define DGK_RT_FIXTURE_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dgk.h"

static char rt_dir[256] __attribute__((unused));

static const char rt_tiny_src[] __attribute__((unused)) =
    "extern \"C\" __global__ void dgk_test_add(float *x, float v, int n)\n"
    "{\n"
    "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "    if (i < n)\n"
    "        x[i] += v;\n"
    "}\n";

static inline dgk_program rt_tiny(dgk_arch arch)
{
    dgk_program p = {.source = rt_tiny_src, .kernel = "dgk_test_add", .arch = arch};
    return p;
}

static inline void rt_rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1024];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rt_rm_tree(path);
        else
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static inline void rt_setup(void)
{
    snprintf(rt_dir, sizeof rt_dir, "%s/dgk-rt-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(rt_dir));
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", rt_dir);
    setenv("DGK_CACHE_DIR", cache, 1);
    unsetenv("DGK_DISABLE_CACHE");
    unsetenv("DGK_DUMP_DIR");
    unsetenv("DGK_DUMP_SASS");
    unsetenv("DGK_PRINT_COMPILE");
    unsetenv("DGK_USE_NVCC");
    unsetenv("DGK_SOURCE_FILTER");
}

static inline void rt_teardown(void)
{
    rt_rm_tree(rt_dir);
}

/* Files in `dir` whose names end in `suffix` (or start with it when prefix is set). */
static inline int rt_count_files(const char *dir, const char *affix, int prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    size_t k = strlen(affix);
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (prefix ? strncmp(e->d_name, affix, k) == 0
                   : len >= k && strcmp(e->d_name + len - k, affix) == 0)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

static inline long rt_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static inline dgk_cache_stats rt_stats(void)
{
    dgk_cache_stats s;
    dgk_cache_stats_get(&s);
    return s;
}

#endif
