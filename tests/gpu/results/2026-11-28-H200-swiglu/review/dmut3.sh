#!/bin/sh
# two accumulators: the second tile's B scale row taken as the first's (sb_row for sb_row2)
sed -i 's/const \(float\|dgk_ue8m0\) \*const sb_hi_ptr = \(.*\)(long long)sb_row2 \*/const \1 *const sb_hi_ptr = \2(long long)sb_row */' "$1"
