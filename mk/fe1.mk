# mk/fe1.mk - front-end extra targets (none: the parser rule lives in the Makefile).
