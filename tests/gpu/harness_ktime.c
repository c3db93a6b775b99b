/* harness_ktime.c - kernel time as a profiler reports it: the GPU start and end of every
 * kernel a timed run launched, from CUPTI's activity records, summed per run.
 *
 * Why beside the CUDA events of harness_time.c: DeepGEMM's numbers in DESIGN.md were
 * taken with the profiler's kernel time, which leaves out what events around a call
 * also see (the launch, the gap before the first kernel, the events themselves). For
 * the short shapes that difference is several microseconds, so only kernel time can be
 * set beside that table.
 *
 * libcupti is opened with dlopen when asked for (`dgk-bench --kernel-time`), so the
 * harness builds and runs without it; asked for and missing is an error that says so.
 * Each timed run is tagged with an external correlation id (push before the runner call,
 * pop after); a kernel's record carries the correlation id of the launch call, and the
 * external-correlation records map that to the tag. CUPTI writes those only for calls it
 * keeps API records of, so the driver and runtime API records are on while recording
 * (and skipped). */
#include "harness.h"

#ifdef GH_EMU
/* The CPU build has no CUPTI: asking for kernel time there is an error. */
int gh_ktime_open(void)
{
    gh_set_error("kernel time needs CUPTI and a GPU (this is the CPU build)");
    return GH_ERROR;
}
int gh_ktime_enabled(void) { return 0; }
int gh_ktime_begin(void) { return GH_ERROR; }
int gh_ktime_push(uint64_t tag) { (void)tag; return GH_ERROR; }
int gh_ktime_pop(void) { return GH_ERROR; }
int gh_ktime_end(double *us, int *kernels, int ntags) { (void)us, (void)kernels, (void)ntags; return GH_ERROR; }
void gh_ktime_abort(void) {}
const char *gh_ktime_seen(void) { return ""; }
#else
#include <cupti_activity.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef CUptiResult (*register_fn)(CUpti_BuffersCallbackRequestFunc, CUpti_BuffersCallbackCompleteFunc);
typedef CUptiResult (*kind_fn)(CUpti_ActivityKind);
typedef CUptiResult (*next_fn)(uint8_t *, size_t, CUpti_Activity **);
typedef CUptiResult (*flush_fn)(uint32_t);
typedef CUptiResult (*push_fn)(CUpti_ExternalCorrelationKind, uint64_t);
typedef CUptiResult (*pop_fn)(CUpti_ExternalCorrelationKind, uint64_t *);

static struct {
    void *lib;
    register_fn reg;
    kind_fn enable, disable;
    next_fn next;
    flush_fn flush;
    push_fn push;
    pop_fn pop;
} cu;

/* What the buffers delivered since the last gh_ktime_begin: kernels (launch correlation
 * id, nanoseconds) and the external tags of launch calls (correlation id -> tag). */
typedef struct pair {
    uint32_t corr;
    uint64_t value;
} pair;

static struct {
    pair *kernels, *tags;
    int nkernels, ntags, cap_kernels, cap_tags;
    int overflow;  /* more records than the arrays hold: the collection fails */
    int starved;   /* a buffer CUPTI asked for could not be allocated: records were dropped */
    char seen[64]; /* what the last timing recorded, for error messages */
} rec;

enum { BUFFER_BYTES = 4 << 20, MAX_RECORDS = 1 << 16 };

static void CUPTIAPI buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records)
{
    *buffer = aligned_alloc(8, BUFFER_BYTES);
    *size = *buffer ? BUFFER_BYTES : 0;
    *max_records = 0;
    rec.starved |= *buffer == NULL;
}

static void add(pair *to, int *n, int cap, uint32_t corr, uint64_t value)
{
    if (*n >= cap) {
        rec.overflow = 1;
        return;
    }
    to[*n].corr = corr;
    to[*n].value = value;
    (*n)++;
}

static void CUPTIAPI buffer_completed(CUcontext ctx, uint32_t stream, uint8_t *buffer, size_t size, size_t valid)
{
    CUpti_Activity *r = NULL;
    (void)ctx, (void)stream, (void)size;
    while (buffer && cu.next(buffer, valid, &r) == CUPTI_SUCCESS) {
        if (r->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL || r->kind == CUPTI_ACTIVITY_KIND_KERNEL) {
            const CUpti_ActivityKernel10 *k = (const CUpti_ActivityKernel10 *)r;
            add(rec.kernels, &rec.nkernels, rec.cap_kernels, k->correlationId, k->end - k->start);
        } else if (r->kind == CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION) {
            const CUpti_ActivityExternalCorrelation *e = (const CUpti_ActivityExternalCorrelation *)r;
            if (e->externalKind == CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0)
                add(rec.tags, &rec.ntags, rec.cap_tags, e->correlationId, e->externalId);
        }
    }
    free(buffer);
}

static int fail(const char *what, CUptiResult r)
{
    gh_set_error("kernel time (CUPTI): %s failed (CUptiResult %d)", what, (int)r);
    return GH_ERROR;
}

/* libcupti from the loader path, else from the toolkit ($CUDA_HOME or /usr/local/cuda). */
static void *open_cupti(char *tried, size_t size)
{
    const char *home = getenv("CUDA_HOME") ? getenv("CUDA_HOME") : "/usr/local/cuda";
    const char *dirs[] = {"", "/lib64/", "/lib/", "/extras/CUPTI/lib64/"};
    const char *names[] = {"libcupti.so.13", "libcupti.so"}; /* the major built against first */
    size_t used = 0;
    tried[0] = '\0';
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++)
        for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
            char path[1024];
            snprintf(path, sizeof path, "%s%s%s", d ? home : "", dirs[d], names[n]);
            void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            if (lib)
                return lib;
            if (used < size)
                used += (size_t)snprintf(tried + used, size - used, "%s%s", used ? ", " : "", path);
        }
    return NULL;
}

/* Undoes a half-done gh_ktime_open, so a later call starts over. */
static int close_cupti(void)
{
    if (cu.lib)
        dlclose(cu.lib);
    free(rec.kernels);
    free(rec.tags);
    memset(&cu, 0, sizeof cu);
    memset(&rec, 0, sizeof rec);
    return GH_ERROR;
}

int gh_ktime_open(void)
{
    char tried[2048];
    if (cu.lib)
        return GH_OK;
    cu.lib = open_cupti(tried, sizeof tried);
    if (!cu.lib) {
        gh_set_error("kernel time needs libcupti (CUDA toolkit); tried %s", tried);
        return GH_ERROR;
    }
    cu.reg = (register_fn)dlsym(cu.lib, "cuptiActivityRegisterCallbacks");
    cu.enable = (kind_fn)dlsym(cu.lib, "cuptiActivityEnable");
    cu.disable = (kind_fn)dlsym(cu.lib, "cuptiActivityDisable");
    cu.next = (next_fn)dlsym(cu.lib, "cuptiActivityGetNextRecord");
    cu.flush = (flush_fn)dlsym(cu.lib, "cuptiActivityFlushAll");
    cu.push = (push_fn)dlsym(cu.lib, "cuptiActivityPushExternalCorrelationId");
    cu.pop = (pop_fn)dlsym(cu.lib, "cuptiActivityPopExternalCorrelationId");
    if (!cu.reg || !cu.enable || !cu.disable || !cu.next || !cu.flush || !cu.push || !cu.pop) {
        gh_set_error("kernel time: libcupti lacks an activity API function (%s)", dlerror());
        return close_cupti();
    }
    rec.cap_kernels = rec.cap_tags = MAX_RECORDS;
    rec.kernels = malloc(sizeof(pair) * MAX_RECORDS);
    rec.tags = malloc(sizeof(pair) * MAX_RECORDS);
    if (!rec.kernels || !rec.tags) {
        gh_set_error("kernel time: out of host memory");
        return close_cupti();
    }
    CUptiResult r = cu.reg(buffer_requested, buffer_completed);
    if (r != CUPTI_SUCCESS) {
        fail("cuptiActivityRegisterCallbacks", r);
        return close_cupti();
    }
    return GH_OK;
}

int gh_ktime_enabled(void)
{
    return cu.lib != NULL;
}

/* What is recorded while timing: kernels, the tags, and the API records the tags need. */
static const CUpti_ActivityKind recorded[] = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION,
                                              CUPTI_ACTIVITY_KIND_DRIVER, CUPTI_ACTIVITY_KIND_RUNTIME};
enum { RECORDED = sizeof recorded / sizeof recorded[0] };

/* Stops recording and delivers what CUPTI still holds (into rec); the first failure. */
static CUptiResult stop(void)
{
    CUptiResult r = cu.flush(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    for (int i = 0; i < RECORDED; i++) {
        CUptiResult d = cu.disable(recorded[i]);
        r = r == CUPTI_SUCCESS ? d : r;
    }
    return r;
}

/* Tags restart at 1 in every timing, so records a failed timing left behind are flushed
 * and dropped here rather than counted toward the next one. */
int gh_ktime_begin(void)
{
    stop();
    rec.nkernels = rec.ntags = rec.overflow = rec.starved = 0;
    for (int i = 0; i < RECORDED; i++) {
        CUptiResult r = cu.enable(recorded[i]);
        if (r != CUPTI_SUCCESS) {
            stop();
            return fail("cuptiActivityEnable", r);
        }
    }
    return GH_OK;
}

void gh_ktime_abort(void)
{
    stop();
    rec.nkernels = rec.ntags = 0;
}

int gh_ktime_push(uint64_t tag)
{
    CUptiResult r = cu.push(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, tag);
    return r == CUPTI_SUCCESS ? GH_OK : fail("cuptiActivityPushExternalCorrelationId", r);
}

int gh_ktime_pop(void)
{
    uint64_t tag;
    CUptiResult r = cu.pop(CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM0, &tag);
    return r == CUPTI_SUCCESS ? GH_OK : fail("cuptiActivityPopExternalCorrelationId", r);
}

/* The tag of launch call `corr`, or 0 (a launch outside any tagged run). */
static uint64_t tag_of(uint32_t corr)
{
    for (int i = 0; i < rec.ntags; i++)
        if (rec.tags[i].corr == corr)
            return rec.tags[i].value;
    return 0;
}

int gh_ktime_end(double *us, int *kernels, int ntags)
{
    CUptiResult r = stop();
    if (r != CUPTI_SUCCESS)
        return fail("cuptiActivityFlushAll / cuptiActivityDisable", r);
    if (rec.overflow || rec.starved) {
        gh_set_error(rec.overflow ? "kernel time: more than %d records in one timing"
                                  : "kernel time: out of host memory for CUPTI's buffers (records dropped)",
                     MAX_RECORDS);
        return GH_ERROR;
    }
    for (int t = 0; t < ntags; t++)
        us[t] = 0, kernels[t] = 0;
    for (int i = 0; i < rec.nkernels; i++) {
        uint64_t tag = tag_of(rec.kernels[i].corr);
        if (tag >= 1 && tag <= (uint64_t)ntags) {
            us[tag - 1] += rec.kernels[i].value * 1e-3;
            kernels[tag - 1]++;
        }
    }
    snprintf(rec.seen, sizeof rec.seen, "%d kernel records, %d launch tags", rec.nkernels, rec.ntags);
    return GH_OK;
}

const char *gh_ktime_seen(void)
{
    return rec.seen;
}
#endif
