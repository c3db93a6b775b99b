/* parser.y - the dgk grammar (SPEC section 2) for Lemon.
 * Input: tokens from the lexer, fed one at a time by dsl/parse.c. Output: the AST
 * (dsl/ast.h), built by the actions in dsl/parse_build.c; each kernel is appended to
 * the module as soon as it is reduced. The build fails on any grammar conflict.
 *
 * Error recovery uses Lemon's `error` symbol: a bad statement is skipped up to its ';'
 * (or over a { } block), a bad kernel header up to the kernel's body, junk between
 * kernels up to the next `kernel`. Once a skipped statement ends, the next error is
 * reported again; within the skipped text nothing is (one mistake, one message). */

%name dgk_parser
%token_prefix TK_
%token_type {dgk_token}
%extra_context {dgk_pstate *ps}
/* Deep enough for DGK_MAX_NESTING brackets of any kind; beyond that is a unary chain
 * thousands long, reported by %stack_overflow. */
%stack_size 4096

%include {
#include <assert.h>
#include <string.h>

#include "dsl/parse_state.h"

static void expected_tokens(void *parser, char *expected);

/* Called where error recovery has found its footing again (a bad statement skipped up
 * to its ';' or over its block): report the next error at once. Lemon's default is to
 * stay quiet until three more tokens are shifted, which hides an error on the very
 * next line. */
#define resync(parser) ((parser)->yyerrcnt = -1)
}

/* The driver (parse.c) saw this error coming and noted what the parser would have
 * taken before any of this token's default reductions ran, which is the precise list;
 * computing it here, after them, is the fallback. */
%syntax_error {
    if (!ps->expected_valid)
        expected_tokens(yypParser, ps->expected);
    dgk_pb_syntax_error(ps, &TOKEN, ps->expected);
}

%stack_overflow {
    dgk_pb_stack_overflow(ps);
}

/* Tokens the grammar does not use but the lexer produces (SPEC section 1), so that
 * they get a code and a name and the parser reports them as unexpected. */
%token DOT.

/* Binary operators, loosest first (SPEC section 2); all left-associative. */
%right QUESTION.
%left OROR.
%left ANDAND.
%left PIPE.
%left CARET.
%left AMP.
%left EQ NE.
%left LT LE GT GE.
%left SHL SHR.
%left PLUS MINUS.
%left STAR SLASH PERCENT.

/* ---------------------------------------------------------------- module, kernels */

module ::= kernels.

kernels ::= .
kernels ::= kernels kernel.
kernels ::= kernels error.

/* kernel -> "kernel" IDENT [ "<" ctparams ">" ] "(" [ params ] ")" [ "where" exprs ] block */
kernel ::= kernel_kw(K) IDENT(N) ctparams_opt(C) LPAREN params_opt(P) RPAREN where_opt(W) block(B).
    { dgk_pb_kernel(ps, &K, &N, C, P, W, B); }
kernel ::= kernel_kw error rblock.

/* A new kernel is a fresh start: report its errors even right after junk. */
%type kernel_kw {dgk_token}
kernel_kw(A) ::= KERNEL(K).                    { A = K; resync(yypParser); }

%type ctparams_opt {dgk_clist}
ctparams_opt(A) ::= .                          { memset(&A, 0, sizeof A); }
ctparams_opt(A) ::= LT ctparams(L) GT.         { A = L; }
ctparams_opt(A) ::= LT ctparams(L) COMMA GT.   { A = L; }

%type ctparams {dgk_clist}
ctparams(A) ::= ctparam(C).                    { memset(&A, 0, sizeof A); A = dgk_pb_ctparams(A, C); }
ctparams(A) ::= ctparams(L) COMMA ctparam(C).  { A = dgk_pb_ctparams(L, C); }

/* ctparam -> IDENT [ ":" IDENT ] [ "=" aexpr ]. The default is an additive-level
 * expression: a bare '>' or '>>' would end the parameter list. */
%type ctparam {dgk_ctparam *}
ctparam(A) ::= IDENT(N) ctkind(K).                { dgk_xp none = {0, 0}; A = dgk_pb_ctparam(ps, &N, K, none); }
ctparam(A) ::= IDENT(N) ctkind(K) ASSIGN aexpr(D). { A = dgk_pb_ctparam(ps, &N, K, D); }

%type ctkind {dgk_ctkind}
ctkind(A) ::= .                                { memset(&A, 0, sizeof A); }
ctkind(A) ::= COLON IDENT(T).                  { A = dgk_pb_ctkind(ps, &T); }

%type params_opt {dgk_plist}
params_opt(A) ::= .                            { memset(&A, 0, sizeof A); }
params_opt(A) ::= params(L).                   { A = L; }
params_opt(A) ::= params(L) COMMA.             { A = L; }

%type params {dgk_plist}
params(A) ::= param(P).                        { memset(&A, 0, sizeof A); A = dgk_pb_params(A, P); }
params(A) ::= params(L) COMMA param(P).        { A = dgk_pb_params(L, P); }

/* param -> IDENT ":" IDENT [ "[" exprs "]" ] { attr } */
%type param {dgk_param *}
param(A) ::= IDENT(N) COLON IDENT(T) dims(D) attrs(R). { A = dgk_pb_param(ps, &N, &T, D, R); }

%type dims {dgk_xlist}
dims(A) ::= .                                  { memset(&A, 0, sizeof A); }
dims(A) ::= LBRACKET exprs(L) RBRACKET.        { A = L; }

/* attr -> IDENT "(" [ exprs ] ")" */
%type attrs {dgk_alist}
attrs(A) ::= .                                 { memset(&A, 0, sizeof A); }
attrs(A) ::= attrs(L) IDENT(N) LPAREN args(X) RPAREN. { A = dgk_pb_attrs(ps, L, &N, X); }

%type where_opt {dgk_xlist}
where_opt(A) ::= .                             { memset(&A, 0, sizeof A); }
where_opt(A) ::= WHERE exprs(L).               { A = L; }

/* ---------------------------------------------------------------- statements */

%type block {dgk_slist}
block(A) ::= LBRACE stmts(L) RBRACE.           { A = L; }
block(A) ::= LBRACE stmts(L) error RBRACE.     { A = L; resync(yypParser); }

/* A block entered right after a syntax error was skipped: errors inside it are
 * reported from its '{' on. */
rblock ::= rblock_open stmts RBRACE.
rblock_open ::= LBRACE.                        { resync(yypParser); }

%type stmts {dgk_slist}
stmts(A) ::= .                                 { memset(&A, 0, sizeof A); }
stmts(A) ::= stmts(L) stmt(S).                 { A = dgk_pb_stmts(L, S); }

%type stmt {dgk_stmt *}
stmt(A) ::= VAR(K) IDENT(N) ASSIGN expr(E) SEMI.   { A = dgk_pb_var(ps, DGK_STMT_VAR, &K, &N, E); }
stmt(A) ::= LET(K) IDENT(N) ASSIGN expr(E) SEMI.   { A = dgk_pb_var(ps, DGK_STMT_LET, &K, &N, E); }
stmt(A) ::= expr(T) assignop(O) expr(E) SEMI.      { A = dgk_pb_assign(ps, T, O.op, &O.tok, E); }
stmt(A) ::= SCHEDULE(K) IDENT(N) LPAREN exprs(X) RPAREN mods(M) ARROW LPAREN idents(V) RPAREN SEMI.
    { A = dgk_pb_schedule(ps, &K, &N, X, M, V); }
stmt(A) ::= PIPELINE(K) IDENT(V) IN expr(L) DOTDOT expr(H) block(B).
    { dgk_xp none = {0, 0}; A = dgk_pb_loop(ps, DGK_STMT_PIPELINE, &K, &V, L, H, none, B); }
stmt(A) ::= PIPELINE(K) IDENT(V) IN expr(L) DOTDOT expr(H) STAGES expr(S) block(B).
    { A = dgk_pb_loop(ps, DGK_STMT_PIPELINE, &K, &V, L, H, S, B); }
stmt(A) ::= FOR(K) IDENT(V) IN expr(L) DOTDOT expr(H) block(B).
    { dgk_xp none = {0, 0}; A = dgk_pb_loop(ps, DGK_STMT_FOR, &K, &V, L, H, none, B); }
stmt(A) ::= ifstmt(S).                             { A = S; }
stmt(A) ::= RETURN(K) SEMI.                        { dgk_xp none = {0, 0}; A = dgk_pb_simple(ps, DGK_STMT_RETURN, K.loc, none); }
stmt(A) ::= expr(E) SEMI.                          { A = dgk_pb_simple(ps, DGK_STMT_EXPR, E.e->loc, E); }
stmt(A) ::= error SEMI.                            { A = NULL; resync(yypParser); }
stmt(A) ::= error rblock.                          { A = NULL; }

/* if-stmt -> "if" expr block [ "else" ( block | if-stmt ) ] */
%type ifstmt {dgk_stmt *}
ifstmt(A) ::= IF(K) expr(C) block(T).              { dgk_slist none = {0, 0}; A = dgk_pb_if(ps, &K, C, T, none); }
ifstmt(A) ::= IF(K) expr(C) block(T) ELSE block(E). { A = dgk_pb_if(ps, &K, C, T, E); }
ifstmt(A) ::= IF(K) expr(C) block(T) ELSE ifstmt(E).
    { dgk_slist e = {E, E}; A = dgk_pb_if(ps, &K, C, T, e); }

%include {
typedef struct assignop { dgk_op op; dgk_token tok; } assignop;
}
%type assignop {assignop}
assignop(A) ::= ASSIGN(T).   { A.op = DGK_OP_ASSIGN; A.tok = T; }
assignop(A) ::= PLUSEQ(T).   { A.op = DGK_OP_ADD_ASSIGN; A.tok = T; }
assignop(A) ::= MINUSEQ(T).  { A.op = DGK_OP_SUB_ASSIGN; A.tok = T; }
assignop(A) ::= STAREQ(T).   { A.op = DGK_OP_MUL_ASSIGN; A.tok = T; }
assignop(A) ::= MAXEQ(T).    { A.op = DGK_OP_MAX_ASSIGN; A.tok = T; }

/* schedule modifiers: { IDENT expr } */
%type mods {dgk_mlist}
mods(A) ::= .                                  { memset(&A, 0, sizeof A); }
mods(A) ::= mods(L) IDENT(N) expr(E).          { A = dgk_pb_mods(ps, L, &N, E); }

%type idents {dgk_ilist}
idents(A) ::= IDENT(N).                        { memset(&A, 0, sizeof A); A = dgk_pb_idents(ps, A, &N); }
idents(A) ::= idents(L) COMMA IDENT(N).        { A = dgk_pb_idents(ps, L, &N); }

/* ---------------------------------------------------------------- expressions */

/* exprs -> expr { "," expr } [ "," ] */
%type exprs {dgk_xlist}
exprs(A) ::= exprs1(L).                        { A = L; }
exprs(A) ::= exprs1(L) COMMA.                  { A = L; }

%type exprs1 {dgk_xlist}
exprs1(A) ::= expr(X).                         { memset(&A, 0, sizeof A); A = dgk_pb_exprs(A, X); }
exprs1(A) ::= exprs1(L) COMMA expr(X).         { A = dgk_pb_exprs(L, X); }

%type args {dgk_xlist}
args(A) ::= .                                  { memset(&A, 0, sizeof A); }
args(A) ::= exprs(L).                          { A = L; }

%type expr {dgk_xp}
expr(A) ::= unary(X).                          { A = X; }
expr(A) ::= expr(C) QUESTION(O) expr(X) COLON expr(Y). [QUESTION] { A = dgk_pb_cond(ps, &O, C, X, Y); }
expr(A) ::= expr(L) OROR(O) expr(R).           { A = dgk_pb_binary(ps, DGK_OP_LOR, &O, L, R); }
expr(A) ::= expr(L) ANDAND(O) expr(R).         { A = dgk_pb_binary(ps, DGK_OP_LAND, &O, L, R); }
expr(A) ::= expr(L) PIPE(O) expr(R).           { A = dgk_pb_binary(ps, DGK_OP_BOR, &O, L, R); }
expr(A) ::= expr(L) CARET(O) expr(R).          { A = dgk_pb_binary(ps, DGK_OP_BXOR, &O, L, R); }
expr(A) ::= expr(L) AMP(O) expr(R).            { A = dgk_pb_binary(ps, DGK_OP_BAND, &O, L, R); }
expr(A) ::= expr(L) EQ(O) expr(R).             { A = dgk_pb_binary(ps, DGK_OP_EQ, &O, L, R); }
expr(A) ::= expr(L) NE(O) expr(R).             { A = dgk_pb_binary(ps, DGK_OP_NE, &O, L, R); }
expr(A) ::= expr(L) LT(O) expr(R).             { A = dgk_pb_binary(ps, DGK_OP_LT, &O, L, R); }
expr(A) ::= expr(L) LE(O) expr(R).             { A = dgk_pb_binary(ps, DGK_OP_LE, &O, L, R); }
expr(A) ::= expr(L) GT(O) expr(R).             { A = dgk_pb_binary(ps, DGK_OP_GT, &O, L, R); }
expr(A) ::= expr(L) GE(O) expr(R).             { A = dgk_pb_binary(ps, DGK_OP_GE, &O, L, R); }
expr(A) ::= expr(L) SHL(O) expr(R).            { A = dgk_pb_binary(ps, DGK_OP_SHL, &O, L, R); }
expr(A) ::= expr(L) SHR(O) expr(R).            { A = dgk_pb_binary(ps, DGK_OP_SHR, &O, L, R); }
expr(A) ::= expr(L) PLUS(O) expr(R).           { A = dgk_pb_binary(ps, DGK_OP_ADD, &O, L, R); }
expr(A) ::= expr(L) MINUS(O) expr(R).          { A = dgk_pb_binary(ps, DGK_OP_SUB, &O, L, R); }
expr(A) ::= expr(L) STAR(O) expr(R).           { A = dgk_pb_binary(ps, DGK_OP_MUL, &O, L, R); }
expr(A) ::= expr(L) SLASH(O) expr(R).          { A = dgk_pb_binary(ps, DGK_OP_DIV, &O, L, R); }
expr(A) ::= expr(L) PERCENT(O) expr(R).        { A = dgk_pb_binary(ps, DGK_OP_MOD, &O, L, R); }

/* aexpr: the additive-level expressions a compile-time parameter's default may be. */
%type aexpr {dgk_xp}
aexpr(A) ::= unary(X).                         { A = X; }
aexpr(A) ::= aexpr(L) PLUS(O) aexpr(R).        { A = dgk_pb_binary(ps, DGK_OP_ADD, &O, L, R); }
aexpr(A) ::= aexpr(L) MINUS(O) aexpr(R).       { A = dgk_pb_binary(ps, DGK_OP_SUB, &O, L, R); }
aexpr(A) ::= aexpr(L) STAR(O) aexpr(R).        { A = dgk_pb_binary(ps, DGK_OP_MUL, &O, L, R); }
aexpr(A) ::= aexpr(L) SLASH(O) aexpr(R).       { A = dgk_pb_binary(ps, DGK_OP_DIV, &O, L, R); }
aexpr(A) ::= aexpr(L) PERCENT(O) aexpr(R).     { A = dgk_pb_binary(ps, DGK_OP_MOD, &O, L, R); }

/* unary -> ( "-" | "!" | "~" ) unary | postfix */
%type unary {dgk_xp}
unary(A) ::= postfix(X).                       { A = X; }
unary(A) ::= MINUS(O) unary(X).                { A = dgk_pb_unary(ps, DGK_OP_NEG, &O, X); }
unary(A) ::= BANG(O) unary(X).                 { A = dgk_pb_unary(ps, DGK_OP_NOT, &O, X); }
unary(A) ::= TILDE(O) unary(X).                { A = dgk_pb_unary(ps, DGK_OP_BNOT, &O, X); }

/* postfix -> primary { "[" subs "]" | "(" [ exprs ] ")" | "^T" } | "where" "(" [ exprs ] ")" */
%type postfix {dgk_xp}
postfix(A) ::= primary(X).                                 { A = X; }
postfix(A) ::= postfix(B) LBRACKET(O) subs(S) RBRACKET.    { A = dgk_pb_index(ps, &O, B, S); }
postfix(A) ::= postfix(F) LPAREN(O) args(X) RPAREN.        { A = dgk_pb_call(ps, &O, F, X); }
postfix(A) ::= postfix(X) TRANSPOSE(O).                    { A = dgk_pb_transpose(ps, &O, X); }
/* `where` is a keyword (kernel constraints) and also the builtin where(c, a, b). */
postfix(A) ::= WHERE(W) LPAREN(O) args(X) RPAREN.
    { A = dgk_pb_call(ps, &O, dgk_pb_leaf(ps, DGK_EXPR_NAME, &W), X); }

/* primary -> INT | FLOAT | "true" | "false" | IDENT | "(" expr ")" */
%type primary {dgk_xp}
primary(A) ::= INT(T).                         { A = dgk_pb_leaf(ps, DGK_EXPR_INT, &T); }
primary(A) ::= FLOAT(T).                       { A = dgk_pb_leaf(ps, DGK_EXPR_FLOAT, &T); }
primary(A) ::= TRUE(T).                        { A = dgk_pb_leaf(ps, DGK_EXPR_BOOL, &T); }
primary(A) ::= FALSE(T).                       { A = dgk_pb_leaf(ps, DGK_EXPR_BOOL, &T); }
primary(A) ::= IDENT(T).                       { A = dgk_pb_leaf(ps, DGK_EXPR_NAME, &T); }
primary(A) ::= LPAREN expr(X) RPAREN.          { A = X; }

/* subs -> sub { "," sub };  sub -> expr [ "+:" expr ] | ":" | "new" */
%type subs {dgk_sublist}
subs(A) ::= sub(S).                            { memset(&A, 0, sizeof A); A = dgk_pb_subs(A, S); }
subs(A) ::= subs(L) COMMA sub(S).              { A = dgk_pb_subs(L, S); }

%type sub {dgk_subx}
sub(A) ::= expr(X).                            { dgk_xp none = {0, 0}; A = dgk_pb_sub(ps, DGK_SUB_POINT, X.e->loc, X, none); }
sub(A) ::= expr(X) PLUSCOLON expr(N).          { A = dgk_pb_sub(ps, DGK_SUB_RANGE, X.e->loc, X, N); }
sub(A) ::= COLON(T).                           { dgk_xp none = {0, 0}; A = dgk_pb_sub(ps, DGK_SUB_ALL, T.loc, none, none); }
sub(A) ::= NEW(T).                             { dgk_xp none = {0, 0}; A = dgk_pb_sub(ps, DGK_SUB_NEW, T.loc, none, none); }

%code {
int dgk_parser_ntokens(void)
{
    return YYNTOKEN;
}

/* Whether the parser, in the state its stack is in, would shift token `tok` after
 * the reductions it calls for: a dry run on a copy of the state numbers, mirroring
 * the main loop of dgk_parser(). */
static int would_shift(const yyParser *p, int tok)
{
    enum { CAP = YYSTACKDEPTH + 64 };
    YYACTIONTYPE st[CAP];
    int top = (int)(p->yytos - p->yystack);
    for (int i = 0; i <= top; i++)
        st[i] = p->yystack[i].stateno;
    for (int steps = 0; steps < 100000; steps++) {
        YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tok, st[top]);
        if (act >= YY_MIN_REDUCE) {
            unsigned rule = act - YY_MIN_REDUCE;
            top += yyRuleInfoNRhs[rule];
            if (top < 0 || top + 1 >= CAP)
                return 0;
            YYACTIONTYPE go = yy_find_reduce_action(st[top], (YYCODETYPE)yyRuleInfoLhs[rule]);
            st[++top] = go;
        } else {
            return act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION;
        }
    }
    return 0;
}

int dgk_parser_accepts(void *parser, int kind)
{
    return would_shift(parser, kind);
}

int dgk_parser_recovering(void *parser)
{
    return ((yyParser *)parser)->yyerrcnt >= 0;
}

void dgk_parser_expected(void *parser, char *expected)
{
    expected_tokens(parser, expected);
}

/* expected[k] = 1 for each terminal k the parser could take now (k < 256). */
static void expected_tokens(void *parser, char *expected)
{
    memset(expected, 0, 256);
    for (int k = 0; k < YYNTOKEN && k < 256; k++)
        expected[k] = (char)would_shift(parser, k);
}
}
