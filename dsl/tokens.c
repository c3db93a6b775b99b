/* tokens.c - name tables generated from dsl/tokens.def, indexed by Lemon's token codes
 * (build/gen/parser.h). Used by --dump-tokens, the parser's error messages and the
 * lexer's keyword lookup. A tokens.def row whose TK_ code Lemon did not generate fails
 * to compile here; a grammar terminal without a row is caught by test_lexer. */
#include "lexer.h"

#include <string.h>

#include "parser.h"
#include "tokens.def"

static const char *const ids[] = {
#define X(id, ...) [TK_##id] = #id,
    DGK_TOKEN_CLASSES(X) DGK_KEYWORDS(X) DGK_PUNCTUATION(X)
#undef X
};

static const char *const descs[] = {
#define CLS(id, desc, exp) [TK_##id] = desc,
#define SPELL(id, s) [TK_##id] = "'" s "'",
    DGK_TOKEN_CLASSES(CLS) DGK_KEYWORDS(SPELL) DGK_PUNCTUATION(SPELL)
#undef CLS
#undef SPELL
};

static const char *const expecteds[] = {
#define CLS(id, desc, exp) [TK_##id] = exp,
#define SPELL(id, s) [TK_##id] = "'" s "'",
    DGK_TOKEN_CLASSES(CLS) DGK_KEYWORDS(SPELL) DGK_PUNCTUATION(SPELL)
#undef CLS
#undef SPELL
};

static const struct { const char *s; int kind; } keywords[] = {
#define X(id, s) {s, TK_##id},
    DGK_KEYWORDS(X)
#undef X
};

enum { NCODES = (int)(sizeof ids / sizeof ids[0]) };

int dgk_token_count(void)
{
    return NCODES;
}

const char *dgk_token_id(int kind)
{
    return kind >= 0 && kind < NCODES ? ids[kind] : NULL;
}

const char *dgk_token_desc(int kind)
{
    return kind >= 0 && kind < NCODES && descs[kind] ? descs[kind] : "unknown token";
}

const char *dgk_token_expected(int kind)
{
    return kind >= 0 && kind < NCODES && expecteds[kind] ? expecteds[kind] : "unknown token";
}

int dgk_keyword_lookup(const char *text, int len)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if ((int)strlen(keywords[i].s) == len && memcmp(keywords[i].s, text, (size_t)len) == 0)
            return keywords[i].kind;
    return TK_IDENT;
}
