/* fuzz_frontend.c - libFuzzer target for the front end (built by tests/fuzz/run.sh with
 * clang -fsanitize=fuzzer,address,undefined). Each input is a .dgk source: it goes
 * through every public front-end entry point (token dump, parse + check, AST dump,
 * diagnostics rendering) so a crash, leak, hang or sanitizer report anywhere in the
 * lexer, parser, AST printer, checker or diagnostic printer is found. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dgkc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    dgkc_unit *u = dgkc_unit_new("fuzz.dgk", (const char *)data, size);
    if (!u)
        return 0;
    /* the first byte picks whether tokens are dumped first, so both orders of
     * dump-then-parse and parse-only are covered */
    if (size > 0 && (data[0] & 1))
        dgkc_dump_tokens(u, sink);
    dgkc_define(u, "BM", "128");
    dgkc_check(u);
    dgkc_dump_ast(u, sink);
    dgkc_print_diagnostics(u, sink);
    dgkc_unit_free(u);
    return 0;
}
