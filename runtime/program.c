/* program.c - a dgk_program (what to compile) checked field by field, and its cache key:
 * XXH3-128 over the source, every header (name and text), the target, the output kind,
 * the options and the compiler's identity. The kernel name is not in it: one module
 * serves every kernel it defines, and compile.c checks the entry on each request. The key names the memory
 * and disk cache entries and the loaded-kernel table; it is computed on the slow path
 * (a compile request), never on a launch. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "rt.h"
#include "compiler/ident.h"

/* Bumped when anything about how a key maps to a binary changes. */
#define KEY_DOMAIN "dgk-program-key-2"

/* Plain file names: they become files in DGK_DUMP_DIR and the nvcc work directory. */
static int is_header_name(const char *s)
{
    if (!s || !*s || *s == '.')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_-.", *s))
            return 0;
    return 1;
}

static dgk_status check_headers(const char *fn, const dgk_program *p)
{
    if (p->num_headers < 0 || (p->num_headers > 0 && !p->headers))
        return dgk_fail(DGK_EINVAL, "%s: prog->headers is NULL with prog->num_headers = %d",
                        fn, p->num_headers);
    for (int i = 0; i < p->num_headers; i++) {
        const dgk_header *h = &p->headers[i];
        if (!is_header_name(h->name))
            return dgk_fail(DGK_EINVAL,
                            "%s: prog->headers[%d].name \"%s\" is not a plain file name "
                            "(letters, digits, '_', '-', '.', not starting with '.')",
                            fn, i, h->name ? h->name : "(null)");
        if (!h->text)
            return dgk_fail(DGK_EINVAL, "%s: prog->headers[%d].text is NULL", fn, i);
    }
    return DGK_OK;
}

static dgk_status check_options(const char *fn, const dgk_program *p)
{
    if (p->num_options < 0 || (p->num_options > 0 && !p->options))
        return dgk_fail(DGK_EINVAL, "%s: prog->options is NULL with prog->num_options = %d",
                        fn, p->num_options);
    for (int i = 0; i < p->num_options; i++)
        if (!p->options[i])
            return dgk_fail(DGK_EINVAL, "%s: prog->options[%d] is NULL", fn, i);
    return DGK_OK;
}

dgk_status dgk_program_check(const char *fn, const dgk_program *p)
{
    if (!p)
        return dgk_fail(DGK_EINVAL, "%s: prog is NULL", fn);
    if (!p->source)
        return dgk_fail(DGK_EINVAL, "%s: prog->source is NULL", fn);
    if (!dgk_is_c_ident(p->kernel))
        return dgk_fail(DGK_EINVAL,
                        "%s: prog->kernel \"%s\" is not a C identifier (the kernel must be "
                        "an extern \"C\" __global__ function)",
                        fn, p->kernel ? p->kernel : "(null)");
    if (p->arch <= DGK_ARCH_NONE || p->arch >= DGK_ARCH_COUNT)
        return dgk_fail(DGK_EARCH, "%s: prog->arch = %d is not a supported target (sm_90a, sm_100a)",
                        fn, (int)p->arch);
    if (p->output != DGK_OUTPUT_CUBIN && p->output != DGK_OUTPUT_PTX)
        return dgk_fail(DGK_EINVAL, "%s: prog->output = %d is neither DGK_OUTPUT_CUBIN nor DGK_OUTPUT_PTX",
                        fn, (int)p->output);
    dgk_status s = check_headers(fn, p);
    return s != DGK_OK ? s : check_options(fn, p);
}

/* Length-prefixed, so ("ab", "c") and ("a", "bc") hash differently. */
static void field(XXH3_state_t *st, const void *data, size_t len)
{
    uint64_t n = len;
    XXH3_128bits_update(st, &n, sizeof n);
    XXH3_128bits_update(st, data, len);
}

static void text(XXH3_state_t *st, const char *s)
{
    field(st, s, strlen(s));
}

void dgk_program_key(const dgk_program *p, const char *compiler, uint8_t key[16])
{
    XXH3_state_t st;
    XXH3_128bits_reset(&st);
    text(&st, KEY_DOMAIN);
    text(&st, compiler);
    text(&st, dgk_arch_name(p->arch));
    text(&st, p->output == DGK_OUTPUT_PTX ? "ptx" : "cubin");
    text(&st, p->source_name ? p->source_name : "");
    text(&st, p->source);
    field(&st, &p->num_headers, sizeof p->num_headers);
    for (int i = 0; i < p->num_headers; i++) {
        text(&st, p->headers[i].name);
        text(&st, p->headers[i].text);
    }
    field(&st, &p->num_options, sizeof p->num_options);
    for (int i = 0; i < p->num_options; i++)
        text(&st, p->options[i]);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&st));
    memcpy(key, c.digest, 16);
}

void dgk_key_hex(const uint8_t key[16], char hex[33])
{
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
}
