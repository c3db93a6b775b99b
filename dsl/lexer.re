/* lexer.re - the dgk lexer (SPEC section 1), compiled by re2c -W -Werror.
 * Input: a NUL-terminated dgk_source. Output: tokens (dgk_token) with file:line:col,
 * pulled one at a time by the parser's driver or by --dump-tokens. Errors go to the
 * dgk_diags; after an error the lexer skips what it could not read and goes on, so one
 * run reports several, and it stops (returns end of file) once the diagnostics are past
 * their limit. The terminating NUL is the sentinel (re2c:eof); a NUL before it is an
 * error. Line and column are kept in the newline rules, nowhere else. */
#include "lexer.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

typedef const unsigned char *cursor;

void dgk_lexer_init(dgk_lexer *lx, const dgk_source *src, dgk_diags *d, dgk_arena *a)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->cur = src->text;
    lx->lim = src->text + src->len;
    lx->line_start = src->text;
    lx->line = 1;
    lx->diags = d;
    lx->arena = a;
}

static dgk_loc loc_at(const dgk_lexer *lx, cursor p)
{
    return dgk_loc_make(lx->src, lx->line, (int)((const char *)p - lx->line_start) + 1);
}

static void newline(dgk_lexer *lx, cursor after)
{
    lx->line++;
    lx->line_start = (const char *)after;
}

static int over_limit(const dgk_lexer *lx)
{
    return lx->diags->nerrors > lx->diags->limit;
}

/* Fills the token from [tok, cur) and remembers where to go on. */
static int make(dgk_lexer *lx, dgk_token *t, int kind, cursor tok, cursor cur)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->loc = loc_at(lx, tok);
    t->text = (const char *)tok;
    t->len = (int)(cur - tok);
    lx->cur = (const char *)cur;
    return kind;
}

/* Shows a byte in a message: itself if printable, else \xNN. */
static const char *show_bytes(dgk_lexer *lx, cursor p, int n)
{
    char buf[4 * 4 + 1], *o = buf;
    for (int i = 0; i < n && i < 4; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f)
            *o++ = (char)p[i];
        else
            o += sprintf(o, "\\x%02X", p[i]);
    }
    *o = '\0';
    return dgk_arena_strdup(lx->arena, buf);
}

static int lex_ident(dgk_lexer *lx, dgk_token *t, cursor tok, cursor cur)
{
    int len = (int)(cur - tok);
    int kind = dgk_keyword_lookup((const char *)tok, len);
    make(lx, t, kind, tok, cur);
    if (kind != TK_IDENT)
        return kind;
    if (len > DGK_MAX_IDENT)
        dgk_error(lx->diags, t->loc, "identifier is too long (%d bytes; at most %d)", len, DGK_MAX_IDENT);
    t->v.id = dgk_arena_strndup(lx->arena, (const char *)tok, (size_t)len);
    return kind;
}

static int digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* Decimal or hex (base 16, text after "0x"), '_' separators skipped. */
static int lex_int(dgk_lexer *lx, dgk_token *t, cursor tok, cursor cur, int base)
{
    make(lx, t, TK_INT, tok, cur);
    uint64_t v = 0;
    int too_large = 0;
    for (cursor p = base == 16 ? tok + 2 : tok; p < cur; p++) {
        if (*p == '_')
            continue;
        uint64_t d = (uint64_t)digit_value(*p);
        if (v > (INT64_MAX - d) / (uint64_t)base)
            too_large = 1;
        else
            v = v * (uint64_t)base + d;
    }
    if (too_large)
        dgk_error(lx->diags, t->loc, "integer literal too large (must fit in 63 bits, at most %lld)",
                  (long long)INT64_MAX);
    t->v.i = too_large ? 0 : v;
    return TK_INT;
}

static int lex_float(dgk_lexer *lx, dgk_token *t, cursor tok, cursor cur)
{
    make(lx, t, TK_FLOAT, tok, cur);
    char *copy = dgk_arena_strndup(lx->arena, (const char *)tok, (size_t)t->len);
    if (!copy)
        return TK_FLOAT;
    errno = 0;
    t->v.f = strtod(copy, NULL);
    if (isinf(t->v.f)) {
        dgk_error(lx->diags, t->loc, "float literal '%.40s%s' is out of range (larger than %g)", copy,
                  t->len > 40 ? "..." : "", DBL_MAX);
        t->v.f = 0;
    }
    return TK_FLOAT;
}

/* A run of digits and letters that is no valid number: report it as one token. */
static int lex_bad_number(dgk_lexer *lx, dgk_token *t, cursor tok, cursor cur)
{
    make(lx, t, TK_INT, tok, cur);
    dgk_error(lx->diags, t->loc,
              "malformed number '%.*s%s' (expected decimal 128, hex 0x80, 1_000, or a float 1.5, 1e-3)",
              t->len > 40 ? 40 : t->len, t->text, t->len > 40 ? "..." : "");
    return TK_INT;
}

/* End of file sits just past the last non-blank byte, not on the empty lines after
 * it, so "unexpected end of file" points at something visible. */
static int end_of_file(dgk_lexer *lx, dgk_token *t, cursor tok)
{
    make(lx, t, TK_EOF, tok, tok);
    lx->done = 1;
    const char *text = lx->src->text, *end = (const char *)tok;
    int line = lx->line;
    while (end > text && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        line -= *--end == '\n';
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    t->loc = dgk_loc_make(lx->src, line, (int)(end - start) + 1);
    return TK_EOF;
}

static void stray(dgk_lexer *lx, cursor tok, cursor cur)
{
    dgk_loc loc = loc_at(lx, tok);
    const char *shown = show_bytes(lx, tok, (int)(cur - tok));
    if (*tok >= 0x80)
        dgk_error(lx->diags, loc, "stray character '%s' (only ASCII is allowed outside comments)", shown);
    else
        dgk_error(lx->diags, loc, "stray character '%s'", shown);
}

static void nul_byte(dgk_lexer *lx, cursor tok)
{
    dgk_error(lx->diags, loc_at(lx, tok), "NUL byte in source (is this a binary file?)");
}

/*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:yyfill:enable = 0;
    re2c:eof = 0;
    re2c:flags:tags = 0;
*/

/* Skips a block comment whose "/" "*" is at tok; cur is just past it. Returns where
 * lexing goes on. Comments do not nest; newlines inside keep the line count. */
static cursor skip_block_comment(dgk_lexer *lx, cursor tok, cursor cur)
{
    cursor YYCURSOR = cur, YYLIMIT = (cursor)lx->lim;
    dgk_loc start = loc_at(lx, tok);
    for (;;) {
        cursor here = YYCURSOR;
        /*!re2c
            re2c:define:YYCTYPE = "unsigned char";
            re2c:yyfill:enable = 0;
            re2c:eof = 0;

            $          { dgk_error(lx->diags, start, "unterminated comment (no '*/' before end of file)");
                         return YYCURSOR; }
            "*" "/"    { return YYCURSOR; }
            "\n"       { newline(lx, YYCURSOR); continue; }
            "\x00"     { nul_byte(lx, here); continue; }
            [^\n\x00*]+ | "*" { continue; }
        */
        if (over_limit(lx))
            return YYLIMIT;
    }
}

int dgk_lex(dgk_lexer *lx, dgk_token *t)
{
    cursor YYCURSOR = (cursor)lx->cur, YYLIMIT = (cursor)lx->lim, YYMARKER = YYCURSOR;
    for (;;) {
        cursor tok = YYCURSOR;
        lx->cur = (const char *)YYCURSOR;
        if (lx->done || over_limit(lx)) {
            lx->done = 1;
            return make(lx, t, TK_EOF, YYLIMIT, YYLIMIT);
        }
        /*!re2c
            re2c:define:YYCTYPE = "unsigned char";
            re2c:yyfill:enable = 0;
            re2c:eof = 0;

            ident  = [A-Za-z_][A-Za-z0-9_]*;
            dec    = [0-9]+ ("_" [0-9]+)*;
            hex    = "0" [xX] [0-9A-Fa-f]+ ("_" [0-9A-Fa-f]+)*;
            exp    = [eE] [+-]? [0-9]+;
            float  = [0-9]+ "." [0-9]+ exp? | "." [0-9]+ exp? | [0-9]+ exp;
            alnum  = [0-9A-Za-z_];

            $             { return end_of_file(lx, t, tok); }
            "\x00"        { nul_byte(lx, tok); continue; }
            [ \t\r]+      { continue; }
            "\n"          { newline(lx, YYCURSOR); continue; }
            "//" [^\n\x00]* { continue; }
            "/" "*"       { YYCURSOR = skip_block_comment(lx, tok, YYCURSOR); continue; }

            ident         { return lex_ident(lx, t, tok, YYCURSOR); }
            dec           { return lex_int(lx, t, tok, YYCURSOR, 10); }
            hex           { return lex_int(lx, t, tok, YYCURSOR, 16); }
            float         { return lex_float(lx, t, tok, YYCURSOR); }
            [0-9] alnum* | [0-9]+ "." [0-9]+ alnum+
                          { return lex_bad_number(lx, t, tok, YYCURSOR); }

            "^T"          { return make(lx, t, TK_TRANSPOSE, tok, YYCURSOR); }
            "^T" alnum+   { return make(lx, t, TK_CARET, tok, tok + 1); }
            "max="        { return make(lx, t, TK_MAXEQ, tok, YYCURSOR); }
            "max=="       { return lex_ident(lx, t, tok, tok + 3); }

            "("  { return make(lx, t, TK_LPAREN, tok, YYCURSOR); }
            ")"  { return make(lx, t, TK_RPAREN, tok, YYCURSOR); }
            "["  { return make(lx, t, TK_LBRACKET, tok, YYCURSOR); }
            "]"  { return make(lx, t, TK_RBRACKET, tok, YYCURSOR); }
            "{"  { return make(lx, t, TK_LBRACE, tok, YYCURSOR); }
            "}"  { return make(lx, t, TK_RBRACE, tok, YYCURSOR); }
            "<"  { return make(lx, t, TK_LT, tok, YYCURSOR); }
            ">"  { return make(lx, t, TK_GT, tok, YYCURSOR); }
            ","  { return make(lx, t, TK_COMMA, tok, YYCURSOR); }
            ";"  { return make(lx, t, TK_SEMI, tok, YYCURSOR); }
            ":"  { return make(lx, t, TK_COLON, tok, YYCURSOR); }
            "?"  { return make(lx, t, TK_QUESTION, tok, YYCURSOR); }
            "."  { return make(lx, t, TK_DOT, tok, YYCURSOR); }
            ".." { return make(lx, t, TK_DOTDOT, tok, YYCURSOR); }
            "+:" { return make(lx, t, TK_PLUSCOLON, tok, YYCURSOR); }
            "->" { return make(lx, t, TK_ARROW, tok, YYCURSOR); }
            "="  { return make(lx, t, TK_ASSIGN, tok, YYCURSOR); }
            "+=" { return make(lx, t, TK_PLUSEQ, tok, YYCURSOR); }
            "-=" { return make(lx, t, TK_MINUSEQ, tok, YYCURSOR); }
            "*=" { return make(lx, t, TK_STAREQ, tok, YYCURSOR); }
            "+"  { return make(lx, t, TK_PLUS, tok, YYCURSOR); }
            "-"  { return make(lx, t, TK_MINUS, tok, YYCURSOR); }
            "*"  { return make(lx, t, TK_STAR, tok, YYCURSOR); }
            "/"  { return make(lx, t, TK_SLASH, tok, YYCURSOR); }
            "%"  { return make(lx, t, TK_PERCENT, tok, YYCURSOR); }
            "<<" { return make(lx, t, TK_SHL, tok, YYCURSOR); }
            ">>" { return make(lx, t, TK_SHR, tok, YYCURSOR); }
            "&"  { return make(lx, t, TK_AMP, tok, YYCURSOR); }
            "|"  { return make(lx, t, TK_PIPE, tok, YYCURSOR); }
            "^"  { return make(lx, t, TK_CARET, tok, YYCURSOR); }
            "~"  { return make(lx, t, TK_TILDE, tok, YYCURSOR); }
            "!"  { return make(lx, t, TK_BANG, tok, YYCURSOR); }
            "==" { return make(lx, t, TK_EQ, tok, YYCURSOR); }
            "!=" { return make(lx, t, TK_NE, tok, YYCURSOR); }
            "<=" { return make(lx, t, TK_LE, tok, YYCURSOR); }
            ">=" { return make(lx, t, TK_GE, tok, YYCURSOR); }
            "&&" { return make(lx, t, TK_ANDAND, tok, YYCURSOR); }
            "||" { return make(lx, t, TK_OROR, tok, YYCURSOR); }

            [\x80-\xFF][\x80-\xBF]* { stray(lx, tok, YYCURSOR); continue; }
            *             { stray(lx, tok, YYCURSOR); continue; }
        */
    }
}
