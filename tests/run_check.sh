#!/bin/sh
# run_check.sh - `make check`: every CPU-side stage, then one closing line
# "N passed, N failed" summed over all stages (the line CI reads).
make=${1:-make}
rm -f build/check-summary.txt build/asan/check-summary.txt
status=0
for target in check-core check-kernels check-asan check-fuzz; do
    echo "== make $target"
    $make --no-print-directory "$target" || { echo "== $target FAILED"; status=1; }
done
# the GPU harness's host-only logic (shape sets, options, cuBLASLt mapping): no GPU needed
echo "== make gpu-harness-host-check"
$make --no-print-directory gpu-harness-host-check > build/gh-host-check.log 2>&1 || { echo "== gpu-harness-host-check FAILED"; status=1; }
tail -n 3 build/gh-host-check.log
sed -n 's/^gh-host-check: \([0-9]*\) passed, \([0-9]*\) failed$/harness \1 \2/p' build/gh-host-check.log >> build/check-summary.txt
sed -n 's/^bars-summary-check: \([0-9]*\) passed, \([0-9]*\) failed$/bars-summary \1 \2/p' build/gh-host-check.log >> build/check-summary.txt
# elementwise kernels' generated code run on the CPU (fibers), against plain loops and the
# host FP8 helpers: no GPU needed
echo "== make simt-emu-check"
$make --no-print-directory simt-emu-check > build/simt-emu-check.log 2>&1 || { echo "== simt-emu-check FAILED"; status=1; }
tail -n 1 build/simt-emu-check.log
echo "simt-emu $(grep -c '^PASS' build/simt-emu-check.log) $(grep -c '^FAIL' build/simt-emu-check.log)" >> build/check-summary.txt
# the grouped tile schedulers' generated code walked on the CPU over random group layouts
echo "== make sched-walk-check"
$make --no-print-directory sched-walk-check > build/sched-walk-check.log 2>&1 || { echo "== sched-walk-check FAILED"; status=1; }
tail -n 1 build/sched-walk-check.log
sed -n 's/^walk-check: \([0-9]*\) passed, \([0-9]*\) failed$/sched-walk \1 \2/p' build/sched-walk-check.log >> build/check-summary.txt
total_p=0
total_f=0
for f in build/check-summary.txt build/asan/check-summary.txt; do
    [ -f "$f" ] || continue
    while read -r stage p n; do
        total_p=$((total_p + p))
        total_f=$((total_f + n))
    done < "$f"
done
[ $status -eq 0 ] || [ $total_f -gt 0 ] || total_f=1
echo "check: $total_p passed, $total_f failed"
exit $status
