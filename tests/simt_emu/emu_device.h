/* emu_device.h - the device header (backend/sm90/device.cuh) as the CPU emulation of
 * tests/gpu/emu sees it, for the elementwise kernels tests/simt_emu runs: only what
 * their generated code calls. Installed under the header's name (dgk_sm90.cuh) in the
 * build directory, so the generated .cu compiles unchanged. e4m3 rounds with the host
 * converter (fp8_host_cvt.c, which the GPU check compares with cvt.rn.satfinite); the
 * UE8M0 forms are device.cuh's, copied. */
#ifndef DGK_SIMT_EMU_DEVICE_H
#define DGK_SIMT_EMU_DEVICE_H

#include "emu.h"

#include <algorithm>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* one block runs at a time: the kernels' dynamic shared memory is one global array */
#undef __shared__
#define __shared__
#define __align__(x)

typedef unsigned char dgk_u8;
typedef unsigned short dgk_u16;
typedef unsigned int dgk_u32;

extern "C" uint8_t dgk_host_f32_to_e4m3(float x);

template <class T> static inline T __ldg(const T *p) { return *p; }
static inline float __int_as_float(int u) { float f; memcpy(&f, &u, 4); return f; }
using std::max;
using std::min;

struct dgk_e4m3 { dgk_u8 bits; };
struct dgk_ue8m0 { dgk_u8 bits; };

static inline dgk_u32 dgk_f32_to_ue8m0(float x)
{
    dgk_u32 b = __float_as_uint(x) & 0x7fffffffu, e = b >> 23;
    return e + ((b & 0x7fffffu) != 0u && e < 255u);
}
static inline float dgk_ue8m0_to_f32(dgk_u32 e) { return __uint_as_float(e << 23); }
static inline float dgk_round_ue8m0(float x) { return dgk_ue8m0_to_f32(dgk_f32_to_ue8m0(x)); }

static inline float dgk_load_f32(const float *p) { return *p; }
static inline float dgk_load_f32(const dgk_ue8m0 *p) { return dgk_ue8m0_to_f32(p->bits); }
static inline float dgk_to_f32(float x) { return x; }
static inline void dgk_put(float *p, float x) { *p = x; }
static inline void dgk_put(dgk_e4m3 *p, float x) { p->bits = dgk_host_f32_to_e4m3(x); }
static inline void dgk_put(dgk_ue8m0 *p, float x) { p->bits = (dgk_u8)dgk_f32_to_ue8m0(x); }

/* The groups of four (device.cuh's vector loads and stores), element by element: the
 * emulation checks which elements move, not the access width. */
template <class T, class V> static inline void dgk_load4(const T *p, V *o, int)
{
    for (int i = 0; i < 4; i++)
        o[i] = (V)dgk_load_f32(p + i);
}
static inline void dgk_load4(const int *p, int *o, int) { memcpy(o, p, 16); }
static inline void dgk_load4(const unsigned *p, unsigned *o, int) { memcpy(o, p, 16); }
template <class T, class V> static inline void dgk_put4(T *p, const V *x)
{
    for (int i = 0; i < 4; i++)
        dgk_put(p + i, x[i]);
}
static inline void dgk_put4(int *p, const int *x) { memcpy(p, x, 16); }
static inline void dgk_put4(unsigned *p, const unsigned *x) { memcpy(p, x, 16); }

#endif
