W=$OUT/sweep; mkdir -p $W
export DGK_CACHE_DIR=/tmp/dgkcache
nvidia-smi --query-gpu=name,driver_version,clocks.sm,power.draw,temperature.gpu --format=csv > $W/smi.txt
S=4096x7168x16384
run() { name=$1; shift; echo "== $name" >> $W/sweep.txt; env DGK_PRINT_COMPILE=1 "$@" timeout 60 build/gpu/dgk-bench --dtype fp8 --shapes $S --runner dgk-fp8-nt,cublaslt-fp8-tensor --kernel-time --flush-mb 7630 --reps 40 > $W/$name.log 2>&1; grep -E "^\| 4096 \| 7168 \| 16384 \| (dgk|cublaslt-fp8-tensor)" $W/$name.log >> $W/sweep.txt; }
run default X=1
run cluster2 DGK_GEMM_CLUSTER=2
run clustern2 DGK_GEMM_CLUSTER_N=2
run t128x192 DGK_GEMM_TILE=128x192
run t128x128c2 DGK_GEMM_TILE=128x128 DGK_GEMM_CLUSTER=2
run swz4 DGK_GEMM_SWIZZLE=4
run swz16 DGK_GEMM_SWIZZLE=16
run t256x96 DGK_GEMM_TILE=256x96
run default2 X=2
run cluster2b DGK_GEMM_CLUSTER=2
run default3 X=3
nvidia-smi --query-gpu=name,driver_version,clocks.sm,power.draw,temperature.gpu --format=csv >> $W/smi.txt
tar czf $OUT/r.tgz -C $OUT sweep
