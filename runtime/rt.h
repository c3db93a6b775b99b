/* rt.h - what the runtime's files share and the public header does not show: the error
 * setter, the clock, the environment knobs, the binary object, the cache key, the
 * compiler back ends and the cache layers. Each function's home file is named beside it. */
#ifndef DGK_RT_H
#define DGK_RT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dgk.h"

/* ---- error.c: sets the thread's dgk_last_error() message and returns `s`. Only error
 * paths format text; success paths never touch the message. */
dgk_status dgk_fail(dgk_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts "PREFIX: " in front of the current message; returns `s`. */
dgk_status dgk_fail_prefix(dgk_status s, const char *prefix);

/* ---- clock.c: monotonic seconds. */
double dgk_now(void);

/* ---- env.c: the environment knobs (runtime/README.md), read on the slow path only. */
typedef struct dgk_env {
    char cache_dir[1024];   /* DGK_CACHE_DIR, else $HOME/.cache/dgk; "" if neither is known */
    int disable_cache;      /* DGK_DISABLE_CACHE */
    const char *dump_dir;   /* DGK_DUMP_DIR or NULL */
    int dump_sass;          /* DGK_DUMP_SASS */
    int print_compile;      /* DGK_PRINT_COMPILE */
    char nvcc[1024];        /* DGK_USE_NVCC: the nvcc to run; "" for NVRTC */
    const char *cuda_home;  /* CUDA_HOME, else /usr/local/cuda */
    int debug;              /* DGK_DEBUG: .dgk kernels built with -DDGK_DEBUG=1 (op.c) */
    char source_filter[1024]; /* DGK_SOURCE_FILTER: the command each source goes through; "" for none */
} dgk_env;

void dgk_env_read(dgk_env *e);
/* DGK_CUDA_DRIVER, else "libcuda.so.1". */
const char *dgk_env_driver_path(void);

/* ---- arch.c */
void dgk_arch_cc(dgk_arch a, int *major, int *minor);
/* The target for a compute capability; DGK_ARCH_NONE if none. */
dgk_arch dgk_arch_for_cc(int major, int minor);

/* ---- binary.c: one compiled image with its log and parsed ptxas report. Immutable once
 * built and shared by reference count between the memory cache and callers. */
struct dgk_binary {
    atomic_int refs;
    uint8_t key[16];
    char *log;
    size_t log_len;
    void *image;
    size_t image_len;
    dgk_report report;
    dgk_func_report *funcs;  /* report.funcs, owned */
};

/* Takes ownership of `log` and `image` (malloc'd; log NUL-terminated, image followed by a
 * NUL byte so PTX is a string) and parses the report from the log. */
dgk_status dgk_binary_new(const uint8_t key[16], char *log, size_t log_len, void *image,
                          size_t image_len, dgk_binary **out);
dgk_binary *dgk_binary_retain(dgk_binary *b);

/* ---- ptxas_report.c: fills funcs from ptxas's -v text; *num set. */
dgk_status dgk_report_parse(const char *log, dgk_func_report **funcs, int *num);
void dgk_report_free(dgk_func_report *funcs, int num);

/* ---- program.c: validation of a dgk_program and its cache key. */
dgk_status dgk_program_check(const char *fn, const dgk_program *p);
/* XXH3-128 over everything that affects the binary; `compiler` names the compiler and
 * its version ("nvrtc 13.0"). */
void dgk_program_key(const dgk_program *p, const char *compiler, uint8_t key[16]);
void dgk_key_hex(const uint8_t key[16], char hex[33]);

/* ---- compile.c: dgk_compile once the program is checked and its key computed. */
/* The program's cache key under `env`: the compiler (NVRTC with its version, or nvcc) and
 * any DGK_SOURCE_FILTER command are part of it. */
void dgk_compile_key(const dgk_program *p, const dgk_env *env, uint8_t key[16]);
dgk_status dgk_compile_keyed(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                             dgk_binary **out, dgk_origin *origin);

/* ---- nvrtc.c / nvcc.c: the compiler back ends. */
typedef struct dgk_build {
    dgk_binary *bin;
    char *ptx;        /* PTX text when the compiler produced it (for dumps), else NULL */
    double seconds;
} dgk_build;

/* "nvrtc 13.0" */
const char *dgk_nvrtc_id(void);
dgk_status dgk_nvrtc_compile(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                             dgk_build *out);
dgk_status dgk_nvcc_compile(const dgk_program *p, const uint8_t key[16], const dgk_env *env,
                            dgk_build *out);
/* ---- fileio.c: whole-file helpers. Each sets the message on failure. */
dgk_status dgk_write_file(const char *path, const void *data, size_t len);
/* The file's bytes plus a NUL byte after them (malloc'd); *len excludes the NUL. */
dgk_status dgk_read_file(const char *path, char **data, size_t *len);
/* snprintf into a path buffer; DGK_EIO if it does not fit. */
dgk_status dgk_path(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* mkdir -p */
dgk_status dgk_mkdirs(const char *path);
/* A fresh directory $TMPDIR/dgk-WHAT-XXXXXX (/tmp without TMPDIR) into buf; errors name `knob`. */
dgk_status dgk_temp_dir(char *buf, size_t size, const char *what, const char *knob);

/* ---- spawn.c: runs argv[0] (a path) with stdout and stderr into `log_path`; returns
 * the exit status, or -1 with the message set. */
int dgk_spawn(char *const argv[], const char *log_path);

/* ---- source_filter.c: DGK_SOURCE_FILTER. *out: the rewritten source (malloc'd). */
dgk_status dgk_filter_source(const dgk_program *p, const dgk_env *env, char **out);

/* ---- cache_mem.c: the process-wide map key -> binary. get returns a new reference. */
dgk_binary *dgk_mem_get(const uint8_t key[16]);
/* Stores a reference to `b` unless the key is present; returns the binary now stored
 * (a new reference), which is the one all callers should use. */
dgk_binary *dgk_mem_put(dgk_binary *b);

/* ---- cache_disk.c: one file per key under the cache directory. */
/* OK with *out NULL on a miss; then `why` is "" when there was no file, else why the
 * file there was unusable (truncated, checksum, ...), and it should be rebuilt. */
dgk_status dgk_disk_load(const char *dir, const uint8_t key[16], dgk_binary **out,
                         char *why, size_t why_size);
dgk_status dgk_disk_store(const char *dir, const dgk_binary *b);
dgk_status dgk_disk_path(const char *dir, const uint8_t key[16], char *buf, size_t size);

/* ---- dump.c: DGK_DUMP_DIR artefacts of one compile. */
dgk_status dgk_dump(const dgk_env *env, const dgk_program *p, const dgk_build *b);

/* ---- tma.c: every check dgk_tma_encode makes before it calls the driver. */
dgk_status dgk_tma_check(const dgk_tma_desc *d);

/* ---- op.c: the TMA description dgk_op_launch encodes for kernel argument `a` over
 * tensor `t` (its box fit to the rows when the plan says so). */
struct dgk_kernel_arg;
void dgk_op_tma_desc(const struct dgk_kernel_arg *a, const dgk_tensor *t, dgk_tma_desc *d);
/* ---- op.c: DGK_EALIGN when a GEMM's TMA-stored output is a view whose rows are not a
 * multiple of 16 bytes (the store would write past its last column); DGK_OK otherwise. */
struct dgk_plan;
dgk_status dgk_op_check_store_rows(const struct dgk_plan *p, const dgk_tensor *const *params);
/* ---- op.c: DGK_EALIGN when tensor `t` breaks argument `a`'s alignment (dgk_kernel_arg.
 * align: the kernel copies its rows with cp.async.bulk, or loads it by TMA); DGK_OK
 * otherwise. */
dgk_status dgk_op_check_align(const struct dgk_kernel_arg *a, const dgk_tensor *t);

/* ---- stats.c: the counters behind dgk_cache_stats_get. */
typedef enum dgk_stat {
    DGK_STAT_COMPILES,
    DGK_STAT_NVRTC,
    DGK_STAT_MEM_HITS,
    DGK_STAT_DISK_HITS,
    DGK_STAT_DISK_WRITES,
    DGK_STAT_DISK_REBUILDS,
    DGK_STAT_MODULE_LOADS,
    DGK_STAT_COUNT
} dgk_stat;
void dgk_stat_add(dgk_stat s);

#endif
