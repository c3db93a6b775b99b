export DGK_CACHE_DIR=$(mktemp -d)
BENCH=build/test-gpu/dgk-bench DTYPE=fp8 SHAPES=full REPS=10 sh tests/gpu/sweep_tiles.sh $OUT/s 128x144 128x160 > $OUT/sweep.txt 2>&1
BENCH=build/test-gpu/dgk-bench DTYPE=bf16 SHAPES=full REPS=10 sh tests/gpu/sweep_tiles.sh $OUT/s 128x144 128x160 >> $OUT/sweep.txt 2>&1
BENCH=build/test-gpu/dgk-bench DTYPE=bf16 SHAPES=large REPS=10 sh tests/gpu/sweep_tiles.sh $OUT/s 128x64 128x128 128x192 128x256 256x128 >> $OUT/sweep.txt 2>&1
BENCH=build/test-gpu/dgk-bench DTYPE=fp8 SHAPES=large REPS=10 sh tests/gpu/sweep_tiles.sh $OUT/s 128x64 128x128 256x128 >> $OUT/sweep.txt 2>&1
cd $OUT && rm -f s/clocks.csv && tar czf sweeps.tgz s && rm -rf s; grep -v "exit 0" sweep.txt | head
