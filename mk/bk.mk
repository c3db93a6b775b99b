# mk/bk.mk - the SM90 backend's extra targets.
#
#   make bk-sm90-run     build $(BUILD)/gpu/bk-sm90-run: emits the sample and bench GEMM
#                        plans, compiles them with NVRTC and runs/times them on the GPU
#                        against a reference kernel and cuBLAS (tests/gpu/README-bk.md).
#                        Needs gcc and the CUDA toolkit; without re2c/lemon, carry
#                        $(BUILD)/gen and use NO_REGEN=1.
#   make golden-update-emit   rewrite tests/golden/emit/NAME.cu from the emitter (review the diff!)

BK_RUN     := $(BUILD)/gpu/bk-sm90-run

bk-sm90-run: $(BK_RUN)

# Links libdgkc (the emitter and what it shares with the compiler). On a machine without
# re2c/lemon, carry $(BUILD)/gen and build with NO_REGEN=1.
$(BK_RUN): tests/gpu/bk_sm90_run.c $(LIBDGKC) $(wildcard tests/unit/sm90_*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(WARN) -Werror -o $@ tests/gpu/bk_sm90_run.c $(LIBDGKC) \
	  -L$(CUDA_LIBDIR) -L$(CUDA_LIBDIR)/stubs -Wl,-rpath,$(CUDA_LIBDIR) -lcublas -lcuda -lnvrtc -lm

golden-update-emit: $(BUILD)/tests/test_sm90_emit
	DGK_GOLDEN_UPDATE=1 $(BUILD)/tests/test_sm90_emit

.PHONY: bk-sm90-run golden-update-emit
