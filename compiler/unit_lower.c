/* unit_lower.c - the back half of a dgkc_unit: tile IR, planning and emission, each a
 * stage that runs once and runs the stages before it (include/dgkc.h). Like the front
 * half, it reports into the unit's diagnostics and never prints unless asked to dump. */
#include <string.h>

#include "../backend/sm90/sm90.h"
#include "planner.h"
#include "unit.h"

static int stage_status(const dgkc_unit *u, dgkc_stage st)
{
    if (u->arena.failed)
        return DGKC_ENOMEM;
    return st == DGKC_STAGE_OK ? DGKC_OK : DGKC_EUSER;
}

int dgkc_lower(dgkc_unit *u)
{
    int rc = dgkc_check(u);
    if (rc != DGKC_OK)
        return rc;
    if (u->lowered == DGKC_STAGE_NOT_RUN) {
        int errors = dgk_ir_build(u->module, &u->ir, &u->diags, &u->arena);
        u->lowered = errors ? DGKC_STAGE_FAILED : DGKC_STAGE_OK;
    }
    return stage_status(u, u->lowered);
}

/* The targets the back half knows: name -> plan target. */
static const struct { const char *name; dgk_target target; } targets[] = {
    {"sm_90a", DGK_TARGET_SM90A},
    {"sm_100a", DGK_TARGET_SM100A},
};

static int find_target(const char *arch, dgk_target *t)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (arch && strcmp(arch, targets[i].name) == 0)
            return *t = targets[i].target, 1;
    return 0;
}

/* Allocates the per-kernel slots once the IR exists. */
static int prepare_plans(dgkc_unit *u, dgk_target target)
{
    if (u->plans)
        return (int)target == u->target ? DGKC_OK : DGKC_EARG;
    u->target = (int)target;
    int n = u->ir.nkernels ? u->ir.nkernels : 1;
    u->plans = DGK_NEW_ARRAY(&u->arena, dgk_plan *, n);
    u->plan_state = DGK_NEW_ARRAY(&u->arena, dgkc_stage, n);
    u->kernel_cuda = DGK_NEW_ARRAY(&u->arena, dgk_strbuf, n);
    return u->plans && u->plan_state && u->kernel_cuda ? DGKC_OK : DGKC_ENOMEM;
}

int dgkc_plan_kernel(dgkc_unit *u, const char *arch, int i)
{
    dgk_target target;
    if (!u || !find_target(arch, &target))
        return DGKC_EARG;
    int rc = dgkc_lower(u);
    if (rc == DGKC_OK)
        rc = prepare_plans(u, target);
    if (rc != DGKC_OK)
        return rc;
    if (i < 0 || i >= u->ir.nkernels)
        return DGKC_EARG;
    if (u->plan_state[i] == DGKC_STAGE_NOT_RUN) {
        int errors = dgk_plan_kernel(&u->ir.kernels[i], target, &u->diags, &u->arena, &u->plans[i]);
        u->plan_state[i] = errors ? DGKC_STAGE_FAILED : DGKC_STAGE_OK;
    }
    return stage_status(u, u->plan_state[i]);
}

int dgkc_plan(dgkc_unit *u, const char *arch)
{
    int rc = dgkc_lower(u);
    if (rc != DGKC_OK)
        return rc;
    int worst = DGKC_OK;
    for (int i = 0; i < u->ir.nkernels; i++) {
        rc = dgkc_plan_kernel(u, arch, i);
        if (rc != DGKC_OK && worst != DGKC_EARG && worst != DGKC_ENOMEM)
            worst = rc;
    }
    return worst;
}

int dgkc_emit_kernel(dgkc_unit *u, const char *arch, int i, const char **src, size_t *len)
{
    int rc = dgkc_plan_kernel(u, arch, i);
    if (rc != DGKC_OK)
        return rc;
    dgk_strbuf *b = &u->kernel_cuda[i];
    if (!b->data && dgk_sm90_emit(u->plans[i], b, &u->diags))
        return DGKC_EUSER;
    if (b->failed)
        return DGKC_ENOMEM;
    if (src)
        *src = dgk_strbuf_str(b);
    if (len)
        *len = b->len;
    return DGKC_OK;
}

int dgkc_emit(dgkc_unit *u, const char *arch, const char **src, size_t *len)
{
    int rc = dgkc_plan(u, arch);
    if (rc != DGKC_OK)
        return rc;
    if (u->emitted == DGKC_STAGE_NOT_RUN) {
        int errors = 0;
        dgk_strbuf_init(&u->cuda);
        for (int i = 0; i < u->ir.nkernels; i++) {
            const char *k;
            size_t n;
            if (dgkc_emit_kernel(u, arch, i, &k, &n) == DGKC_OK)
                dgk_strbuf_putn(&u->cuda, k, n);
            else
                errors++;
        }
        u->emitted = errors || u->cuda.failed ? DGKC_STAGE_FAILED : DGKC_STAGE_OK;
    }
    if (src)
        *src = dgk_strbuf_str(&u->cuda);
    if (len)
        *len = u->cuda.len;
    return u->cuda.failed ? DGKC_ENOMEM : stage_status(u, u->emitted);
}

int dgkc_kernel_index(const dgkc_unit *u, const char *name)
{
    int i = 0;
    for (const dgk_kernel *k = u && u->module && name ? u->module->kernels : NULL; k; k = k->next, i++)
        if (strcmp(k->name.id, name) == 0)
            return i;
    return -1;
}

int dgkc_device_header(const char *arch, const char **name, const char **text)
{
    dgk_target t;
    if (!find_target(arch, &t) || t != DGK_TARGET_SM90A)
        return DGKC_EARG;
    *name = DGK_SM90_HEADER_NAME;
    *text = dgk_devhdr_sm90;
    return DGKC_OK;
}

/* Kernels are counted and named from the AST, so these work once the unit parsed. */
static const dgk_kernel *kernel_at(const dgkc_unit *u, int i)
{
    const dgk_kernel *k = u && u->module ? u->module->kernels : NULL;
    for (; k && i > 0; i--)
        k = k->next;
    return i == 0 ? k : NULL;
}

int dgkc_kernel_count(const dgkc_unit *u)
{
    int n = 0;
    for (const dgk_kernel *k = u && u->module ? u->module->kernels : NULL; k; k = k->next)
        n++;
    return n;
}

const char *dgkc_kernel_name(const dgkc_unit *u, int i)
{
    const dgk_kernel *k = i >= 0 ? kernel_at(u, i) : NULL;
    return k ? k->name.id : NULL;
}

const struct dgk_plan *dgkc_kernel_plan(const dgkc_unit *u, int i)
{
    if (!u || !u->plans || i < 0 || i >= u->ir.nkernels || u->plan_state[i] != DGKC_STAGE_OK)
        return NULL;
    return u->plans[i];
}

int dgkc_dump_ir(dgkc_unit *u, FILE *out)
{
    int rc = dgkc_lower(u);
    if (rc == DGKC_OK)
        dgk_ir_print(&u->ir, out);
    return rc;
}

int dgkc_dump_plan(dgkc_unit *u, const char *arch, int kernel, FILE *out)
{
    int rc = kernel < 0 ? dgkc_plan(u, arch) : dgkc_plan_kernel(u, arch, kernel);
    for (int i = 0; u->plans && i < u->ir.nkernels; i++)
        if ((kernel < 0 || i == kernel) && u->plan_state[i] == DGKC_STAGE_OK)
            dgk_plan_print(u->plans[i], out);
    return rc;
}

static const dgk_sema_kernel *kernel_info(const dgkc_unit *u, int i)
{
    const dgk_kernel *k = u && u->checked == DGKC_STAGE_OK && i >= 0 ? kernel_at(u, i) : NULL;
    return k ? k->info : NULL;
}

int dgkc_kernel_param_count(const dgkc_unit *u, int i)
{
    const dgk_sema_kernel *info = kernel_info(u, i);
    return info ? info->nparams : 0;
}

int dgkc_kernel_param_dtype(const dgkc_unit *u, int i, int param)
{
    const dgk_sema_kernel *info = kernel_info(u, i);
    if (!info || param < 0 || param >= info->nparams || !info->params[param].type)
        return 0;
    return (int)info->params[param].type->dtype;
}

const char *dgkc_dtype_name(int dtype)
{
    return dgk_dtype_name((dgk_dtype)dtype);
}
