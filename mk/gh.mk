# mk/gh.mk - the GPU GEMM harness (tests/gpu, see tests/gpu/README.md).
#
#   make gpu-harness        build dgk-gemm-check and dgk-bench into $(BUILD)/gpu with
#                           nvcc + cc only (no re2c, lemon or check; nothing generated)
#   make gpu-check-gemm     run dgk-gemm-check (needs a GPU)
#   make bench-gemm         run dgk-bench (needs a GPU)
#   make gpu-harness-host-check   the harness's host-only tests and dgk-swiglu-check's comparator self-test (no GPU needed)
#   make gpu-harness-emu-check    the harness run on the CPU: self-tests, the tiny
#                           shapes with CPU runners, planted faults (no GPU; minutes)
#
# With OUT=DIR the run targets tee their logs into DIR (gemm-check.log, bench-gemm.log)
# and dgk-bench writes DIR/bench-gemm.md and DIR/bench-gemm.csv; otherwise they go to
# $(BUILD)/gpu/logs. Variables:
#   DGK_LIBS        the dgk library and its link flags (default: $(LIBDGK) -lnvrtc);
#                   the archive must exist already (make, or a carried build/)
#   GH_CHECK_FLAGS  extra dgk-gemm-check flags (e.g. --quick, --dtype bf16)
#   GH_BENCH_FLAGS  extra dgk-bench flags
#   GH_PREBUILT=1   run binaries carried in $(BUILD)/gpu without checking them against
#                   the sources (a carried tree's timestamps mean nothing)
#   GH_WERROR=      drop -Werror (for a host compiler that warns about new things)

NVCC       ?= $(CUDA_HOME)/bin/nvcc
GH_ARCH    ?= -gencode=arch=compute_90a,code=sm_90a
GH_WERROR  ?= -Werror
GH_DIR     := $(BUILD)/gpu
GH_OBJDIR  := $(GH_DIR)/obj
GH_LOGDIR   = $(if $(OUT),$(OUT),$(GH_DIR)/logs)

GH_CU_SRC  := $(wildcard tests/gpu/harness_*.cu tests/gpu/runners_*.cu)
GH_C_SRC   := $(wildcard tests/gpu/harness_*.c tests/gpu/runners_*.c)
GH_HDRS    := $(wildcard tests/gpu/*.h tests/gpu/*.def)
GH_OBJ     := $(patsubst tests/gpu/%.cu,$(GH_OBJDIR)/%.o,$(GH_CU_SRC)) \
              $(patsubst tests/gpu/%.c,$(GH_OBJDIR)/%.o,$(GH_C_SRC))
GH_LIB     := $(GH_DIR)/libgh.a
GH_CHECK   := $(GH_DIR)/dgk-gemm-check
GH_BENCH   := $(GH_DIR)/dgk-bench
GH_HOST    := $(GH_DIR)/gh-host-check

comma      := ,
GH_INC     := -Itests/gpu -Iinclude -isystem $(CUDA_HOME)/include
GH_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g \
              $(WARN) $(GH_WERROR) $(GH_INC)
GH_NVFLAGS := -std=c++17 -O2 -lineinfo $(GH_ARCH) $(GH_INC) \
              $(if $(GH_WERROR),--Werror all-warnings) \
              -Xcompiler -Wall,-Wextra$(if $(GH_WERROR),$(comma)-Werror)
DGK_LIBS   ?= $(LIBDGK) -lnvrtc
GH_LDLIBS  := $(DGK_LIBS) -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 \
              -lcublasLt -lcudart -lstdc++ -lm -ldl -lpthread

gpu-harness: $(GH_CHECK) $(GH_BENCH)

$(GH_OBJDIR)/%.o: tests/gpu/%.cu $(GH_HDRS)
	@mkdir -p $(dir $@)
	$(NVCC) $(GH_NVFLAGS) -c -o $@ $<

$(GH_OBJDIR)/%.o: tests/gpu/%.c $(GH_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GH_CFLAGS) -c -o $@ $<

$(GH_LIB): $(GH_OBJ)
	rm -f $@ && ar rcs $@ $^

# The archives in DGK_LIBS are deliberately not prerequisites (as in mk/rt.mk): on
# the GPU machine nothing may try to regenerate the lexer or parser. Build libdgk
# first with `make` where the tools are, or carry build/. So that a program never keeps
# an older libdgk than the one built (a stale binary would time the old kernels), the
# programs that link it are relinked on every make (dgk-relink, a few seconds), except
# with GH_PREBUILT=1; where the generator tools are (re2c), dgk-relink first brings
# libdgk up to date, so no relink can pick up the archive before (or while) it is rebuilt.
GH_DGK_ARCHIVES := $(filter %.a,$(DGK_LIBS))
DGK_RELINK := $(if $(GH_PREBUILT),,dgk-relink)
.PHONY: dgk-relink
dgk-relink: $(if $(shell command -v re2c 2>/dev/null),$(LIBDGK)) ;
define gh_link
	@for a in $(GH_DGK_ARCHIVES); do test -f $$a || \
	  { echo "$$a is missing: run make first, or carry the build/ directory"; exit 1; }; done
	$(CC) -o $@ $(filter-out dgk-relink,$^) $(GH_LDLIBS)
endef

$(GH_DIR)/dgk-gemm-check: $(GH_OBJDIR)/check_main.o $(GH_OBJDIR)/check_selftest.o $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

$(GH_DIR)/dgk-bench: $(GH_OBJDIR)/bench_main.o $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

$(GH_HOST): $(GH_OBJDIR)/check_host.o $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

gpu-harness-host-check: $(GH_HOST) $(GH_DIR)/dgk-swiglu-check
	$(GH_HOST)
	$(GH_DIR)/dgk-swiglu-check --self-test

# Each run tees its log and exits with the program's status (no bash: plain sh).
gpu-check-gemm: $(if $(GH_PREBUILT),,$(GH_CHECK))
	@mkdir -p $(GH_LOGDIR)
	@{ $(GH_CHECK) $(GH_CHECK_FLAGS); echo $$? > $(GH_LOGDIR)/gemm-check.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/gemm-check.log; exit $$(cat $(GH_LOGDIR)/gemm-check.rc)

bench-gemm: $(if $(GH_PREBUILT),,$(GH_BENCH))
	@mkdir -p $(GH_LOGDIR)
	@{ $(GH_BENCH) --md $(GH_LOGDIR)/bench-gemm.md --csv $(GH_LOGDIR)/bench-gemm.csv \
	    $(GH_BENCH_FLAGS); echo $$? > $(GH_LOGDIR)/bench-gemm.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/bench-gemm.log; exit $$(cat $(GH_LOGDIR)/bench-gemm.rc)

.PHONY: gpu-harness gpu-check-gemm bench-gemm gpu-harness-host-check

# --- the harness on the CPU (no GPU): tests/gpu/emu ------------------------------------
# The harness .cu files built by the host C++ compiler against emu/emu.h, run on the
# self-tests and the tiny shape set with CPU runners that must pass, then with planted
# faults that must fail every case; and a short dgk-bench run. A few minutes of CPU.
GH_EMU_DIR  := $(GH_DIR)/emu
GH_EMU_CXX  := $(CXX) -std=c++17 -O2 -g -DGH_EMU -Wall -Wextra -Wno-unused-parameter -Wno-unknown-pragmas \
               $(GH_WERROR) $(GH_INC)
GH_EMU_OBJ  := $(patsubst tests/gpu/%.cu,$(GH_EMU_DIR)/%.o,$(wildcard tests/gpu/harness_*.cu)) \
               $(patsubst tests/gpu/%.c,$(GH_EMU_DIR)/%.o,$(wildcard tests/gpu/harness_*.c)) \
               $(GH_EMU_DIR)/emu_rt.o $(GH_EMU_DIR)/emu_runners.o
GH_EMU_HDRS := $(GH_HDRS) $(wildcard tests/gpu/emu/*.h tests/gpu/emu/*.def)
GH_EMU_GOOD := emu-cpu-bf16,emu-cpu-fp8-block,emu-cpu-fp8-ue8m0,emu-cpu-fp8-tensor
GH_EMU_BAD  := emu-fault-last-row,emu-fault-claims-f32,emu-fault-b-scale

$(GH_EMU_DIR)/%.o: tests/gpu/%.cu $(GH_EMU_HDRS)
	@mkdir -p $(dir $@)
	$(GH_EMU_CXX) -x c++ -c -o $@ $<

$(GH_EMU_DIR)/%.o: tests/gpu/emu/%.cpp $(GH_EMU_HDRS)
	@mkdir -p $(dir $@)
	$(GH_EMU_CXX) -c -o $@ $<

$(GH_EMU_DIR)/%.o: tests/gpu/%.c $(GH_EMU_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(GH_CFLAGS) -DGH_EMU -c -o $@ $<

$(GH_EMU_DIR)/dgk-gemm-check: $(GH_EMU_DIR)/check_main.o $(GH_EMU_DIR)/check_selftest.o $(GH_EMU_OBJ)
	$(CXX) -o $@ $^ -lm

$(GH_EMU_DIR)/dgk-bench: $(GH_EMU_DIR)/bench_main.o $(GH_EMU_OBJ)
	$(CXX) -o $@ $^ -lm

gpu-harness-emu-check: $(GH_EMU_DIR)/dgk-gemm-check $(GH_EMU_DIR)/dgk-bench
	$(GH_EMU_DIR)/dgk-gemm-check --shapes tiny --runner $(GH_EMU_GOOD) > $(GH_EMU_DIR)/good.log || \
	  { cat $(GH_EMU_DIR)/good.log; exit 1; }
	@tail -1 $(GH_EMU_DIR)/good.log
	@$(GH_EMU_DIR)/dgk-gemm-check --shapes tiny --no-self-test --runner $(GH_EMU_BAD) \
	  > $(GH_EMU_DIR)/faults.log; tail -1 $(GH_EMU_DIR)/faults.log; \
	  grep -Eq '^gemm-check: 0 passed, [1-9][0-9]* failed' $(GH_EMU_DIR)/faults.log || \
	  { echo "a planted fault passed a case: see $(GH_EMU_DIR)/faults.log"; exit 1; }
	$(GH_EMU_DIR)/dgk-bench --shapes tiny --dtype bf16 --runner emu-cpu-bf16 --warmup 1 \
	  --reps 2 --sustain 1 --md $(GH_EMU_DIR)/bench.md --csv $(GH_EMU_DIR)/bench.csv > $(GH_EMU_DIR)/bench.log
	@tail -2 $(GH_EMU_DIR)/bench.log
	$(GH_EMU_DIR)/dgk-bench --shapes tiny --dtype fp8 --sections wgrad --runner emu-cpu-fp8-wgrad --warmup 1 \
	  --reps 2 --cold-code --md $(GH_EMU_DIR)/bench-wgrad.md > $(GH_EMU_DIR)/bench-wgrad.log
	@grep -q "Cold code" $(GH_EMU_DIR)/bench-wgrad.md || { echo "--cold-code: not in the report"; exit 1; }
	@grep -q 'emu-cpu-fp8-wgrad.*vs cublaslt-fp8-wgrad' $(GH_EMU_DIR)/bench-wgrad.log || \
	  { cat $(GH_EMU_DIR)/bench-wgrad.log; echo "dgk-bench has no weight-gradient section"; exit 1; }
	@tail -2 $(GH_EMU_DIR)/bench-wgrad.log
	@# --kernel-time needs CUPTI: the CPU build says so and fails, it does not time without it
	@if $(GH_EMU_DIR)/dgk-bench --shapes tiny --dtype bf16 --runner emu-cpu-bf16 --kernel-time \
	  > $(GH_EMU_DIR)/bench-ktime.log 2>&1; then echo "--kernel-time did not fail on the CPU build"; exit 1; fi
	@grep -q 'kernel time needs CUPTI and a GPU' $(GH_EMU_DIR)/bench-ktime.log || \
	  { cat $(GH_EMU_DIR)/bench-ktime.log; exit 1; }
	@# interleaved timing: a runner failing mid-run (its 4th call) is reported for that shape
	@# only, and the runner timed beside it keeps every shape's numbers
	$(GH_EMU_DIR)/dgk-bench --shapes tiny --dtype bf16 --runner emu-cpu-bf16,emu-fault-fails-once --no-verify \
	  --warmup 1 --reps 3 > $(GH_EMU_DIR)/bench-interleave.log
	@log=$(GH_EMU_DIR)/bench-interleave.log; \
	  n=$$(grep -cE '^ +[0-9]+ +[0-9]+ +[0-9]+  emu-cpu-bf16 +[0-9]' $$log); \
	  f=$$(grep -cE 'emu-fault-fails-once +error: emu-fault-fails-once: planted failure' $$log); \
	  t=$$(grep -cE '^ +[0-9]+ +[0-9]+ +[0-9]+  emu-fault-fails-once +[0-9]' $$log); \
	  [ "$$n" -gt 1 ] && [ "$$f" -eq 1 ] && [ "$$t" -eq $$((n - 1)) ] || \
	  { cat $$log; echo "dgk-bench: a runner failing mid-run was not reported once beside the others' timings"; exit 1; }; \
	  echo "dgk-bench interleaved: $$n shapes timed, the planted failure reported once"

.PHONY: gpu-harness-emu-check

# --- grouped (MoE) GEMMs: dgk-grouped-check, dgk-grouped-bench (tests/gpu/grouped*) ----
# Their own programs, outside libgh.a, so the dense programs link whether or not the
# library has dgk's grouped entry points yet (branch grp). gpu-harness compiles the
# grouped sources always (-Werror) and links the two programs when $(LIBDGK) defines
# dgk_m_grouped_gemm_*; otherwise it says so. The run targets always try to link.
#   make gpu-check-grouped   run dgk-grouped-check (GG_CHECK_FLAGS), log grouped-check.log
#   make bench-grouped       run dgk-grouped-bench (GG_BENCH_FLAGS), bench-grouped.{log,md,csv}
GG_COMMON   := grouped_case grouped_shapes grouped_registry grouped_selftest
GG_OBJ      := $(patsubst %,$(GH_OBJDIR)/%.o,$(GG_COMMON) grouped_runners_dgk grouped_runners_lt grouped_concurrent)
GG_CHECK    := $(GH_DIR)/dgk-grouped-check
GG_BENCH    := $(GH_DIR)/dgk-grouped-bench
GG_SYMBOLS  := dgk_m_grouped_gemm_bf16_nt_contiguous dgk_m_grouped_gemm_fp8_nt_contiguous dgk_m_grouped_gemm_bf16_nn_contiguous \
               dgk_m_grouped_gemm_bf16_nt_masked dgk_m_grouped_gemm_fp8_nt_masked \
               dgk_m_grouped_gemm_bf16_nt_contiguous_offsets dgk_m_grouped_gemm_fp8_nt_contiguous_offsets \
               dgk_m_grouped_alignment
GG_NSYMBOLS := $(words $(GG_SYMBOLS))
# How many of GG_SYMBOLS the dgk archives define (no archive, e.g. a shared DGK_LIBS: assume all).
GG_DEFINED  := $(if $(GH_DGK_ARCHIVES),$(shell nm -g --defined-only $(GH_DGK_ARCHIVES) 2>/dev/null \
                 | awk '{print $$NF}' | grep -cxF -e $(subst $(eval) , -e ,$(strip $(GG_SYMBOLS)))),$(GG_NSYMBOLS))

$(GG_CHECK): $(GH_OBJDIR)/grouped_check_main.o $(GG_OBJ) $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

$(GG_BENCH): $(GH_OBJDIR)/grouped_bench_main.o $(GG_OBJ) $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

ifeq ($(GG_DEFINED),$(GG_NSYMBOLS))
gpu-harness: $(GG_CHECK) $(GG_BENCH)
else
gpu-harness: $(GG_OBJ) $(GH_OBJDIR)/grouped_check_main.o $(GH_OBJDIR)/grouped_bench_main.o gg-not-linked
endif

gg-not-linked:
	@echo "note: $(or $(GH_DGK_ARCHIVES),the dgk library) defines $(GG_DEFINED) of the $(GG_NSYMBOLS) grouped entry points"
	@echo "      ($(GG_SYMBOLS)):"
	@echo "      dgk-grouped-check and dgk-grouped-bench are compiled but not linked (merge branches grp and kgrp, run make)"

gpu-check-grouped: $(if $(GH_PREBUILT),,$(GG_CHECK))
	@mkdir -p $(GH_LOGDIR)
	@{ $(GG_CHECK) $(GG_CHECK_FLAGS); echo $$? > $(GH_LOGDIR)/grouped-check.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/grouped-check.log; exit $$(cat $(GH_LOGDIR)/grouped-check.rc)

bench-grouped: $(if $(GH_PREBUILT),,$(GG_BENCH))
	@mkdir -p $(GH_LOGDIR)
	@{ $(GG_BENCH) --md $(GH_LOGDIR)/bench-grouped.md --csv $(GH_LOGDIR)/bench-grouped.csv \
	    $(GG_BENCH_FLAGS); echo $$? > $(GH_LOGDIR)/bench-grouped.rc; } 2>&1 \
	  | tee $(GH_LOGDIR)/bench-grouped.log; exit $$(cat $(GH_LOGDIR)/bench-grouped.rc)

# The grouped harness's host logic (specs, drawn sizes, DeepGEMM's numbers, --mode):
# no GPU, no dgk grouped symbols needed; part of gpu-harness-host-check.
GG_HOST     := $(GH_DIR)/gg-host-check

$(GG_HOST): $(GH_OBJDIR)/grouped_host_check.o $(GH_OBJDIR)/grouped_shapes.o $(GH_LIB) $(DGK_RELINK)
	$(gh_link)

gpu-harness-grouped-host-check: $(GG_HOST)
	$(GG_HOST)

gpu-harness-host-check: gpu-harness-grouped-host-check gpu-bars-summary-check

# run_all.sh bars' summary (tests/gpu/bars_summary.awk) on recorded logs: no GPU needed.
gpu-bars-summary-check:
	@sh tests/gpu/bars_summary_check.sh

# Under the CPU emulation: the naive grouped runner stands in for dgk (emu/emu_grouped.def);
# the self-tests (planted faults must FAIL) and the tiny specs must pass; a short bench.
GG_EMU_OBJ  := $(patsubst %,$(GH_EMU_DIR)/%.o,$(GG_COMMON))

$(GH_EMU_DIR)/dgk-grouped-check: $(GH_EMU_DIR)/grouped_check_main.o $(GG_EMU_OBJ) $(GH_EMU_OBJ)
	$(CXX) -o $@ $^ -lm

$(GH_EMU_DIR)/dgk-grouped-bench: $(GH_EMU_DIR)/grouped_bench_main.o $(GG_EMU_OBJ) $(GH_EMU_OBJ)
	$(CXX) -o $@ $^ -lm

gpu-harness-emu-grouped-check: $(GH_EMU_DIR)/dgk-grouped-check $(GH_EMU_DIR)/dgk-grouped-bench
	$(GH_EMU_DIR)/dgk-grouped-check --shapes tiny > $(GH_EMU_DIR)/grouped.log || \
	  { cat $(GH_EMU_DIR)/grouped.log; exit 1; }
	@tail -1 $(GH_EMU_DIR)/grouped.log
	$(GH_EMU_DIR)/dgk-grouped-bench --shapes tiny --warmup 1 --reps 2 --cold-code \
	  --md $(GH_EMU_DIR)/bench-grouped.md --csv $(GH_EMU_DIR)/bench-grouped.csv > $(GH_EMU_DIR)/bench-grouped.log
	@tail -2 $(GH_EMU_DIR)/bench-grouped.log

gpu-harness-emu-check: gpu-harness-emu-grouped-check

.PHONY: gg-not-linked gpu-check-grouped bench-grouped gpu-harness-emu-grouped-check \
        gpu-harness-grouped-host-check gpu-bars-summary-check

# --- dgk-user-check: swapped GEMM tiles (swap-AB) in forms only a user's kernel reaches --
# (+= into f32, a row/column/C-tile epilogue into bf16, FP8 with K at launch, split-K,
# ragged M and N), compiled from its own .dgk source at run time; links libdgk and cudart
# like dgk-prep-check (mk/gpu.mk). `dgk-user-check --self-test` tests only its comparator
# (planted faults must fail; no GPU).
gpu-programs: $(BUILD)/gpu/dgk-user-check

$(BUILD)/gpu/dgk-user-check: tests/gpu/user_check.c $(LIBDGK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBDGK) -lcudart -lm $(LDLIBS)

# --- dgk-user-grouped-check: the grouped schedules from a user's kernel, epilogues reading
# the tile's group's row, scale or residual tile of a per-expert tensor
# (examples/moe_expert_epilogue.dgk, read at run time from the repository root).
gpu-programs: $(BUILD)/gpu/dgk-user-grouped-check

$(BUILD)/gpu/dgk-user-grouped-check: tests/gpu/user_grouped_check.c tests/gpu/user_common.h $(LIBDGK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBDGK) -lcudart -lm $(LDLIBS)

# --- dgk-quant-check: epilogues that reduce rows and store row vectors beside the tile
# (examples/gemm_quant_fp8.dgk, read at run time from the repository root, and its own
# kernels: K-major and UE8M0 scales, a row softmax).
gpu-programs: $(BUILD)/gpu/dgk-quant-check

$(BUILD)/gpu/dgk-quant-check: tests/gpu/quant_check.c tests/gpu/user_common.h $(LIBDGK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBDGK) -lcudart -lm $(LDLIBS)

# --- dgk-swiglu-check: an epilogue combining two accumulators, SwiGLU (examples/gemm_swiglu.dgk,
# read at run time from the repository root: FP8 and BF16). Its --bench times the fused kernel
# beside the stock GEMM of the [M, 2I] product plus an activation kernel, and beside cuBLASLt,
# so it links libgh.a (harness_cublaslt.c) as dgk-k-grouped does; --self-test runs only its
# comparator (H computed on the host; no GPU).
gpu-programs: $(GH_DIR)/dgk-swiglu-check

$(GH_DIR)/dgk-swiglu-check: $(GH_OBJDIR)/swiglu_check.o $(GH_LIB) $(DGK_RELINK)
	$(gh_link)
