/* clock.c - the monotonic clock the compile timings, DGK_PRINT_COMPILE and the benches
 * read. */
#include <time.h>

#include "rt.h"

double dgk_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
