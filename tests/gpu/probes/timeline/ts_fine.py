#!/usr/bin/env python3
"""ts_fine.py - run after ts_edit.py on the same generated kernel: raw clock64 of consumer
0's first thread at finer points of each tile, for tile_phases.py. Slots (of ts_edit.py's 32
per tile; these are free there): 10 the tile loop's top (before the tile's coordinates),
11 before the K loop's `switch (sb_split)` (coordinates read, accumulators zeroed),
26 after the epilogue's first named barrier (the previous store has read its staging),
27 after the staging writes (stmatrix), 28 after the proxy fence, 29 after the second
named barrier. Usage: ts_fine.py FILE.cu (edits in place; exits 1 naming what it missed)."""
import sys


def main():
    path = sys.argv[1]
    lines = open(path).read().split("\n")
    loops = [i for i, l in enumerate(lines) if l.strip().startswith("for (int tile = ")]
    if not loops:
        sys.exit("ts_fine.py: no tile loop in " + path)
    cons_loop = loops[-1]
    put = "if (threadIdx.x == 128) dgkx_put(%s, %d, clock64());"
    out, seen, barriers = [], set(), 0
    for i, l in enumerate(lines):
        out.append(l)
        s = l.strip()
        if i < cons_loop:
            continue
        if i == cons_loop:
            out.append(put % ("dgkx_it", 10))  # the tile's index is taken after its coordinates
            seen.add(10)
        elif s.startswith("switch (sb_split)"):
            out.insert(len(out) - 1, put % ("dgkx_i", 11))
            seen.add(11)
        elif s == "dgk_named_barrier_sync(1 + consumer, 128);":
            barriers += 1
            slot = 26 if barriers == 1 else 29
            out.append(put % ("dgkx_i", slot))
            seen.add(slot)
        elif s.startswith("// make the staging writes visible"):
            out.insert(len(out) - 1, put % ("dgkx_i", 27))
            seen.add(27)
        elif s == "dgk_fence_proxy_async_smem();":
            out.append(put % ("dgkx_i", 28))
            seen.add(28)
    missing = {10, 11, 26, 27, 28, 29} - seen
    if missing:
        sys.exit("ts_fine.py: found no point for slots %s in %s" % (sorted(missing), path))
    open(path, "w").write("\n".join(out))


main()
