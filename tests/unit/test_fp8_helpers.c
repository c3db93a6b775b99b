/* test_fp8_helpers.c - the FP8 scale-layout and host quantization helpers of dgk.h
 * (stdlib/fp8_layout.c, fp8_host_cvt.c, fp8_host_quant.c). The e4m3 conversion is checked
 * against an independent oracle: for every input the right code is the finite e4m3 value
 * nearest to it (ties to the even code, saturating at 448), found by scanning all 256
 * codes, whose values come from the format's definition (sign, exponent - 7, mantissa / 8)
 * computed in double. Inputs: every code's value, every midpoint between neighbours and
 * its f32 neighbours, and a deterministic sweep of f32 bit patterns. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dgk.h"
#include "check_main.h"

#define ck_msg_has(s) ck_assert_msg(strstr(dgk_last_error(), (s)) != NULL, \
                                    "message \"%s\" lacks \"%s\"", dgk_last_error(), (s))

/* ---- oracle ------------------------------------------------------------------------- */

/* The value of code c by the OCP E4M3FN definition; NaN for 0x7f / 0xff. */
static double e4m3_def(int c)
{
    int s = c >> 7, e = (c >> 3) & 15, m = c & 7;
    if (e == 15 && m == 7)
        return NAN;
    double v = e == 0 ? ldexp(m / 8.0, -6) : ldexp(1.0 + m / 8.0, e - 7);
    return s ? -v : v;
}

/* The code f32 -> e4m3 must give: nearest finite value, ties to the even code, values
 * beyond 448 saturate, zero keeps its sign. */
static int e4m3_oracle(float x)
{
    if (isnan(x))
        return 0x7f;
    int neg = signbit(x) != 0, best = 0;
    double a = fabs((double)x), bd = INFINITY;
    if (a >= 448.0)
        return (neg << 7) | 0x7e;
    for (int c = 0; c <= 0x7e; c++) {
        double d = fabs(e4m3_def(c) - a);
        if (d < bd || (d == bd && !(c & 1))) {
            bd = d;
            best = c;
        }
    }
    return (neg << 7) | best;
}

static float next_up(float x)
{
    return nextafterf(x, INFINITY);
}

static float next_down(float x)
{
    return nextafterf(x, -INFINITY);
}

#define CK_E4M3(x) ck_assert_msg(dgk_host_f32_to_e4m3(x) == e4m3_oracle(x), "e4m3(%a) = 0x%02x, oracle 0x%02x", \
                                 (double)(x), dgk_host_f32_to_e4m3(x), e4m3_oracle(x))

/* ---- e4m3 ---------------------------------------------------------------------------- */

START_TEST(known_values)
{
    ck_assert_int_eq(dgk_host_f32_to_e4m3(1.0f), 0x38);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(-1.0f), 0xb8);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(2.0f), 0x40);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(448.0f), 0x7e);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(0.015625f), 0x08);    /* 2^-6, smallest normal */
    ck_assert_int_eq(dgk_host_f32_to_e4m3(0.001953125f), 0x01); /* 2^-9, smallest subnormal */
    ck_assert_int_eq(dgk_host_f32_to_e4m3(0.0f), 0x00);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(-0.0f), 0x80);
    ck_assert_float_eq(dgk_host_e4m3_to_f32(0x7e), 448.0f);
    ck_assert_float_eq(dgk_host_e4m3_to_f32(0xfe), -448.0f);
    ck_assert_float_eq(dgk_host_e4m3_to_f32(0x01), 0.001953125f);
    ck_assert_float_eq(dgk_host_e4m3_to_f32(0x07), 7 * 0.001953125f);
    ck_assert_float_eq(dgk_host_e4m3_to_f32(0x3c), 1.5f);
    ck_assert(signbit(dgk_host_e4m3_to_f32(0x80)) && dgk_host_e4m3_to_f32(0x80) == 0.0f);
    ck_assert(isnan(dgk_host_e4m3_to_f32(0x7f)) && isnan(dgk_host_e4m3_to_f32(0xff)));
}
END_TEST

/* All 256 codes decode to their defined value and re-encode to themselves (NaN codes to
 * the canonical 0x7f). */
START_TEST(every_code_round_trips)
{
    for (int c = 0; c < 256; c++) {
        float v = dgk_host_e4m3_to_f32((uint8_t)c);
        double want = e4m3_def(c);
        if (isnan(want)) {
            ck_assert(isnan(v));
            ck_assert_int_eq(dgk_host_f32_to_e4m3(v), 0x7f);
            continue;
        }
        ck_assert_msg((double)v == want && !signbit(v) == !signbit(want), "code 0x%02x decodes to %a, want %a", c,
                      (double)v, want);
        ck_assert_int_eq(dgk_host_f32_to_e4m3(v), c);
    }
}
END_TEST

/* Halfway between neighbouring codes goes to the even code; one f32 ulp either side goes
 * to the nearer one. Covers subnormals, the subnormal/normal border, every binade, and
 * the halfway point below 2^-9 (which rounds to zero). */
START_TEST(ties_go_to_even)
{
    for (int sign = 0; sign < 2; sign++)
        for (int c = 0; c < 0x7e; c++) {
            double lo = e4m3_def(c), hi = e4m3_def(c + 1);
            float mid = (float)((lo + hi) / 2); /* exact: one more bit than e4m3 */
            ck_assert((double)mid == (lo + hi) / 2);
            if (sign)
                mid = -mid;
            int even = (c & 1) ? c + 1 : c, s = sign << 7;
            ck_assert_msg(dgk_host_f32_to_e4m3(mid) == (s | even), "midpoint %a of 0x%02x: got 0x%02x", (double)mid,
                          c, dgk_host_f32_to_e4m3(mid));
            ck_assert_int_eq(dgk_host_f32_to_e4m3(sign ? next_up(mid) : next_down(mid)), s | c);
            ck_assert_int_eq(dgk_host_f32_to_e4m3(sign ? next_down(mid) : next_up(mid)), s | (c + 1));
        }
    ck_assert_int_eq(dgk_host_f32_to_e4m3(0.0009765625f), 0x00);           /* 2^-10: tie with 0 */
    ck_assert_int_eq(dgk_host_f32_to_e4m3(next_up(0.0009765625f)), 0x01);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(3 * 0.0009765625f), 0x02);       /* 1.5 * 2^-9: tie, even 2 */
    ck_assert_int_eq(dgk_host_f32_to_e4m3(1.0625f), 0x38);                  /* 1 + 1/16: tie, even 1.0 */
    ck_assert_int_eq(dgk_host_f32_to_e4m3(1.1875f), 0x3a);                  /* 1 + 3/16: tie, even 1.25 */
}
END_TEST

START_TEST(saturation_nan_inf)
{
    const float big[] = {448.0f, 449.0f, 464.0f, 465.0f, 480.0f, 512.0f, 1e6f, 3.4e38f, INFINITY};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        ck_assert_int_eq(dgk_host_f32_to_e4m3(big[i]), 0x7e);
        ck_assert_int_eq(dgk_host_f32_to_e4m3(-big[i]), 0xfe);
    }
    ck_assert_int_eq(dgk_host_f32_to_e4m3(NAN), 0x7f);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(-NAN), 0x7f);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(1e-30f), 0x00);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(-1e-30f), 0x80);
    ck_assert_int_eq(dgk_host_f32_to_e4m3(1e-45f), 0x00); /* an f32 subnormal */
}
END_TEST

/* A sweep over f32 bit patterns (every sign and exponent, mantissas on a stride that is
 * odd so every low-bit pattern shows up) against the oracle. */
START_TEST(matches_the_oracle)
{
    for (uint32_t u = 0; u < 0xffffffffu - 65521u; u += 65521u) {
        float x;
        memcpy(&x, &u, sizeof x);
        CK_E4M3(x);
    }
    for (int c = 0; c < 0x7e; c++) {
        float v = (float)e4m3_def(c);
        CK_E4M3(next_up(v));
        CK_E4M3(next_down(v));
        CK_E4M3(-next_up(v));
    }
}
END_TEST

/* ---- ue8m0 --------------------------------------------------------------------------- */

START_TEST(ue8m0_decode_and_ceil)
{
    ck_assert_float_eq(dgk_host_ue8m0_to_f32(127), 1.0f);
    ck_assert_float_eq(dgk_host_ue8m0_to_f32(0), 0.0f);
    ck_assert(isinf(dgk_host_ue8m0_to_f32(255)) && dgk_host_ue8m0_to_f32(255) > 0);
    for (int e = 1; e < 255; e++) {
        float p = dgk_host_ue8m0_to_f32((uint8_t)e);
        ck_assert_msg(p == ldexpf(1.0f, e - 127), "ue8m0 %d decodes to %a", e, (double)p);
        ck_assert_int_eq(dgk_host_f32_to_ue8m0_ceil(p), e);                 /* powers of two are exact */
        if (e < 254)
            ck_assert_int_eq(dgk_host_f32_to_ue8m0_ceil(next_up(p)), e + 1); /* anything above rounds up */
        if (e > 1)
            ck_assert_int_eq(dgk_host_f32_to_ue8m0_ceil(next_down(p)), e);
    }
    ck_assert_int_eq(dgk_host_f32_to_ue8m0_ceil(1.5f), 128);
    ck_assert_int_eq(dgk_host_f32_to_ue8m0_ceil(0.75f), 127);
    const float bad[] = {0.0f, -0.0f, -1.0f, 1e-40f, INFINITY, NAN, next_up(ldexpf(1.0f, 127))};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(dgk_host_f32_to_ue8m0_ceil(bad[i]), 0);
}
END_TEST

/* ---- layout -------------------------------------------------------------------------- */

START_TEST(aligned_strides)
{
    ck_assert_int_eq(dgk_fp8_scale_stride(1, DGK_DTYPE_F32), 4);
    ck_assert_int_eq(dgk_fp8_scale_stride(4, DGK_DTYPE_F32), 4);
    ck_assert_int_eq(dgk_fp8_scale_stride(5, DGK_DTYPE_F32), 8);
    ck_assert_int_eq(dgk_fp8_scale_stride(4097, DGK_DTYPE_F32), 4100);
    ck_assert_int_eq(dgk_fp8_scale_stride(1, DGK_DTYPE_UE8M0), 16);
    ck_assert_int_eq(dgk_fp8_scale_stride(16, DGK_DTYPE_UE8M0), 16);
    ck_assert_int_eq(dgk_fp8_scale_stride(17, DGK_DTYPE_UE8M0), 32);
    ck_assert_int_eq(dgk_fp8_scale_stride(4097, DGK_DTYPE_UE8M0), 4112);
    for (int64_t m = 1; m < 300; m++) {
        int64_t f = dgk_fp8_scale_stride(m, DGK_DTYPE_F32), u = dgk_fp8_scale_stride(m, DGK_DTYPE_UE8M0);
        ck_assert(f >= m && f < m + 4 && f * 4 % 16 == 0);
        ck_assert(u >= m && u < m + 16 && u % 16 == 0);
    }
    ck_assert_int_eq(dgk_fp8_scale_stride(0, DGK_DTYPE_F32), 0);
    ck_assert_int_eq(dgk_fp8_scale_stride(8, DGK_DTYPE_BF16), 0);
    ck_assert_uint_eq(dgk_fp8_scale_bytes(5, 256, DGK_DTYPE_F32), 2 * 8 * 4);
    ck_assert_uint_eq(dgk_fp8_scale_bytes(5, 257, DGK_DTYPE_UE8M0), 3 * 16);
    ck_assert_uint_eq(dgk_fp8_scale_bytes(5, 0, DGK_DTYPE_UE8M0), 0);
}
END_TEST

START_TEST(transform_to_mn_major)
{
    enum { MN = 5, KB = 3, LDS = 4, LDD = 8 };
    float src[MN * LDS], dst[KB * LDD];
    for (int i = 0; i < MN * LDS; i++)
        src[i] = (float)i;
    memset(dst, 0xab, sizeof dst);
    ck_assert_int_eq(dgk_host_fp8_scales_to_mn_major(src, MN, KB, LDS, DGK_DTYPE_F32, dst, LDD), DGK_OK);
    for (int j = 0; j < KB; j++)
        for (int i = 0; i < LDD; i++)
            ck_assert_float_eq(dst[j * LDD + i], i < MN ? src[i * LDS + j] : 0.0f);
    uint8_t s8[MN * KB], d8[KB * 16];
    for (int i = 0; i < MN * KB; i++)
        s8[i] = (uint8_t)(100 + i);
    memset(d8, 0xab, sizeof d8);
    int64_t ld = dgk_fp8_scale_stride(MN, DGK_DTYPE_UE8M0);
    ck_assert_int_eq(dgk_host_fp8_scales_to_mn_major(s8, MN, KB, KB, DGK_DTYPE_UE8M0, d8, ld), DGK_OK);
    for (int j = 0; j < KB; j++)
        for (int i = 0; i < 16; i++)
            ck_assert_int_eq(d8[j * 16 + i], i < MN ? 100 + i * KB + j : 0);
}
END_TEST

START_TEST(transform_rejects_bad_arguments)
{
    float a[64], b[64];
    ck_assert_int_eq(dgk_host_fp8_scales_to_mn_major(NULL, 2, 2, 2, DGK_DTYPE_F32, b, 4), DGK_EINVAL);
    ck_msg_has("src is NULL");
    ck_assert_int_eq(dgk_host_fp8_scales_to_mn_major(a, 2, 2, 2, DGK_DTYPE_BF16, b, 4), DGK_EDTYPE);
    ck_assert_int_eq(dgk_host_fp8_scales_to_mn_major(a, 2, 3, 2, DGK_DTYPE_F32, b, 4), DGK_ESHAPE);
    ck_msg_has("ld_src = 2 must be >= kb = 3");
    ck_assert_int_eq(dgk_host_fp8_scales_to_mn_major(a, 5, 2, 2, DGK_DTYPE_F32, b, 4), DGK_ESHAPE);
    ck_assert_int_eq(dgk_host_fp8_scales_to_mn_major(a, 0, 2, 2, DGK_DTYPE_F32, b, 4), DGK_ESHAPE);
}
END_TEST

/* ---- quantization -------------------------------------------------------------------- */

enum { QR = 130, QK = 300, QKB = 3, QLDX = 304 };

static float xs[QR * QLDX];
static uint8_t qs[QR * QK];

/* Deterministic data spanning several binades, with a zero block and planted maxima. */
static void fill(void)
{
    uint32_t h = 12345;
    for (int i = 0; i < QR * QLDX; i++) {
        h = h * 1664525u + 1013904223u;
        xs[i] = ((float)(h >> 8) / 16777216.0f - 0.5f) * ldexpf(1.0f, (int)(h % 7) - 3);
    }
    for (int c = 128; c < 256; c++)
        xs[3 * QLDX + c] = 0.0f; /* row 3, K block 1: amax 0 */
    xs[7 * QLDX + 5] = 1000.0f;  /* row 7, K block 0: amax 1000 */
}

static float scale_at(const void *s, dgk_dtype_id dt, int64_t i)
{
    return dt == DGK_DTYPE_UE8M0 ? dgk_host_ue8m0_to_f32(((const uint8_t *)s)[i]) : ((const float *)s)[i];
}

static float amax_of(int r0, int r1, int c0, int c1)
{
    float m = 0.0f;
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++)
            m = fmaxf(m, fabsf(xs[r * QLDX + c]));
    return m;
}

/* The block's scale is max(amax, 1e-4) / 448 (f32) or the next power of two up; every q
 * is e4m3(x / scale) and dequantizes within half an e4m3 step. */
static void check_block(const void *s, dgk_dtype_id dt, int64_t si, int r0, int r1, int c0, int c1)
{
    float want = fmaxf(amax_of(r0, r1, c0, c1), 1e-4f) / 448.0f, got = scale_at(s, dt, si);
    if (dt == DGK_DTYPE_UE8M0) {
        ck_assert_msg(got >= want && got < 2 * want, "ue8m0 scale %a for %a", (double)got, (double)want);
        ck_assert_float_eq(got, ldexpf(1.0f, ilogbf(got)));
    } else {
        ck_assert_float_eq(got, want);
    }
    for (int r = r0; r < r1; r++)
        for (int c = c0; c < c1; c++) {
            float x = xs[r * QLDX + c];
            uint8_t q = qs[r * QK + c];
            ck_assert_int_eq(q, dgk_host_f32_to_e4m3(x / got));
            ck_assert(fabsf(dgk_host_e4m3_to_f32(q)) <= 448.0f);
            ck_assert(fabsf(dgk_host_e4m3_to_f32(q) * got - x) <= fmaxf(fabsf(x) / 16, got * 0.001953125f));
        }
}

static void quant_1x128(dgk_dtype_id dt)
{
    fill();
    int64_t lds = dgk_fp8_scale_stride(QR, dt);
    unsigned char s[QKB * 144 * 4];
    memset(s, 0xab, sizeof s);
    ck_assert_int_eq(dgk_host_fp8_quant_1x128(xs, QR, QK, QLDX, qs, QK, dt, s, lds), DGK_OK);
    for (int kb = 0; kb < QKB; kb++)
        for (int r = 0; r < QR; r++)
            check_block(s, dt, kb * lds + r, r, r + 1, kb * 128, kb == 2 ? QK : kb * 128 + 128);
    for (int kb = 0; kb < QKB; kb++)
        for (int64_t r = QR; r < lds; r++)
            ck_assert_float_eq(scale_at(s, dt, kb * lds + r), 0.0f);
    ck_assert_float_eq(scale_at(s, dt, lds + 3), dt == DGK_DTYPE_F32 ? 1e-4f / 448.0f : ldexpf(1.0f, -22));
    ck_assert_int_eq(qs[3 * QK + 200], 0);
    /* the block maximum maps to 448 with an f32 scale; a power of two up leaves headroom */
    ck_assert_int_eq(qs[7 * QK + 5], dt == DGK_DTYPE_F32 ? 0x7e : dgk_host_f32_to_e4m3(250.0f));
}

START_TEST(per_token_f32)
{
    quant_1x128(DGK_DTYPE_F32);
}
END_TEST

START_TEST(per_token_ue8m0)
{
    quant_1x128(DGK_DTYPE_UE8M0);
}
END_TEST

static void quant_128x128(dgk_dtype_id dt)
{
    fill();
    enum { LDS = 5 };
    unsigned char s[2 * LDS * 4];
    memset(s, 0xab, sizeof s);
    ck_assert_int_eq(dgk_host_fp8_quant_128x128(xs, QR, QK, QLDX, qs, QK, dt, s, LDS), DGK_OK);
    for (int rb = 0; rb < 2; rb++)
        for (int kb = 0; kb < QKB; kb++)
            check_block(s, dt, rb * LDS + kb, rb * 128, rb ? QR : 128, kb * 128, kb == 2 ? QK : kb * 128 + 128);
    for (int rb = 0; rb < 2; rb++)
        for (int kb = QKB; kb < LDS; kb++)
            ck_assert_float_eq(scale_at(s, dt, rb * LDS + kb), 0.0f);
}

START_TEST(per_block_f32)
{
    quant_128x128(DGK_DTYPE_F32);
}
END_TEST

START_TEST(per_block_ue8m0)
{
    quant_128x128(DGK_DTYPE_UE8M0);
}
END_TEST

/* A block whose maximum is exactly 448 * 2^j has scale 2^j either way, and its values
 * survive exactly when they are e4m3 values times the scale. */
START_TEST(exact_blocks)
{
    float x[2 * 128], s[4];
    uint8_t q[2 * 128];
    for (int i = 0; i < 256; i++)
        x[i] = dgk_host_e4m3_to_f32((uint8_t)(i % 0x7f)) * 0.25f;
    const dgk_dtype_id dts[2] = {DGK_DTYPE_F32, DGK_DTYPE_UE8M0};
    for (int d = 0; d < 2; d++) {
        dgk_dtype_id dt = dts[d];
        ck_assert_int_eq(dgk_host_fp8_quant_1x128(x, 1, 256, 256, q, 256, dt, s, 2), DGK_OK);
        ck_assert_float_eq(scale_at(s, dt, 0), 0.25f);
        ck_assert_float_eq(scale_at(s, dt, 2), 0.25f);
        for (int i = 0; i < 256; i++)
            ck_assert_int_eq(q[i], i % 0x7f);
    }
}
END_TEST

START_TEST(non_finite_inputs_are_errors)
{
    fill();
    float s[QKB * 132];
    xs[9 * QLDX + 140] = NAN;
    ck_assert_int_eq(dgk_host_fp8_quant_1x128(xs, QR, QK, QLDX, qs, QK, DGK_DTYPE_F32, s, 132), DGK_EINVAL);
    ck_msg_has("x[9, 140] = nan is not finite");
    xs[9 * QLDX + 140] = -INFINITY;
    ck_assert_int_eq(dgk_host_fp8_quant_128x128(xs, QR, QK, QLDX, qs, QK, DGK_DTYPE_UE8M0, s, 3), DGK_EINVAL);
    ck_msg_has("x[9, 140] = -inf is not finite");
}
END_TEST

START_TEST(quant_rejects_bad_arguments)
{
    float s[64];
    ck_assert_int_eq(dgk_host_fp8_quant_1x128(xs, 4, 256, 256, qs, 256, DGK_DTYPE_F32, s, 3), DGK_ESHAPE);
    ck_msg_has("lds = 3 must be >= rows = 4");
    ck_assert_int_eq(dgk_host_fp8_quant_128x128(xs, 4, 300, 300, qs, 300, DGK_DTYPE_F32, s, 2), DGK_ESHAPE);
    ck_msg_has("lds = 2 must be >= cdiv(k, 128) = 3");
    ck_assert_int_eq(dgk_host_fp8_quant_1x128(xs, 4, 256, 200, qs, 256, DGK_DTYPE_F32, s, 4), DGK_ESHAPE);
    ck_assert_int_eq(dgk_host_fp8_quant_1x128(xs, 4, 256, 256, qs, 256, DGK_DTYPE_E4M3, s, 4), DGK_EDTYPE);
    ck_assert_int_eq(dgk_host_fp8_quant_1x128(xs, 4, 256, 256, NULL, 256, DGK_DTYPE_F32, s, 4), DGK_EINVAL);
    ck_msg_has("q is NULL");
    ck_assert_int_eq(dgk_host_fp8_quant_128x128(xs, 0, 256, 256, qs, 256, DGK_DTYPE_F32, s, 4), DGK_ESHAPE);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("fp8_helpers");
    TCase *tc = tcase_create("e4m3");
    tcase_add_test(tc, known_values);
    tcase_add_test(tc, every_code_round_trips);
    tcase_add_test(tc, ties_go_to_even);
    tcase_add_test(tc, saturation_nan_inf);
    tcase_add_test(tc, matches_the_oracle);
    suite_add_tcase(s, tc);
    tc = tcase_create("ue8m0");
    tcase_add_test(tc, ue8m0_decode_and_ceil);
    suite_add_tcase(s, tc);
    tc = tcase_create("layout");
    tcase_add_test(tc, aligned_strides);
    tcase_add_test(tc, transform_to_mn_major);
    tcase_add_test(tc, transform_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    tc = tcase_create("quant");
    tcase_add_test(tc, per_token_f32);
    tcase_add_test(tc, per_token_ue8m0);
    tcase_add_test(tc, per_block_f32);
    tcase_add_test(tc, per_block_ue8m0);
    tcase_add_test(tc, exact_blocks);
    tcase_add_test(tc, non_finite_inputs_are_errors);
    tcase_add_test(tc, quant_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

DGK_CHECK_MAIN(make_suite)
