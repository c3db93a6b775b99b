/* harness_dev.h - included by every harness .cu file after harness.h: how kernels
 * are launched. Under nvcc GH_LAUNCH is the <<<>>> launch; built by a host C++
 * compiler with GH_EMU (make gpu-harness-emu-check) the same sources run on the CPU
 * through emu/emu.h, so the harness can be tested where there is no GPU. */
#ifndef GH_HARNESS_DEV_H
#define GH_HARNESS_DEV_H

#if defined(__CUDACC__)
#define GH_LAUNCH(kernel, grid, block, stream, ...) \
    kernel<<<(grid), (block), 0, (stream)>>>(__VA_ARGS__)
#elif defined(GH_EMU)
#include "emu/emu.h"
#else
#error "harness .cu files build with nvcc, or with a host C++ compiler and -DGH_EMU"
#endif

#endif
