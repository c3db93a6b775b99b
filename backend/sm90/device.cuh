/* device.cuh - dgk's SM90 (Hopper, sm_90a) device primitives, included by every kernel
 * the SM90 emitter writes (as "dgk_sm90.cuh"; the Makefile embeds this file in libdgkc as
 * the string dgk_devhdr_sm90 and the runtime hands it to NVRTC).
 *
 * Each primitive is one small inline function around one PTX instruction; the comment
 * names its section in the PTX ISA (version 8.x numbering). Nothing here includes another
 * header: NVRTC's built-in declarations are all it relies on, which keeps compile time
 * low and makes the generated code self-contained.
 *
 * Naming: dgk_<area>_<verb>. Shared-memory addresses that PTX takes as 32-bit
 * `.shared::cta` addresses are `dgk_u32`; generic pointers are converted with
 * dgk_smem_u32(). */
#ifndef DGK_SM90_CUH
#define DGK_SM90_CUH

typedef unsigned char dgk_u8;
typedef unsigned short dgk_u16;
typedef unsigned int dgk_u32;
typedef int dgk_i32;
typedef unsigned long long dgk_u64;
typedef long long dgk_i64;

/* Storage types for the narrow formats. NVRTC cannot include cuda_bf16.h / cuda_fp8.h
 * without an include path, so conversions go through PTX cvt below. */
struct dgk_bf16 { dgk_u16 bits; };
struct dgk_f16 { dgk_u16 bits; };
struct dgk_e4m3 { dgk_u8 bits; };
struct dgk_e5m2 { dgk_u8 bits; };
/* A UE8M0 scale: an unsigned 8-bit exponent e, worth 2^(e - 127) (no sign, no mantissa). */
struct dgk_ue8m0 { dgk_u8 bits; };

/* A CUtensorMap as the driver encodes it: 128 opaque bytes, 64-byte aligned. Kernels take
 * it as `const __grid_constant__ dgk_tensormap` so its address is a parameter-space address
 * TMA can read. */
struct __align__(64) dgk_tensormap { dgk_u64 opaque[16]; };

#define DGK_DEV static __device__ __forceinline__

/* ---- addresses, ids ---------------------------------------------------------------- */

/* 9.7.9.6 cvta: generic -> .shared::cta window address. */
DGK_DEV dgk_u32 dgk_smem_u32(const void *p)
{
    return (dgk_u32)__cvta_generic_to_shared(p);
}

/* The warpgroup index, made warp-uniform with a shuffle so the compiler knows every
 * branch on it is uniform (setmaxnreg and wgmma need warpgroup-uniform control flow). */
DGK_DEV int dgk_warpgroup_id(void)
{
    return __shfl_sync(0xffffffffu, (int)(threadIdx.x / 128), 0);
}

DGK_DEV int dgk_warp_id(void)
{
    return __shfl_sync(0xffffffffu, (int)(threadIdx.x / 32), 0);
}

DGK_DEV int dgk_lane_id(void)
{
    return (int)(threadIdx.x % 32);
}

/* 9.7.13.9 elect.sync: true in exactly one active lane of the warp. */
DGK_DEV bool dgk_elect_one(void)
{
    dgk_u32 pred = 0;
    asm volatile("{\n\t.reg .pred p;\n\t.reg .b32 lane;\n\t"
                 "elect.sync lane|p, 0xffffffff;\n\t"
                 "selp.u32 %0, 1, 0, p;\n\t}"
                 : "=r"(pred));
    return pred != 0;
}

/* ---- barriers ---------------------------------------------------------------------- */

/* 9.7.13.1 bar.sync with an id and thread count: a named barrier over `count` threads
 * (a multiple of 32). Id 0 is __syncthreads'; the emitter hands out the others. */
DGK_DEV void dgk_named_barrier_sync(int id, int count)
{
    asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(count) : "memory");
}

/* 9.7.13.15.11 mbarrier.init: `count` arrivals complete a phase. */
DGK_DEV void dgk_mbar_init(dgk_u64 *bar, int count)
{
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(dgk_smem_u32(bar)), "r"(count) : "memory");
}

/* 9.7.13.4 membar/fence: fence.mbarrier_init makes barrier inits visible to the
 * cluster (peers arrive on them remotely, TMA multicast completes on them). */
DGK_DEV void dgk_fence_mbar_init(void)
{
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

/* 9.7.13.15.13 mbarrier.arrive (local CTA). */
DGK_DEV void dgk_mbar_arrive(dgk_u64 *bar)
{
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(dgk_smem_u32(bar)) : "memory");
}

/* 9.7.13.15.13 mbarrier.arrive.expect_tx: arrive and add `bytes` to the transaction
 * count the phase waits for (the bytes TMA will deliver into this stage). */
DGK_DEV void dgk_mbar_arrive_expect_tx(dgk_u64 *bar, dgk_u32 bytes)
{
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(dgk_smem_u32(bar)), "r"(bytes)
                 : "memory");
}

/* 9.7.13.15.13 mbarrier.arrive on the same barrier in cluster peer `cta` (9.7.9.18 mapa
 * translates our shared address into the peer's window). The default .release.cta
 * semantics suffice for releasing a pipeline stage (the wgmma reads are complete once
 * wgmma.wait_group returned); .release.cluster would fence every arrive at cluster scope,
 * which measured twice as slow for a whole GEMM. */
DGK_DEV void dgk_mbar_arrive_cluster(dgk_u64 *bar, dgk_u32 cta)
{
    asm volatile("{\n\t.reg .b32 remote;\n\t"
                 "mapa.shared::cluster.u32 remote, %0, %1;\n\t"
                 "mbarrier.arrive.shared::cluster.b64 _, [remote];\n\t}"
                 ::"r"(dgk_smem_u32(bar)), "r"(cta) : "memory");
}

/* cp.async (the non-bulk, Ampere form) of one 4-byte word global -> shared, not waited
 * for here: a later dgk_cp_async_mbar_arrive by the same thread makes an mbarrier phase
 * wait for it. `src` must be 4-byte aligned. Used for values too small for TMA (a box
 * row must be 16 bytes), such as a tile's one or two FP8 B scales per K block. */
DGK_DEV void dgk_cp_async_4(dgk_u32 dst, const void *src)
{
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4;" ::"r"(dst), "l"(src) : "memory");
}

/* cp.async.mbarrier.arrive.noinc: an arrive on `bar` once every cp.async this thread
 * issued before has landed. .noinc: the arrive is one of those the barrier was
 * initialised to expect (it does not raise the pending count first). */
DGK_DEV void dgk_cp_async_mbar_arrive(dgk_u64 *bar)
{
    asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];" ::"r"(dgk_smem_u32(bar)) : "memory");
}

/* One byte from global memory through the read-only path (a UE8M0 scale: cp.async
 * copies 4 bytes at least, which could reach past the tensor). */
DGK_DEV dgk_u32 dgk_ldg_u8(const void *p)
{
    return __ldg((const unsigned char *)p);
}

/* One f32 from global memory through the read-only path (ld.global.nc, by __ldg): a B
 * scale the producer thread stores into a stage itself (plan fp8.sb_loads). */
DGK_DEV float dgk_ldg_f32(const float *p)
{
    return __ldg(p);
}

/* 9.7.13.15.16 mbarrier.try_wait.parity, looped: returns once the phase with parity
 * `parity` has completed. try_wait suspends the thread for a while in hardware, so the
 * loop does not hammer shared memory. */
DGK_DEV void dgk_mbar_wait(dgk_u64 *bar, dgk_u32 parity)
{
    asm volatile("{\n\t.reg .pred done;\n"
                 "DGK_WAIT_%=:\n\t"
                 "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n\t"
                 "@!done bra DGK_WAIT_%=;\n\t}"
                 ::"r"(dgk_smem_u32(bar)), "r"(parity) : "memory");
}

/* 9.7.13.15.16 mbarrier.try_wait.parity once, without the loop: nonzero when the phase
 * with parity `parity` has completed (else 0 after the hardware's time limit). Issued
 * ahead of independent work and read after it, its latency hides under that work. */
DGK_DEV int dgk_mbar_try(dgk_u64 *bar, dgk_u32 parity)
{
    dgk_u32 done;
    asm volatile("{\n\t.reg .pred p;\n\t"
                 "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n\t"
                 "selp.u32 %0, 1, 0, p;\n\t}"
                 : "=r"(done) : "r"(dgk_smem_u32(bar)), "r"(parity) : "memory");
    return (int)done;
}

/* 9.7.13.4 fence.proxy.async: orders this thread's generic-proxy shared-memory writes
 * (st.shared, stmatrix) before later async-proxy reads (TMA store, wgmma). */
DGK_DEV void dgk_fence_proxy_async_smem(void)
{
    asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}

/* ---- cluster ------------------------------------------------------------------------ */

/* 10.x special register %cluster_ctarank: this CTA's rank in its cluster. */
DGK_DEV dgk_u32 dgk_cluster_rank(void)
{
    dgk_u32 r;
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
    return r;
}

/* 9.7.13.2 barrier.cluster: every thread of every CTA in the cluster arrives, then
 * waits. release/acquire order shared-memory traffic across the cluster. */
DGK_DEV void dgk_cluster_arrive(void)
{
    asm volatile("barrier.cluster.arrive.release.aligned;" ::: "memory");
}

/* The arrive alone, relaxed: for a start-up sync whose barrier inits were already released
 * to the cluster by fence.mbarrier_init (the CUTLASS way; measured by
 * tests/gpu/probes/tma_stream.cu's -tail variants). */
DGK_DEV void dgk_cluster_arrive_relaxed(void)
{
    asm volatile("barrier.cluster.arrive.relaxed.aligned;" ::: "memory");
}

DGK_DEV void dgk_cluster_wait(void)
{
    asm volatile("barrier.cluster.wait.acquire.aligned;" ::: "memory");
}

DGK_DEV void dgk_cluster_sync(void)
{
    dgk_cluster_arrive();
    dgk_cluster_wait();
}

/* ---- programmatic dependent launch ------------------------------------------------- */

/* 9.7.13.14 griddepcontrol.wait: block until the grids this one depends on completed
 * and their memory is visible. A no-op when launched without PDL. */
DGK_DEV void dgk_pdl_wait(void)
{
    asm volatile("griddepcontrol.wait;" ::: "memory");
}

/* 9.7.13.14 griddepcontrol.launch_dependents: the dependent grid may start launching. */
DGK_DEV void dgk_pdl_launch_dependents(void)
{
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
}

/* A value the optimizer cannot see through. Loop bounds that are compile-time constants
 * (K specialized at compile time) would otherwise invite NVVM to unroll a whole K loop,
 * wgmma and all, which overrides `#pragma unroll 1` and costs I-cache and compile time. */
DGK_DEV int dgk_opaque(int x)
{
    int y;
    asm("mov.b32 %0, %1;" : "=r"(y) : "r"(x));
    return y;
}

/* ---- split-K: partial sums in global memory, arrival counters ------------------------- */
/* Units of one tile run on different SMs; each writes its FP32 partial to a workspace
 * slot, then counts itself in on the tile's counter; the one that sees the count reach
 * the slice count sums the slots (emit_split.c says who does what). */

/* 9.7.9.10 st.global.cg: a 16-byte store cached in L2 only; another SM reads it. */
DGK_DEV void dgk_st_global_cg_f32x4(float *p, float a, float b, float c, float d)
{
    asm volatile("st.global.cg.v4.f32 [%0], {%1, %2, %3, %4};" ::"l"(p), "f"(a), "f"(b), "f"(c), "f"(d) : "memory");
}

/* 9.7.9.8 ld.global.cg: a 16-byte load from L2, never from this SM's L1 (which is not
 * kept coherent with other SMs' stores). volatile + "memory": not hoisted above the
 * barrier after which the data is known to be complete. */
DGK_DEV void dgk_ld_global_cg_f32x4(const float *p, float &a, float &b, float &c, float &d)
{
    asm volatile("ld.global.cg.v4.f32 {%0, %1, %2, %3}, [%4];" : "=f"(a), "=f"(b), "=f"(c), "=f"(d) : "l"(p) : "memory");
}

/* 9.7.13.4 fence.acq_rel.gpu (what __threadfence is): this thread's earlier memory
 * accesses are ordered before its later ones for every thread of the GPU. */
DGK_DEV void dgk_fence_acq_rel_gpu(void)
{
    asm volatile("fence.acq_rel.gpu;" ::: "memory");
}

/* 9.7.13.5 atom.acq_rel.gpu.add: returns the old value. As a release it publishes what
 * this thread's CTA barrier ordered before it; as an acquire it sees everything the
 * earlier arrivers released. */
DGK_DEV int dgk_atom_add_acq_rel_gpu(int *p, int v)
{
    int old;
    asm volatile("atom.acq_rel.gpu.global.add.s32 %0, [%1], %2;" : "=r"(old) : "l"(p), "r"(v) : "memory");
    return old;
}

/* 9.7.13.5 atom.relaxed.gpu.add: a dynamic schedule's next-tile counter, through which
 * nothing else is published (returns the old value). */
DGK_DEV int dgk_atom_add_relaxed_gpu(int *p, int v)
{
    int old;
    asm volatile("atom.relaxed.gpu.global.add.s32 %0, [%1], %2;" : "=r"(old) : "l"(p), "r"(v) : "memory");
    return old;
}

/* 9.7.9.8 st.relaxed.gpu: a counter reset nobody in this launch reads again. */
DGK_DEV void dgk_st_relaxed_gpu_s32(int *p, int v)
{
    asm volatile("st.relaxed.gpu.global.s32 [%0], %1;" ::"l"(p), "r"(v) : "memory");
}

/* 9.7.13.1 bar.red.or.pred over named barrier `id` of `count` threads: a barrier that
 * also returns whether any participant passed true (one thread's decision, broadcast). */
DGK_DEV bool dgk_named_barrier_or(int id, int count, bool pred)
{
    dgk_u32 any;
    asm volatile("{\n\t.reg .pred p, q;\n\t"
                 "setp.ne.u32 p, %1, 0;\n\t"
                 "bar.red.or.pred q, %2, %3, p;\n\t"
                 "selp.u32 %0, 1, 0, q;\n\t}"
                 : "=r"(any)
                 : "r"((dgk_u32)pred), "r"(id), "r"(count)
                 : "memory");
    return any != 0;
}

/* ---- registers ------------------------------------------------------------------------ */

/* 9.7.17.1 setmaxnreg: raise (consumers) or lower (producer) this warpgroup's register
 * budget. Needs a register cap at kernel entry (__launch_bounds__(T, 1)) and warpgroup-
 * uniform control flow. N is a multiple of 8 in [24, 256]. */
template <int N>
DGK_DEV void dgk_setmaxnreg_inc(void)
{
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;" ::"n"(N));
}

template <int N>
DGK_DEV void dgk_setmaxnreg_dec(void)
{
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;" ::"n"(N));
}

/* 9.7.9.25.4.1 cp.async.bulk (not a tensor copy): `bytes` contiguous bytes from global to
 * this CTA's shared memory, counted on `bar` as transaction bytes. `dst`, `src` and `bytes`
 * must be multiples of 16. */
DGK_DEV void dgk_bulk_load(dgk_u32 dst, const void *src, dgk_u32 bytes, dgk_u64 *bar)
{
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
                 ::"r"(dst), "l"(src), "r"(bytes), "r"(dgk_smem_u32(bar)) : "memory");
}

/* ---- TMA: tensor copies (9.7.9.25 cp.async.bulk.tensor) ------------------------------ */

/* 9.7.9.23 createpolicy: an L2 eviction policy for the .L2::cache_hint forms.
 * evict_first for data read once (activations streamed past), evict_last for data many
 * CTAs reread (weights). */
DGK_DEV dgk_u64 dgk_l2_policy_evict_first(void)
{
    dgk_u64 p;
    asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(p));
    return p;
}

DGK_DEV dgk_u64 dgk_l2_policy_evict_last(void)
{
    dgk_u64 p;
    asm volatile("createpolicy.fractional.L2::evict_last.b64 %0, 1.0;" : "=l"(p));
    return p;
}

/* 9.7.9.26 prefetch.tensormap: pull a descriptor into the cache before first use. */
DGK_DEV void dgk_tma_prefetch_desc(const dgk_tensormap *desc)
{
    asm volatile("prefetch.tensormap [%0];" ::"l"(desc) : "memory");
}

/* Tile loads global -> shared, completing `bytes` on the mbarrier. c0 is the innermost
 * coordinate (elements). */
DGK_DEV void dgk_tma_load_2d(void *dst, const dgk_tensormap *desc, dgk_u64 *bar, int c0, int c1)
{
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                 " [%0], [%1, {%3, %4}], [%2];"
                 ::"r"(dgk_smem_u32(dst)), "l"(desc), "r"(dgk_smem_u32(bar)), "r"(c0), "r"(c1)
                 : "memory");
}

DGK_DEV void dgk_tma_load_3d(void *dst, const dgk_tensormap *desc, dgk_u64 *bar, int c0, int c1, int c2)
{
    asm volatile("cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                 " [%0], [%1, {%3, %4, %5}], [%2];"
                 ::"r"(dgk_smem_u32(dst)), "l"(desc), "r"(dgk_smem_u32(bar)), "r"(c0), "r"(c1), "r"(c2)
                 : "memory");
}

/* With an L2 eviction policy from dgk_l2_policy_*. */
DGK_DEV void dgk_tma_load_2d_hint(void *dst, const dgk_tensormap *desc, dgk_u64 *bar, int c0, int c1,
                                  dgk_u64 policy)
{
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.L2::cache_hint"
                 " [%0], [%1, {%3, %4}], [%2], %5;"
                 ::"r"(dgk_smem_u32(dst)), "l"(desc), "r"(dgk_smem_u32(bar)), "r"(c0), "r"(c1), "l"(policy)
                 : "memory");
}

DGK_DEV void dgk_tma_load_3d_hint(void *dst, const dgk_tensormap *desc, dgk_u64 *bar, int c0, int c1, int c2,
                                  dgk_u64 policy)
{
    asm volatile("cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.L2::cache_hint"
                 " [%0], [%1, {%3, %4, %5}], [%2], %6;"
                 ::"r"(dgk_smem_u32(dst)), "l"(desc), "r"(dgk_smem_u32(bar)), "r"(c0), "r"(c1), "r"(c2),
                   "l"(policy)
                 : "memory");
}

/* Multicast: the tile lands at the same shared offset in every CTA of `cta_mask` (bit i =
 * cluster rank i), and completes bytes on the barrier at the same offset in each. */
DGK_DEV void dgk_tma_load_2d_mc(void *dst, const dgk_tensormap *desc, dgk_u64 *bar, int c0, int c1,
                                dgk_u16 cta_mask)
{
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster"
                 " [%0], [%1, {%3, %4}], [%2], %5;"
                 ::"r"(dgk_smem_u32(dst)), "l"(desc), "r"(dgk_smem_u32(bar)), "r"(c0), "r"(c1), "h"(cta_mask)
                 : "memory");
}

/* Multicast with an L2 eviction policy (the mask, then the policy). */
DGK_DEV void dgk_tma_load_2d_mc_hint(void *dst, const dgk_tensormap *desc, dgk_u64 *bar, int c0, int c1,
                                     dgk_u16 cta_mask, dgk_u64 policy)
{
    asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster"
                 ".L2::cache_hint [%0], [%1, {%3, %4}], [%2], %5, %6;"
                 ::"r"(dgk_smem_u32(dst)), "l"(desc), "r"(dgk_smem_u32(bar)), "r"(c0), "r"(c1), "h"(cta_mask),
                   "l"(policy)
                 : "memory");
}

DGK_DEV void dgk_tma_load_3d_mc(void *dst, const dgk_tensormap *desc, dgk_u64 *bar, int c0, int c1, int c2,
                                dgk_u16 cta_mask)
{
    asm volatile("cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster"
                 " [%0], [%1, {%3, %4, %5}], [%2], %6;"
                 ::"r"(dgk_smem_u32(dst)), "l"(desc), "r"(dgk_smem_u32(bar)), "r"(c0), "r"(c1), "r"(c2),
                   "h"(cta_mask)
                 : "memory");
}

/* Tile stores shared -> global, tracked by bulk groups (commit, then wait). Rows and
 * columns outside the tensor are not written. */
DGK_DEV void dgk_tma_store_2d(const dgk_tensormap *desc, const void *src, int c0, int c1)
{
    asm volatile("cp.async.bulk.tensor.2d.global.shared::cta.tile.bulk_group [%0, {%2, %3}], [%1];"
                 ::"l"(desc), "r"(dgk_smem_u32(src)), "r"(c0), "r"(c1) : "memory");
}

DGK_DEV void dgk_tma_store_3d(const dgk_tensormap *desc, const void *src, int c0, int c1, int c2)
{
    asm volatile("cp.async.bulk.tensor.3d.global.shared::cta.tile.bulk_group [%0, {%2, %3, %4}], [%1];"
                 ::"l"(desc), "r"(dgk_smem_u32(src)), "r"(c0), "r"(c1), "r"(c2) : "memory");
}

/* 9.7.9.27 cp.reduce.async.bulk.tensor .add: global += tile (D += result, f32 or bf16). */
DGK_DEV void dgk_tma_reduce_add_2d(const dgk_tensormap *desc, const void *src, int c0, int c1)
{
    asm volatile("cp.reduce.async.bulk.tensor.2d.global.shared::cta.add.tile.bulk_group [%0, {%2, %3}], [%1];"
                 ::"l"(desc), "r"(dgk_smem_u32(src)), "r"(c0), "r"(c1) : "memory");
}

DGK_DEV void dgk_tma_reduce_add_3d(const dgk_tensormap *desc, const void *src, int c0, int c1, int c2)
{
    asm volatile("cp.reduce.async.bulk.tensor.3d.global.shared::cta.add.tile.bulk_group [%0, {%2, %3, %4}], [%1];"
                 ::"l"(desc), "r"(dgk_smem_u32(src)), "r"(c0), "r"(c1), "r"(c2) : "memory");
}

/* 9.7.9.24.3 cp.async.bulk.commit_group / wait_group(.read): .read returns once the
 * source shared memory of all but the newest N groups may be overwritten; without .read,
 * once the writes are done. */
DGK_DEV void dgk_tma_store_commit(void)
{
    asm volatile("cp.async.bulk.commit_group;" ::: "memory");
}

template <int N>
DGK_DEV void dgk_tma_store_wait_read(void)
{
    asm volatile("cp.async.bulk.wait_group.read %0;" ::"n"(N) : "memory");
}

template <int N>
DGK_DEV void dgk_tma_store_wait(void)
{
    asm volatile("cp.async.bulk.wait_group %0;" ::"n"(N) : "memory");
}

/* The byte offset of element row r, byte column b in a TMA box whose rows are
 * `row_bytes` long and whose base is 1024-byte aligned, under the box's swizzle: the
 * 16-byte chunk index is XORed with bits 7.. of the offset (Swizzle<3|2|1, 4, 3>), the
 * layout cp.async.bulk.tensor writes (5.5.x tensor swizzling modes). */
DGK_DEV dgk_u32 dgk_swizzle_offset(dgk_u32 off, int swizzle_bytes)
{
    dgk_u32 mask = swizzle_bytes == 128 ? 7u : swizzle_bytes == 64 ? 3u : swizzle_bytes == 32 ? 1u : 0u;
    return off ^ (((off >> 7) & mask) << 4);
}

/* ---- wgmma (9.7.15 asynchronous warpgroup matrix multiply) ---------------------------- */

/* 9.7.15.5.1.2.2 the shared-memory matrix descriptor:
 *   bits  0-13  start address >> 4       bits 16-29  leading byte offset >> 4
 *   bits 32-45  stride byte offset >> 4  bits 49-51  base offset (0: 1024-aligned atoms)
 *   bits 62-63  swizzle: 1 = 128B, 2 = 64B, 3 = 32B, 0 = none
 * K-major swizzled: SBO = bytes between 8-row groups (1024 for dense 128B rows), LBO
 * unused. MN-major swizzled: LBO = bytes between swizzle-span-wide MN chunks (64 bf16),
 * SBO = bytes between 8-deep K groups. Advancing along K or MN inside a tile adds
 * (bytes >> 4) to the descriptor (dgk_wgmma_desc_add). */
DGK_DEV dgk_u64 dgk_wgmma_desc(dgk_u32 smem_addr, dgk_u32 lbo, dgk_u32 sbo, int swizzle_bytes)
{
    dgk_u64 mode = swizzle_bytes == 128 ? 1 : swizzle_bytes == 64 ? 2 : swizzle_bytes == 32 ? 3 : 0;
    return (dgk_u64)((smem_addr & 0x3ffffu) >> 4) | ((dgk_u64)((lbo >> 4) & 0x3fffu) << 16) |
           ((dgk_u64)((sbo >> 4) & 0x3fffu) << 32) | (mode << 62);
}

DGK_DEV dgk_u64 dgk_wgmma_desc_add(dgk_u64 desc, dgk_u32 bytes)
{
    return desc + (dgk_u64)(bytes >> 4);
}

/* 9.7.15.6 wgmma.fence: orders prior register/shared accesses before the following
 * wgmma.mma_async reads them (accumulators touched by ordinary code included). */
DGK_DEV void dgk_wgmma_fence(void)
{
    asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}

/* 9.7.15.7 wgmma.commit_group: the wgmmas issued since the last commit form one group. */
DGK_DEV void dgk_wgmma_commit(void)
{
    asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
}

/* 9.7.15.8 wgmma.wait_group N: wait until at most N groups are pending. */
template <int N>
DGK_DEV void dgk_wgmma_wait(void)
{
    asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(N) : "memory");
}

/* Keeps the compiler from moving accesses of an accumulator register across a wgmma
 * fence/wait (an empty asm that claims to read and write it). */
DGK_DEV void dgk_reg_fence(float &r)
{
    asm volatile("" : "+f"(r)::"memory");
}

/* The m64nNkK wgmma.mma_async wrappers themselves are written by the emitter into each
 * kernel, one per shape the kernel uses: an N-wide f32 accumulator takes N/2 register
 * operands, and only the shapes in use are worth NVRTC's parse time. */

/* ---- stmatrix (9.7.14.5.16) ----------------------------------------------------------- */

/* Four 8x8 b16 matrices from registers to shared memory: lane l supplies the row address
 * for matrix l/8, row l%8; register i holds this lane's pair of matrix i (row l/4,
 * columns 2*(l%4), +1), which is exactly a wgmma accumulator pair after packing. */
DGK_DEV void dgk_stmatrix_x4(dgk_u32 addr, dgk_u32 r0, dgk_u32 r1, dgk_u32 r2, dgk_u32 r3)
{
    asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1, %2, %3, %4};"
                 ::"r"(addr), "r"(r0), "r"(r1), "r"(r2), "r"(r3) : "memory");
}

/* The same, each 8x8 matrix transposed (for column-major staging). */
DGK_DEV void dgk_stmatrix_x4_trans(dgk_u32 addr, dgk_u32 r0, dgk_u32 r1, dgk_u32 r2, dgk_u32 r3)
{
    asm volatile("stmatrix.sync.aligned.m8n8.x4.trans.shared.b16 [%0], {%1, %2, %3, %4};"
                 ::"r"(addr), "r"(r0), "r"(r1), "r"(r2), "r"(r3) : "memory");
}

/* 9.7.9.10 st.shared of 2 f32 / 1 b32 / 4 b32 (16-byte aligned) / 1 u8 / 1 b16 at a
 * .shared::cta address. */
DGK_DEV void dgk_st_shared_v2f32(dgk_u32 addr, float a, float b)
{
    asm volatile("st.shared.v2.f32 [%0], {%1, %2};" ::"r"(addr), "f"(a), "f"(b) : "memory");
}

DGK_DEV void dgk_st_shared_b32(dgk_u32 addr, dgk_u32 v)
{
    asm volatile("st.shared.b32 [%0], %1;" ::"r"(addr), "r"(v) : "memory");
}

DGK_DEV void dgk_st_shared_v4b32(dgk_u32 addr, dgk_u32 a, dgk_u32 b, dgk_u32 c, dgk_u32 d)
{
    asm volatile("st.shared.v4.b32 [%0], {%1, %2, %3, %4};" ::"r"(addr), "r"(a), "r"(b), "r"(c), "r"(d) : "memory");
}

DGK_DEV void dgk_st_shared_u8(dgk_u32 addr, dgk_u32 v)
{
    asm volatile("st.shared.u8 [%0], %1;" ::"r"(addr), "r"(v) : "memory");
}

DGK_DEV void dgk_st_shared_b16(dgk_u32 addr, dgk_u16 v)
{
    asm volatile("st.shared.b16 [%0], %1;" ::"r"(addr), "h"(v) : "memory");
}

DGK_DEV float dgk_ld_shared_f32(dgk_u32 addr)
{
    float v;
    asm volatile("ld.shared.f32 %0, [%1];" : "=f"(v) : "r"(addr) : "memory");
    return v;
}

DGK_DEV dgk_u32 dgk_ld_shared_b32(dgk_u32 addr)
{
    dgk_u32 v;
    asm volatile("ld.shared.b32 %0, [%1];" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

/* 9.7.9.8 ld.shared of 4 b32 (16-byte aligned): a dynamic schedule's tile slot. */
DGK_DEV void dgk_ld_shared_v4b32(dgk_u32 addr, dgk_u32 &a, dgk_u32 &b, dgk_u32 &c, dgk_u32 &d)
{
    asm volatile("ld.shared.v4.b32 {%0, %1, %2, %3}, [%4];" : "=r"(a), "=r"(b), "=r"(c), "=r"(d) : "r"(addr) : "memory");
}

DGK_DEV dgk_u32 dgk_ld_shared_u8(dgk_u32 addr)
{
    dgk_u32 v;
    asm volatile("ld.shared.u8 %0, [%1];" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

/* ---- conversions (9.7.9.21 cvt) --------------------------------------------------------- */

/* Two f32 -> packed bf16x2 / f16x2, round to nearest even; `lo` lands in the low half. */
DGK_DEV dgk_u32 dgk_pack_bf16x2(float lo, float hi)
{
    dgk_u32 r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

DGK_DEV dgk_u32 dgk_pack_f16x2(float lo, float hi)
{
    dgk_u32 r;
    asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

/* Two f32 -> packed e4m3x2 / e5m2x2, saturating to the format's finite range. */
DGK_DEV dgk_u16 dgk_pack_e4m3x2(float lo, float hi)
{
    dgk_u16 r;
    asm("cvt.rn.satfinite.e4m3x2.f32 %0, %1, %2;" : "=h"(r) : "f"(hi), "f"(lo));
    return r;
}

DGK_DEV dgk_u16 dgk_pack_e5m2x2(float lo, float hi)
{
    dgk_u16 r;
    asm("cvt.rn.satfinite.e5m2x2.f32 %0, %1, %2;" : "=h"(r) : "f"(hi), "f"(lo));
    return r;
}

DGK_DEV float dgk_bf16_to_f32(dgk_bf16 x)
{
    return __uint_as_float((dgk_u32)x.bits << 16);
}

DGK_DEV float dgk_f16_to_f32(dgk_f16 x)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(x.bits));
    return f;
}

DGK_DEV float dgk_e4m3_to_f32(dgk_e4m3 x)
{
    dgk_u32 h2;
    asm("{\n\t.reg .b16 in;\n\tcvt.u16.u8 in, %1;\n\tcvt.rn.f16x2.e4m3x2 %0, in;\n\t}" : "=r"(h2) : "r"((dgk_u32)x.bits));
    return dgk_f16_to_f32(dgk_f16{(dgk_u16)(h2 & 0xffffu)});
}

DGK_DEV float dgk_e5m2_to_f32(dgk_e5m2 x)
{
    dgk_u32 h2;
    asm("{\n\t.reg .b16 in;\n\tcvt.u16.u8 in, %1;\n\tcvt.rn.f16x2.e5m2x2 %0, in;\n\t}" : "=r"(h2) : "r"((dgk_u32)x.bits));
    return dgk_f16_to_f32(dgk_f16{(dgk_u16)(h2 & 0xffffu)});
}

/* Atomic minimum without a result (PTX ISA 9.7.13.6, red), generic addressing (p is a
 * C++ pointer to a global variable): what a debug check records, the smallest value
 * winning (e.g. (row << 32) | id: the first bad row). */
DGK_DEV void dgk_red_min_u64(dgk_u64 *p, dgk_u64 v)
{
    asm volatile("red.min.u64 [%0], %1;" ::"l"(p), "l"(v) : "memory");
}

/* Loads of one element of a global tensor as f32, by storage type (read-only path). */
DGK_DEV float dgk_load_f32(const float *p) { return __ldg(p); }
DGK_DEV float dgk_load_f32(const dgk_bf16 *p) { return dgk_bf16_to_f32(dgk_bf16{__ldg((const unsigned short *)p)}); }
DGK_DEV float dgk_load_f32(const dgk_f16 *p) { return dgk_f16_to_f32(dgk_f16{__ldg((const unsigned short *)p)}); }
DGK_DEV float dgk_load_f32(const dgk_e4m3 *p) { return dgk_e4m3_to_f32(dgk_e4m3{(dgk_u8)__ldg((const unsigned char *)p)}); }
DGK_DEV float dgk_load_f32(const dgk_e5m2 *p) { return dgk_e5m2_to_f32(dgk_e5m2{(dgk_u8)__ldg((const unsigned char *)p)}); }
DGK_DEV float dgk_load_f32(const int *p) { return (float)__ldg(p); }

/* UE8M0 scale byte e -> 2^(e - 127), exactly, by writing e into the f32 exponent field
 * (no conversion instruction). The two codes outside f32's normal range: e = 0 (2^-127,
 * an f32 subnormal) reads as 0.0f, and e = 255 (NaN in OCP MX) as +inf, so a bad scale
 * makes its outputs non-finite instead of quietly small. dgk_host_ue8m0_to_f32 (dgk.h)
 * decodes the same way. */
DGK_DEV float dgk_ue8m0_to_f32(dgk_u32 e) { return __uint_as_float(e << 23); }
DGK_DEV float dgk_load_f32(const dgk_ue8m0 *p) { return dgk_ue8m0_to_f32(__ldg((const unsigned char *)p)); }

/* Round through a narrow format and back (the epilogue's CAST op). */
DGK_DEV float dgk_round_bf16(float x) { return dgk_bf16_to_f32(dgk_bf16{(dgk_u16)(dgk_pack_bf16x2(x, 0.0f) & 0xffffu)}); }
DGK_DEV float dgk_round_f16(float x) { return dgk_f16_to_f32(dgk_f16{(dgk_u16)(dgk_pack_f16x2(x, 0.0f) & 0xffffu)}); }
DGK_DEV float dgk_round_e4m3(float x) { return dgk_e4m3_to_f32(dgk_e4m3{(dgk_u8)(dgk_pack_e4m3x2(x, 0.0f) & 0xffu)}); }
DGK_DEV float dgk_round_e5m2(float x) { return dgk_e5m2_to_f32(dgk_e5m2{(dgk_u8)(dgk_pack_e5m2x2(x, 0.0f) & 0xffu)}); }

/* f32 -> the UE8M0 byte of the smallest power of two >= |x| (the scale-factor rounding;
 * exact for powers of two, so a decoded byte encodes back to itself): the exponent field,
 * plus one when any mantissa bit is set; 0 gives 0, values past 2^127 and NaN give 255.
 * The sign is dropped. */
DGK_DEV dgk_u32 dgk_f32_to_ue8m0(float x)
{
    dgk_u32 b = __float_as_uint(x) & 0x7fffffffu, e = b >> 23;
    return e + ((b & 0x7fffffu) != 0u && e < 255u);
}
DGK_DEV float dgk_round_ue8m0(float x) { return dgk_ue8m0_to_f32(dgk_f32_to_ue8m0(x)); }

/* Elementwise kernels: a stored element of each type as f32 (plain loads, for tensors the
 * kernel also writes), and an f32 value rounded into one (round to nearest even; the FP8
 * formats saturate; UE8M0 rounds up to a power of two). */
DGK_DEV float dgk_to_f32(float x) { return x; }
DGK_DEV float dgk_to_f32(dgk_bf16 x) { return dgk_bf16_to_f32(x); }
DGK_DEV float dgk_to_f32(dgk_f16 x) { return dgk_f16_to_f32(x); }
DGK_DEV float dgk_to_f32(dgk_e4m3 x) { return dgk_e4m3_to_f32(x); }
DGK_DEV float dgk_to_f32(dgk_e5m2 x) { return dgk_e5m2_to_f32(x); }
DGK_DEV float dgk_to_f32(dgk_ue8m0 x) { return dgk_ue8m0_to_f32(x.bits); }
DGK_DEV void dgk_put(float *p, float x) { *p = x; }
DGK_DEV void dgk_put(dgk_bf16 *p, float x) { p->bits = (dgk_u16)(dgk_pack_bf16x2(x, 0.0f) & 0xffffu); }
DGK_DEV void dgk_put(dgk_f16 *p, float x) { p->bits = (dgk_u16)(dgk_pack_f16x2(x, 0.0f) & 0xffffu); }
DGK_DEV void dgk_put(dgk_e4m3 *p, float x) { p->bits = (dgk_u8)(dgk_pack_e4m3x2(x, 0.0f) & 0xffu); }
DGK_DEV void dgk_put(dgk_e5m2 *p, float x) { p->bits = (dgk_u8)(dgk_pack_e5m2x2(x, 0.0f) & 0xffu); }
DGK_DEV void dgk_put(dgk_ue8m0 *p, float x) { p->bits = (dgk_u8)dgk_f32_to_ue8m0(x); }

/* Four consecutive elements as one 4-, 8- or 16-byte access (p aligned to it): the
 * elementwise kernels' vector loads (`nc`: the read-only path, for tensors the kernel does
 * not write) and stores, decoded to / encoded from f32 as dgk_load_f32 and dgk_put do. */
DGK_DEV void dgk_ld_words(const void *p, int bytes, int nc, dgk_u32 *w)
{
    if (bytes == 16 && nc)
        asm("ld.global.nc.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(w[0]), "=r"(w[1]), "=r"(w[2]), "=r"(w[3]) : "l"(p));
    else if (bytes == 16)
        asm volatile("ld.global.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(w[0]), "=r"(w[1]), "=r"(w[2]), "=r"(w[3]) : "l"(p) : "memory");
    else if (bytes == 8 && nc)
        asm("ld.global.nc.v2.u32 {%0, %1}, [%2];" : "=r"(w[0]), "=r"(w[1]) : "l"(p));
    else if (bytes == 8)
        asm volatile("ld.global.v2.u32 {%0, %1}, [%2];" : "=r"(w[0]), "=r"(w[1]) : "l"(p) : "memory");
    else if (nc)
        asm("ld.global.nc.u32 %0, [%1];" : "=r"(w[0]) : "l"(p));
    else
        asm volatile("ld.global.u32 %0, [%1];" : "=r"(w[0]) : "l"(p) : "memory");
}

DGK_DEV void dgk_st_words(void *p, int bytes, const dgk_u32 *w)
{
    if (bytes == 16)
        asm volatile("st.global.v4.u32 [%0], {%1, %2, %3, %4};" ::"l"(p), "r"(w[0]), "r"(w[1]), "r"(w[2]), "r"(w[3]) : "memory");
    else if (bytes == 8)
        asm volatile("st.global.v2.u32 [%0], {%1, %2};" ::"l"(p), "r"(w[0]), "r"(w[1]) : "memory");
    else
        asm volatile("st.global.u32 [%0], %1;" ::"l"(p), "r"(w[0]) : "memory");
}

DGK_DEV void dgk_load4(const float *p, float *o, int nc)
{
    dgk_u32 w[4];
    dgk_ld_words(p, 16, nc, w);
    for (int i = 0; i < 4; i++)
        o[i] = __uint_as_float(w[i]);
}
DGK_DEV void dgk_load4(const int *p, int *o, int nc)
{
    dgk_u32 w[4];
    dgk_ld_words(p, 16, nc, w);
    for (int i = 0; i < 4; i++)
        o[i] = (int)w[i];
}
DGK_DEV void dgk_load4(const unsigned *p, unsigned *o, int nc) { dgk_ld_words(p, 16, nc, o); }
DGK_DEV void dgk_load4(const dgk_bf16 *p, float *o, int nc)
{
    dgk_u32 w[2];
    dgk_ld_words(p, 8, nc, w);
    for (int i = 0; i < 4; i++)
        o[i] = dgk_bf16_to_f32(dgk_bf16{(dgk_u16)(w[i / 2] >> (16 * (i % 2)))});
}
DGK_DEV void dgk_load4(const dgk_f16 *p, float *o, int nc)
{
    dgk_u32 w[2];
    dgk_ld_words(p, 8, nc, w);
    for (int i = 0; i < 4; i++)
        o[i] = dgk_f16_to_f32(dgk_f16{(dgk_u16)(w[i / 2] >> (16 * (i % 2)))});
}
DGK_DEV void dgk_load4(const dgk_e4m3 *p, float *o, int nc)
{
    dgk_u32 w;
    dgk_ld_words(p, 4, nc, &w);
    for (int i = 0; i < 4; i++)
        o[i] = dgk_e4m3_to_f32(dgk_e4m3{(dgk_u8)(w >> (8 * i))});
}
DGK_DEV void dgk_load4(const dgk_e5m2 *p, float *o, int nc)
{
    dgk_u32 w;
    dgk_ld_words(p, 4, nc, &w);
    for (int i = 0; i < 4; i++)
        o[i] = dgk_e5m2_to_f32(dgk_e5m2{(dgk_u8)(w >> (8 * i))});
}
DGK_DEV void dgk_load4(const dgk_ue8m0 *p, float *o, int nc)
{
    dgk_u32 w;
    dgk_ld_words(p, 4, nc, &w);
    for (int i = 0; i < 4; i++)
        o[i] = dgk_ue8m0_to_f32((w >> (8 * i)) & 0xffu);
}

DGK_DEV void dgk_put4(float *p, const float *x)
{
    dgk_u32 w[4] = {__float_as_uint(x[0]), __float_as_uint(x[1]), __float_as_uint(x[2]), __float_as_uint(x[3])};
    dgk_st_words(p, 16, w);
}
DGK_DEV void dgk_put4(int *p, const int *x)
{
    dgk_u32 w[4] = {(dgk_u32)x[0], (dgk_u32)x[1], (dgk_u32)x[2], (dgk_u32)x[3]};
    dgk_st_words(p, 16, w);
}
DGK_DEV void dgk_put4(unsigned *p, const unsigned *x) { dgk_st_words(p, 16, x); }
DGK_DEV void dgk_put4(dgk_bf16 *p, const float *x)
{
    dgk_u32 w[2] = {dgk_pack_bf16x2(x[0], x[1]), dgk_pack_bf16x2(x[2], x[3])};
    dgk_st_words(p, 8, w);
}
DGK_DEV void dgk_put4(dgk_f16 *p, const float *x)
{
    dgk_u32 w[2] = {dgk_pack_f16x2(x[0], x[1]), dgk_pack_f16x2(x[2], x[3])};
    dgk_st_words(p, 8, w);
}
DGK_DEV void dgk_put4(dgk_e4m3 *p, const float *x)
{
    dgk_u32 w = (dgk_u32)dgk_pack_e4m3x2(x[0], x[1]) | ((dgk_u32)dgk_pack_e4m3x2(x[2], x[3]) << 16);
    dgk_st_words(p, 4, &w);
}
DGK_DEV void dgk_put4(dgk_e5m2 *p, const float *x)
{
    dgk_u32 w = (dgk_u32)dgk_pack_e5m2x2(x[0], x[1]) | ((dgk_u32)dgk_pack_e5m2x2(x[2], x[3]) << 16);
    dgk_st_words(p, 4, &w);
}
DGK_DEV void dgk_put4(dgk_ue8m0 *p, const float *x)
{
    dgk_u32 w = dgk_f32_to_ue8m0(x[0]) | (dgk_f32_to_ue8m0(x[1]) << 8) | (dgk_f32_to_ue8m0(x[2]) << 16) |
                (dgk_f32_to_ue8m0(x[3]) << 24);
    dgk_st_words(p, 4, &w);
}

/* ---- fast math (9.7.3 ex2/rcp/tanh .approx) --------------------------------------------- */

DGK_DEV float dgk_ex2(float x)
{
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

DGK_DEV float dgk_rcp(float x)
{
    float y;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

DGK_DEV float dgk_tanh(float x)
{
    float y;
    asm("tanh.approx.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

DGK_DEV float dgk_exp(float x) { return dgk_ex2(x * 1.4426950408889634f); }
DGK_DEV float dgk_sigmoid(float x) { return dgk_rcp(1.0f + dgk_ex2(-x * 1.4426950408889634f)); }
DGK_DEV float dgk_silu(float x) { return x * dgk_sigmoid(x); }
DGK_DEV float dgk_relu(float x) { return fmaxf(x, 0.0f); }
/* The tanh form of GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
DGK_DEV float dgk_gelu(float x)
{
    float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + dgk_tanh(u));
}


#endif
