#!/usr/bin/env python3
"""ts_edit.py - instruments a generated dgk GEMM kernel (CUDA C from the emitter) with
per-tile timestamps for the tile-timeline probe (tile_timeline.cu): %globaltimer and
clock64 at each tile's start, its first full stage, the end of its K loop and the
issue of its output store (per consumer warpgroup, thread 0 of each), and at the
producer's tile start and first free stage. Records go to the device address in
$DGKX_TS_ADDR: 64 tiles x 32 u64 per CTA (slots 0-15 %globaltimer, 16-31 clock64):
consumer c: 4c + 0 start, +1 first stage full, +2 K loop done, +3 store issued;
8 producer start, 9 producer's first stage free; 12/13 m_block/n_block, 14 + c the
clock64 cycles consumer c waited on full stages in the tile (raw values; 0 with
$DGKX_WAITS=0, which leaves the K loop as emitted but for the first stage's record).
Usage: ts_edit.py FILE.cu (edits in place; exits 1 naming a pattern it cannot find)."""
import os
import re
import sys

HELPER = r'''
#define DGKX_TS ((unsigned long long *)%sull)
static __device__ __forceinline__ void dgkx_rec(int it, int slot) {
    unsigned long long g;
    asm volatile("mov.u64 %%0, %%globaltimer;" : "=l"(g));
    const long long c = clock64();
    if (it >= 64) return;
    unsigned long long *p = DGKX_TS + ((unsigned long long)blockIdx.x * 64 + it) * 32;
    p[slot] = g;
    p[16 + slot] = (unsigned long long)c;
}
static __device__ __forceinline__ void dgkx_put(int it, int slot, long long v) {
    if (it < 64) DGKX_TS[((unsigned long long)blockIdx.x * 64 + it) * 32 + slot] = (unsigned long long)v;
}
'''


def die(msg):
    sys.stderr.write("ts_edit.py: %s\n" % msg)
    sys.exit(1)


def main():
    path = sys.argv[1]
    addr = os.environ.get("DGKX_TS_ADDR")
    if not addr:
        die("DGKX_TS_ADDR is not set")
    waits = os.environ.get("DGKX_WAITS", "1") != "0"  # 0: no clock64 around the K loop's waits
    lines = open(path).read().split("\n")
    out = []
    kernel_at = next((i for i, l in enumerate(lines) if l.startswith('extern "C" __global__')), None)
    if kernel_at is None:
        die("no kernel in " + path)
    inc = next((i for i, l in enumerate(lines) if l.startswith('#include "dgk_sm90.cuh"')), None)
    if inc is None:
        die("no #include of dgk_sm90.cuh")
    loops = [i for i, l in enumerate(lines) if i > kernel_at and re.match(r"\s*for \(int tile = ", l)]
    if len(loops) != 2:
        die("expected 2 tile loops (producer, consumer), found %d" % len(loops))
    prod, cons = loops
    role = None
    seen = {"coords": 0, "empty": 0, "full": 0, "store": 0, "commit": 0}
    depth, loop_depth, pending = 0, None, False
    for i, l in enumerate(lines):
        if i in (prod, cons):
            role = "p" if i == prod else "c"
            loop_depth = depth
            # before the loop's `#pragma unroll 1`, which must stay next to it
            out.insert(len(out) - 1 if out[-1].strip().startswith("#pragma") else len(out), "int dgkx_it = 0;")
        depth += l.count("{") - l.count("}")
        if role and loop_depth is not None and depth <= loop_depth and i not in (prod, cons):
            role, loop_depth = None, None  # the tile loop closed on this line
        out_line = l
        if role and l.strip().startswith("if (!tile_coords("):
            pending = True  # the grouped form: `if (!tile_coords(...))` then `continue;`
            out.append(out_line)
            continue
        if role and (l.strip().startswith("tile_coords(") or pending):
            pending = False
            out.append(out_line)
            seen["coords"] += 1
            if role == "p":
                out.append("            const int dgkx_i = dgkx_it++; bool dgkx_first = true; dgkx_rec(dgkx_i, 8);")
            else:
                out.append("            const int dgkx_i = dgkx_it++; bool dgkx_first = true;"
                           " long long dgkx_wait = 0; if (threadIdx.x % 128 == 0) { dgkx_rec(dgkx_i, 4 * consumer);"
                           " if (consumer == 0) { dgkx_put(dgkx_i, 12, m_block); dgkx_put(dgkx_i, 13, n_block); } }")
            continue
        if role == "p" and "dgk_mbar_wait(&empty_bar[stage]" in l:
            out.append(out_line)
            seen["empty"] += 1
            out.append("                    if (dgkx_first) { dgkx_first = false; dgkx_rec(dgkx_i, 9); }")
            continue
        if role == "c" and "dgk_mbar_wait(&full_bar[stage]" in l:
            if waits:
                out.append("                const long long dgkx_w0 = clock64();")
            out.append(out_line)
            seen["full"] += 1
            out.append("                if (dgkx_first) { dgkx_first = false; if (threadIdx.x % 128 == 0) dgkx_rec(dgkx_i, 4 * consumer + 1); }")
            if waits:
                out.append("                dgkx_wait += clock64() - dgkx_w0;")
            continue
        if role == "c" and re.search(r"// .*: store: D = ", l):
            seen["store"] += 1
            out.append("            if (threadIdx.x % 128 == 0) { dgkx_rec(dgkx_i, 4 * consumer + 2); dgkx_put(dgkx_i, 14 + consumer, dgkx_wait); }")
        if role == "c" and "dgk_tma_store_commit();" in l:
            out.append(out_line)
            seen["commit"] += 1
            out.append("                dgkx_rec(dgkx_i, 4 * consumer + 3);")
            continue
        out.append(out_line)
        if i == inc:
            out.append(HELPER % addr)
    for k, v in seen.items():
        if v == 0:
            die("found no %s point in %s" % (k, path))
    open(path, "w").write("\n".join(out))


main()
