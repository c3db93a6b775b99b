/* ptxas_report.c - reads ptxas's `-v` report out of a compile log into one
 * dgk_func_report per function: registers, barriers, static shared memory, stack frame,
 * spill stores/loads, and the "wgmma.mma_async instructions are serialized" warning.
 * The log comes from NVRTC (--ptxas-options=-v) or nvcc (-Xptxas -v); the result lands
 * in the dgk_binary, where tools and tests read it. Lines look like:
 *   ptxas info    : Compiling entry function 'k' for 'sm_90a'
 *   ptxas info    : Function properties for k
 *   ptxas         .     256 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
 *   ptxas info    : Used 37 registers, used 1 barriers, 1024 bytes smem
 *   ptxas info    : (C7515) Potential Performance Loss: wgmma.mma_async instructions are
 *                   serialized due to ... in the function 'k'                          */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* One "N <what>" item of a statistics line -> the field it sets. */
typedef struct stat_row {
    const char *what;
    size_t offset;
} stat_row;

static const stat_row stat_rows[] = {
    {"registers", offsetof(dgk_func_report, registers)},
    {"barriers", offsetof(dgk_func_report, barriers)},
    {"bytes smem", offsetof(dgk_func_report, smem_bytes)},
    {"bytes stack frame", offsetof(dgk_func_report, stack_bytes)},
    {"bytes cumulative stack size", offsetof(dgk_func_report, cumulative_stack_bytes)},
    {"bytes spill stores", offsetof(dgk_func_report, spill_store_bytes)},
    {"bytes spill loads", offsetof(dgk_func_report, spill_load_bytes)},
};

typedef struct parser {
    dgk_func_report *funcs;
    int num, cap;
    int current;   /* index of the function the next statistics belong to, -1 if none */
    int failed;
} parser;

static int find(const parser *ps, const char *name, size_t len)
{
    for (int i = 0; i < ps->num; i++)
        if (strlen(ps->funcs[i].name) == len && memcmp(ps->funcs[i].name, name, len) == 0)
            return i;
    return -1;
}

/* The function named name[0..len), added if new; -1 when out of memory. */
static int intern(parser *ps, const char *name, size_t len, int is_entry)
{
    int i = find(ps, name, len);
    if (i < 0) {
        if (ps->num == ps->cap) {
            int cap = ps->cap ? 2 * ps->cap : 8;
            dgk_func_report *f = realloc(ps->funcs, (size_t)cap * sizeof *f);
            if (!f)
                return ps->failed = 1, -1;
            ps->funcs = f;
            ps->cap = cap;
        }
        char *copy = strndup(name, len);
        if (!copy)
            return ps->failed = 1, -1;
        i = ps->num++;
        memset(&ps->funcs[i], 0, sizeof ps->funcs[i]);
        ps->funcs[i].name = copy;
    }
    ps->funcs[i].is_entry |= is_entry;
    return i;
}

/* The text between the first pair of single quotes after `marker`. */
static const char *quoted(const char *line, const char *marker, size_t *len)
{
    const char *m = strstr(line, marker);
    const char *q = m ? strchr(m + strlen(marker) - 1, '\'') : NULL;
    const char *e = q ? strchr(q + 1, '\'') : NULL;
    if (!e)
        return NULL;
    *len = (size_t)(e - q - 1);
    return q + 1;
}

/* "N what" -> the field; items the table lacks (cmem[0], gmem) are skipped. */
static void stat_item(dgk_func_report *f, const char *item, size_t len)
{
    while (len && isspace((unsigned char)*item))
        item++, len--;
    if (len >= 5 && (strncmp(item, "Used ", 5) == 0 || strncmp(item, "used ", 5) == 0))
        item += 5, len -= 5;
    char *end;
    long v = strtol(item, &end, 10);
    if (end == item || *end != ' ')
        return;
    const char *what = end + 1;
    size_t wlen = len - (size_t)(what - item);
    while (wlen && isspace((unsigned char)what[wlen - 1]))
        wlen--;
    for (size_t r = 0; r < sizeof stat_rows / sizeof stat_rows[0]; r++)
        if (strlen(stat_rows[r].what) == wlen && memcmp(stat_rows[r].what, what, wlen) == 0)
            *(int *)((char *)f + stat_rows[r].offset) = (int)v;
}

static void stat_line(parser *ps, const char *line)
{
    if (ps->current < 0)
        return;
    const char *p = strstr(line, ": Used ");
    p = p ? p + 2 : strchr(line, '.') + 1;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        stat_item(&ps->funcs[ps->current], p, len);
        if (!comma)
            break;
        p = comma + 1;
    }
}

static void wgmma_line(parser *ps, const char *line)
{
    size_t len;
    const char *name = quoted(line, "in the function '", &len);
    int i = name ? intern(ps, name, len, 0) : ps->current;
    if (i < 0)
        return;
    const char *why = strstr(line, "serialized");
    const char *end = strstr(line, " in the function");
    why += strlen("serialized");
    while (*why == ' ')
        why++;
    size_t wlen = end && end > why ? (size_t)(end - why) : strlen(why);
    dgk_func_report *f = &ps->funcs[i];
    f->wgmma_serialized = 1;
    if (!f->wgmma_reason && !(f->wgmma_reason = strndup(why, wlen)))
        ps->failed = 1;
}

/* What follows `marker` in `line`, or NULL. */
static const char *after(const char *line, const char *marker)
{
    const char *m = strstr(line, marker);
    return m ? m + strlen(marker) : NULL;
}

static void line(parser *ps, const char *l)
{
    size_t len;
    const char *name;
    if ((name = quoted(l, "Compiling entry function '", &len)))
        ps->current = intern(ps, name, len, 1);
    else if ((name = after(l, "Function properties for ")))
        ps->current = intern(ps, name, strcspn(name, " \r"), 0);
    else if (strstr(l, "wgmma.mma_async instructions are serialized"))
        wgmma_line(ps, l);
    else if (strstr(l, ": Used ") || (strncmp(l, "ptxas", 5) == 0 && strstr(l, " bytes stack frame")))
        stat_line(ps, l);
}

dgk_status dgk_report_parse(const char *log, dgk_func_report **funcs, int *num)
{
    parser ps = {.current = -1};
    while (log && *log && !ps.failed) {
        size_t n = strcspn(log, "\n");
        char *l = strndup(log, n);
        if (!l)
            break;
        line(&ps, l);
        free(l);
        log += n + (log[n] == '\n');
    }
    if (ps.failed || (log && *log)) {
        dgk_report_free(ps.funcs, ps.num);
        return dgk_fail(DGK_ENOMEM, "out of memory reading the ptxas report");
    }
    *funcs = ps.funcs;
    *num = ps.num;
    return DGK_OK;
}

void dgk_report_free(dgk_func_report *funcs, int num)
{
    for (int i = 0; i < num; i++) {
        free((char *)funcs[i].name);
        free((char *)funcs[i].wgmma_reason);
    }
    free(funcs);
}

const dgk_func_report *dgk_report_find(const dgk_report *r, const char *name)
{
    for (int i = 0; r && name && i < r->num_funcs; i++)
        if (strcmp(r->funcs[i].name, name) == 0)
            return &r->funcs[i];
    return NULL;
}
