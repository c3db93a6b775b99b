/* int_fold.c - integer constant folding (int_fold.h). */
#include "int_fold.h"

int dgk_int_arith(dgk_op op, int64_t x, int64_t y, int64_t *r)
{
    switch (op) {
    case DGK_OP_ADD: return !__builtin_add_overflow(x, y, r);
    case DGK_OP_SUB: return !__builtin_sub_overflow(x, y, r);
    case DGK_OP_MUL: return !__builtin_mul_overflow(x, y, r);
    case DGK_OP_DIV: return y != 0 && !(x == INT64_MIN && y == -1) && (*r = x / y, 1);
    case DGK_OP_MOD: return y != 0 && !(x == INT64_MIN && y == -1) && (*r = x % y, 1);
    case DGK_OP_SHL: return y >= 0 && y < 63 && x >= 0 && x <= (INT64_MAX >> y) && (*r = x << y, 1);
    case DGK_OP_SHR: return y >= 0 && y < 64 && (*r = x >> y, 1);
    case DGK_OP_BAND: return *r = x & y, 1;
    case DGK_OP_BOR: return *r = x | y, 1;
    case DGK_OP_BXOR: return *r = x ^ y, 1;
    default: return 0;
    }
}

int dgk_int_unary(dgk_op op, int64_t x, int64_t *r)
{
    switch (op) {
    case DGK_OP_NEG: return x != INT64_MIN && (*r = -x, 1);
    case DGK_OP_BNOT: return *r = ~x, 1;
    default: return 0;
    }
}

int dgk_int_compare(dgk_op op, int64_t x, int64_t y, int *r)
{
    switch (op) {
    case DGK_OP_EQ: return *r = x == y, 1;
    case DGK_OP_NE: return *r = x != y, 1;
    case DGK_OP_LT: return *r = x < y, 1;
    case DGK_OP_LE: return *r = x <= y, 1;
    case DGK_OP_GT: return *r = x > y, 1;
    case DGK_OP_GE: return *r = x >= y, 1;
    default: return 0;
    }
}
