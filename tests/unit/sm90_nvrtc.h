/* sm90_nvrtc.h - compiles an emitted SM90 kernel with NVRTC for sm_90a (no GPU needed)
 * and checks what a fast kernel must show: the PTX has wgmma.mma_async (with the operand
 * type), cp.async.bulk.tensor, mbarrier and setmaxnreg; ptxas's -v report has no stack
 * frame, no spills, no wgmma serialization and no other warning; the register count is
 * within the launch cap. Used by test_sm90_nvrtc.c and tests/kernels/run.sh's sweep. */
#ifndef DGK_SM90_NVRTC_H
#define DGK_SM90_NVRTC_H

#include <nvrtc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm90_fixture.h"
#include "compiler/diag.h"
#include "compiler/strbuf.h"

typedef struct sm90_build {
    int ok;               /* NVRTC compiled it */
    char *log;            /* NVRTC + ptxas log */
    char *ptx;
    int registers;        /* from "Used N registers", -1 if absent */
    char why[512];        /* the first failed expectation, "" if all held */
} sm90_build;

static inline void sm90_build_free(sm90_build *b)
{
    free(b->log);
    free(b->ptx);
    memset(b, 0, sizeof *b);
}

static inline char *sm90_nvrtc_log(nvrtcProgram prog)
{
    size_t n = 0;
    nvrtcGetProgramLogSize(prog, &n);
    char *log = calloc(1, n + 1);
    if (log && n)
        nvrtcGetProgramLog(prog, log);
    return log;
}

static inline char *sm90_nvrtc_ptx(nvrtcProgram prog)
{
    size_t n = 0;
    if (nvrtcGetPTXSize(prog, &n) != NVRTC_SUCCESS)
        return NULL;
    char *ptx = calloc(1, n + 1);
    if (ptx)
        nvrtcGetPTX(prog, ptx);
    return ptx;
}

/* NVRTC as the runtime calls it: -arch=sm_90a with ptxas's report, the device header
 * handed over by name. */
static inline void sm90_compile(const char *src, const char *name, sm90_build *b)
{
    nvrtcProgram prog;
    const char *hdr_text[] = {dgk_devhdr_sm90};
    const char *hdr_name[] = {DGK_SM90_HEADER_NAME};
    const char *opts[] = {"-arch=sm_90a", "--ptxas-options=-v"};
    memset(b, 0, sizeof *b);
    b->registers = -1;
    if (nvrtcCreateProgram(&prog, src, name, 1, hdr_text, hdr_name) != NVRTC_SUCCESS) {
        snprintf(b->why, sizeof b->why, "nvrtcCreateProgram failed");
        return;
    }
    b->ok = nvrtcCompileProgram(prog, 2, opts) == NVRTC_SUCCESS;
    b->log = sm90_nvrtc_log(prog);
    b->ptx = b->ok ? sm90_nvrtc_ptx(prog) : NULL;
    nvrtcDestroyProgram(&prog);
    const char *used = b->log ? strstr(b->log, "Used ") : NULL;
    if (used)
        b->registers = atoi(used + 5);
}

static inline void sm90_expect(sm90_build *b, int cond, const char *what)
{
    if (!cond && !b->why[0])
        snprintf(b->why, sizeof b->why, "%s", what);
}

/* Checks the compiled kernel of plan `p`; b->why says what failed. */
static inline void sm90_verify(const dgk_plan *p, sm90_build *b)
{
    const char *log = b->log ? b->log : "";
    const char *ptx = b->ptx ? b->ptx : "";
    char mma[64];
    snprintf(mma, sizeof mma, "wgmma.mma_async.sync.aligned.m64n%dk%d.f32.%s.%s", p->mma.inst_n, p->mma.inst_k,
             dgk_dtype_name(p->a.dtype), dgk_dtype_name(p->b.dtype)); /* the PTX type names */
    sm90_expect(b, b->ok, "NVRTC compile failed");
    sm90_expect(b, strstr(ptx, mma) != NULL, "PTX lacks the planned wgmma.mma_async");
    sm90_expect(b, strstr(ptx, "cp.async.bulk.tensor") != NULL, "PTX lacks cp.async.bulk.tensor");
    sm90_expect(b, strstr(ptx, "mbarrier.try_wait") != NULL, "PTX lacks mbarrier waits");
    sm90_expect(b, strstr(ptx, "setmaxnreg.inc") && strstr(ptx, "setmaxnreg.dec"), "PTX lacks setmaxnreg");
    sm90_expect(b, strstr(log, "0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads") != NULL,
                "ptxas reports a stack frame or spills");
    sm90_expect(b, strstr(log, "serialized") == NULL, "ptxas serialized wgmma");
    sm90_expect(b, strstr(log, "warning") == NULL, "the compile log has a warning");
    sm90_expect(b, b->registers > 0 && b->registers <= 65536 / p->launch.threads / 8 * 8,
                "register count missing or above the launch cap");
}

/* Emits and compiles `c`; returns 1 when every expectation held. */
static inline int sm90_emit_and_verify(const sm90_cfg *c, sm90_build *b, FILE *report)
{
    dgk_arena a;
    dgk_diags d;
    dgk_strbuf out;
    dgk_arena_init(&a);
    dgk_diags_init(&d, &a);
    dgk_strbuf_init(&out);
    memset(b, 0, sizeof *b);
    dgk_plan *p = sm90_build_plan(&a, c);
    if (!p || dgk_sm90_emit(p, &out, &d) != 0) {
        if (report)
            dgk_diags_print(&d, report);
        snprintf(b->why, sizeof b->why, "the emitter rejected the plan");
    } else {
        char name[96];
        snprintf(name, sizeof name, "%s.cu", c->name);
        sm90_compile(dgk_strbuf_str(&out), name, b);
        sm90_verify(p, b);
    }
    if (report && b->why[0] && b->log)
        fprintf(report, "%s: %s\n%s\n", c->name, b->why, b->log);
    dgk_strbuf_free(&out);
    dgk_arena_free(&a);
    return b->why[0] == '\0';
}

#endif
