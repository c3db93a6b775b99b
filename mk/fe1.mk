# mk/fe1.mk - front-end (lexer/parser/dgkc) extra targets (none at present).
