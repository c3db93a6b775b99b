#!/bin/sh
# A/B probe: fp8.sb_loads without the one-block-ahead load (each K block's scales loaded
# in its own iteration, before the empty wait)
python3 - "$1" <<'PY'
import sys, re
p = sys.argv[1]; s = open(p).read()
s = s.replace("const float sb_lo_b = sb_lo_n;", "const float sb_lo_b = dgk_ldg_f32(sb_lo_ptr + kb);")
s = s.replace("const float sb_hi_b = sb_hi_n;", "const float sb_hi_b = dgk_ldg_f32(sb_hi_ptr + kb);")
s = re.sub(r"\n *if \(kb \+ 1 < k_blocks\) \{\n *sb_lo_n = [^\n]*\n( *sb_hi_n = [^\n]*\n)? *\}", "", s)
open(p, "w").write(s)
PY
