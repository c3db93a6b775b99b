/* simt_emu_check.cpp - runs generated elementwise kernels on the CPU (tests/gpu/emu:
 * a fiber per thread, barriers honoured, blocks one after another) and compares them
 * with plain loops: kernels.dgk's index-math shapes (to 1e-3 relative), and the stock
 * FP8 preparation (stdlib/fp8_prep.dgk, both scale dtypes) bit for bit with the host
 * helpers on ragged shapes. Races cannot show here (threads run in turn between
 * barriers); the GPU check (tests/gpu/prep_check.c) covers the hardware.
 *   make simt-emu-check   (mk/rev1.mk: emits the .cu with dgkc, builds, runs) */
#include "dgk_sm90.cuh"

#include <stdio.h>
#include <stdlib.h>
#include <vector>

#include "dgk.h"

alignas(16) dgk_u8 smem[232448]; /* every kernel's `extern __shared__ smem[]` */

#include "kernels.cu"
#define fp8_scales_to_mn_major fp8_scales_to_mn_major_f32
#define fp8_quant_1x128 fp8_quant_1x128_f32
#define fp8_quant_128x128 fp8_quant_128x128_f32
#include "prep_f32.cu"
#undef fp8_scales_to_mn_major
#undef fp8_quant_1x128
#undef fp8_quant_128x128
#define fp8_scales_to_mn_major fp8_scales_to_mn_major_ue8m0
#define fp8_quant_1x128 fp8_quant_1x128_ue8m0
#define fp8_quant_128x128 fp8_quant_128x128_ue8m0
#include "prep_ue8m0.cu"

static int failures;

static float rnd(void)
{
    return (float)(rand() % 2001 - 1000) / 100.0f;
}

static void expect(const char *kernel, const char *what, int a, int b, float got, float want)
{
    if (fabsf(got - want) > 1e-3f * (1 + fabsf(want)) && failures++ < 10)
        printf("FAIL %s %s[%d, %d]: %g, want %g\n", kernel, what, a, b, got, want);
}

static void report(const char *name, int before)
{
    printf("%s %s\n", failures == before ? "PASS" : "FAIL", name);
}

static void rows_max_case(void)
{
    int M = 7, before = failures;
    std::vector<float> X(M * 1000), Y(M * 1000, -7.f);
    for (auto &v : X) v = rnd();
    emu_launch(dim3((M + 2) / 3), dim3(512), [&] { rows_max(M, X.data(), 1000, Y.data(), 1000); });
    for (int r = 0; r < M; r++) {
        float m = -INFINITY;
        for (int c = 0; c < 1000; c++) m = fmaxf(m, X[r * 1000 + c]);
        for (int c = 0; c < 1000; c++) expect("rows_max", "Y", r, c, Y[r * 1000 + c], (X[r * 1000 + c] - m) * 2);
    }
    report("rows_max M 7", before);
}

static void rank3_case(void)
{
    int M = 5, before = failures;
    std::vector<float> X(M * 32), Y(M * 32, -7.f);
    for (auto &v : X) v = rnd();
    emu_launch(dim3((M + 1) / 2), dim3(64), [&] { rank3(M, X.data(), 32, 8, Y.data(), 32, 8); });
    for (int a = 0; a < M; a++)
        for (int b = 0; b < 4; b++) {
            float s = 0;
            for (int c = 0; c < 8; c++) s += X[a * 32 + b * 8 + c];
            for (int c = 0; c < 8; c++) expect("rank3", "Y", a * 4 + b, c, Y[a * 32 + b * 8 + c], X[a * 32 + b * 8 + c] - s);
        }
    report("rank3 M 5", before);
}

static void rank4_case(void)
{
    int A = 3, B = 2, before = failures;
    std::vector<float> X(A * B * 32), Y(A * B * 32, -7.f), Z(A * B, -7.f);
    for (auto &v : X) v = rnd() + 20.f;
    emu_launch(dim3(A * B), dim3(32), [&] { rank4(A, B, X.data(), B * 32, 32, 8, Y.data(), B * 32, 32, 8, Z.data(), B); });
    for (int a = 0; a < A; a++)
        for (int b = 0; b < B; b++) {
            float t = 0;
            for (int r = 0; r < 4; r++) {
                const float *x = &X[(a * B + b) * 32 + r * 8];
                float s = 0;
                for (int c = 0; c < 8; c++) s += x[c];
                t += s;
                for (int c = 0; c < 8; c++) expect("rank4", "Y", (a * B + b) * 4 + r, c, Y[(a * B + b) * 32 + r * 8 + c], x[c] / s);
            }
            expect("rank4", "Z", a, b, Z[a * B + b], t);
        }
    report("rank4 A 3 B 2", before);
}

static void cols_case(void)
{
    int M = 12, before = failures;
    std::vector<float> X(M * 7), Y(M * 7, -7.f), T(7 * M, -7.f);
    for (auto &v : X) v = rnd();
    emu_launch(dim3((M + 4) / 5), dim3(64), [&] { cols(M, X.data(), 7, Y.data(), 7, T.data(), M); });
    for (int blk = 0; blk * 5 < M; blk++)
        for (int c = 0; c < 7; c++) {
            float s = 0;
            for (int r = blk * 5; r < blk * 5 + 5 && r < M; r++) s += X[r * 7 + c];
            for (int r = blk * 5; r < blk * 5 + 5 && r < M; r++) {
                expect("cols", "Y", r, c, Y[r * 7 + c], X[r * 7 + c] - s);
                expect("cols", "T", c, r, T[c * M + r], X[r * 7 + c] - s);
            }
        }
    report("cols M 12", before);
}

static void wide_case(void)
{
    int M = 10, N = 1500, gi = (M + 3) / 4, gj = (N + 1023) / 1024, before = failures;
    std::vector<float> X(M * N), Y(M * N, -7.f), C(N, 0.5f), Cref(N, 0.5f), Yref(M * N, -7.f);
    std::vector<int> Rw(M, -5);
    for (auto &v : X) v = rnd();
    emu_launch(dim3(gi * gj), dim3(512), [&] { wide(M, N, X.data(), N, Y.data(), N, C.data(), Rw.data()); });
    auto x = [&](int r, int c) { return r >= 0 && r < M && c < N ? X[r * N + c] : 0.f; };
    for (int i = 0; i < gi; i++)
        for (int jj = 0; jj < gj; jj++) {
            static float rmin[4], csum[1024];
            for (int a = 0; a < 4; a++) {
                rmin[a] = INFINITY;
                for (int b = 0; b < 1024; b++) rmin[a] = fminf(rmin[a], x(4 * i - 1 + a, 1024 * jj + b));
            }
            for (int b = 0; b < 1024; b++) {
                csum[b] = 0;
                for (int a = 0; a < 4; a++) csum[b] += x(4 * i - 1 + a, 1024 * jj + b);
            }
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 1024; b++) {
                    int r = 4 * i - 1 + a, c = 1024 * jj + b;
                    if (r >= 0 && r < M && c < N) Yref[r * N + c] = x(r, c) * rmin[a] + csum[b];
                }
            for (int b = 0; b < 1024 && 1024 * jj + b < N; b++) Cref[1024 * jj + b] += csum[b];
        }
    for (int k = 0; k < M * N; k++) expect("wide", "Y", k / N, k % N, Y[k], Yref[k]);
    for (int k = 0; k < N; k++) expect("wide", "C", 0, k, C[k], Cref[k]);
    for (int k = 0; k < M; k++) expect("wide", "Rw", 0, k, (float)Rw[k], (float)k);
    report("wide M 10 N 1500", before);
}

/* x: mostly small values, some large, tiny, zero. */
static float rndx(void)
{
    int r = rand();
    float v = (float)((r % 20001) - 10000) * 1e-3f;
    if (r % 97 == 0) v *= 1e6f;
    if (r % 89 == 0) v *= 1e-30f;
    if (r % 83 == 0) v = 0;
    return v;
}

static void same_bytes(const char *what, const std::vector<uint8_t> &dev, const std::vector<uint8_t> &host)
{
    size_t i = 0;
    while (i < dev.size() && dev[i] == host[i]) i++;
    if (i < dev.size()) {
        printf("FAIL %s: byte %zu of %zu is %02x, the host's %02x\n", what, i, dev.size(), dev[i], host[i]);
        failures++;
    } else {
        printf("PASS %s\n", what);
    }
}

static void quant_case(int per_block, int ue, int rows, int k, int pad)
{
    int kb = (k + 127) / 128, srows = per_block ? (rows + 127) / 128 : kb, lds = (per_block ? kb : rows) + pad;
    size_t es = ue ? 1 : 4;
    std::vector<float> x((size_t)rows * k);
    for (auto &v : x) v = rndx();
    std::vector<uint8_t> q(x.size(), 0xaa), qh(x.size(), 0xaa), s(srows * lds * es, 0xaa), sh(srows * lds * es, 0xaa);
    dgk_dtype_id sd = ue ? DGK_DTYPE_UE8M0 : DGK_DTYPE_F32;
    dgk_status st = per_block ? dgk_host_fp8_quant_128x128(x.data(), rows, k, k, qh.data(), k, sd, sh.data(), lds)
                              : dgk_host_fp8_quant_1x128(x.data(), rows, k, k, qh.data(), k, sd, sh.data(), lds);
    if (st != DGK_OK) {
        printf("FAIL the host quantizer: %s\n", dgk_last_error());
        failures++;
        return;
    }
    dgk_e4m3 *dq = (dgk_e4m3 *)q.data();
    if (per_block) {
        dim3 g(srows * lds);
        if (ue) emu_launch(g, dim3(512), [&] { fp8_quant_128x128_ue8m0(rows, lds, x.data(), k, k, dq, k, (dgk_ue8m0 *)s.data(), lds, srows); });
        else emu_launch(g, dim3(512), [&] { fp8_quant_128x128_f32(rows, lds, x.data(), k, k, dq, k, (float *)s.data(), lds, srows); });
    } else {
        dim3 g((lds + 63) / 64 * kb); /* fp8_quant_1x128 takes BR = 64 rows a CTA */
        if (ue) emu_launch(g, dim3(512), [&] { fp8_quant_1x128_ue8m0(lds, k, x.data(), k, rows, dq, k, (dgk_ue8m0 *)s.data(), lds, kb); });
        else emu_launch(g, dim3(512), [&] { fp8_quant_1x128_f32(lds, k, x.data(), k, rows, dq, k, (float *)s.data(), lds, kb); });
    }
    char w[128];
    snprintf(w, sizeof w, "fp8_quant_%s %s rows %d k %d lds %d: q", per_block ? "128x128" : "1x128", ue ? "ue8m0" : "f32", rows, k, lds);
    same_bytes(w, q, qh);
    snprintf(w, sizeof w, "fp8_quant_%s %s rows %d k %d lds %d: s", per_block ? "128x128" : "1x128", ue ? "ue8m0" : "f32", rows, k, lds);
    same_bytes(w, s, sh);
}

static void mn_major_case(int ue, int mn, int kb, int ld_src, int ld)
{
    size_t es = ue ? 1 : 4;
    std::vector<uint8_t> src((size_t)mn * ld_src * es), d((size_t)kb * ld * es, 0xaa), h((size_t)kb * ld * es, 0xaa);
    for (size_t i = 0; i < src.size(); i++) src[i] = (uint8_t)rand();
    if (!ue) /* finite f32 scales */
        for (size_t i = 3; i < src.size(); i += 4) src[i] &= 0x3f;
    dgk_dtype_id sd = ue ? DGK_DTYPE_UE8M0 : DGK_DTYPE_F32;
    if (dgk_host_fp8_scales_to_mn_major(src.data(), mn, kb, ld_src, sd, h.data(), ld) != DGK_OK) {
        printf("FAIL the host layout: %s\n", dgk_last_error());
        failures++;
        return;
    }
    dim3 g((ld + 127) / 128 * kb);
    if (ue) emu_launch(g, dim3(128), [&] { fp8_scales_to_mn_major_ue8m0(ld, kb, (const dgk_ue8m0 *)src.data(), ld_src, mn, (dgk_ue8m0 *)d.data(), ld); });
    else emu_launch(g, dim3(128), [&] { fp8_scales_to_mn_major_f32(ld, kb, (const float *)src.data(), ld_src, mn, (float *)d.data(), ld); });
    char w[128];
    snprintf(w, sizeof w, "fp8_scales_to_mn_major %s mn %d kb %d ld_src %d ld %d", ue ? "ue8m0" : "f32", mn, kb, ld_src, ld);
    same_bytes(w, d, h);
}

/* The unrolled `for`: Y[r, b] = max of X[r, b*128 .. b*128 + 127], 13 rows (the last
 * CTA's block ragged). */
static void blocks4_case(void)
{
    int M = 13, before = failures;
    std::vector<float> X(M * 512), Y(M * 4, -7.f);
    for (auto &v : X) v = rnd();
    emu_launch(dim3((M + 7) / 8), dim3(256), [&] { blocks4(M, X.data(), 512, Y.data(), 4); });
    for (int r = 0; r < M; r++)
        for (int b = 0; b < 4; b++) {
            float m = -INFINITY;
            for (int c = 0; c < 128; c++) m = fmaxf(m, X[r * 512 + b * 128 + c]);
            expect("blocks4", "Y", r, b, Y[r * 4 + b], m);
        }
    report("blocks4 (an unrolled for) M 13", before);
}

/* A `new` axis in a tensor subscript and a `for` over -1 .. 1: Y = X - the row's max,
 * 10 rows (the last CTA's tile ragged). */
static void newaxis_case(void)
{
    int M = 10, before = failures;
    std::vector<float> X(M * 8), Y(M * 8, -7.f);
    for (auto &v : X) v = rnd();
    emu_launch(dim3((M + 3) / 4), dim3(32), [&] { newaxis(M, X.data(), 8, Y.data(), 8); });
    for (int r = 0; r < M; r++) {
        float m = -INFINITY;
        for (int c = 0; c < 8; c++) m = fmaxf(m, X[r * 8 + c]);
        for (int c = 0; c < 8; c++) expect("newaxis", "Y", r, c, Y[r * 8 + c], X[r * 8 + c] - m);
    }
    report("newaxis (a new axis in a subscript, a negative for range) M 10", before);
}

/* Integer tiles in groups of four on a [4, 132] tile (160 threads), 9 rows. */
static void ints_case(void)
{
    int M = 9, before = failures;
    std::vector<int> A(M * 132), C(M * 132, -7);
    std::vector<unsigned> B(M * 132), D(M, 7u);
    for (auto &v : A) v = rand() % 2001 - 1000;
    for (auto &v : B) v = (unsigned)rand() * 3u; /* past 2^31 too: amax of u32 */
    emu_launch(dim3((M + 3) / 4), dim3(160), [&] { ints(M, A.data(), 132, B.data(), 132, C.data(), 132, D.data()); });
    for (int r = 0; r < M; r++) {
        unsigned m = 0;
        for (int c = 0; c < 132; c++) {
            int k = r * 132 + c;
            m = B[k] > m ? B[k] : m;
            if (C[k] != (int)((unsigned)A[k] * 3u - B[k]) && failures++ < 10)
                printf("FAIL ints C[%d, %d]: %d\n", r, c, C[k]);
        }
        if (D[r] != m && failures++ < 10)
            printf("FAIL ints D[%d]: %u, want %u\n", r, D[r], m);
    }
    report("ints M 9", before);
}

/* Rows of 16 reduced in 4 lanes, 57 rows (the second CTA's tile ragged); e4m3 bit for
 * bit with the host converter. */
static void lanes16_case(void)
{
    int M = 57, before = failures;
    std::vector<float> X(M * 16), S(M, -7.f);
    std::vector<dgk_e4m3> Y(M * 16, dgk_e4m3{0xaa});
    for (auto &v : X) v = rnd() + 0.5f;
    emu_launch(dim3((M + 35) / 36), dim3(160), [&] { lanes16(M, X.data(), 16, S.data(), Y.data(), 16); });
    for (int r = 0; r < M; r++) {
        float m = 0;
        for (int c = 0; c < 16; c++) m = fmaxf(m, fabsf(X[r * 16 + c]));
        expect("lanes16", "S", r, 0, S[r], m);
        for (int c = 0; c < 16; c++)
            if (Y[r * 16 + c].bits != dgk_host_f32_to_e4m3(X[r * 16 + c] / m) && failures++ < 10)
                printf("FAIL lanes16 Y[%d, %d]: %02x\n", r, c, Y[r * 16 + c].bits);
    }
    report("lanes16 M 57", before);
}

int main(void)
{
    srand(1);
    rows_max_case();
    rank3_case();
    rank4_case();
    cols_case();
    wide_case();
    blocks4_case();
    newaxis_case();
    ints_case();
    lanes16_case();
    for (int ue = 0; ue <= 1; ue++) {
        quant_case(0, ue, 37, 300, 3);
        quant_case(0, ue, 1, 1, 0);
        quant_case(0, ue, 65, 128, 31);
        quant_case(1, ue, 130, 257, 2);
        quant_case(1, ue, 1, 1, 0);
        quant_case(1, ue, 200, 100, 5);
        mn_major_case(ue, 37, 3, 5, 48);
        mn_major_case(ue, 300, 2, 2, 300);
    }
    printf("simt-emu-check: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
