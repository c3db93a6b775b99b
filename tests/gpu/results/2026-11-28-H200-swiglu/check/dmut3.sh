#!/bin/sh
# two accumulators: the second tile promoted with the first's B scale (sb_hi = sb_lo)
sed -i 's/dgk_cp_async_4(sb_dst + 4, sb_hi_ptr + kb);/dgk_cp_async_4(sb_dst + 4, sb_lo_ptr + kb);/' "$1"
