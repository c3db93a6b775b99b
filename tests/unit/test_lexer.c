/* test_lexer.c - Check tests for the re2c lexer (dsl/lexer.re) and the token table
 * (dsl/tokens.def): token kinds, values, locations, and the lexical errors of SPEC
 * section 1 with their line:col. */
#include "check_main.h"
#include "lex_util.h"

#define ck_tok(f, i, kind_, line_, col_)                                                      \
    do {                                                                                      \
        const dgk_token *t_ = &(f)->toks[(i)];                                                \
        ck_assert_msg(t_->kind == (kind_), "token %d is %s, want %s", (i), dgk_token_id(t_->kind), \
                      dgk_token_id(kind_));                                                   \
        ck_assert_int_eq(t_->loc.line, (line_));                                              \
        ck_assert_int_eq(t_->loc.col, (col_));                                                \
    } while (0)

/* ---------------------------------------------------------------- the table */

START_TEST(table_covers_every_terminal)
{
    ck_assert_int_eq(dgk_token_count(), dgk_parser_ntokens());
    for (int k = 0; k < dgk_token_count(); k++) {
        ck_assert_msg(dgk_token_id(k) != NULL, "token code %d has no row in tokens.def", k);
        ck_assert_str_ne(dgk_token_desc(k), "unknown token");
    }
    ck_assert_ptr_null(dgk_token_id(-1));
    ck_assert_ptr_null(dgk_token_id(dgk_token_count()));
    ck_assert_str_eq(dgk_token_id(TK_SEMI), "SEMI");
    ck_assert_str_eq(dgk_token_desc(TK_SEMI), "';'");
    ck_assert_str_eq(dgk_token_expected(TK_IDENT), "an identifier");
}
END_TEST

/* Every keyword row of tokens.def lexes to its own token. */
START_TEST(keywords)
{
    static const struct { const char *s; int kind; } rows[] = {
#define X(id, s) {s, TK_##id},
        DGK_KEYWORDS(X)
#undef X
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fixture *f = lex(rows[i].s);
        ck_assert_int_eq(f->ntoks, 2);
        ck_tok(f, 0, rows[i].kind, 1, 1);
        ck_assert_int_eq(f->nerrors, 0);
        fx_free(f);
    }
    fixture *f = lex("kernels f32 mma inf _x new_");
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(f->toks[i].kind, TK_IDENT);
    ck_assert_str_eq(f->toks[3].v.id, "inf");
    fx_free(f);
}
END_TEST

/* Every punctuation row of tokens.def lexes to its own token, alone and between
 * identifiers. */
START_TEST(punctuation)
{
    static const struct { const char *s; int kind; } rows[] = {
#define X(id, s) {s, TK_##id},
        DGK_PUNCTUATION(X)
#undef X
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "a %s b", rows[i].s);
        fixture *f = lex(buf);
        ck_assert_msg(f->ntoks == 4 && f->toks[1].kind == rows[i].kind, "'%s' lexed as %s", rows[i].s,
                      dgk_token_id(f->toks[1].kind));
        ck_assert_int_eq(f->toks[1].len, (int)strlen(rows[i].s));
        ck_assert_int_eq(f->toks[2].loc.col, 4 + (int)strlen(rows[i].s));
        fx_free(f);
    }
}
END_TEST

START_TEST(multi_char_tokens)
{
    fixture *f = lex("x^T y^ T a^Tb max= c max==d 0..K i +: n ->");
    int want[] = {TK_IDENT, TK_TRANSPOSE, TK_IDENT, TK_CARET, TK_IDENT, TK_IDENT, TK_CARET, TK_IDENT,
                  TK_MAXEQ, TK_IDENT, TK_IDENT, TK_EQ, TK_IDENT, TK_INT, TK_DOTDOT, TK_IDENT,
                  TK_IDENT, TK_PLUSCOLON, TK_IDENT, TK_ARROW, TK_EOF};
    ck_assert_int_eq(f->ntoks, (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < f->ntoks; i++)
        ck_assert_msg(f->toks[i].kind == want[i], "token %d: %s, want %s", i, dgk_token_id(f->toks[i].kind),
                      dgk_token_id(want[i]));
    ck_assert_str_eq(f->toks[7].v.id, "Tb");   /* a^Tb is a xor Tb */
    ck_assert_str_eq(f->toks[10].v.id, "max"); /* max==d is max == d */
    ck_assert_int_eq(f->nerrors, 0);
    fx_free(f);
}
END_TEST

/* ---------------------------------------------------------------- literals */

START_TEST(integers)
{
    fixture *f = lex("0 128 0x80 0XfF 1_000 0x7fff_ffff_ffff_ffff 9223372036854775807 007");
    uint64_t want[] = {0, 128, 128, 255, 1000, INT64_MAX, INT64_MAX, 7};
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(f->toks[i].kind, TK_INT);
        ck_assert_uint_eq(f->toks[i].v.i, want[i]);
    }
    ck_assert_int_eq(f->nerrors, 0);
    fx_free(f);
}
END_TEST

START_TEST(integer_too_large)
{
    fixture *f = lex("x = 9223372036854775808;\n  0x8000_0000_0000_0000 123456789012345678901234567890");
    ck_assert_int_eq(f->nerrors, 3);
    ck_diag(f, 0, 1, 5, "integer literal too large");
    ck_diag(f, 1, 2, 3, "integer literal too large");
    ck_diag(f, 2, 2, 25, "integer literal too large");
    ck_assert_int_eq(f->toks[2].kind, TK_INT); /* still a token: parsing goes on */
    ck_assert_int_eq(f->toks[3].kind, TK_SEMI);
    fx_free(f);
}
END_TEST

START_TEST(malformed_numbers)
{
    fixture *f = lex("0x 12ab 1_ 1__0 1.5f 3e");
    ck_assert_int_eq(f->nerrors, 6);
    ck_diag(f, 0, 1, 1, "malformed number '0x'");
    ck_diag(f, 1, 1, 4, "malformed number '12ab'");
    ck_diag(f, 2, 1, 9, "malformed number '1_'");
    ck_diag(f, 3, 1, 12, "malformed number '1__0'");
    ck_diag(f, 4, 1, 17, "malformed number '1.5f'");
    ck_diag(f, 5, 1, 22, "malformed number '3e'");
    ck_assert_int_eq(f->ntoks, 7);
    fx_free(f);
}
END_TEST

START_TEST(floats)
{
    fixture *f = lex("1.0 .5 1e-3 6.5e4 2E+2 0.125");
    double want[] = {1.0, 0.5, 1e-3, 6.5e4, 200.0, 0.125};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(f->toks[i].kind, TK_FLOAT);
        ck_assert_double_eq(f->toks[i].v.f, want[i]);
    }
    ck_assert_int_eq(f->nerrors, 0);
    fx_free(f);
    f = lex("1e999");
    ck_assert_int_eq(f->nerrors, 1);
    ck_diag(f, 0, 1, 1, "out of range");
    fx_free(f);
}
END_TEST

/* `0..K` is a range, not the float `0.` */
START_TEST(range_is_not_float)
{
    fixture *f = lex("0..4 0 .. .5");
    int want[] = {TK_INT, TK_DOTDOT, TK_INT, TK_INT, TK_DOTDOT, TK_FLOAT, TK_EOF};
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(f->toks[i].kind, want[i]);
    fx_free(f);
}
END_TEST

/* ---------------------------------------------------------------- identifiers */

START_TEST(identifier_length)
{
    char buf[600];
    memset(buf, 'a', 255);
    buf[255] = '\0';
    fixture *f = lex(buf);
    ck_assert_int_eq(f->nerrors, 0);
    ck_assert_int_eq((int)strlen(f->toks[0].v.id), 255);
    fx_free(f);
    memset(buf, 'b', 256);
    strcpy(buf + 256, " c");
    f = lex(buf);
    ck_assert_int_eq(f->nerrors, 1);
    ck_diag(f, 0, 1, 1, "identifier is too long (256 bytes; at most 255)");
    ck_tok(f, 1, TK_IDENT, 1, 258);
    fx_free(f);
}
END_TEST

/* ---------------------------------------------------------------- comments, lines */

START_TEST(comments)
{
    fixture *f = lex("a // one ; two\nb /* x\n y */ c /**/ d /* * / **/ e");
    const char *want[] = {"a", "b", "c", "d", "e"};
    int lines[] = {1, 2, 3, 3, 3}, cols[] = {1, 1, 7, 14, 27};
    ck_assert_int_eq(f->ntoks, 6);
    for (int i = 0; i < 5; i++) {
        ck_tok(f, i, TK_IDENT, lines[i], cols[i]);
        ck_assert_str_eq(f->toks[i].v.id, want[i]);
    }
    ck_assert_int_eq(f->nerrors, 0);
    fx_free(f);
}
END_TEST

START_TEST(unterminated_comment)
{
    fixture *f = lex("a\n  b /* never\n closed * /\n");
    ck_assert_int_eq(f->nerrors, 1);
    ck_diag(f, 0, 2, 5, "unterminated comment");
    ck_assert_int_eq(f->ntoks, 3);
    fx_free(f);
}
END_TEST

START_TEST(line_and_column)
{
    fixture *f = lex("a\r\n\tb  c\r\n\r\n  d\n");
    ck_tok(f, 0, TK_IDENT, 1, 1);
    ck_tok(f, 1, TK_IDENT, 2, 2); /* a tab is one column */
    ck_tok(f, 2, TK_IDENT, 2, 5);
    ck_tok(f, 3, TK_IDENT, 4, 3);
    ck_assert_int_eq(f->nerrors, 0);
    fx_free(f);
}
END_TEST

/* End of file is placed after the last line's text, not on the empty line after it. */
START_TEST(eof_location)
{
    fixture *f = lex("ab\ncd \n");
    ck_tok(f, 2, TK_EOF, 2, 3); /* trailing blanks skipped */
    fx_free(f);
    f = lex("ab");
    ck_tok(f, 1, TK_EOF, 1, 3);
    fx_free(f);
    f = lex("");
    ck_tok(f, 0, TK_EOF, 1, 1);
    fx_free(f);
}
END_TEST

/* ---------------------------------------------------------------- bad bytes */

START_TEST(stray_characters)
{
    fixture *f = lex("a @ b\n$ \x01 `");
    ck_assert_int_eq(f->nerrors, 4);
    ck_diag(f, 0, 1, 3, "stray character '@'");
    ck_diag(f, 1, 2, 1, "stray character '$'");
    ck_diag(f, 2, 2, 3, "stray character '\\x01'");
    ck_diag(f, 3, 2, 5, "stray character '`'");
    ck_assert_int_eq(f->ntoks, 3); /* a b EOF: lexing went on */
    fx_free(f);
}
END_TEST

START_TEST(non_ascii)
{
    fixture *f = lex("// caf\xc3\xa9 is fine here\n/* \xe2\x9c\x93 */ x = \xc3\xa9;");
    ck_assert_int_eq(f->nerrors, 1);
    ck_diag(f, 0, 2, 15, "stray character '\\xC3\\xA9' (only ASCII is allowed outside comments)");
    fx_free(f);
}
END_TEST

START_TEST(nul_bytes)
{
    fixture *f = lex_n("a\0b // \0\n/* \0 */", 16);
    ck_assert_int_eq(f->nerrors, 3);
    ck_diag(f, 0, 1, 2, "NUL byte");
    ck_diag(f, 1, 1, 8, "NUL byte");
    ck_diag(f, 2, 2, 4, "NUL byte");
    ck_assert_int_eq(f->ntoks, 3);
    fx_free(f);
}
END_TEST

/* Junk stops being lexed (EOF) once the diagnostics pass their limit. */
START_TEST(stops_at_error_limit)
{
    char junk[1000];
    memset(junk, '@', sizeof junk - 2);
    junk[sizeof junk - 2] = 'z';
    junk[sizeof junk - 1] = '\0';
    fixture *f = lex(junk);
    ck_assert_int_eq(f->nerrors, DGK_DIAG_DEFAULT_LIMIT + 1);
    ck_assert_int_eq(f->ntoks, 1);
    ck_assert_int_eq(f->toks[0].kind, TK_EOF);
    fx_free(f);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("lexer");
    struct { const char *name; const TTest *tests[8]; } cases[] = {
        {"table", {table_covers_every_terminal, keywords, punctuation, multi_char_tokens}},
        {"integers", {integers, integer_too_large, malformed_numbers}},
        {"floats", {floats, range_is_not_float}},
        {"identifiers", {identifier_length}},
        {"comments", {comments, unterminated_comment}},
        {"locations", {line_and_column, eof_location}},
        {"bad_bytes", {stray_characters, non_ascii, nul_bytes, stops_at_error_limit}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        for (int j = 0; j < 8 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}

DGK_CHECK_MAIN(make_suite)
