#!/bin/sh
# check_one.sh INDEX FILE KERNEL DEFINES... - one configuration of tests/kernels/run.sh:
# build it with dgkc (NVRTC, sm_90a), then check its PTX and ptxas report. Prints one
# line starting with "ok" or "FAIL".
i=$1 file=$2 kernel=$3
shift 3
out=$WORK/k$i
rm -rf "$out.d"
if ! DGK_DUMP_DIR="$out.d" "$DGKC" build --kernel "$kernel" "$@" "$file" -o "$out.cubin" --ptx "$out.ptx" --stats > "$out.stats" 2> "$out.err"; then
    echo "FAIL $kernel $*: dgkc build failed"
    sed 's/^/    /' "$out.err" | head -8
    exit 1
fi
# elementwise kernels (no pipeline) run on CUDA cores: no spill, and no GEMM machinery
case $kernel in
fp8_scales_to_mn_major|fp8_quant_*)
    grep -q " 0 bytes stack, 0/0 bytes spill" "$out.stats" || { echo "FAIL $kernel $*: $(cat "$out.stats")"; exit 1; }
    ! grep -q "wgmma\|mbarrier" "$out.ptx" || { echo "FAIL $kernel $*: an elementwise kernel with wgmma or mbarrier"; exit 1; }
    case $kernel in
    fp8_quant_*) grep -q "cvt.rn.satfinite.e4m3x2.f32" "$out.ptx" || { echo "FAIL $kernel $*: no e4m3 conversion"; exit 1; } ;;
    esac
    echo "ok   $kernel $* ($(sed 's/^[^:]*: //; s/, 0 bytes smem.*//' "$out.stats"))"
    rm -rf "$out.cubin" "$out.ptx" "$out.d"
    exit 0 ;;
esac
for insn in wgmma.mma_async cp.async.bulk.tensor mbarrier setmaxnreg; do
    grep -q "$insn" "$out.ptx" || { echo "FAIL $kernel $*: no $insn in the PTX"; exit 1; }
done
case $kernel in
*fp8*) grep -q "wgmma.mma_async.*e4m3" "$out.ptx" || { echo "FAIL $kernel $*: its wgmma is not e4m3"; exit 1; } ;;
esac
# split-K: the counter's acquire-release RMW and the barrier that broadcasts "last"
case " $* " in
*" SPLIT="*)
    for insn in atom.acq_rel.gpu.global.add bar.red.or.pred ld.global.cg.v4.f32 st.global.cg.v4.f32; do
        grep -q "$insn" "$out.ptx" || { echo "FAIL $kernel $*: split-K without $insn in the PTX"; exit 1; }
    done ;;
esac
# l2_stream: A's and B's loads carry the evict_first policy; without it no load has a hint
case " $* " in
*" L2=1 "*)
    grep -q "createpolicy.fractional.L2::evict_first" "$out.ptx" && grep -q "cp.async.bulk.tensor.*L2::cache_hint" "$out.ptx" ||
        { echo "FAIL $kernel $*: L2=1 without evict_first loads in the PTX"; exit 1; } ;;
*)
    ! grep -q "L2::cache_hint" "$out.ptx" || { echo "FAIL $kernel $*: a cache hint without L2=1"; exit 1; } ;;
esac
# a tile of fewer than 64 rows is computed with the operands swapped: its rows are wgmma's N
bm=$(echo " $* " | sed -n 's/.* BM=\([0-9]*\) .*/\1/p')
if [ -n "$bm" ] && [ "$bm" -lt 64 ]; then
    grep -q "wgmma.mma_async.sync.aligned.m64n${bm}k" "$out.ptx" || { echo "FAIL $kernel $*: BM = $bm without a swapped m64n${bm} wgmma"; exit 1; }
fi
grep -q " 0 bytes stack, 0/0 bytes spill" "$out.stats" || { echo "FAIL $kernel $*: $(cat "$out.stats")"; exit 1; }
if grep -q SERIALIZED "$out.stats"; then
    echo "FAIL $kernel $*: ptxas serialized its wgmma"
    exit 1
fi
# C7517: ptxas added a wgmma wait where the code reads a wgmma's registers it cannot
# prove done (it would undo the FP8 promotion's overlap)
if grep -qh "warpgroup.wait is injected" "$out.d"/*.log; then
    echo "FAIL $kernel $*: ptxas injected a wgmma wait: $(grep -h 'warpgroup.wait is injected' "$out.d"/*.log | head -1)"
    exit 1
fi
echo "ok   $kernel $* ($(sed 's/^[^:]*: //; s/, 0 bytes smem.*//' "$out.stats"))"
rm -rf "$out.cubin" "$out.ptx" "$out.d"
