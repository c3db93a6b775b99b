#!/bin/sh
# extract.sh IN.cu OUT.inc - the scheduling helpers of a generated kernel (walk_check.cpp):
# its `enum { BM = ...` line, then from the schedule's `enum { CLUSTER_M = ...` line to the
# end of tile_coords. Fails when either is missing (the emitter's layout changed).
set -e
awk '/^enum \{ BM = /{print; bm=1} /^enum \{ CLUSTER_M = /{on=1} on{print} on&&/ tile_coords\(/{tc=1} tc&&/^}/{done=1; exit}
     END{if (!bm || !done) exit 1}' "$1" > "$2.tmp"
mv "$2.tmp" "$2"
