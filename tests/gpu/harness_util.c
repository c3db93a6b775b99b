/* harness_util.c - host-side odds and ends of the GPU harness: the error message,
 * names and sizes of dtypes/layouts/recipes, problem arithmetic (bytes, flops, diff
 * bar), device description for report headers, allocation, the median.
 * Pure host C; the only CUDA calls are runtime queries and cudaMalloc/cudaFree. */
#include "harness.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char err_buf[1024];

void gh_set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_buf, sizeof err_buf, fmt, ap);
    va_end(ap);
}

const char *gh_error(void)
{
    return err_buf[0] ? err_buf : "no error recorded";
}

/* --- names ------------------------------------------------------------------------- */

static const struct { const char *name; size_t bytes; } dtypes[] = {
#define X(id, name, bytes) { name, bytes },
    GH_DTYPES(X)
#undef X
};

static const struct { const char *name; int a_kmajor, b_kmajor; } layouts[] = {
#define X(id, name, a_kmajor, b_kmajor) { name, a_kmajor, b_kmajor },
    GH_LAYOUTS(X)
#undef X
};

static const char *const recipes[] = {
#define X(id, name) name,
    GH_RECIPES(X)
#undef X
};

const char *gh_dtype_name(gh_dtype t) { return dtypes[t].name; }
size_t gh_dtype_bytes(gh_dtype t) { return dtypes[t].bytes; }
const char *gh_layout_name(gh_layout l) { return layouts[l].name; }
int gh_layout_a_kmajor(gh_layout l) { return layouts[l].a_kmajor; }
int gh_layout_b_kmajor(gh_layout l) { return layouts[l].b_kmajor; }
const char *gh_recipe_name(gh_recipe r) { return recipes[r]; }

int gh_layout_parse(const char *s)
{
    for (int l = 0; l < GH_LAYOUT_COUNT; l++)
        if (strlen(s) == 2 && toupper((unsigned char)s[0]) == layouts[l].name[0] &&
            toupper((unsigned char)s[1]) == layouts[l].name[1])
            return l;
    return -1;
}

void gh_problem_str(const gh_problem *p, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s M=%d N=%d K=%d out=%s%s", gh_dtype_name(p->in),
             gh_layout_name(p->layout), p->m, p->n, p->k, gh_dtype_name(p->out),
             p->has_c ? " +C" : "");
}

/* --- arithmetic --------------------------------------------------------------------- */

int64_t gh_align(int64_t x, int64_t to) { return (x + to - 1) / to * to; }
int64_t gh_cdiv(int64_t x, int64_t y) { return (x + y - 1) / y; }

static double scale_bytes(const gh_problem *p)
{
    switch (p->recipe) {
    case GH_RECIPE_TENSOR:
        return 8.0;
    case GH_RECIPE_BLOCK:
    case GH_RECIPE_BLOCK_UE8M0:
        return 4.0 * ((double)(p->k / 128) * p->m + (double)gh_cdiv(p->n, 128) * (p->k / 128));
    case GH_RECIPE_WGRAD:
        return 4.0 * (double)(p->k / 128) * ((double)p->m + p->n);
    default:
        return 0.0;
    }
}

double gh_problem_bytes(const gh_problem *p)
{
    double in = (double)gh_dtype_bytes(p->in) * ((double)p->m * p->k + (double)p->n * p->k);
    double out = (double)gh_dtype_bytes(p->out) * p->m * p->n * (p->has_c ? 2 : 1);
    return in + out + scale_bytes(p);
}

double gh_problem_flops(const gh_problem *p)
{
    return 2.0 * p->m * p->n * (double)p->k;
}

double gh_diff_bar(const gh_problem *p)
{
    return p->in == GH_E4M3 ? 1e-3 : 1e-5;
}

/* --- device -------------------------------------------------------------------------- */

/* The kernel module version from /proc/driver/nvidia/version: the first token of the
 * form digits.digits after "Kernel Module" (absent in some containers). */
static void read_driver_string(char *out, size_t len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/driver/nvidia/version", "r");
    if (!f)
        return;
    char line[512];
    if (fgets(line, sizeof line, f)) {
        char *p = strstr(line, "Kernel Module");
        for (p = p ? p : line; *p; p++) {
            if (isdigit((unsigned char)*p) && strchr(p, '.')) {
                size_t n = strspn(p, "0123456789.");
                if (n > 2 && n < len) {
                    memcpy(out, p, n);
                    out[n] = 0;
                }
                break;
            }
        }
    }
    fclose(f);
}

int gh_device_info(gh_device *d)
{
    struct cudaDeviceProp prop;
    int dev = 0;
    memset(d, 0, sizeof *d);
    GH_CUDA(cudaGetDevice(&dev));
    GH_CUDA(cudaGetDeviceProperties(&prop, dev));
    snprintf(d->name, sizeof d->name, "%s", prop.name);
    d->sms = prop.multiProcessorCount;
    d->cc_major = prop.major;
    d->cc_minor = prop.minor;
    d->l2_bytes = (size_t)prop.l2CacheSize;
    d->mem_bytes = prop.totalGlobalMem;
    GH_CUDA(cudaRuntimeGetVersion(&d->runtime_version));
    GH_CUDA(cudaDriverGetVersion(&d->driver_version));
    read_driver_string(d->driver, sizeof d->driver);
    return GH_OK;
}

void gh_device_str(const gh_device *d, char *buf, size_t len)
{
    snprintf(buf, len,
             "%s (sm_%d%d, %d SMs, %zu MB L2, %.0f GB), CUDA runtime %d.%d, driver %s (CUDA %d.%d)",
             d->name, d->cc_major, d->cc_minor, d->sms, d->l2_bytes >> 20,
             (double)d->mem_bytes / 1e9, d->runtime_version / 1000,
             d->runtime_version % 1000 / 10, d->driver, d->driver_version / 1000,
             d->driver_version % 1000 / 10);
}

void gh_now_str(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

int gh_malloc(void **p, size_t bytes)
{
    *p = NULL;
    cudaError_t e = cudaMalloc(p, bytes ? bytes : 1);
    if (e != cudaSuccess) {
        gh_set_error("cudaMalloc(%zu bytes): %s", bytes, cudaGetErrorString(e));
        *p = NULL;
        return GH_ERROR;
    }
    return GH_OK;
}

void gh_free(void *p)
{
    if (p)
        cudaFree(p);
}

/* --- statistics ----------------------------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double gh_median(double *v, int n)
{
    if (n <= 0)
        return 0.0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
