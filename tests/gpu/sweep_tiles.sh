#!/bin/sh
# sweep_tiles.sh - times the stock BF16 NT GEMM with each tile forced (DGK_GEMM_TILE)
# over DeepGEMM's dense shapes, to tune stdlib/gemm_heuristic.c. Needs a GPU and the
# harness (make gpu-harness). Usage: sh tests/gpu/sweep_tiles.sh OUTDIR [TILE ...]
out=${1:?usage: sweep_tiles.sh OUTDIR [TILE ...]}
shift
[ $# -gt 0 ] || set -- 64x32 64x64 64x128 128x64 128x128 128x192 128x256 256x128
bench=${BENCH:-build/gpu/dgk-bench}
mkdir -p "$out"
for tile in "$@"; do
    DGK_GEMM_TILE=$tile "$bench" --dtype bf16 --layout NT --shapes full --runner dgk-bf16-nt \
        --reps 15 --csv "$out/sweep-$tile.csv" > "$out/sweep-$tile.log" 2>&1
    echo "tile $tile: exit $?"
done
