# mk/rt.mk - the runtime's GPU programs (tests/gpu/rt_gpu_test.c, tests/gpu/rt_bench.c).
# They link the already-built $(BUILD)/lib/libdgk.a with plain $(CC): a GPU machine needs
# gcc, make and CUDA only (no re2c, lemon or check), given a carried build/ directory.
# The library is deliberately not a prerequisite, so nothing here regenerates the lexer or
# parser; build it first with `make` where the tools are. They relink on every make instead
# (dgk-relink, mk/gh.mk), so they never keep an older library than the one built.
#   make gpu-check-rt    correctness: TMA + mbarrier + cluster launch, PDL on/off
#   make bench-rt        cold compile, disk hit, launch overhead
#   make rt-gpu-compile  both programs' kernels through NVRTC only (no GPU needed)
# Logs go to $(OUT) when set (the device tool sets it), else $(BUILD)/gpu-logs.

RT_GPU_LOGS   := $(if $(OUT),$(OUT),$(BUILD)/gpu-logs)
RT_GPU_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g \
                 -Wall -Wextra -Werror -I. -Iinclude -I$(CUDA_HOME)/include
RT_GPU_HDRS   := include/dgk.h runtime/cuda_api.h runtime/context.h runtime/rt.h

$(BUILD)/gpu/rt_%: tests/gpu/rt_%.c $(RT_GPU_HDRS) $(DGK_RELINK)
	@test -f $(LIBDGK) || { echo "$(LIBDGK) is missing: run make first, or carry the build/ directory"; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(RT_GPU_CFLAGS) -o $@ $< $(LIBDGK) $(LDLIBS)

# The exit status is the program's; the log is kept either way.
define rt_run
	@mkdir -p $(RT_GPU_LOGS)
	@$(1) > $(RT_GPU_LOGS)/$(2).log 2>&1; rc=$$?; cat $(RT_GPU_LOGS)/$(2).log; \
	  echo "log: $(RT_GPU_LOGS)/$(2).log"; exit $$rc
endef

gpu-check-rt: $(BUILD)/gpu/rt_gpu_test
	$(call rt_run,$<,rt_gpu_test)

bench-rt: $(BUILD)/gpu/rt_bench
	$(call rt_run,$<,rt_bench)

rt-gpu-compile: $(BUILD)/gpu/rt_gpu_test $(BUILD)/gpu/rt_bench
	$(BUILD)/gpu/rt_gpu_test --compile-only
	$(BUILD)/gpu/rt_bench --compile-only

.PHONY: gpu-check-rt bench-rt rt-gpu-compile
