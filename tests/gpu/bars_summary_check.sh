#!/bin/sh
# bars_summary_check.sh - bars_summary.awk on recorded bars logs (tests/gpu/testdata/*.log)
# must print what the matching .expected file holds: a log from an H100 (three seeds, every
# bar present) and a made-up one (two runs, bars not met, the grouped bench skipped).
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
