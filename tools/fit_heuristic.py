#!/usr/bin/env python3
"""fit_heuristic.py - fits the constants of stdlib/gemm_heuristic.c's cost model to tile
sweeps (tests/gpu/sweep_tiles.sh CSVs). A tuning aid only: nothing builds or tests
with it (plain Python 3, no packages).

    python3 tools/fit_heuristic.py [RESULTS_DIR]   (default: the 2026-11-26 H200 sweeps)

Reads every sweep-<dtype>-<BMxBN[cC][sS]>.csv below RESULTS_DIR (cluster sweeps are
skipped), models each point's time as the C code does (cost() there mirrors model()
here), and searches the constants by coordinate descent, minimizing the time lost by
the model's pick per shape against the best measured configuration (M = 4096 shapes
weigh 3x) plus a little of the squared log error. Prints the constants, the per-shape
picks and the geometric means against cuBLASLt; copy the constants into the C table.
The pick here is the plain argmin over the measured configurations; the C heuristic adds
selection rules this does not model (split-K only below one wave of tiles and with 64x64
to 128x128 tiles, the fewest slices within 5% of the best, a 10% margin over unsplit).
"""
import collections, csv, glob, math, os, sys

SMS = 132
START = dict(flops_m64=12.2e12, bn_penalty=0.4536, flops_serial=9.8e12, sm_bytes=95.2e9, l2=9.8e12, l2_fp8=10.4e12,
             flops=5.6e12, flops_fp8=12.2e12, floor=0.21e-6, narrow=0.08e-6, prologue=1e-6, split_fixed=2.4e-6,
             write=80e9, read=67.2e9, hbm=5.1e12, launch=4.0)  # the constants in the C table now
BASE = {'bf16': 'cublaslt-bf16', 'fp8': 'cublaslt-fp8-tensor'}


def spec(c):
    tile = c.split('c')[0].split('s')[0]
    bm, bn = map(int, tile.split('x'))
    return bm, bn, int(c.split('s')[1]) if 's' in c else 1


def load(root):
    points = []  # (dtype, M, N, K, bm, bn, split, us, cublas_us)
    for f in sorted(glob.glob(os.path.join(root, '**', 'sweep-*.csv'), recursive=True)):
        dtype, c = os.path.basename(f)[6:-4].split('-', 1)
        if 'c2' in c:
            continue
        rows = list(csv.DictReader(l for l in open(f) if not l.startswith('#')))
        base = {(int(r['m']), int(r['n']), int(r['k'])): float(r['median_us']) for r in rows if r['runner'] == BASE[dtype]}
        for r in rows:
            if r['runner'].startswith('dgk') and r.get('status', 'ok') == 'ok':
                k = (int(r['m']), int(r['n']), int(r['k']))
                points.append((dtype,) + k + spec(c) + (float(r['median_us']), base.get(k)))
    return points


def model(p, dtype, M, N, K, bm, bn, split):
    fp8 = dtype == 'fp8'
    inb = 1 if fp8 else 2
    units = math.ceil(M / bm) * math.ceil(N / bn) * split
    waves, active = math.ceil(units / SMS), min(units, SMS)
    kb = math.ceil(math.ceil(K / (128 // inb)) / split)
    nbytes, flops = (bm + bn) * 128.0, 2.0 * bm * bn * (128 // inb)
    rate = (p['flops'] if not fp8 else p['flops_m64'] if bm == 256 else p['flops_serial'] if bn > 128 else p['flops_fp8'])
    rate /= 1 + p['bn_penalty'] * (256.0 / bn - 1)
    t = max(nbytes / p['sm_bytes'], active * nbytes / (p['l2_fp8'] if fp8 else p['l2']), flops / rate, p['floor'])
    if bn < 64:
        t += p['narrow']
    unit = kb * t + p['prologue']
    hbm = (M * K + N * K) * inb + M * N * 2
    if split > 1:
        slot = bm * bn * 4.0
        unit += p['split_fixed'] + slot / p['write'] + (split - 1) * slot / p['read']
        hbm += 2.0 * units * slot
    return max(waves * unit, hbm / p['hbm']) * 1e6 + p['launch']


def groups(points):
    g = collections.defaultdict(list)
    for d in points:
        g[d[:4]].append(d)
    return g


def regret(p, g):
    tot = n = 0
    for k, ds in g.items():
        pick = min(ds, key=lambda d: model(p, *d[:7]))
        w = 3 if k[1] == 4096 else 1
        tot += w * math.log(pick[7] / min(d[7] for d in ds))
        n += w
    return tot / n


def loss(p, points):
    return sum(math.log(model(p, *d[:7]) / d[7]) ** 2 for d in points) / len(points)


def fit(points):
    g, p = groups(points), dict(START)
    cur = regret(p, g) + 0.02 * loss(p, points)
    for _ in range(5):
        for key in list(p):
            for f in (0.3, 0.5, 0.7, 0.85, 1.2, 1.4, 2.0, 3.0):
                q = dict(p, **{key: p[key] * f})
                o = regret(q, g) + 0.02 * loss(q, points)
                if o < cur - 1e-9:
                    cur, p = o, q
    return p


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else 'tests/gpu/results/2026-11-26-H200-heuristic'
    points = load(root)
    p = fit(points)
    print('constants:', {k: float('%.4g' % v) for k, v in p.items()})
    for dtype in ('bf16', 'fp8'):
        ratios = []
        for k, ds in sorted(groups(points).items()):
            if k[0] != dtype:
                continue
            pick = min(ds, key=lambda d: model(p, *d[:7]))
            best = min(ds, key=lambda d: d[7])
            ratio = ds[0][8] / pick[7] if ds[0][8] else float('nan')
            ratios.append(ratio)
            print(k, 'pick', pick[4:7], 'best', best[4:7], 'lost %.2f' % (pick[7] / best[7]), 'vs cuBLASLt %.2f' % ratio)
        good = [r for r in ratios if r == r]
        print(dtype, 'geometric mean vs cuBLASLt: %.3f' % math.exp(sum(map(math.log, good)) / len(good)))


if __name__ == '__main__':
    main()
