#!/bin/sh
# two accumulators: the second B tile loaded from the first's rows (R dropped)
sed -i 's/B_DUAL_BYTES + stage \* B_STAGE_BYTES, &tma_W, bar, kb \* BK, I + n_block \* BN/B_DUAL_BYTES + stage * B_STAGE_BYTES, \&tma_W, bar, kb * BK, n_block * BN/' "$1"
