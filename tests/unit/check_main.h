/* check_main.h - the main() every Check unit-test binary shares: run one suite in fork
 * mode, print Check's summary, exit non-zero on any failure. A test file defines
 *     static Suite *make_suite(void) { ... }
 *     DGK_CHECK_MAIN(make_suite)
 */
#ifndef DGK_CHECK_MAIN_H
#define DGK_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define DGK_CHECK_MAIN(make_suite)                                   \
    int main(void)                                                   \
    {                                                                \
        SRunner *sr = srunner_create(make_suite());                  \
        srunner_set_fork_status(sr, CK_FORK);                        \
        srunner_run_all(sr, CK_NORMAL);                              \
        int failed = srunner_ntests_failed(sr);                      \
        srunner_free(sr);                                            \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                 \
    }

#endif
