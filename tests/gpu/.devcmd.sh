W=$OUT/final
mkdir -p $W
nvidia-smi --query-gpu=name,driver_version,clocks.sm,temperature.gpu,power.draw --format=csv > $W/smi-start.txt
OUT=$W sh tests/gpu/run_all.sh check > $W/run_all.txt 2>&1; echo "rc=$?" >> $W/run_all.txt
DGK_USER_BM=64 build/gpu/dgk-user-check > $W/user-check-bm64.log 2>&1; echo "rc=$?" >> $W/user-check-bm64.log
tail -25 $W/run_all.txt; tail -3 $W/user-check-bm64.log
tar czf $OUT/r.tgz -C $OUT final
