/*
 * The main() of every Check suite, in one place: a suite function builds
 * the Suite, SCLINK_CHECK_MAIN(suite_fn) runs it and turns the count of
 * failed tests into the exit status automake reads.  Fork mode comes from
 * CK_FORK, which make check sets to "yes" (Makefile.am): each test runs in
 * a process of its own, so a crash is one failed test; CK_FORK=no runs
 * them in one process, for a debugger.  CK_RUN_CASE and CK_RUN_SUITE
 * (Check's own) pick one test case.  Header-only, so that a suite needs no
 * extra library in its link line.
 */
#ifndef SCLINK_TESTS_COMMON_CHECK_MAIN_H
#define SCLINK_TESTS_COMMON_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* A test case named `name` in `s`; `timeout_s` > 0 replaces Check's
 * default of 4 s (for tests that start gateways or subprocesses). */
static inline TCase *sclink_check_tcase(Suite *s, const char *name,
                                        double timeout_s)
{
    TCase *tc = tcase_create(name);

    if (timeout_s > 0)
        tcase_set_timeout(tc, timeout_s);
    suite_add_tcase(s, tc);
    return tc;
}

/* Runs `s` (and frees it) and returns the exit status for main().  With
 * `always_fork`, each test gets its own process whatever CK_FORK says:
 * for suites whose tests each elaborate a SystemC simulation, which
 * SystemC allows once per process. */
static inline int sclink__check_run(Suite *s, int always_fork)
{
    SRunner *sr = srunner_create(s);
    int failed;

    if (always_fork)
        srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static inline int sclink_check_run(Suite *s)
{
    return sclink__check_run(s, 0);
}

/* main() for a suite built by `suite_fn` (Suite *suite_fn(void)). */
#define SCLINK_CHECK_MAIN(suite_fn)                                           \
    int main(void)                                                            \
    {                                                                         \
        return sclink__check_run(suite_fn(), 0);                              \
    }

/* The same for a suite whose every test runs a SystemC simulation. */
#define SCLINK_CHECK_MAIN_SYSTEMC(suite_fn)                                   \
    int main(void)                                                            \
    {                                                                         \
        return sclink__check_run(suite_fn(), 1);                              \
    }

#endif /* SCLINK_TESTS_COMMON_CHECK_MAIN_H */
