#!/bin/sh
# run.sh - builds the compiler fuzzer (front end, and for checked programs the lowering
# and emission) and runs it.
#   sh tests/fuzz/run.sh SECONDS
# Builds build/fuzz/fuzz_frontend with clang -fsanitize=fuzzer,address,undefined from
# the front-end sources (dsl/, compiler/, backend/ and the generated lexer/parser, all
# linked through an archive so only what the front end needs is pulled in), seeds a
# temporary corpus with every .dgk file in the repository, and fuzzes for SECONDS.
# Exits non-zero on any crash, leak, timeout or sanitizer report (libFuzzer leaves the
# input as build/fuzz/crash-* etc.). Appends "fuzz 1 0" (or "fuzz 0 1") to
# build/check-summary.txt.
seconds=${1:-60}
cd "$(dirname "$0")/../.." || exit 2
out=build/fuzz
mkdir -p "$out/obj" || exit 2
summary() { echo "fuzz $1 $2" >> build/check-summary.txt; }
fail() { echo "fuzz: $*"; summary 0 1; exit 1; }

make --no-print-directory build/gen/lexer.c build/gen/parser.c build/gen/devhdr_sm90.c >/dev/null 2>&1 || fail "cannot generate the lexer/parser/device header"
CC=${FUZZ_CC:-clang}
FLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -fno-omit-frame-pointer
       -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
       -I. -Iinclude -Ibuild/gen -Idsl -Icompiler"
rm -f "$out"/obj/*.o "$out/libfe.a"
for src in dsl/*.c compiler/*.c backend/*.c backend/*/*.c build/gen/lexer.c build/gen/parser.c build/gen/devhdr_sm90.c; do
    [ -f "$src" ] || continue
    [ "$src" = compiler/dgkc_main.c ] && continue
    obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
    $CC $FLAGS -c -o "$obj" "$src" || fail "cannot compile $src"
done
ar rcs "$out/libfe.a" "$out"/obj/*.o || fail "ar failed"
$CC $FLAGS -fsanitize=fuzzer -o "$out/fuzz_frontend" tests/fuzz/fuzz_frontend.c "$out/libfe.a" -lm \
    || fail "cannot link the fuzzer"

corpus=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$corpus"' EXIT
n=0
for f in $(find . -name '*.dgk' -not -path './build/*' -not -path './.git/*'); do
    n=$((n + 1))
    cp "$f" "$corpus/seed_$n.dgk"
done
echo "fuzz: $n seed files, $seconds s"
(cd "$out" && ./fuzz_frontend -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -dict="$OLDPWD/tests/fuzz/dgk.dict" -print_final_stats=1 "$corpus") > "$out/fuzz.log" 2>&1
rc=$?
grep -E "^(Done|stat::|==[0-9]+==ERROR|SUMMARY|INFO: Running with)|ERROR" "$out/fuzz.log" | tail -n 20
if [ $rc -ne 0 ]; then
    fail "the fuzzer found a problem (exit $rc); see $out/fuzz.log and $out/crash-*"
fi
summary 1 0
echo "fuzz: ok"
