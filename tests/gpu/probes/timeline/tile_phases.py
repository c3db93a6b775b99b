#!/usr/bin/env python3
"""tile_phases.py RAW GHZ - where a tile's time outside its K loop goes, from the raw records
tile_timeline writes (OUT.txt) of a kernel built through ts_fine_nvcc.sh (ts_edit.py +
ts_fine.py). Medians over every CTA's tiles but its first and last, in cycles and in us at
GHZ (the SM clock tile_timeline prints), consumer 0's first thread:
  coords    tile loop top -> coordinates read (tile_coords, group ids)
  zero      -> the K loop's switch (accumulators zeroed, the epilogue's group id issued)
  first     -> the tile's first stage seen full
  kloop     -> the K loop done
  bar1 stsm fence bar2 store   the epilogue's steps up to the TMA store's commit
  loopback  -> the next tile's loop top
and the producer against it (same SM, same clock64): when it issued the tile's first
stage (passed that stage's empty barrier) relative to the consumers' end of the previous
tile's K loop, and how long that stage took to arrive."""
import statistics
import sys


def load(path):
    rows = {}
    for line in open(path):
        if not line.startswith("#"):
            v = list(map(int, line.split()))
            rows[(v[0], v[1])] = v[2:]
    return rows


def show(name, v, ghz):
    v = sorted(v)
    med = statistics.median(v)
    print("%-34s %7d cycles %7.3f us   p10 %6d  p90 %6d  (%d tiles)" % (name, med, med / ghz / 1e3, v[len(v) // 10],
                                                                          v[len(v) * 9 // 10], len(v)))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tile_phases.py RAW GHZ")
    rows, ghz = load(sys.argv[1]), float(sys.argv[2])
    # clock64 slots: 16 start (after coordinates), 17 first full, 18 K loop done, 19 store
    # committed; 24 / 25 the producer's tile start and first empty passed; 10, 11, 26-29 ts_fine.py's
    steps = [("coords", 10, 16), ("zero", 16, 11), ("first", 11, 17), ("kloop", 17, 18), ("bar1", 18, 26),
             ("stsm", 26, 27), ("fence", 27, 28), ("bar2", 28, 29), ("store", 29, 19)]
    got = {name: [] for name, _, _ in steps}
    loopback, outside, lead, arrive = [], [], [], []
    for (cta, it), s in rows.items():
        nxt, prev = rows.get((cta, it + 1)), rows.get((cta, it - 1))
        if it == 0 or nxt is None or not (s[10] and s[11] and s[29] and nxt[10]):
            continue
        for name, a, b in steps:
            got[name].append(s[b] - s[a])
        loopback.append(nxt[10] - s[19])
        outside.append(nxt[17] - s[18])
        if prev and s[25]:
            lead.append(prev[18] - s[25])
            arrive.append(s[17] - s[25])
    for name, _, _ in steps:
        show(name, got[name], ghz)
    show("loopback", loopback, ghz)
    show("outside the K loop (K done -> next full)", outside, ghz)
    show("first stage issued before prev K done", lead, ghz)
    show("first stage issued -> seen full", arrive, ghz)


main()
