/*
 * sclink-guest-smp: the guest half of tests/e2e/smp.sh.  Static, runs as
 * the test guest's program when the kernel command line says
 * sclink.prog=smp (guest/init).
 *
 *   sclink-guest-smp THREADS ROUNDS
 *
 * THREADS threads (at most 4, one per scratch register of the demo
 * platform's id model), thread i pinned to CPU i, drive BAR0 of the first
 * 1234:5c11 function (guest/demo-platform.yaml) at once, ROUNDS rounds
 * each.  A round of thread i:
 *
 *   - writes its own SCRATCH i (id model, 4 bytes) with a value naming
 *     the thread and the round, and reads it back;
 *   - writes one 8-byte word and one byte of its own quarter of ram0
 *     (8 KiB at 0x8000 + i * 0x2000), and reads both back;
 *   - reads MAGIC.
 *
 * Every value read must be the thread's own (a read answered with another
 * thread's data, an all-ones failure or zeros shows here), and after the
 * last round each thread writes its whole quarter of RAM and reads it
 * back.  The
 * threads' running times must overlap: they start together (a barrier)
 * and each records when it began and ended.  Prints one line per thread,
 *
 *   SMP: thread I cpu C: N accesses, E wrong
 *
 * then "SMP: overlap ..." and the verdict, "SCLINK-GUEST: PASS (N checks)"
 * or "SCLINK-GUEST: FAIL (...)".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pci-sysfs.h"

#define ID_MAGIC 0x0000
#define ID_MAGIC_VALUE 0x53434c4bu
#define ID_SCRATCH(i) (0x0010 + 4 * (i))
#define RAM_QUARTER(i) (0x8000 + 0x2000 * (i))
#define RAM_QUARTER_SIZE 0x2000
#define MAX_THREADS 4

static volatile uint8_t *bar0;
static pthread_barrier_t start;

struct worker {
    pthread_t thread;
    int index;
    unsigned long rounds;
    int cpu;                /* where it ran (sched_getcpu) */
    unsigned long accesses;
    unsigned long wrong;
    char first_wrong[160];
    uint64_t begin_ns, end_ns;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* The 8-byte word thread i writes at slot k of its quarter in round r. */
static uint64_t ram_word(int i, unsigned long r, unsigned k)
{
    return (uint64_t)(0xa0 + i) << 56 | (uint64_t)k << 32 | (uint32_t)r;
}

static void wrong(struct worker *w, const char *what, uint32_t off,
                  uint64_t got, uint64_t want)
{
    if (!w->wrong++) {
        snprintf(w->first_wrong, sizeof w->first_wrong,
                 "%s at BAR0+0x%04x: read 0x%llx, wrote 0x%llx", what, off,
                 (unsigned long long)got, (unsigned long long)want);
    }
}

static void *work(void *opaque)
{
    struct worker *w = opaque;
    int i = w->index;
    uint32_t scratch = ID_SCRATCH(i);
    unsigned slots = RAM_QUARTER_SIZE / 8;
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(i, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set)) {
        w->cpu = -1;
    }
    pthread_barrier_wait(&start);
    w->cpu = w->cpu < 0 ? -1 : sched_getcpu();
    w->begin_ns = now_ns();
    for (unsigned long r = 0; r < w->rounds; r++) {
        unsigned k = r % slots;
        uint32_t word_off = RAM_QUARTER(i) + 8 * k;
        uint32_t byte_off = RAM_QUARTER(i) + (unsigned)((r * 7 + 3) % RAM_QUARTER_SIZE);
        uint32_t v32 = (uint32_t)(i + 1) << 24 | (uint32_t)(r & 0xffffff);
        uint64_t v64 = ram_word(i, r, k);
        uint8_t v8 = (uint8_t)(0x11 * (i + 1) + r);
        uint64_t got;

        *(volatile uint32_t *)(bar0 + scratch) = v32;
        got = *(volatile uint32_t *)(bar0 + scratch);
        if (got != v32) {
            wrong(w, "SCRATCH", scratch, got, v32);
        }
        *(volatile uint64_t *)(bar0 + word_off) = v64;
        got = *(volatile uint64_t *)(bar0 + word_off);
        if (got != v64) {
            wrong(w, "ram word", word_off, got, v64);
        }
        *(volatile uint8_t *)(bar0 + byte_off) = v8;
        got = *(volatile uint8_t *)(bar0 + byte_off);
        if (got != v8) {
            wrong(w, "ram byte", byte_off, got, v8);
        }
        got = *(volatile uint32_t *)(bar0 + ID_MAGIC);
        if (got != ID_MAGIC_VALUE) {
            wrong(w, "MAGIC", ID_MAGIC, got, ID_MAGIC_VALUE);
        }
        w->accesses += 7;
        /* The byte may land in a word of this round's: write it again. */
        *(volatile uint64_t *)(bar0 + word_off) = v64;
        w->accesses++;
    }
    /* The whole quarter, written with words of a last round and read back. */
    for (unsigned k = 0; k < slots; k++) {
        *(volatile uint64_t *)(bar0 + RAM_QUARTER(i) + 8 * k) =
            ram_word(i, w->rounds, k);
        w->accesses++;
    }
    for (unsigned k = 0; k < slots; k++) {
        uint32_t off = RAM_QUARTER(i) + 8 * k;
        uint64_t got = *(volatile uint64_t *)(bar0 + off);

        if (got != ram_word(i, w->rounds, k)) {
            wrong(w, "ram quarter", off, got, ram_word(i, w->rounds, k));
        }
        w->accesses++;
    }
    w->end_ns = now_ns();
    return NULL;
}

int main(int argc, char **argv)
{
    struct worker w[MAX_THREADS] = { 0 };
    char dir[300], path[400];
    uint64_t last_begin = 0, first_end = UINT64_MAX;
    int n, failures = 0, checks = 0;
    unsigned long rounds;
    long cpus;
    void *p;
    int fd;

    if (argc != 3) {
        dprintf(2, "usage: sclink-guest-smp THREADS ROUNDS\n");
        return 2;
    }
    n = atoi(argv[1]);
    rounds = strtoul(argv[2], NULL, 0);
    if (n < 1 || n > MAX_THREADS || !rounds) {
        printf("SCLINK-GUEST: FAIL (THREADS must be 1..%d, ROUNDS > 0)\n",
               MAX_THREADS);
        return 1;
    }
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("SMP: %ld CPUs online, %d threads, %lu rounds each\n", cpus, n,
           rounds);
    if (cpus < n) {
        printf("SCLINK-GUEST: FAIL (%ld CPUs online, %d threads asked)\n",
               cpus, n);
        return 1;
    }
    if (pci_find(0x1234, 0x5c11, 0, dir, sizeof dir) < 0 ||
        pci_command_set(dir, 0x2) < 0) {
        printf("SCLINK-GUEST: FAIL (no 1234:5c11 device with memory space)\n");
        return 1;
    }
    snprintf(path, sizeof path, "%s/resource0", dir);
    fd = open(path, O_RDWR | O_SYNC);
    p = fd < 0 ? MAP_FAILED :
        mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        printf("SCLINK-GUEST: FAIL (cannot map BAR0)\n");
        return 1;
    }
    bar0 = p;

    pthread_barrier_init(&start, NULL, n);
    for (int i = 0; i < n; i++) {
        w[i].index = i;
        w[i].rounds = rounds;
        if (pthread_create(&w[i].thread, NULL, work, &w[i])) {
            printf("SCLINK-GUEST: FAIL (cannot start thread %d)\n", i);
            return 1;
        }
    }
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].thread, NULL);
    }
    for (int i = 0; i < n; i++) {
        printf("SMP: thread %d cpu %d: %lu accesses, %lu wrong%s%s\n", i,
               w[i].cpu, w[i].accesses, w[i].wrong,
               w[i].wrong ? ": first " : "", w[i].first_wrong);
        checks += 2;
        failures += w[i].cpu != i;
        failures += w[i].wrong != 0;
        if (w[i].begin_ns > last_begin) {
            last_begin = w[i].begin_ns;
        }
        if (w[i].end_ns < first_end) {
            first_end = w[i].end_ns;
        }
    }
    /* Every thread began before any ended: they ran at the same time. */
    checks++;
    printf("SMP: overlap %s: last start %.3f ms before the first end\n",
           last_begin < first_end ? "yes" : "NO",
           last_begin < first_end ? (first_end - last_begin) / 1e6 : 0.0);
    failures += last_begin >= first_end;
    if (failures) {
        printf("SCLINK-GUEST: FAIL (%d of %d failed)\n", failures, checks);
    } else {
        printf("SCLINK-GUEST: PASS (%d checks)\n", checks);
    }
    fflush(stdout);
    return failures ? 1 : 0;
}
