# mk/rev1.mk - the elementwise kernels' generated code run on the CPU (tests/simt_emu,
# under tests/gpu/emu's fibers): index math of reductions, transposes and broadcasts on
# odd shapes, and the FP8 preparation kernels bit for bit with the host helpers. Needs
# dgkc, a C++ compiler and the CUDA headers; no GPU.
#
#   make simt-emu-check     (a few seconds)

SIMT_EMU_DIR := $(BUILD)/simt_emu
SIMT_EMU_CXX := $(CXX) -std=c++17 -O1 -g -w -I$(SIMT_EMU_DIR) -Itests/simt_emu -Itests/gpu/emu -Iinclude \
                -isystem $(CUDA_HOME)/include

# the generated code with the emulation's device header under the name it includes
$(SIMT_EMU_DIR)/kernels.cu: tests/simt_emu/kernels.dgk $(DGKC)
	@mkdir -p $(dir $@)
	$(DGKC) emit -o $@ $<
$(SIMT_EMU_DIR)/prep_%.cu: stdlib/fp8_prep.dgk $(DGKC)
	@mkdir -p $(dir $@)
	$(DGKC) emit -D TS=$* -o $@ $<
$(SIMT_EMU_DIR)/dgk_sm90.cuh: tests/simt_emu/emu_device.h
	@mkdir -p $(dir $@)
	cp $< $@

$(SIMT_EMU_DIR)/emu_rt.o: tests/gpu/emu/emu_rt.cpp tests/gpu/emu/emu.h
	@mkdir -p $(dir $@)
	$(SIMT_EMU_CXX) -c -o $@ $<

$(SIMT_EMU_DIR)/simt-emu-check: tests/simt_emu/simt_emu_check.cpp $(SIMT_EMU_DIR)/kernels.cu \
                                $(SIMT_EMU_DIR)/prep_f32.cu $(SIMT_EMU_DIR)/prep_ue8m0.cu \
                                $(SIMT_EMU_DIR)/dgk_sm90.cuh $(SIMT_EMU_DIR)/emu_rt.o $(LIBDGK)
	$(SIMT_EMU_CXX) -o $@ $< $(SIMT_EMU_DIR)/emu_rt.o $(LIBDGK) $(LDLIBS)

simt-emu-check: $(SIMT_EMU_DIR)/simt-emu-check
	$(SIMT_EMU_DIR)/simt-emu-check

.PHONY: simt-emu-check
