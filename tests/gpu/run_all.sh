#!/bin/sh
# run_all.sh check|bench|bars|all - the GPU suites (`make gpu-check`, `make bench`) from
# prebuilt programs (make all gpu-programs, then carry build/ to the GPU machine).
#   check: the runtime's GPU test (TMA, mbarrier, cluster, PDL), then dgk-gemm-check on
#          DeepGEMM's dense shapes: BF16 in all four layouts, FP8 block-scaled NT. Each
#          layout runs in its own process, so one crash cannot hide the others; then BF16
#          NT and FP8 NT again with split-K forced (DGK_GEMM_SPLIT=3), and with 2-CTA
#          clusters forced along M and along N (DGK_GEMM_CLUSTER=2, DGK_GEMM_CLUSTER_N=2).
#          Then dgk-grouped-check (grouped MoE GEMMs, contiguous and masked, BF16 and FP8;
#          again with clusters forced along N and along M, and masked FP8 with tail_split forced) and dgk-k-grouped (the K-grouped FP8 and BF16 weight gradients), dgk-grouped-debug (the
#          DGK_DEBUG=1 checks of group ids and k-grouped offsets). Before the dense checks,
#          dgk-user-check, dgk-user-grouped-check, dgk-quant-check and dgk-swiglu-check run
#          kernels of a user's own .dgk (examples/moe_expert_epilogue.dgk: grouped schedules with
#          per-expert epilogue vectors, scales and residual tiles; examples/gemm_quant_fp8.dgk:
#          row reductions and row vectors stored beside an e4m3 tile; examples/gemm_swiglu.dgk:
#          two accumulators combined, silu(gate) * up).
#   bench: the runtime's timings, the quantizing GEMM example (dgk-quant-check --bench), the
#          SwiGLU example beside the stock GEMM + an activation kernel (dgk-swiglu-check --bench),
#          then dgk-bench for BF16 NT and FP8 NT against cuBLASLt,
#          then dgk-grouped-bench (DeepGEMM's grouped shapes, DeepGEMM's numbers beside).
#   check: (the FP8 run includes dgk-fp8-ue8m0, UE8M0 byte scales, and the weight
#          gradient's accumulate set with dgk-fp8-wgrad and cublaslt-fp8-wgrad.)
#   bench: (the FP8 run has two sections: dense GEMMs, then the weight gradient on
#          DeepGEMM's wgrad shapes.) Then the dense NT shapes once more with kernel time
#          from CUPTI (--kernel-time, bench-*-kernel.md: what a profiler reports, the timer
#          of DeepGEMM's table in DESIGN.md; a pass of its own because recording adds a
#          little to the event times), then the M = 4096 shapes back to back at the card's
#          power limit (--sustain, sustained-*.log): the warm-card numbers. The grouped
#          bench reports kernel time beside its event time. Then the M = 4096 and grouped
#          shapes with DeepGEMM's own timing method (--flush-mb 7630 --kernel-time,
#          bench-dgmethod.log), the method of DESIGN.md's anchor table; and the FP8 dense
#          set with it and --cold-code (bench-cold.log: each kernel starts with its code out
#          of the SMs' instruction caches, as after other kernels in a model).
#   bars:  the open issues' bars on this card in a minute or two (bars.log, bars-summary.txt;
#          see bars() below).
# The grouped programs exist only once libdgk has the grouped entry points (mk/gh.mk
# links them then); where they were not built the step says so and is skipped.
# Logs land in $OUT (else build/gpu-logs); kernels compile into a fresh cache, and
# DGK_PRINT_COMPILE records each cold NVRTC compile with its time in compile.log.
what=${1:-all}
build=${BUILD:-build}
out=${OUT:-$build/gpu-logs}
mkdir -p "$out"
export DGK_CACHE_DIR="${DGK_CACHE_DIR:-$(mktemp -d)}"
status=0
run() { # LOG CMD...: run, append to LOG, remember a failure
    log=$1; shift
    echo "== $*" >> "$out/$log"
    "$@" >> "$out/$log" 2>> "$out/compile.log" || { status=1; echo "FAILED: $*" >> "$out/$log"; }
}
grouped() { # LOG PROGRAM ARGS...: run a grouped program, or say why it is skipped
    log=$1; prog=$2; shift 2
    if [ -x "$build/gpu/$prog" ]; then
        run "$log" env DGK_PRINT_COMPILE=1 "$build/gpu/$prog" "$@"
    else
        echo "SKIP  $prog: not built ($build/gpu/$prog missing: libdgk lacks the grouped entry points; merge branch grp, make, make gpu-harness)" >> "$out/$log"
    fi
}
check() {
    run check.log "$build/gpu/rt_gpu_test"
    run check.log "$build/gpu/dgk-prep-check"
    run check.log "$build/gpu/dgk-user-check"
    run check.log "$build/gpu/dgk-user-grouped-check" "$(dirname "$0")/../../examples/moe_expert_epilogue.dgk"
    run check.log "$build/gpu/dgk-quant-check" "$(dirname "$0")/../../examples/gemm_quant_fp8.dgk"
    run check.log "$build/gpu/dgk-swiglu-check" "$(dirname "$0")/../../examples/gemm_swiglu.dgk"
    for layout in NT NN TN TT; do
        run check.log env DGK_PRINT_COMPILE=1 "$build/gpu/dgk-gemm-check" --dtype bf16 --layout "$layout" --no-self-test
    done
    run check.log env DGK_PRINT_COMPILE=1 "$build/gpu/dgk-gemm-check" --dtype fp8
    # split-K forced on every shape (the heuristic splits only the few-tile ones)
    run check.log env DGK_GEMM_SPLIT=3 "$build/gpu/dgk-gemm-check" --dtype bf16 --layout NT --no-self-test
    run check.log env DGK_GEMM_SPLIT=3 "$build/gpu/dgk-gemm-check" --dtype fp8 --runner dgk-fp8-nt --no-self-test
    # 2-CTA clusters forced (multicast of B along M, then of A along N): the peer
    # barriers the producers forward releases through (the heuristic picks few clusters)
    for cl in DGK_GEMM_CLUSTER DGK_GEMM_CLUSTER_N; do
        run check.log env $cl=2 "$build/gpu/dgk-gemm-check" --dtype bf16 --layout NT --no-self-test
        run check.log env $cl=2 "$build/gpu/dgk-gemm-check" --dtype fp8 --runner dgk-fp8-nt --no-self-test
    done
    grouped check.log dgk-grouped-check
    # the m-grouped kernels' clusters forced, along N and along M, with a 128 x 192 tile
    # (the swapped tiles of few masked rows take no cluster: an error)
    for cl in DGK_GEMM_CLUSTER_N DGK_GEMM_CLUSTER; do
        run check.log env DGK_GEMM_TILE=128x192 $cl=2 "$build/gpu/dgk-grouped-check" --no-self-test
    done
    # tail_split forced on every masked FP8 shape (no stock rule takes it; forced, it
    # replaces the heuristic's cluster), edge cases included: masked counts of 0 and max_m
    run check.log env DGK_GEMM_TAIL=1 "$build/gpu/dgk-grouped-check" --mode masked --dtype fp8 --no-self-test
    grouped check.log dgk-k-grouped
    grouped check.log dgk-k-grouped --dtype bf16
    grouped check.log dgk-grouped-debug
    grep -E "^(FAIL|FATAL|SKIP  dgk-(k-)?grouped)|gemm-check:|user-check:|user-grouped-check:|quant-check:|swiglu-check:|grouped-check( \([a-z0-9]+\))?:|grouped-debug:|PASS.*rt_|FAIL.*rt_|^(PASS|FAIL): [0-9]+ failure" "$out/check.log" | tail -40
}
bench() {
    run bench.log "$build/gpu/rt_bench"
    run bench.log "$build/gpu/stock_overhead"
    run bench.log "$build/gpu/dgk-prep-check" --bench
    # the FP8-quantizing GEMM example beside the same kernel storing bf16 and the unfused path
    run bench.log "$build/gpu/dgk-quant-check" "$(dirname "$0")/../../examples/gemm_quant_fp8.dgk" --bench
    # the SwiGLU example beside the stock GEMM of [M, 2I] + an activation kernel, and cuBLASLt
    run bench.log "$build/gpu/dgk-swiglu-check" "$(dirname "$0")/../../examples/gemm_swiglu.dgk" --bench
    run bench.log "$build/gpu/dgk-bench" --dtype bf16 --layout NT --md "$out/bench-bf16.md" --csv "$out/bench-bf16.csv"
    run bench.log "$build/gpu/dgk-bench" --dtype fp8 --sections all --md "$out/bench-fp8.md" --csv "$out/bench-fp8.csv"
    run bench-kernel.log "$build/gpu/dgk-bench" --dtype bf16 --layout NT --kernel-time --md "$out/bench-bf16-kernel.md" --csv "$out/bench-bf16-kernel.csv"
    run bench-kernel.log "$build/gpu/dgk-bench" --dtype fp8 --sections dense --kernel-time --md "$out/bench-fp8-kernel.md" --csv "$out/bench-fp8-kernel.csv"
    # DeepGEMM's timing method (its bench_kineto: an 8e9-byte memset before each run), the
    # one DESIGN.md's anchor table was taken with: the M = 4096 shapes and the grouped ones
    run bench-dgmethod.log "$build/gpu/dgk-bench" --dtype bf16 --layout NT --shapes large --kernel-time --flush-mb 7630 --md "$out/bench-bf16-dgmethod.md"
    run bench-dgmethod.log "$build/gpu/dgk-bench" --dtype fp8 --sections dense --shapes large --kernel-time --flush-mb 7630 --md "$out/bench-fp8-dgmethod.md"
    grouped bench-dgmethod.log dgk-grouped-bench --kernel-time --flush-mb 7630 --md "$out/bench-grouped-dgmethod.md"
    run bench-cold.log "$build/gpu/dgk-bench" --dtype fp8 --sections dense --kernel-time --flush-mb 7630 --cold-code --md "$out/bench-fp8-cold.md"
    run sustained-bf16.log "$build/gpu/dgk-bench" --dtype bf16 --layout NT --shapes large --reps 10 --sustain 900 --no-verify
    run sustained-fp8.log "$build/gpu/dgk-bench" --dtype fp8 --sections dense --shapes large --reps 10 --sustain 900 --no-verify
    grouped bench.log dgk-grouped-bench --kernel-time --md "$out/bench-grouped.md" --csv "$out/bench-grouped.csv"
    grouped bench.log dgk-k-grouped --bench
    grouped bench.log dgk-k-grouped --bench --dtype bf16
    grep -E -A4 "geometric mean|^SKIP  dgk-(k-)?grouped" "$out/bench.log" | tail -24
    grep -E "^\| [0-9]|^(FP8|BF16) form|k-grouped-bench" "$out/bench.log" | tail -18
    grep -E "^bench " "$out/bench.log"
    grep -h "warm" "$out"/sustained-*.log | grep -v cublaslt
    grep -h "DeepGEMM's table (DESIGN.md" "$out/bench-kernel.log" | sort -u
    grep -h -E "DeepGEMM's table \(DESIGN.md|by kernel time / DeepGEMM" "$out/bench-dgmethod.log" | sort -u
    grep -h -A4 "geometric mean of kernel-time ratios" "$out/bench-cold.log" | grep dgk | sort -u
}
# The open issues' bars on this card in a minute or two, DeepGEMM's timing method: FP8
# 4096x7168x16384 (>= 1450 TFLOPS) and 4096x576x7168 (>= 1.0x of cuBLASLt) beside
# cuBLASLt, contiguous FP8 4 x 8192 6144x7168 (>= 1400), DeepGEMM's six masked anchors
# (>= its table, DESIGN.md; every group holding its expected rows, the way the table
# appears to have been taken: results/2026-11-27-H100-masked-rows/), three rounds each,
# the card's name and serial first: cards differ by ~4.5%, so a bar is a number per card.
# Then per bar the median of the rounds and whether it is met (bars_summary.awk,
# bars-summary.txt).
masked_anchors=masked-exact:32x192:6144x7168,masked-exact:32x192:4096x2048,masked-exact:6x1024:6144x7168
masked_anchors=$masked_anchors,masked-exact:6x1024:4096x2048,masked-exact:32x20:6144x7168,masked-exact:32x20:4096x2048
bars() {
    nvidia-smi --query-gpu=name,serial,clocks.max.sm,power.limit --format=csv > "$out/bars.log" 2>&1 || true
    for r in 1 2 3; do
        run bars.log "$build/gpu/dgk-bench" --dtype fp8 --sections dense --kernel-time --flush-mb 7630 --seed "$r" --reps 15 \
            --runner dgk-fp8-nt --shapes 4096x7168x16384,4096x576x7168
        grouped bars.log dgk-grouped-bench --dtype fp8 --mode contig --kernel-time --flush-mb 7630 --seed "$r" --reps 20 \
            --shapes contig:4x8192:6144x7168
        grouped bars.log dgk-grouped-bench --dtype fp8 --mode masked --kernel-time --flush-mb 7630 --seed "$r" --reps 20 \
            --shapes "$masked_anchors"
    done
    awk -f "$(dirname "$0")/bars_summary.awk" "$out/bars.log" | tee "$out/bars-summary.txt"
}
case $what in
check) check ;;
bench) bench ;;
bars) bars ;;
all) check; bench ;;
*) echo "usage: run_all.sh check|bench|bars|all" >&2; exit 2 ;;
esac
exit $status
