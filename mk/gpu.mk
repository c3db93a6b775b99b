# mk/gpu.mk - the GPU suites in one command each (tests/gpu/run_all.sh). Build the
# programs where re2c/lemon/check are (make all gpu-programs), carry build/ to the GPU
# machine, then: make gpu-check bench (logs in $(OUT), else build/gpu-logs).

gpu-programs: gpu-harness $(BUILD)/gpu/rt_gpu_test $(BUILD)/gpu/rt_bench $(BUILD)/gpu/stock_overhead \
	$(BUILD)/gpu/dgk-prep-check

# The device FP8 preparation helpers against the host ones (links libdgk and cudart).
$(BUILD)/gpu/dgk-prep-check: tests/gpu/prep_check.c $(LIBDGK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBDGK) -lcudart -lm $(LDLIBS)

# Host cost of a stock GEMM call on a hot memo (links libdgk and cudart).
$(BUILD)/gpu/stock_overhead: tests/gpu/stock_overhead.c $(LIBDGK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBDGK) -lcudart $(LDLIBS)

gpu-check:
	@BUILD=$(BUILD) sh tests/gpu/run_all.sh check

bench:
	@BUILD=$(BUILD) sh tests/gpu/run_all.sh bench

bars:
	@BUILD=$(BUILD) sh tests/gpu/run_all.sh bars

.PHONY: gpu-programs gpu-check bench bars
