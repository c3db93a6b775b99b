/* fuzz_frontend.c - libFuzzer target for the front end (built by tests/fuzz/run.sh with
 * clang -fsanitize=fuzzer,address,undefined). Each input is a .dgk source: it goes
 * through every public front-end entry point (token dump, parse + check, AST dump,
 * diagnostics rendering; for a checked program also the tile IR, the plans and the
 * emitted CUDA C) so a crash, leak, hang or sanitizer report anywhere in the lexer,
 * parser, AST printer, checker, lowering or diagnostic printer is found. */
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
    int checked = dgkc_check(u) == DGKC_OK;
    dgkc_dump_ast(u, sink);
    /* a checked program also goes through the back half: tile IR, planning (GEMM and
     * elementwise kernels) and CUDA C emission, whose errors must be diagnostics too */
    if (checked && size > 0 && (data[0] & 2)) {
        dgkc_dump_ir(u, sink);
        dgkc_dump_plan(u, "sm_90a", -1, sink);
    } else if (checked) {
        const char *src = NULL;
        size_t len = 0;
        if (dgkc_emit(u, "sm_90a", &src, &len) == DGKC_OK && src)
            fwrite(src, 1, len, sink);
    }
    dgkc_print_diagnostics(u, sink);
    dgkc_unit_free(u);
    return 0;
}
