#!/bin/sh
# ts_fine_nvcc.sh - DGK_USE_NVCC for the tile-phase probe: ts_edit.py, then ts_fine.py over
# the kernel source (the last argument), then nvcc. Run from the repository root.
set -e
for src; do :; done
d=$(dirname "$0")
python3 "$d/ts_edit.py" "$src"
python3 "$d/ts_fine.py" "$src"
[ -n "$DGKX_KEEP" ] && cp "$src" "$DGKX_KEEP"
exec "${CUDA_HOME:-/usr/local/cuda}/bin/nvcc" "$@"
