# mk/fe1.mk - front-end (lexer/parser/dgkc) extra targets.
#
# WORKAROUND for the top-level Makefile: its parser rule fails on every grammar,
# because `lemon -s` always prints a "conflicts....... 0" statistics line and the rule
# greps the log for "conflict". Until the lead fixes that line (suggested:
# grep -Eq 'conflicts\.* *[1-9]'), this repeats the rule with the corrected check.
# Lemon itself also exits non-zero on any conflict. Make warns that the recipe is
# overridden; that is expected.
# Two more fixes here: the rule is a grouped target (&:) so `make -j` runs lemon once,
# not once per output at the same time (they raced, leaving a torn parser.c); and both
# outputs are touched, since lemon leaves an unchanged parser.h alone, which made
# every make regenerate the parser.
ifneq ($(NO_REGEN),1)
ifneq ($(FE1_LEMON_FIXED),1)
$(PARSER_C) $(PARSER_H) &: dsl/parser.y | $(GEN)
	cp dsl/parser.y $(GEN)/parser.y
	lemon -q -s -T$(firstword $(wildcard /usr/share/lemon/lempar.c /usr/share/lemon/lempar.c.gz) lempar.c) $(GEN)/parser.y > $(GEN)/lemon.log || \
	  { cat $(GEN)/lemon.log; rm -f $(PARSER_C) $(PARSER_H); exit 1; }
	@if grep -Eq 'conflicts\.* *[1-9]' $(GEN)/lemon.log; then cat $(GEN)/lemon.log; rm -f $(PARSER_C) $(PARSER_H); exit 1; fi
	@touch $(PARSER_C) $(PARSER_H)
endif
endif

# The top-level Makefile's first rule is the generated lexer, so a bare `make` builds
# only build/gen/lexer.c; its header says `make` builds the libraries and dgkc.
.DEFAULT_GOAL := all
