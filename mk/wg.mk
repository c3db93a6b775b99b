# mk/wg.mk - the FP8 weight gradient's harness check on the CPU (tests/gpu/emu): the
# accumulating CPU runner must pass every tiny accumulate case (D starts as C, recipe
# 1x128/1x128), and the planted fault (one row never added to) must fail every one.
#
#   make gpu-harness-emu-check-wgrad     (no GPU; about half a minute)

GH_EMU_WGRAD_GOOD := emu-cpu-fp8-wgrad
GH_EMU_WGRAD_BAD  := emu-fault-wgrad-row

gpu-harness-emu-check-wgrad: $(GH_EMU_DIR)/dgk-gemm-check
	$(GH_EMU_DIR)/dgk-gemm-check --shapes tiny --dtype fp8 --no-self-test --runner $(GH_EMU_WGRAD_GOOD) \
	  > $(GH_EMU_DIR)/wgrad-good.log || { cat $(GH_EMU_DIR)/wgrad-good.log; exit 1; }
	@tail -1 $(GH_EMU_DIR)/wgrad-good.log
	@grep -Eq '^gemm-check: [1-9][0-9]* passed, 0 failed' $(GH_EMU_DIR)/wgrad-good.log || \
	  { echo "no accumulate case ran: see $(GH_EMU_DIR)/wgrad-good.log"; exit 1; }
	@$(GH_EMU_DIR)/dgk-gemm-check --shapes tiny --dtype fp8 --no-self-test --runner $(GH_EMU_WGRAD_BAD) \
	  > $(GH_EMU_DIR)/wgrad-faults.log; tail -1 $(GH_EMU_DIR)/wgrad-faults.log; \
	  grep -Eq '^gemm-check: 0 passed, [1-9][0-9]* failed' $(GH_EMU_DIR)/wgrad-faults.log || \
	  { echo "the planted wgrad fault passed a case: see $(GH_EMU_DIR)/wgrad-faults.log"; exit 1; }

.PHONY: gpu-harness-emu-check-wgrad
