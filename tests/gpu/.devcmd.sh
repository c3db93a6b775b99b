set -x
export DGK_CACHE_DIR=$(mktemp -d)
B=build/test-gpu
for l in NT NN TN TT; do timeout 120 $B/dgk-gemm-check --dtype bf16 --layout $l --no-self-test > $OUT/check-bf16-$l.log 2>&1; done
timeout 120 $B/dgk-gemm-check --dtype fp8 > $OUT/check-fp8.log 2>&1
DGK_GEMM_SPLIT=3 timeout 120 $B/dgk-gemm-check --dtype bf16 --layout all --no-self-test > $OUT/check-split3.log 2>&1
DGK_GEMM_SPLIT=3 timeout 120 $B/dgk-gemm-check --dtype fp8 --runner dgk-fp8-nt >> $OUT/check-split3.log 2>&1
timeout 200 $B/dgk-bench --dtype bf16 --layout NT --csv $OUT/bench-bf16.csv > $OUT/bench-bf16.log 2>&1
timeout 200 $B/dgk-bench --dtype fp8 --csv $OUT/bench-fp8.csv > $OUT/bench-fp8.log 2>&1
tar czf $OUT/logs.tgz -C $OUT . 2>/dev/null
grep -hE "gemm-check:" $OUT/check-*.log; grep -hE "^FAIL" $OUT/check-*.log | head -20; grep -A3 "geometric mean" $OUT/bench-bf16.log | tail -3; grep -A3 "geometric mean" $OUT/bench-fp8.log | tail -3
