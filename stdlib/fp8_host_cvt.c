/* fp8_host_cvt.c - scalar conversions between f32 and the FP8 formats of the FP8 GEMMs,
 * on the host (dgk.h: dgk_host_f32_to_e4m3 and friends). Used by the host quantizers
 * (fp8_host_quant.c) and by tests that need bit-exact reference data without a GPU.
 * Everything works on the f32 bit pattern with integer arithmetic, so the result does
 * not depend on the FP rounding mode or on x87 excess precision. */
#include <string.h>

#include "dgk.h"

enum {
    E4M3_MAX_CODE = 0x7e,  /* 448 = 1.75 * 2^8 */
    E4M3_NAN = 0x7f,
    E4M3_MIN_EXP = -6,     /* smallest normal exponent; below it, subnormals m * 2^-9 */
    E4M3_MAX_EXP = 8,
};

static uint32_t bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* sig >> shift, rounded to nearest with ties to even (shift 1..31). */
static uint32_t shift_rne(uint32_t sig, int shift)
{
    uint32_t r = sig >> shift, rem = sig & ((1u << shift) - 1), half = 1u << (shift - 1);
    return r + (rem > half || (rem == half && (r & 1)));
}

/* |x| as an e4m3 magnitude code (0..0x7e) from its f32 fields, finite and below 2^9.
 * A normal result keeps 3 mantissa bits: code = (e + 7) * 8 + (r - 8) with r the rounded
 * 4-bit significand, which carries into the exponent when r reaches 16. A subnormal
 * result counts units of 2^-9 and reaches the smallest normal (code 8) by itself. */
static uint32_t magnitude_code(uint32_t exp_field, uint32_t mant)
{
    if (exp_field == 0)
        return 0; /* f32 subnormals are far below half of e4m3's 2^-9 */
    int e = (int)exp_field - 127;
    uint32_t sig = mant | 0x800000u;
    if (e >= E4M3_MIN_EXP) {
        uint32_t code = (uint32_t)(e + 7) * 8 + shift_rne(sig, 20) - 8;
        return code > E4M3_MAX_CODE ? E4M3_MAX_CODE : code;
    }
    int shift = 20 + (E4M3_MIN_EXP - e);
    return shift > 25 ? 0 : shift_rne(sig, shift);
}

uint8_t dgk_host_f32_to_e4m3(float x)
{
    uint32_t u = bits_of(x), sign = (u >> 24) & 0x80u, exp_field = (u >> 23) & 0xffu, mant = u & 0x7fffffu;
    if (exp_field == 0xff && mant)
        return E4M3_NAN;
    if (exp_field == 0xff || (int)exp_field - 127 > E4M3_MAX_EXP)
        return (uint8_t)(sign | E4M3_MAX_CODE); /* inf and huge values saturate */
    return (uint8_t)(sign | magnitude_code(exp_field, mant));
}

float dgk_host_e4m3_to_f32(uint8_t q)
{
    uint32_t sign = (uint32_t)(q & 0x80u) << 24, e = (q >> 3) & 0xfu, m = q & 7u;
    if (e == 0xf && m == 7)
        return float_of(sign | 0x7fc00000u);
    if (e == 0) { /* subnormal m * 2^-9, exact in f32 */
        float v = (float)m / 512.0f;
        return sign ? -v : v;
    }
    return float_of(sign | (e - 7 + 127) << 23 | m << 20);
}

float dgk_host_ue8m0_to_f32(uint8_t e)
{
    return float_of((uint32_t)e << 23);
}

uint8_t dgk_host_f32_to_ue8m0_ceil(float s)
{
    uint32_t u = bits_of(s), exp_field = (u >> 23) & 0xffu, mant = u & 0x7fffffu;
    if ((u >> 31) || exp_field == 0 || exp_field >= 0xfe + (mant == 0))
        return 0; /* negative, zero, subnormal, NaN, inf, or rounding up past 2^127 */
    return (uint8_t)(exp_field + (mant != 0));
}
