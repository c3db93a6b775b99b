/* source.h - the stock .dgk kernels, embedded into libdgk by the build
 * (tools/embed.c turns stdlib/NAME.dgk into the string dgk_stdlib_NAME). */
#ifndef DGK_STDLIB_SOURCE_H
#define DGK_STDLIB_SOURCE_H

extern const char dgk_stdlib_gemm_bf16[];
extern const char dgk_stdlib_gemm_fp8[];
extern const char dgk_stdlib_grouped_bf16[];
extern const char dgk_stdlib_grouped_fp8[];
extern const char dgk_stdlib_k_grouped_bf16[];
extern const char dgk_stdlib_k_grouped_fp8[];
extern const char dgk_stdlib_fp8_prep[];
extern const char dgk_stdlib_moe_fp8[];

#endif
