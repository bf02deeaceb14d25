// One line per check ("ok - line N: ..." or "FAIL - ..."), for the SystemC
// tests (tests/models/, tests/router/), and the summary line that ends a
// run.  Header-only: each test is one program.
#ifndef SCLINK_TESTS_COMMON_SC_CHECK_H
#define SCLINK_TESTS_COMMON_SC_CHECK_H

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

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

#endif /* SCLINK_TESTS_COMMON_SC_CHECK_H */
