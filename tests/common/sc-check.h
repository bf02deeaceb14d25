// One line per check ("ok - line N: ..." or "FAIL - ..."), for the SystemC
// tests (tests/models/, tests/router/), and the summary line that ends a
// run, and run_cases(): each sub-test in a simulation (a process) of its
// own.  Header-only: each test is one program.
#ifndef SCLINK_TESTS_COMMON_SC_CHECK_H
#define SCLINK_TESTS_COMMON_SC_CHECK_H

#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

static int g_checks, g_failed;

static inline bool check(bool ok, int line, const std::string &what)
{
    g_checks++;
    if (!ok)
        g_failed++;
    std::printf("%s - line %d: %s\n", ok ? "ok" : "FAIL", line, what.c_str());
    std::fflush(stdout);
    return ok;
}

static inline std::string hex(uint64_t v)
{
    char b[24];
    std::snprintf(b, sizeof(b), "0x%" PRIx64, v);
    return b;
}

#define CHECK(cond) check((cond), __LINE__, #cond)
#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                      \
        check(a_ == b_, __LINE__,                                             \
              std::string(#a " == " #b " (") + hex(a_) + " vs " + hex(b_) + ")"); \
    } while (0)

// Prints "N checks, K failed"; the exit status for main().
static inline int finish()
{
    std::printf("%d checks, %d failed\n", g_checks, g_failed);
    return g_failed != 0 ? 1 : 0;
}

// One sub-test: a name and a function that builds its own platform, runs
// its own simulation (sc_start) and checks.
struct ScCase {
    const char *name;
    void (*run)();
};

// Runs each case in a simulation of its own.  SystemC elaborates once per
// process and its time never goes back, so a sub-test that ran after
// another in one simulation inherited its time, its pending events and its
// model state, and passed or failed by what came before.  Each case runs
// in a child process forked before any SystemC object exists (sc_main
// must create none before calling this): it starts at time 0 with fresh
// models, and a crash or an uncaught report is one failed case, not the
// end of the run.  Arguments name the cases to run (default all);
// SC_CHECK_NOFORK=1 with one name runs it in this process, for a debugger.
// Returns the exit status for sc_main.
static inline int run_cases(const ScCase *cases, size_t n, int argc, char **argv)
{
    const char *nofork = std::getenv("SC_CHECK_NOFORK");
    int ran = 0, failed = 0;

    for (size_t i = 0; i < n; i++) {
        bool wanted = argc <= 1;
        for (int a = 1; a < argc; a++)
            wanted = wanted || std::strcmp(argv[a], cases[i].name) == 0;
        if (!wanted)
            continue;
        ran++;
        std::printf("# case %s\n", cases[i].name);
        std::fflush(stdout);
        if (nofork != nullptr && std::strcmp(nofork, "1") == 0 && argc == 2) {
            cases[i].run();
            return finish();
        }
        pid_t pid = fork();
        if (pid < 0) {
            std::printf("FAIL - case %s: fork: %s\n", cases[i].name, std::strerror(errno));
            failed++;
            continue;
        }
        if (pid == 0) {
            cases[i].run();
            int rc = finish();
            std::fflush(stdout);
            std::fflush(stderr);
            // Not exit(): the parent's atexit handlers and SystemC's static
            // destructors are the parent's to run.
            _exit(rc);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            continue;
        failed++;
        if (WIFSIGNALED(status))
            std::printf("FAIL - case %s: killed by signal %d\n", cases[i].name,
                        WTERMSIG(status));
        else
            std::printf("FAIL - case %s: exit status %d\n", cases[i].name,
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    if (ran == 0) {
        std::printf("FAIL - no case matches the arguments\n");
        return 1;
    }
    std::printf("%d cases, %d failed\n", ran, failed);
    return failed != 0 ? 1 : 0;
}

#endif /* SCLINK_TESTS_COMMON_SC_CHECK_H */
