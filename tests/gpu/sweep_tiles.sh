#!/bin/sh
# sweep_tiles.sh - times a stock GEMM with each tile (and cluster) forced through
# DGK_GEMM_TILE / DGK_GEMM_CLUSTER over DeepGEMM's dense shapes, to tune
# stdlib/gemm_heuristic.c. Needs a GPU and the harness (make gpu-programs).
# Usage: sh tests/gpu/sweep_tiles.sh OUTDIR [BMxBN[cC] ...]
#   DTYPE=bf16|fp8 (default bf16), SHAPES=full|large|MxNxK (default full), REPS (15).
# While it runs, nvidia-smi samples SM clock, power and temperature every 200 ms into
# OUTDIR/clocks.csv, to tell clock or power limits from code effects.
out=${1:?usage: sweep_tiles.sh OUTDIR [BMxBN[cC] ...]}
shift
dtype=${DTYPE:-bf16}
[ $# -gt 0 ] || set -- 64x32 64x64 64x128 128x64 128x128 128x192 128x256 256x128
bench=${BENCH:-build/gpu/dgk-bench}
runner=dgk-$dtype-nt
mkdir -p "$out"
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,clocks_throttle_reasons.active \
    --format=csv -lms 200 > "$out/clocks.csv" 2>/dev/null &
smi=$!
for spec in "$@"; do
    tile=${spec%c*}
    cluster=1
    case $spec in *c*) cluster=${spec#*c} ;; esac
    echo "$(date +%T) start $spec" >> "$out/clocks-marks.txt"
    DGK_GEMM_TILE=$tile DGK_GEMM_CLUSTER=$cluster "$bench" --dtype "$dtype" --layout NT \
        --shapes "${SHAPES:-full}" --runner "$runner" --reps "${REPS:-15}" \
        --csv "$out/sweep-$dtype-$spec.csv" > "$out/sweep-$dtype-$spec.log" 2>&1
    echo "$dtype $spec: exit $?"
done
kill $smi 2>/dev/null
