# DeepGEMM (built from source on the device) timed with its own bench_kineto (kernel time
# from the profiler, an 8e9-byte memset before each of 30 runs), on the dense FP8 NT shapes
# and the contiguous grouped FP8 shapes: the method of shared/DESIGN.md's table, in our run.
import os, random, sys, time
root = '/tmp/dgw/dg'
sys.path.insert(0, root); sys.path.insert(0, root + '/tests')
import torch
import deep_gemm
from deep_gemm.testing import bench_kineto, calc_diff
import generators as G

def dense(shapes):
    kt = G.get_kernel_types(torch.float8_e4m3fn)[0]
    qc = G.QuantConfig.get_list_from_dtype(torch.float8_e4m3fn)[0]
    ue = G.get_ue8m0_usage(kt)
    recipe, ra, rb = qc.get_recipes(is_wgrad=False)
    print('kernel type', kt, 'ue8m0', ue, flush=True)
    for m, n, k in shapes:
        a, b, c, d, ref = G.generate_normal(m, n, k, G.MajorTypeAB.KMajor, G.MajorTypeAB.KMajor, False, torch.bfloat16,
                                            kt, use_ue8m0=ue, quant_config=qc)
        f = lambda: deep_gemm.fp8_fp4_gemm_nt(a, b, d, c=c, disable_ue8m0_cast=not ue, recipe=recipe, recipe_a=ra, recipe_b=rb)
        f(); torch.cuda.synchronize()
        diff = calc_diff(d, ref)
        t = bench_kineto(f, 'gemm_', suppress_kineto_output=True)
        print(f'DG dense m={m} n={n} k={k}: {t*1e6:.1f} us {2*m*n*k/t/1e12:.0f} TFLOPS diff {diff:.2e}', flush=True)

def contiguous(specs):
    kt = G.get_kernel_types(torch.float8_e4m3fn)[0]
    qc = G.QuantConfig.get_list_from_dtype(torch.float8_e4m3fn)[0]
    ue = G.get_ue8m0_usage(kt)
    recipe, ra, rb = qc.get_recipes()
    deep_gemm.set_mk_alignment_for_contiguous_layout(deep_gemm.get_theoretical_mk_alignment_for_contiguous_layout())
    for g, rows, n, k in specs:
        random.seed(1)
        m, a, b, layout, d, ref = G.generate_m_grouped_contiguous(g, rows, n, k, G.MajorTypeAB.KMajor, G.MajorTypeAB.KMajor,
                                                                  use_ue8m0=ue, use_psum_layout=False, quant_config=qc)
        f = lambda: deep_gemm.m_grouped_fp8_fp4_gemm_nt_contiguous(a, b, d, layout, disable_ue8m0_cast=not ue,
                                                                   use_psum_layout=False, recipe=recipe, recipe_a=ra, recipe_b=rb)
        f(); torch.cuda.synchronize()
        valid = int((layout >= 0).sum().item())
        diff = calc_diff(d[layout >= 0], ref[layout >= 0])
        t = bench_kineto(f, 'gemm_', suppress_kineto_output=True)
        print(f'DG contig G={g} rows={rows} n={n} k={k} valid={valid}: {t*1e6:.1f} us {2*valid*n*k/t/1e12:.0f} TFLOPS diff {diff:.2e}', flush=True)

which = sys.argv[1]
if which == 'dense':
    dense([(4096, 7168, 16384), (4096, 4096, 7168), (4096, 2112, 7168), (4096, 576, 7168), (4096, 7168, 2048), (4096, 24576, 1536)])
else:
    contiguous([(4, 8192, 6144, 7168), (4, 8192, 4096, 2048), (8, 4096, 7168, 3072)])
