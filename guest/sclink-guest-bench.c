/*
 * sclink-guest-bench: the guest half of bench/qemu-bench.sh (issue 5).
 * Static, runs as the test guest's program when the kernel command line
 * says sclink.prog=bench (guest/init); arguments come from sclink.args.
 *
 *   sclink-guest-bench mmio ROUNDS N_SCLINK N_EDU [N_POSTED]
 *       ROUNDS times: N_EDU 32-bit reads of QEMU's edu device (1234:11e8,
 *       BAR0 offset 0, the ident register), then N_SCLINK 32-bit reads of
 *       sclink-pci (1234:5c11, BAR0 offset 0, the id model's MAGIC); then
 *       N_POSTED 32-bit writes to each: edu's liveness register (0x04),
 *       sclink's SCRATCH 0 (0x10, a posted write on the demo platform's
 *       BAR0), each loop ended by one read back of the last value, which
 *       with posted writes waits until the gateway has applied them all.
 *       A missing device is skipped.
 *   sclink-guest-bench cpu ROUNDS ITERS
 *       ROUNDS times: a CPU-bound loop of ITERS iterations (no MMIO, no
 *       system call), to time what an idle link costs.
 *
 * Every timed part is framed by two lines on the console,
 *
 *   BENCH-BEGIN NAME ROUND
 *   BENCH-END NAME ROUND COUNT GUEST_NS
 *
 * which the host timestamps as they arrive (that is the figure the bench
 * reports: host wall time, the same latency on both markers).  GUEST_NS is
 * the guest's own CLOCK_MONOTONIC, shown for comparison only: without
 * icount it misses the time the device freezes the virtual clock in a Sync
 * wait, with icount it counts instructions.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pci-sysfs.h"

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Maps BAR0 of the first device with these IDs (memory decoding on). */
static volatile uint32_t *map_bar0(unsigned vendor, unsigned device)
{
    char dir[300], path[400];
    void *p;
    int fd;

    if (pci_find(vendor, device, 0, dir, sizeof dir) < 0)
        return NULL;
    if (pci_command_set(dir, 0x2) < 0) /* Memory Space */
        perror("config");
    snprintf(path, sizeof path, "%s/resource0", dir);
    fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0)
        return NULL;
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

static void read_loop(const char *name, unsigned round, volatile uint32_t *reg,
                      unsigned long n, uint32_t expect)
{
    uint32_t bad = 0;
    uint64_t t0, t1;

    dprintf(1, "BENCH-BEGIN %s %u\n", name, round);
    t0 = now_ns();
    for (unsigned long i = 0; i < n; i++)
        bad |= *reg ^ expect;
    t1 = now_ns();
    dprintf(1, "BENCH-END %s %u %lu %llu\n", name, round, n,
            (unsigned long long)(t1 - t0));
    if (bad)
        dprintf(1, "BENCH-ERROR %s: read 0x%08x, not 0x%08x\n", name,
                (unsigned)(*reg), (unsigned)expect);
}

/*
 * n writes of i to reg, then one read back: edu's liveness register
 * answers ~value, sclink's scratch register the value itself.
 */
static void write_loop(const char *name, unsigned round, volatile uint32_t *reg,
                       unsigned long n, uint32_t invert)
{
    uint32_t last = (uint32_t)(n - 1), got;
    uint64_t t0, t1;

    dprintf(1, "BENCH-BEGIN %s %u\n", name, round);
    t0 = now_ns();
    for (unsigned long i = 0; i < n; i++)
        *reg = (uint32_t)i;
    got = *reg;
    t1 = now_ns();
    dprintf(1, "BENCH-END %s %u %lu %llu\n", name, round, n,
            (unsigned long long)(t1 - t0));
    if (got != (last ^ invert))
        dprintf(1, "BENCH-ERROR %s: read back 0x%08x, not 0x%08x\n", name,
                (unsigned)got, (unsigned)(last ^ invert));
}

static void cpu_loop(unsigned round, unsigned long iters)
{
    volatile uint64_t sink;
    uint64_t x = 88172645463325252ull, t0, t1;

    dprintf(1, "BENCH-BEGIN cpu %u\n", round);
    t0 = now_ns();
    for (unsigned long i = 0; i < iters; i++) {
        x ^= x << 13; /* xorshift64: no memory traffic, no syscalls */
        x ^= x >> 7;
        x ^= x << 17;
    }
    sink = x;
    t1 = now_ns();
    (void)sink;
    dprintf(1, "BENCH-END cpu %u %lu %llu\n", round, iters,
            (unsigned long long)(t1 - t0));
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;

    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "mmio")) {
        volatile uint32_t *sc = map_bar0(0x1234, 0x5c11);
        volatile uint32_t *edu = map_bar0(0x1234, 0x11e8);
        unsigned long n_sc = strtoul(argv[3], NULL, 0);
        unsigned long n_edu = strtoul(argv[4], NULL, 0);
        unsigned long n_posted = argc == 6 ? strtoul(argv[5], NULL, 0) : 0;

        dprintf(1, "BENCH: sclink-pci %s, edu %s\n", sc ? "mapped" : "absent",
                edu ? "mapped" : "absent");
        for (unsigned r = 0; r < rounds; r++) {
            if (edu)
                read_loop("edu", r, edu, n_edu, 0x010000ed);
            if (sc)
                read_loop("sclink", r, sc, n_sc, 0x53434c4b);
            if (edu && n_posted)
                write_loop("edu-write", r, edu + 1, n_posted, ~0u);
            if (sc && n_posted)
                write_loop("sclink-posted", r, sc + 4, n_posted, 0);
        }
    } else if (argc == 4 && !strcmp(argv[1], "cpu")) {
        unsigned long iters = strtoul(argv[3], NULL, 0);

        for (unsigned r = 0; r < rounds; r++)
            cpu_loop(r, iters);
    } else {
        dprintf(2, "usage: sclink-guest-bench mmio ROUNDS N_SCLINK N_EDU [N_POSTED] | "
                   "cpu ROUNDS ITERS\n");
        return 2;
    }
    dprintf(1, "BENCH-DONE\n");
    return 0;
}
