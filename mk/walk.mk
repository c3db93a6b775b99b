# mk/walk.mk - the tile schedulers' generated code walked on the CPU (tests/sched_walk):
# every tile of random shapes and group layouts visited once, by every CTA of every
# cluster, as the kernels walk them. Needs dgkc and a C++ compiler; no GPU.
#
#   make sched-walk-check     (a few seconds)

WALK_DIR := $(BUILD)/sched_walk
WALK_FP8 := stdlib/grouped_fp8.dgk
# name: kernel and definitions (the stock kernels as the entry points compile them)
WALK_offsets_c1   := m_grouped_fp8_nt_contiguous_offsets -D BN=192 -D N=6144 -D K=7168
WALK_offsets_cn2  := m_grouped_fp8_nt_contiguous_offsets -D BN=128 -D N=4096 -D K=7168 -D DYN=0 -D CLUSTER_N=2
WALK_offsets_cm2  := m_grouped_fp8_nt_contiguous_offsets -D BN=192 -D N=6144 -D K=7168 -D DYN=0 -D CLUSTER=2
WALK_ids_c1       := m_grouped_fp8_nt_contiguous -D BN=192 -D N=6144 -D K=7168
WALK_ids_cn2      := m_grouped_fp8_nt_contiguous -D BN=128 -D N=4096 -D K=7168 -D DYN=0 -D CLUSTER_N=2
WALK_ids_cm2      := m_grouped_fp8_nt_contiguous -D BN=192 -D N=6144 -D K=7168 -D DYN=0 -D CLUSTER=2
WALK_masked_c1    := m_grouped_fp8_nt_masked -D BN=192 -D N=6144 -D K=7168
WALK_masked_cm2   := m_grouped_fp8_nt_masked -D BN=192 -D N=6144 -D K=7168 -D CLUSTER=2
WALK_masked_cn2   := m_grouped_fp8_nt_masked -D BN=128 -D N=4096 -D K=7168 -D CLUSTER_N=2
WALK_masked_tail  := m_grouped_fp8_nt_masked -D BN=192 -D N=6144 -D K=7168 -D TAIL=1
WALK_kgrouped     := k_grouped_fp8_wgrad -D N=7168
WALK_dense_c1     := gemm_fp8_nt -D BM=128 -D BN=192 -D N=6144 -D K=7168
WALK_dense_cm2    := gemm_fp8_nt -D BM=128 -D BN=192 -D N=6144 -D K=7168 -D CLUSTER=2
WALK_dense_cn2    := gemm_fp8_nt -D BM=256 -D BN=128 -D N=7168 -D K=16384 -D CLUSTER_N=2
WALK_NAMES := offsets_c1 offsets_cn2 offsets_cm2 ids_c1 ids_cn2 ids_cm2 masked_c1 masked_cm2 masked_cn2 masked_tail kgrouped dense_c1 dense_cm2 dense_cn2
# the source each walk's kernel is in
WALK_SRC = $(if $(filter kgrouped,$*),stdlib/k_grouped_fp8.dgk,$(if $(filter dense_%,$*),stdlib/gemm_fp8.dgk,$(WALK_FP8)))

$(WALK_DIR)/%.inc: $(WALK_FP8) stdlib/k_grouped_fp8.dgk stdlib/gemm_fp8.dgk $(DGKC) tests/sched_walk/extract.sh
	@mkdir -p $(dir $@)
	$(DGKC) emit --kernel $(WALK_$*) -o $(WALK_DIR)/$*.cu $(WALK_SRC)
	sh tests/sched_walk/extract.sh $(WALK_DIR)/$*.cu $@

$(WALK_DIR)/walk-check: tests/sched_walk/walk_check.cpp $(addprefix $(WALK_DIR)/,$(addsuffix .inc,$(WALK_NAMES)))
	$(CXX) -std=c++17 -O1 -g -Wall -Werror -I$(WALK_DIR) -o $@ $<

sched-walk-check: $(WALK_DIR)/walk-check
	$(WALK_DIR)/walk-check

.PHONY: sched-walk-check
