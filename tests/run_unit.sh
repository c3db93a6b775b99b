#!/bin/sh
# run_unit.sh - runs each Check test binary given, prints its report, and appends
# "unit PASSED FAILED" to $BUILD/check-summary.txt for run_check.sh's closing line.
build=${BUILD:-build}
passed=0
failed=0
status=0
for t in "$@"; do
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -v '^Running suite' | sed "s|^|$(basename "$t"): |"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
    n=$(printf '%s\n' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
    f=$(printf '%s\n' "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/')
    if [ -z "$line" ]; then
        echo "$(basename "$t"): no Check report (exit $rc)"
        failed=$((failed + 1))
        status=1
        continue
    fi
    nf=$(( $(echo "$f" | cut -d' ' -f1) + $(echo "$f" | cut -d' ' -f2) ))
    passed=$((passed + n - nf))
    failed=$((failed + nf))
    [ "$rc" -eq 0 ] || status=1
done
echo "unit $passed $failed" >> "$build/check-summary.txt"
echo "unit tests: $passed passed, $failed failed"
exit $status
