/* emit_debug.c - the device-side checks of debug builds. The generated code keeps them
 * under `#ifdef DGK_DEBUG`: the runtime compiles an op with -DDGK_DEBUG=1 when DGK_DEBUG
 * is set (runtime/README.md), release builds compile them out. A failed check records
 * one 64-bit word, `dgk_debug_word` (extern "C", so the runtime finds it by name with
 * cuModuleGetGlobal), by an atomic minimum: (index << 32) | value of the first offender.
 * Nothing else is ever written. What is checked, from the plan's schedule:
 *   m_grouped_contiguous with group ids (and G known from B): every id is -1 or 0 .. G-1;
 *   k_grouped: the G + 1 offsets do not decrease, are multiples of BK and lie in 0 .. K.
 * The check runs in the kernel body before the warp roles split, every thread taking a
 * share, so it costs one pass over the group tensor per launch in debug builds only. */
#include "emit_internal.h"

static int contiguous_ids(const dgk_plan *p)
{
    return p->sched.kind == DGK_SCHED_M_GROUPED_CONTIGUOUS && !p->sched.offsets &&
           (p->sched.groups.arg >= 0 || p->sched.groups.value > 0);
}

int dgk_sm90_debug_checks(const dgk_plan *p)
{
    return contiguous_ids(p) || p->sched.kind == DGK_SCHED_K_GROUPED;
}

void dgk_sm90_emit_debug_word(dgk_sm90_ctx *e)
{
    if (!dgk_sm90_debug_checks(e->p))
        return;
    /* one word per module: a file with several checked kernels (dgkc emit without
     * --kernel) defines it once */
    dgk_sm90_line(e, "#if defined(DGK_DEBUG) && !defined(DGK_DEBUG_WORD_DEFINED)");
    dgk_sm90_line(e, "#define DGK_DEBUG_WORD_DEFINED");
    dgk_sm90_line(e, "// debug build: the first failed check as (index << 32) | value, all ones if none");
    dgk_sm90_line(e, "extern \"C\" __device__ dgk_u64 dgk_debug_word = 0xffffffffffffffffull;");
    dgk_sm90_line(e, "#endif");
    dgk_sm90_line(e, "%s", "");
}

static void emit_ids_helper(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// debug build: every id must be -1 (padding) or a group 0 .. G - 1; the lowest bad row wins");
    dgk_sm90_open(e, "static __device__ __forceinline__ void debug_check(const int *__restrict__ group_ids, "
                     "int rows, int groups)");
    dgk_sm90_open(e, "for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += gridDim.x * blockDim.x)");
    dgk_sm90_line(e, "const int id = __ldg(group_ids + r);");
    dgk_sm90_line(e, "if (id < -1 || id >= groups)");
    dgk_sm90_line(e, "    dgk_red_min_u64(&dgk_debug_word, ((dgk_u64)r << 32) | (unsigned)id);");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

static void emit_offsets_helper(dgk_sm90_ctx *e)
{
    dgk_sm90_line(e, "// debug build: offsets[0 .. G] must not decrease, be multiples of BK and lie in 0 .. K;");
    dgk_sm90_line(e, "// the lowest bad index wins");
    dgk_sm90_open(e, "static __device__ __forceinline__ void debug_check(const int *__restrict__ offsets, int groups, int k)");
    dgk_sm90_open(e, "for (int g = blockIdx.x * blockDim.x + threadIdx.x; g <= groups; g += gridDim.x * blockDim.x)");
    dgk_sm90_line(e, "const int o = __ldg(offsets + g);");
    dgk_sm90_line(e, "if (o < 0 || o %% BK != 0 || o > k || (g > 0 && o < __ldg(offsets + g - 1)))");
    dgk_sm90_line(e, "    dgk_red_min_u64(&dgk_debug_word, ((dgk_u64)g << 32) | (unsigned)o);");
    dgk_sm90_close(e, NULL);
    dgk_sm90_close(e, NULL);
}

void dgk_sm90_emit_debug_helpers(dgk_sm90_ctx *e)
{
    if (!dgk_sm90_debug_checks(e->p))
        return;
    dgk_sm90_line(e, "#ifdef DGK_DEBUG");
    if (contiguous_ids(e->p))
        emit_ids_helper(e);
    else
        emit_offsets_helper(e);
    dgk_sm90_line(e, "#endif");
    dgk_sm90_line(e, "%s", "");
}

void dgk_sm90_emit_debug_check(dgk_sm90_ctx *e)
{
    char b0[32], b1[32];
    const dgk_plan *p = e->p;
    if (!dgk_sm90_debug_checks(p))
        return;
    const char *groups = dgk_sm90_dim(e, &p->sched.groups, b1, sizeof b1);
    dgk_sm90_line(e, "#ifdef DGK_DEBUG");
    if (contiguous_ids(p))
        dgk_sm90_line(e, "debug_check(%s, %s, %s);", p->args[p->sched.group_arg].name, dgk_sm90_dim(e, &p->m, b0, sizeof b0),
                      groups);
    else
        dgk_sm90_line(e, "debug_check(%s, %s, %s);", p->args[p->sched.group_arg].name, groups,
                      dgk_sm90_dim(e, &p->k, b0, sizeof b0));
    dgk_sm90_line(e, "#endif");
}
