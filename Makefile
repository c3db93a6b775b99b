# dgk - the one build.
#   make              libdgkc, libdgk (static + shared), build/bin/dgkc
#   make check        everything CI runs: unit tests, golden tests, NVRTC kernel checks,
#                     the suite again under ASan+UBSan, a short fuzz run
#   make gpu-check    GPU correctness tests (needs a GPU; see README)
#   make bench        GPU benchmarks against cuBLASLt (needs a GPU)
#   make golden-update  regenerate golden files (review the diff!)
#   make install PREFIX=/usr/local
#
# Source lists are wildcards: a new .c file in dsl/ compiler/ backend/ runtime/ stdlib/
# joins its library, a new tests/unit/test_*.c becomes a test binary, without editing
# this file.

.DEFAULT_GOAL := all

CC        ?= cc
BUILD     ?= build
CUDA_HOME ?= /usr/local/cuda
PREFIX    ?= /usr/local
SAN       ?= 0
OPT       ?= -O2

# Hosts without re2c/lemon (the GPU machine) can build from generated sources carried
# in $(BUILD)/gen: make NO_REGEN=1 ...
NO_REGEN  ?= 0

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
BASEFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g $(OPT) -fPIC \
             -I. -Iinclude -I$(BUILD)/gen -I$(CUDA_HOME)/include
ifeq ($(SAN),1)
BASEFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANLD     := -fsanitize=address,undefined
endif
CFLAGS    += $(BASEFLAGS) $(WARN) -Werror
GENCFLAGS := $(BASEFLAGS) -w
CUDA_LIBDIR := $(CUDA_HOME)/lib64
LDLIBS    := -L$(CUDA_LIBDIR) -Wl,-rpath,$(CUDA_LIBDIR) -lnvrtc -ldl -lpthread -lm
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

GEN       := $(BUILD)/gen
OBJ       := $(BUILD)/obj

# --- generated sources -------------------------------------------------------------
LEXER_C   := $(GEN)/lexer.c
PARSER_C  := $(GEN)/parser.c
PARSER_H  := $(GEN)/parser.h
DEVHDR_SRC := $(wildcard backend/*/device.cuh)
DEVHDR_C  := $(patsubst backend/%/device.cuh,$(GEN)/devhdr_%.c,$(DEVHDR_SRC))
STDLIB_DGK := $(wildcard stdlib/*.dgk)
STDLIB_C  := $(patsubst stdlib/%.dgk,$(GEN)/stdlib_%.c,$(STDLIB_DGK))
GEN_C     := $(LEXER_C) $(PARSER_C) $(DEVHDR_C) $(STDLIB_C)

ifneq ($(NO_REGEN),1)
$(LEXER_C): dsl/lexer.re $(PARSER_H) | $(GEN)
	re2c -W -Werror --no-generation-date -o $@ $<

# lemon exits non-zero on any conflict, and the log check catches a non-zero count, so
# a conflicted grammar fails the build. One grouped rule (&:) so make -j runs lemon once;
# both outputs are touched because lemon leaves an unchanged parser.h alone.
$(PARSER_C) $(PARSER_H) &: dsl/parser.y | $(GEN)
	cp dsl/parser.y $(GEN)/parser.y
	lemon -q -s -T$(firstword $(wildcard /usr/share/lemon/lempar.c /usr/share/lemon/lempar.c.gz) lempar.c) $(GEN)/parser.y > $(GEN)/lemon.log || \
	  { cat $(GEN)/lemon.log; rm -f $(PARSER_C) $(PARSER_H); exit 1; }
	@if grep -Eq 'conflicts\.* *[1-9]' $(GEN)/lemon.log; then cat $(GEN)/lemon.log; rm -f $(PARSER_C) $(PARSER_H); exit 1; fi
	@touch $(PARSER_C) $(PARSER_H)
endif

$(BUILD)/tools/embed: tools/embed.c | $(BUILD)/tools
	$(CC) -O2 -o $@ $<

$(GEN)/devhdr_%.c: backend/%/device.cuh $(BUILD)/tools/embed | $(GEN)
	$(BUILD)/tools/embed dgk_devhdr_$* $< $@

# The stock kernels ship inside libdgk as strings: dgk_stdlib_<name> (stdlib/source.h).
$(GEN)/stdlib_%.c: stdlib/%.dgk $(BUILD)/tools/embed | $(GEN)
	$(BUILD)/tools/embed dgk_stdlib_$* $< $@

# --- libraries ---------------------------------------------------------------------
DGKC_MAIN := compiler/dgkc_main.c
DGKC_SRC  := $(filter-out $(DGKC_MAIN),$(wildcard dsl/*.c compiler/*.c backend/*.c backend/*/*.c))
DGK_SRC   := $(wildcard runtime/*.c stdlib/*.c)
DGKC_OBJ  := $(patsubst %.c,$(OBJ)/%.o,$(DGKC_SRC)) $(patsubst $(GEN)/%.c,$(OBJ)/gen/%.o,$(GEN_C))
DGK_OBJ   := $(patsubst %.c,$(OBJ)/%.o,$(DGK_SRC))

LIBDGKC   := $(BUILD)/lib/libdgkc.a
LIBDGK    := $(BUILD)/lib/libdgk.a
LIBDGK_SO := $(BUILD)/lib/libdgk.so
DGKC      := $(BUILD)/bin/dgkc

all: $(DGKC) $(LIBDGK) $(LIBDGK_SO) tests-build

$(OBJ)/%.o: %.c $(PARSER_H) | $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/gen/%.o: $(GEN)/%.c | $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(GENCFLAGS) -Idsl -Icompiler -MMD -MP -c -o $@ $<

$(LIBDGKC): $(DGKC_OBJ) | $(BUILD)/lib
	rm -f $@ && ar rcs $@ $^

$(LIBDGK): $(DGKC_OBJ) $(DGK_OBJ) | $(BUILD)/lib
	rm -f $@ && ar rcs $@ $^

$(LIBDGK_SO): $(DGKC_OBJ) $(DGK_OBJ) | $(BUILD)/lib
	$(CC) -shared -o $@ $^ $(SANLD) $(LDLIBS)

$(DGKC): $(OBJ)/$(DGKC_MAIN:.c=.o) $(LIBDGK) | $(BUILD)/bin
	$(CC) -o $@ $^ $(SANLD) $(LDLIBS)

# --- tests ------------------------------------------------------------------------
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

tests-build: $(UNIT_BINS)

# -MMD: a test also rebuilds when a header it includes changes (tests/unit/sm90_configs.h
# once changed without test_sm90_nvrtc being rebuilt, so it ran one sample short)
$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/check_main.h $(LIBDGK) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -MT $@ -MF $@.d -o $@ $< $(LIBDGK) $(CHECK_LIBS) $(SANLD) $(LDLIBS)

check-unit: $(UNIT_BINS) $(DGKC)
	@BUILD=$(BUILD) sh tests/run_unit.sh $(UNIT_BINS)

check-golden: $(DGKC)
	@sh tests/golden/run.sh $(DGKC)

golden-update: $(DGKC)
	@sh tests/golden/run.sh $(DGKC) --update
	@$(MAKE) --no-print-directory golden-update-emit

# The fast half of `make check`, also run under the sanitizers.
check-core: check-unit check-golden

check-asan:
	$(MAKE) BUILD=build/asan SAN=1 OPT=-O1 check-core

FUZZ_SECONDS ?= 60
check-fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# Every stdlib kernel and example through NVRTC for the GPU targets, with PTX/ptxas checks.
check-kernels: all $(BUILD)/tests/kernel_configs
	@BUILD=$(BUILD) sh tests/kernels/run.sh

$(BUILD)/tests/kernel_configs: tests/kernels/configs.c $(LIBDGK) | $(BUILD)/tests
	$(CC) $(CFLAGS) -o $@ $< $(LIBDGK) $(SANLD) $(LDLIBS)

check: all
	@sh tests/run_check.sh "$(MAKE)"

.PHONY: all check check-kernels check-unit check-golden check-core check-asan check-fuzz golden-update tests-build \
        clean install gpu-check bench

# --- install -------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(DGKC) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBDGK) $(LIBDGK_SO) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/dgk.h include/dgkc.h $(DESTDIR)$(PREFIX)/include/

clean:
	rm -rf $(BUILD)

$(BUILD)/lib $(BUILD)/bin $(BUILD)/tests $(BUILD)/tools $(GEN) $(OBJ):
	@mkdir -p $@

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
-include $(wildcard $(BUILD)/tests/*.d)

# Each area keeps its extra targets in its own fragment (mk/runtime.mk, mk/gpu.mk, ...).
-include $(sort $(wildcard mk/*.mk))
