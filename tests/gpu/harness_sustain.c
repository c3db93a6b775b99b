/* harness_sustain.c - sustained throughput: a runner launched back to back for a while,
 * the way a training step runs its GEMMs, next to the one-call-after-an-L2-flush timing
 * of harness_time.c. A large GEMM runs an H100 into its power limit within tens of ms;
 * the SM clock then settles where the kernel's power draw allows, so two kernels with
 * the same cycle count can run at different speeds warm (2026-11-26: BF16
 * 4096x7168x16384, within 1% of cuBLASLt's cycles under ncu, 10% slower warm).
 * Besides the mean time per call this reports, through NVML (opened with dlopen; when
 * it is absent those fields are NaN), the energy per call and the mean power and SM
 * clock while the batch ran: the numbers that tell a clock effect from the kernel's. */
#include "harness.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* --- NVML, resolved at run time ---------------------------------------------------------- */

typedef struct nvml_api {
    int ready;                /* 1: usable, -1: tried and failed */
    void *dev;                /* nvmlDevice_t of the current CUDA device */
    int (*energy)(void *dev, unsigned long long *mj);
    int (*clock)(void *dev, int type, unsigned *mhz);
} nvml_api;

static nvml_api nv;

enum { NVML_SUCCESS = 0, NVML_CLOCK_SM = 1 };

/* The NVML device of the current CUDA device, found by PCI bus id (NVML's indices need
 * not follow CUDA_VISIBLE_DEVICES). */
static int nvml_open(void)
{
    if (nv.ready)
        return nv.ready > 0;
    nv.ready = -1;
    void *h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return 0;
    int (*init)(void) = (int (*)(void))dlsym(h, "nvmlInit_v2");
    int (*by_bus)(const char *, void **) = (int (*)(const char *, void **))dlsym(h, "nvmlDeviceGetHandleByPciBusId_v2");
    nv.energy = (int (*)(void *, unsigned long long *))dlsym(h, "nvmlDeviceGetTotalEnergyConsumption");
    nv.clock = (int (*)(void *, int, unsigned *))dlsym(h, "nvmlDeviceGetClockInfo");
    char bus[64];
    int dev = 0;
    if (!init || !by_bus || !nv.energy || !nv.clock || init() != NVML_SUCCESS)
        return 0;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetPCIBusId(bus, sizeof bus, dev) != cudaSuccess)
        return 0;
    if (by_bus(bus, &nv.dev) != NVML_SUCCESS)
        return 0;
    nv.ready = 1;
    return 1;
}

static double energy_mj(void)
{
    unsigned long long mj = 0;
    return nv.ready > 0 && nv.energy(nv.dev, &mj) == NVML_SUCCESS ? (double)mj : NAN;
}

/* --- sampler: a thread reading NVML every 2 ms while the batch runs ----------------------
 * The SM clock is averaged over the samples. The energy counter is not read at the
 * batch's ends: NVML refreshes it only every few tens of ms, so a difference of two
 * reads around a short batch can hold one refresh more or less than the batch drew (a
 * 50 ms batch once read as 1535 W on a 700 W card). The sampler keeps the host time of
 * the counter's first and last change during the batch, and the power is the energy
 * between those two refreshes over the time between them. */

typedef struct sampler {
    pthread_t th;
    volatile int stop;
    double sum;
    int n;
    double e_prev, e_first, e_last; /* counter values (mJ): last read, first and last changed */
    double t_first, t_last;         /* host ms at those changes */
    int changes;
} sampler;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sample_energy(sampler *s)
{
    double e = energy_mj(), t = now_ms();
    if (isnan(e))
        return;
    if (!isnan(s->e_prev) && e != s->e_prev) {
        if (s->changes++ == 0)
            s->e_first = e, s->t_first = t;
        s->e_last = e, s->t_last = t;
    }
    s->e_prev = e;
}

static void *sample_loop(void *arg)
{
    sampler *s = arg;
    struct timespec pause = {0, 2000000};
    while (!s->stop) {
        unsigned mhz;
        if (nv.clock(nv.dev, NVML_CLOCK_SM, &mhz) == NVML_SUCCESS)
            s->sum += mhz, s->n++;
        sample_energy(s);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static int sampler_start(sampler *s)
{
    s->stop = 0;
    s->sum = 0;
    s->n = 0;
    s->e_prev = NAN;
    s->changes = 0;
    return nv.ready > 0 && pthread_create(&s->th, NULL, sample_loop, s) == 0;
}

/* Stops the thread; the mean SM clock, and the mean power (W) between the counter's
 * first and last refresh (NaN with fewer than two refreshes in the batch). */
static double sampler_stop(sampler *s, int started, double *watts)
{
    *watts = NAN;
    if (!started)
        return NAN;
    s->stop = 1;
    pthread_join(s->th, NULL);
    if (s->changes >= 2 && s->t_last > s->t_first)
        *watts = (s->e_last - s->e_first) / (s->t_last - s->t_first);
    return s->n ? s->sum / s->n : NAN;
}

/* --- the measurement ---------------------------------------------------------------------- */

static int launch_n(gh_launch_fn launch, void *ctx, cudaStream_t s, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = launch(ctx, s);
        if (rc != GH_OK)
            return rc;
    }
    GH_CUDA(cudaGetLastError());
    return GH_OK;
}

int gh_sustain(gh_launch_fn launch, void *ctx, cudaStream_t s, double est_us, double ms, gh_sustained *out)
{
    int calls = (int)(ms * 1000.0 / (est_us > 1.0 ? est_us : 1.0));
    cudaEvent_t ev[2] = {0, 0};
    sampler smp;
    calls = calls < 3 ? 3 : calls > 200000 ? 200000 : calls;
    nvml_open();
    /* warm: as long again, untimed, so the batch starts at the clock the load settles at */
    GH_TRY(launch_n(launch, ctx, s, calls));
    GH_CUDA(cudaStreamSynchronize(s));
    GH_CUDA(cudaEventCreate(&ev[0]));
    GH_CUDA(cudaEventCreate(&ev[1]));
    int sampling = sampler_start(&smp);
    int rc = cudaEventRecord(ev[0], s) == cudaSuccess ? launch_n(launch, ctx, s, calls) : GH_ERROR;
    if (rc == GH_OK && (cudaEventRecord(ev[1], s) != cudaSuccess || cudaStreamSynchronize(s) != cudaSuccess))
        rc = GH_ERROR;
    out->mhz = sampler_stop(&smp, sampling, &out->watts);
    float batch_ms = 0;
    if (rc == GH_OK && cudaEventElapsedTime(&batch_ms, ev[0], ev[1]) != cudaSuccess)
        rc = GH_ERROR;
    cudaEventDestroy(ev[0]);
    cudaEventDestroy(ev[1]);
    if (rc != GH_OK) {
        gh_set_error("sustained run failed");
        return rc;
    }
    out->calls = calls;
    out->us = 1000.0 * batch_ms / calls;
    out->mj = out->watts * out->us / 1000.0; /* W x us = uJ */
    return GH_OK;
}

int gh_sustain_runner(const gh_runner *r, const gh_problem *p, const gh_buffers *b, cudaStream_t s,
                      double est_us, double ms, gh_sustained *out)
{
    gh_runner_call c = {r, p, b};
    int rc = gh_sustain(gh_runner_launch, &c, s, est_us, ms, out);
    if (rc != GH_OK)
        gh_set_error("sustained run of %s failed", r->name);
    return rc;
}
