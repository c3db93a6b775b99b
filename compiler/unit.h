/* unit.h - the inside of a dgkc_unit (include/dgkc.h): one compilation of one .dgk
 * source. Later passes (IR builder, planners, emitters) include this to reach the
 * unit's AST, arena and diagnostics; the public API sees only the opaque pointer.
 * Everything a unit derives lives in its arena and is freed with it. */
#ifndef DGKC_UNIT_H
#define DGKC_UNIT_H

#include "../dsl/ast.h"
#include "../include/dgkc.h"
#include "arena.h"
#include "diag.h"
#include "ir.h"
#include "plan.h"
#include "sema.h"
#include "strbuf.h"

/* How far a stage got. A stage runs at most once per unit. */
typedef enum dgkc_stage {
    DGKC_STAGE_NOT_RUN,
    DGKC_STAGE_OK,
    DGKC_STAGE_FAILED,
} dgkc_stage;

struct dgkc_unit {
    dgk_arena arena;          /* owns everything below except the unit itself */
    dgk_diags diags;          /* every stage reports here */
    dgk_source src;           /* name + NUL-terminated copy of the text */
    dgk_define *defines;      /* -D NAME=VALUE in command-line order (syntax checked) */
    dgk_define *defines_tail;
    dgk_module *module;       /* the AST; set by dgkc_parse (partial if it failed) */
    dgkc_stage parsed;        /* lex + parse */
    dgkc_stage checked;       /* sema */
    int tokens_dumped;        /* dgkc_dump_tokens ran: its lexical errors are in diags */
    /* back half (unit_lower.c) */
    dgk_ir_module ir;         /* set by dgkc_lower */
    dgkc_stage lowered;
    dgk_plan **plans;         /* one per IR kernel, set by dgkc_plan_kernel */
    dgkc_stage *plan_state;   /* per kernel */
    dgk_strbuf *kernel_cuda;  /* per kernel, set by dgkc_emit_kernel */
    int target;               /* dgk_target the plans are for */
    dgk_strbuf cuda;          /* the emitted CUDA C of every kernel, set by dgkc_emit */
    dgkc_stage emitted;
};

#endif
