export DGK_CACHE_DIR=$(mktemp -d)
build/gpu/dgk-gemm-check --dtype fp8 --runner dgk-fp8-wgrad --no-self-test --shapes 4096x7168x128,4096x7168x256,7168x2048x128 2>&1 | tail -8
build/gpu/dgk-gemm-check --dtype fp8 --runner dgk-fp8-wgrad --no-self-test --shapes tiny 2>&1 | tail -3
build/gpu/dgk-k-grouped --shapes tiny 2>&1 | tail -8
