/* error.c - status names and the thread-local message behind dgk_last_error(). Every
 * failing public entry sets the message through dgk_fail; nothing here prints. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rt.h"

static const char *const names[DGK_STATUS_COUNT] = {
#define X(name, text) "DGK_" #name,
    DGK_STATUS_TABLE(X)
#undef X
};

static const char *const texts[DGK_STATUS_COUNT] = {
#define X(name, text) text,
    DGK_STATUS_TABLE(X)
#undef X
};

/* Large enough for the head of a compiler log, which a failed compile quotes. */
static _Thread_local char message[4096];

const char *dgk_status_name(dgk_status s)
{
    return (unsigned)s < DGK_STATUS_COUNT ? names[s] : "DGK_?";
}

const char *dgk_status_text(dgk_status s)
{
    return (unsigned)s < DGK_STATUS_COUNT ? texts[s] : "unknown status";
}

const char *dgk_last_error(void)
{
    return message;
}

dgk_status dgk_fail(dgk_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return s;
}

dgk_status dgk_fail_prefix(dgk_status s, const char *prefix)
{
    char old[sizeof message];
    memcpy(old, message, sizeof old);
    return dgk_fail(s, "%s: %s", prefix, old);
}
