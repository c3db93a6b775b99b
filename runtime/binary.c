/* binary.c - the dgk_binary object: a compiled image (cubin or PTX), the compiler's log
 * and the ptxas report parsed from that log. Built by the compiler back ends or read back
 * by the disk cache; shared by reference count between the memory cache, dgk_compile's
 * callers and loaded kernels. Immutable once built, so readers need no lock. */
#include <stdlib.h>
#include <string.h>

#include "rt.h"

dgk_status dgk_binary_new(const uint8_t key[16], char *log, size_t log_len, void *image,
                          size_t image_len, dgk_binary **out)
{
    dgk_binary *b = calloc(1, sizeof *b);
    dgk_status s = b ? dgk_report_parse(log, &b->funcs, &b->report.num_funcs)
                     : dgk_fail(DGK_ENOMEM, "out of memory for a compiled binary");
    if (s != DGK_OK) {
        free(b);
        free(log);
        free(image);
        return s;
    }
    atomic_init(&b->refs, 1);
    memcpy(b->key, key, 16);
    b->log = log;
    b->log_len = log_len;
    b->image = image;
    b->image_len = image_len;
    b->report.funcs = b->funcs;
    for (int i = 0; i < b->report.num_funcs; i++)
        b->report.wgmma_serialized |= b->funcs[i].wgmma_serialized;
    *out = b;
    return DGK_OK;
}

dgk_binary *dgk_binary_retain(dgk_binary *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void dgk_binary_release(dgk_binary *b)
{
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    dgk_report_free(b->funcs, b->report.num_funcs);
    free(b->log);
    free(b->image);
    free(b);
}

const void *dgk_binary_image(const dgk_binary *b, size_t *size)
{
    if (size)
        *size = b ? b->image_len : 0;
    return b ? b->image : NULL;
}

const char *dgk_binary_log(const dgk_binary *b)
{
    return b ? b->log : NULL;
}

const dgk_report *dgk_binary_report(const dgk_binary *b)
{
    return b ? &b->report : NULL;
}
