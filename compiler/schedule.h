/* schedule.h - the schedule kinds of the language (dsl/SPEC.md section 6): one table
 * shared by sema, which checks a `schedule` statement, and the plan, which lowers it.
 * Names come from dgk_sched_kind_name() in sema_sched.c. */
#ifndef DGK_SCHEDULE_H
#define DGK_SCHEDULE_H

/* X(ID, spelling) */
#define DGK_SCHED_KINDS(X)                                            \
    X(GRID, "grid")                                                   \
    X(PERSISTENT, "persistent")                                       \
    X(M_GROUPED_CONTIGUOUS, "m_grouped_contiguous")                   \
    X(M_GROUPED_MASKED, "m_grouped_masked")                           \
    X(K_GROUPED, "k_grouped")

typedef enum dgk_sched_kind {
#define X(id, s) DGK_SCHED_##id,
    DGK_SCHED_KINDS(X)
#undef X
    DGK_SCHED_COUNT
} dgk_sched_kind;

const char *dgk_sched_kind_name(dgk_sched_kind k);

#endif
