/* sm90.h - the SM90 (Hopper, sm_90a) backend's interface: the shared-memory layout
 * function the planner uses to size the pipeline, and the CUDA C emitter.
 * Input: a dgk_plan (compiler/plan.h). Output: CUDA C text that includes "dgk_sm90.cuh"
 * (the embedded device header dgk_devhdr_sm90, from backend/sm90/device.cuh). */
#ifndef DGK_SM90_H
#define DGK_SM90_H

#include "../../compiler/diag.h"
#include "../../compiler/plan.h"
#include "../../compiler/strbuf.h"

/* The largest dynamic shared memory one CTA may use on sm_90 (227 KiB). */
enum { DGK_SM90_SMEM_MAX = 232448 };

/* Fills p->smem (and p->launch.smem_bytes) from the tile, stage and epilogue fields.
 * Returns the total bytes; the caller compares with DGK_SM90_SMEM_MAX. */
int dgk_sm90_plan_smem(dgk_plan *p);

/* Appends the kernel's CUDA C to `out`. Returns 0, or the number of errors reported to
 * `d` when the plan cannot be lowered (each says which plan field and why). */
int dgk_sm90_emit(const dgk_plan *p, dgk_strbuf *out, dgk_diags *d);

/* The name generated code includes the device header by, and the header text. */
#define DGK_SM90_HEADER_NAME "dgk_sm90.cuh"
extern const char dgk_devhdr_sm90[];
extern const unsigned long dgk_devhdr_sm90_len;

#endif
