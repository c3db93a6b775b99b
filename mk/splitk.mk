# mk/splitk.mk - split-K's harness check on the CPU (tests/gpu/emu): every under-test
# runner that passes runs a second time on the same inputs and must give the same bits
# (tests/gpu/harness_case.c, check_repeat). The deterministic CPU runner must pass every
# tiny BF16 case; the planted fault (right to within the bar, but one bit differs every
# second call) must fail every one.
#
#   make gpu-harness-emu-check-repeat     (no GPU; about half a minute)

GH_EMU_REPEAT_GOOD := emu-cpu-bf16
GH_EMU_REPEAT_BAD  := emu-fault-nondeterministic

gpu-harness-emu-check-repeat: $(GH_EMU_DIR)/dgk-gemm-check
	$(GH_EMU_DIR)/dgk-gemm-check --shapes tiny --dtype bf16 --no-self-test --runner $(GH_EMU_REPEAT_GOOD) \
	  > $(GH_EMU_DIR)/repeat-good.log || { cat $(GH_EMU_DIR)/repeat-good.log; exit 1; }
	@tail -1 $(GH_EMU_DIR)/repeat-good.log
	@$(GH_EMU_DIR)/dgk-gemm-check --shapes tiny --dtype bf16 --no-self-test --runner $(GH_EMU_REPEAT_BAD) \
	  > $(GH_EMU_DIR)/repeat-faults.log; tail -1 $(GH_EMU_DIR)/repeat-faults.log; \
	  grep -Eq '^gemm-check: 0 passed, [1-9][0-9]* failed' $(GH_EMU_DIR)/repeat-faults.log || \
	  { echo "the planted nondeterminism passed a case: see $(GH_EMU_DIR)/repeat-faults.log"; exit 1; }
	@grep -q 'not deterministic' $(GH_EMU_DIR)/repeat-faults.log || \
	  { echo "the planted nondeterminism failed for another reason: see $(GH_EMU_DIR)/repeat-faults.log"; exit 1; }

.PHONY: gpu-harness-emu-check-repeat
