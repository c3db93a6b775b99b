# mk/kgrp.mk - the K-grouped FP8 weight gradient on the GPU (tests/gpu/k_grouped_main.c,
# see tests/gpu/README-grouped.md): one program, dgk-k-grouped, built beside the grouped
# harness with nvcc/cc only, linked with libgh.a and libdgk.
#   make dgk-k-grouped          build $(BUILD)/gpu/dgk-k-grouped (part of gpu-programs)
#   make gpu-check-k-grouped    correctness, DeepGEMM's k-grouped shapes + edges (KG_CHECK_FLAGS)
#   make bench-k-grouped        timings as a markdown table (KG_BENCH_FLAGS)
# Logs go to $(OUT) when given, else $(BUILD)/gpu/logs (as mk/gh.mk's run targets).
KG_PROG := $(GH_DIR)/dgk-k-grouped

$(KG_PROG): $(GH_OBJDIR)/k_grouped_main.o $(GH_LIB)
	$(gh_link)

dgk-k-grouped: $(KG_PROG)

gpu-programs: $(KG_PROG)

gpu-check-k-grouped: $(if $(GH_PREBUILT),,$(KG_PROG))
	@mkdir -p $(GH_LOGDIR)
	@{ $(KG_PROG) $(KG_CHECK_FLAGS); echo $$? > $(GH_LOGDIR)/k-grouped-check.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/k-grouped-check.log; exit $$(cat $(GH_LOGDIR)/k-grouped-check.rc)

bench-k-grouped: $(if $(GH_PREBUILT),,$(KG_PROG))
	@mkdir -p $(GH_LOGDIR)
	@{ $(KG_PROG) --bench $(KG_BENCH_FLAGS); echo $$? > $(GH_LOGDIR)/bench-k-grouped.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/bench-k-grouped.log; exit $$(cat $(GH_LOGDIR)/bench-k-grouped.rc)

.PHONY: dgk-k-grouped gpu-check-k-grouped bench-k-grouped
