# mk/bk.mk - the SM90 backend's extra targets.
#
#   make bk-sm90-run     build $(BUILD)/gpu/bk-sm90-run: emits the sample and bench GEMM
#                        plans, compiles them with NVRTC and runs/times them on the GPU
#                        against a reference kernel and cuBLAS (tests/gpu/README-bk.md).
#                        Needs only gcc and the CUDA toolkit (no re2c, lemon or check).
#   make golden-update-emit   rewrite tests/golden/emit/NAME.cu from the emitter (review the diff!)

BK_RUN     := $(BUILD)/gpu/bk-sm90-run
BK_RUN_SRC := tests/gpu/bk_sm90_run.c compiler/arena.c compiler/diag.c compiler/strbuf.c dsl/dtype.c \
              $(wildcard backend/sm90/*.c)

bk-sm90-run: $(BK_RUN)

$(BK_RUN): $(BK_RUN_SRC) $(GEN)/devhdr_sm90.c $(wildcard backend/sm90/*.h tests/unit/sm90_*.h compiler/*.h dsl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(WARN) -Werror -o $@ $(BK_RUN_SRC) $(GEN)/devhdr_sm90.c \
	  -L$(CUDA_LIBDIR) -L$(CUDA_LIBDIR)/stubs -Wl,-rpath,$(CUDA_LIBDIR) -lcublas -lcuda -lnvrtc -lm

golden-update-emit: $(BUILD)/tests/test_sm90_emit
	DGK_GOLDEN_UPDATE=1 $(BUILD)/tests/test_sm90_emit

.PHONY: bk-sm90-run golden-update-emit
