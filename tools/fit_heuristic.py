#!/usr/bin/env python3
"""fit_heuristic.py - fits the constants of stdlib/gemm_heuristic.c's cost model to tile
sweeps (tests/gpu/sweep_tiles.sh CSVs). A tuning aid only: nothing builds or tests
with it (plain Python 3, no packages).

    python3 tools/fit_heuristic.py [--hold KEY,KEY...] [RESULTS_DIR ...]

Reads every sweep-<dtype>-<BMxBN[cC][sS]>.csv below each RESULTS_DIR (cluster sweeps
are skipped; default: the H100 small-M sweep with 64 x 32 tiles of 2026-11-26, the
H200 large-shape sweeps and the two H100 FP8 tile sweeps of 2026-11-28, 18 and 48
shapes), models each point's time as the C code does (cost() there mirrors model()
here) and picks per shape as the C code does (pick() mirrors gemm_heuristic_bm's rules:
no tile at least half empty, split-K only below one wave of tiles with 64x32 to 128x128
tiles, the fewest slices within 5% of the best split, taken only when 10% ahead of the
best unsplit tile), among the measured configurations. It searches the constants not
held (--hold) by coordinate descent, minimizing the time lost by the pick per shape
against the best measured configuration, summed over the directories (M = 4096 shapes
weigh 3x). Prints the constants, the per-shape picks and the time lost; copy the
constants into the C table. The 2026-11-26 refits held the wgmma rates, bn_penalty and
launch (flops_m64,flops_serial,flops,flops_fp8,bn_penalty,launch), the last one also hbm.
"""
import collections, csv, glob, math, os, sys

SMS = 132
START = dict(flops_m64=12.2e12, bn_penalty=0.4536, flops_serial=9.8e12, sm_bytes=81.28e9, l2=9.8e12, l2_fp8=11.23e12, l2_fp8_big=8.0e12,
             flops=5.6e12, flops_fp8=12.2e12, flops_pieces=10.3e12, floor=0.063e-6, narrow=0.012e-6, prologue=1e-6,
             split_fixed=3.36e-6, write=5.0e9, read=47.04e9, hbm=2.699e12, launch=4.0,
             prologue_fp8_256=1.8e-6, prologue_fp8_192=1.2e-6, prologue_fp8_160=0.8e-6)  # the constants in the C table now
ROOTS = ['tests/gpu/results/2026-11-26-H100-small-m-32', 'tests/gpu/results/2026-11-26-H200-heuristic/large',
         'tests/gpu/results/2026-11-26-H200-heuristic/large-fp8',
         'tests/gpu/results/2026-11-28-H100-bars/tile-sweep/fit', 'tests/gpu/results/2026-11-28-H100-l2-fit/sweep48']


def spec(c):
    tile = c.split('c')[0].split('s')[0]
    bm, bn = map(int, tile.split('x'))
    return bm, bn, int(c.split('s')[1]) if 's' in c else 1


def load(root):
    points = []  # (dtype, M, N, K, bm, bn, split, us)
    for f in sorted(glob.glob(os.path.join(root, '**', 'sweep-*.csv'), recursive=True)):
        dtype, c = os.path.basename(f)[6:-4].split('-', 1)
        if 'c2' in c:
            continue
        rows = list(csv.DictReader(l for l in open(f) if not l.startswith('#')))
        for r in rows:
            if r['runner'].startswith('dgk') and r.get('status', 'ok') == 'ok':
                k = (int(r['m']), int(r['n']), int(r['k']))
                points.append((dtype,) + k + spec(c) + (float(r['median_us']),))
    return points


def tile_prologue(p, fp8, bm, bn, kb):
    """The C tile_prologue: block-scaled FP8 tiles of more than 4 K blocks ramp by form (the
    sweeps are dense: no group rows, no contiguous cluster)."""
    if not fp8 or kb <= 4:
        return p['prologue']
    if bm == 256:
        return p['prologue_fp8_256']
    if bn == 192:
        return p['prologue_fp8_192']
    return p['prologue_fp8_160'] if bn == 160 else p['prologue']


def model(p, dtype, M, N, K, bm, bn, split):
    """The C cost(): (microseconds, the estimate before the HBM floor)."""
    fp8 = dtype == 'fp8'
    inb = 1 if fp8 else 2
    units = math.ceil(M / bm) * math.ceil(N / bn) * split
    waves, active = math.ceil(units / SMS), min(units, SMS)
    kb = math.ceil(math.ceil(K / (128 // inb)) / split)
    nbytes, flops = (min(bm, M) + min(bn, N)) * 128.0, 2.0 * bm * bn * (128 // inb)
    # FP8 sweeps time gemm_fp8_nt (block-scaled): BN > 128 at BM <= 128 is promoted in pieces (the
    # C cost's flops_s_fp8_pieces; flops_serial is the weight gradients' rate, not swept here)
    rate = (p['flops'] if not fp8 else p['flops_m64'] if bm == 256 else p['flops_pieces'] if bn > 128 else p['flops_fp8'])
    rate /= 1 + p['bn_penalty'] * (256.0 / bn - 1)
    # block-scaled FP8 whose operands both exceed half the L2 (the C l2_rate; the sweeps are dense)
    l2 = p['l2'] if not fp8 else p['l2_fp8_big'] if 2 * min(M, N) * K > 50e6 else p['l2_fp8']
    t = max(nbytes / p['sm_bytes'], active * nbytes / l2, flops / rate, p['floor'])
    if bn < 64:
        t += p['narrow']
    unit = kb * t + tile_prologue(p, fp8, bm, bn, kb)
    hbm = (M * K + N * K) * inb + M * N * 2
    if split > 1:
        slot = bm * bn * 4.0
        unit += p['split_fixed'] + slot / p['write'] + (split - 1) * slot / p['read']
        hbm += 2.0 * units * slot
    return max(waves * unit, hbm / p['hbm']) * 1e6 + p['launch'], waves * unit * 1e6 + p['launch']


def groups(points):
    g = collections.defaultdict(list)
    for d in points:
        g[d[:4]].append(d)
    return g


def pick(p, ds):
    """gemm_heuristic_bm's choice among the measured configurations ds of one shape."""
    dtype, M, N, K = ds[0][:4]
    kblocks = math.ceil(K / (128 // (1 if dtype == 'fp8' else 2)))
    half_empty = lambda d: d[4] > 64 and d[4] // 2 >= M

    def best_of(cands):
        best = None
        for d in cands:
            t = model(p, *d[:7])
            if best is None or (t[0], t[1], -d[4] * d[5]) < (best[0][0], best[0][1], -best[1][4] * best[1][5]):
                best = (t, d)
        return best and (best[0][0], best[1])

    unsplit = best_of(d for d in ds if d[6] == 1 and not half_empty(d))
    by_split = {}
    for s in range(2, 17):
        b = best_of(d for d in ds if d[6] == s and not half_empty(d) and s <= kblocks and
                    d[4] * d[5] <= 128 * 128 and math.ceil(M / d[4]) * math.ceil(N / d[5]) < SMS)
        if b:
            by_split[s] = b
    if unsplit and by_split:
        least = min(b[0] for b in by_split.values())
        fewest = by_split[min(s for s, b in by_split.items() if b[0] <= 1.05 * least)]
        if fewest[0] < 0.9 * unsplit[0]:
            return fewest[1]
    return (unsplit or best_of(ds))[1]


def regret(p, g):
    tot = n = 0
    for k, ds in g.items():
        w = 3 if k[1] == 4096 else 1
        tot += w * math.log(pick(p, ds)[7] / min(d[7] for d in ds))
        n += w
    return tot / n


def fit(sets, hold):
    gs, p = [groups(s) for s in sets], dict(START)
    objective = lambda q: sum(regret(q, g) for g in gs)
    cur = objective(p)
    for _ in range(4):
        for key in [k for k in p if k not in hold]:
            for f in (0.3, 0.5, 0.7, 0.85, 0.93, 1.08, 1.2, 1.4, 2.0, 3.0):
                q = dict(p, **{key: p[key] * f})
                o = objective(q)
                if o < cur - 1e-9:
                    cur, p = o, q
    return p


def lost(p, points):
    """Per shape, the pick's time over the best measured one."""
    return {k: pick(p, ds)[7] / min(d[7] for d in ds) for k, ds in sorted(groups(points).items())}


def gmean_pct(v):
    return 100 * (math.exp(sum(map(math.log, v)) / len(v)) - 1)


def main():
    args, hold = sys.argv[1:], set()
    if args[:1] == ['--hold']:
        hold, args = set(args[1].split(',')), args[2:]
    roots = args or ROOTS
    sets = [load(r) for r in roots]
    for r, s in zip(roots, sets):
        print('%s: the current constants lose %.2f%%' % (r, gmean_pct(lost(START, s).values())))
    p = fit(sets, hold)
    print('constants:', {k: float('%.4g' % v) for k, v in p.items()})
    for r, s in zip(roots, sets):
        by_shape = lost(p, s)
        for k, ds in sorted(groups(s).items()):
            pk, best = pick(p, ds), min(ds, key=lambda d: d[7])
            print(k, 'pick', pk[4:7], 'best', best[4:7], 'lost %.3f' % by_shape[k])
        print('%s: the fitted constants lose %.2f%%' % (r, gmean_pct(by_shape.values())))


if __name__ == '__main__':
    main()
