#!/bin/sh
# run.sh - golden tests for the front end.
#   sh tests/golden/run.sh PATH/TO/dgkc [--update]
# For every tests/golden/err/*.dgk: `dgkc check FILE` -> its stderr plus a last line
# "[exit N]" must equal FILE.err. For every tests/golden/ast/*.dgk: `dgkc --dump-ast
# FILE` -> stdout must equal FILE.ast (and the exit status must be 0). Paths are given
# relative to the repository root, so the files hold no machine-specific paths.
# --update rewrites the expected files (review the diff before committing).
# Appends "golden PASSED FAILED" to $BUILD/check-summary.txt (BUILD defaults to the
# build directory dgkc lives in, e.g. build or build/asan).
dgkc=$1
update=0
[ "$2" = "--update" ] && update=1
if [ -z "$dgkc" ] || [ ! -x "$dgkc" ]; then
    echo "usage: sh tests/golden/run.sh PATH/TO/dgkc [--update]" >&2
    exit 2
fi
case $dgkc in /*) ;; *) dgkc=$PWD/$dgkc ;; esac
build=${BUILD:-$(dirname "$(dirname "$dgkc")")}
case $build in /*) ;; *) build=$PWD/$build ;; esac
cd "$(dirname "$0")/../.." || exit 2

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# compare FILE EXPECTED ACTUAL: counts a pass or prints FAIL and the diff.
compare() {
    if [ $update -eq 1 ]; then
        cp "$3" "$2"
        passed=$((passed + 1))
    elif [ -f "$2" ] && cmp -s "$2" "$3"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $1"
        if [ -f "$2" ]; then diff -u "$2" "$3" | sed 's/^/    /'; else echo "    (no $2)"; fi
    fi
}

for f in tests/golden/err/*.dgk; do
    [ -f "$f" ] || continue
    "$dgkc" check "$f" >/dev/null 2>"$tmp/out"
    echo "[exit $?]" >>"$tmp/out"
    compare "$f" "${f%.dgk}.err" "$tmp/out"
done

for f in tests/golden/ast/*.dgk; do
    [ -f "$f" ] || continue
    "$dgkc" --dump-ast "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 0 ]; then cat "$tmp/err" >>"$tmp/out"; echo "[exit $rc]" >>"$tmp/out"; fi
    compare "$f" "${f%.dgk}.ast" "$tmp/out"
done

mkdir -p "$build"
echo "golden $passed $failed" >>"$build/check-summary.txt"
echo "golden: $passed passed, $failed failed"
[ $failed -eq 0 ]
