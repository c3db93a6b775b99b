/* stats.c - process-wide counters (compiles, cache hits, rebuilds, module loads) that the
 * cache layers bump and dgk_cache_stats_get reports; tests assert on them (a cache hit
 * must not reach NVRTC). */
#include "rt.h"

static atomic_uint_fast64_t counters[DGK_STAT_COUNT];

void dgk_stat_add(dgk_stat s)
{
    atomic_fetch_add_explicit(&counters[s], 1, memory_order_relaxed);
}

static uint64_t get(dgk_stat s)
{
    return atomic_load_explicit(&counters[s], memory_order_relaxed);
}

void dgk_cache_stats_get(dgk_cache_stats *out)
{
    if (!out)
        return;
    out->compiles = get(DGK_STAT_COMPILES);
    out->nvrtc_compiles = get(DGK_STAT_NVRTC);
    out->memory_hits = get(DGK_STAT_MEM_HITS);
    out->disk_hits = get(DGK_STAT_DISK_HITS);
    out->disk_writes = get(DGK_STAT_DISK_WRITES);
    out->disk_rebuilds = get(DGK_STAT_DISK_REBUILDS);
    out->module_loads = get(DGK_STAT_MODULE_LOADS);
}
