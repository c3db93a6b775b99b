#!/bin/sh
# extract.sh IN.cu OUT.inc - the scheduling helpers of a generated kernel (walk_check.cpp):
# its `enum { BM = ...` line (and `enum { TAIL_SLICES = ...` with tail_split), then from the
# schedule's `enum { CLUSTER_M = ...` line to the end of tile_coords, and with tail_split
# masked_tiles and tail_unit after it. Fails when the enum or tile_coords is missing, or
# masked_tiles without tail_unit (the emitter's layout changed).
set -e
awk '/^enum \{ BM = /{print; bm=1} /^enum \{ TAIL_SLICES = /{print}
     /^enum \{ CLUSTER_M = /{on=1}
     on&&!done{print} on&&!done&&/ tile_coords\(/{tc=1} tc&&!done&&/^}/{done=1; next}
     done&&!tail&&/^static /{ if ($0 ~ / masked_tiles\(/) tail=1; else exit }
     tail{print} tail&&/ tail_unit\(/{tu=1} tu&&/^}/{ended=1; exit}
     END{if (!bm || !done || (tail && !ended)) exit 1}' "$1" > "$2.tmp"
mv "$2.tmp" "$2"
