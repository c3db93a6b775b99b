#!/bin/sh
# bars_summary_check.sh - bars_summary.awk on recorded bars logs (tests/gpu/testdata/*.log)
# must print what the matching .expected file holds: `make bars`' dense and contiguous
# runs on an H100 (bars-h100: three seeds, before the masked anchors were added), `make bars`
# on an H200 whose grouped bench prints the contiguous TFLOPS by DeepGEMM's count too
# (bars-dgcount, results/2026-11-28-H200-dgcount/), a made-up
# log (bars-skip: two runs, bars not met, the grouped bench skipped) and three recorded runs
# of the masked anchors with exact rows (bars-masked: two of the committed form and one of
# a scratch variant, from results/2026-11-27-H100-masked-rows/).
# No GPU needed; part of `make gpu-harness-host-check`.
cd "$(dirname "$0")" || exit 2
passed=0
failed=0
for log in testdata/bars-*.log; do
    want=${log%.log}.expected
    got=$(awk -f bars_summary.awk "$log")
    if [ -f "$want" ] && [ "$got" = "$(cat "$want")" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $log"
        printf '%s\n' "$got" | diff -u "$want" - | sed 's/^/    /'
    fi
done
echo "bars-summary-check: $passed passed, $failed failed"
[ $failed -eq 0 ]
