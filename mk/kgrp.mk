# mk/kgrp.mk - the K-grouped FP8 and BF16 weight gradients on the GPU (tests/gpu/k_grouped_main.c,
# see tests/gpu/README-grouped.md): one program, dgk-k-grouped, built beside the grouped
# harness with nvcc/cc only, linked with libgh.a and libdgk.
#   make dgk-k-grouped          build $(BUILD)/gpu/dgk-k-grouped (part of gpu-programs)
#   make gpu-check-k-grouped    correctness, DeepGEMM's k-grouped shapes + edges, FP8 then BF16
#                               (KG_CHECK_FLAGS added to both)
#   make bench-k-grouped        timings as markdown tables, FP8 then BF16 (KG_BENCH_FLAGS)
#   make gpu-check-grouped-debug  dgk-grouped-debug (below)
# Logs go to $(OUT) when given, else $(BUILD)/gpu/logs (as mk/gh.mk's run targets).
KG_PROG := $(GH_DIR)/dgk-k-grouped

$(KG_PROG): $(GH_OBJDIR)/k_grouped_main.o $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

dgk-k-grouped: $(KG_PROG)

gpu-programs: $(KG_PROG)

gpu-check-k-grouped: $(if $(GH_PREBUILT),,$(KG_PROG))
	@mkdir -p $(GH_LOGDIR)
	@{ $(KG_PROG) $(KG_CHECK_FLAGS) && $(KG_PROG) --dtype bf16 $(KG_CHECK_FLAGS); echo $$? > $(GH_LOGDIR)/k-grouped-check.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/k-grouped-check.log; exit $$(cat $(GH_LOGDIR)/k-grouped-check.rc)

bench-k-grouped: $(if $(GH_PREBUILT),,$(KG_PROG))
	@mkdir -p $(GH_LOGDIR)
	@{ $(KG_PROG) --bench $(KG_BENCH_FLAGS) && $(KG_PROG) --bench --dtype bf16 $(KG_BENCH_FLAGS); echo $$? > $(GH_LOGDIR)/bench-k-grouped.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/bench-k-grouped.log; exit $$(cat $(GH_LOGDIR)/bench-k-grouped.rc)

.PHONY: dgk-k-grouped gpu-check-k-grouped bench-k-grouped

# The debug build's device checks (DGK_DEBUG=1, set by the program itself): planted bad
# group ids of the m-grouped contiguous GEMMs and bad k-grouped offsets must be reported,
# valid ones pass, no wild write.
#   make gpu-check-grouped-debug
KG_DEBUG := $(GH_DIR)/dgk-grouped-debug

$(KG_DEBUG): $(GH_OBJDIR)/grouped_debug_main.o $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

gpu-programs: $(KG_DEBUG)

gpu-check-grouped-debug: $(if $(GH_PREBUILT),,$(KG_DEBUG))
	@mkdir -p $(GH_LOGDIR)
	@{ $(KG_DEBUG); echo $$? > $(GH_LOGDIR)/grouped-debug.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/grouped-debug.log; exit $$(cat $(GH_LOGDIR)/grouped-debug.rc)

.PHONY: gpu-check-grouped-debug
