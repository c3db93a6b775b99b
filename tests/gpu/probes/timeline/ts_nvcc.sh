#!/bin/sh
# ts_nvcc.sh - DGK_USE_NVCC for the tile-timeline probe: instruments the kernel source
# (the last argument, written by runtime/nvcc.c) with ts_edit.py, then runs nvcc.
set -e
for src; do :; done
python3 "$(dirname "$0")/ts_edit.py" "$src"
[ -n "$DGKX_KEEP" ] && cp "$src" "$DGKX_KEEP"
exec "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" "$@"
