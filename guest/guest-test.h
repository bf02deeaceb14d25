/*
 * What the guest test programs (sclink-guest-test, sclink-guest-msi)
 * share: the register map of guest/demo-platform.yaml (doc/models.md),
 * one line per check, the final verdict, and BAR0 accessors.
 * Header-only, like pci-sysfs.h.
 */
#ifndef SCLINK_GUEST_TEST_H
#define SCLINK_GUEST_TEST_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* BAR0 of guest/demo-platform.yaml */
#define ID_BASE 0x0000
#define UART_BASE 0x1000
#define TIMER_BASE 0x2000
#define DMA_BASE 0x4000
#define DMA_BUF 0x5000
#define DMA_BUF_SIZE 0x1000
#define HOLE_BASE 0x6000
#define MEM_BASE 0x8000
#define MEM_SIZE 0x8000

#define SCLK_MAGIC 0x53434c4bu
#define ID_SCRATCH 4
/* What tests/e2e and guest/demo.sh put in the UART's input file. */
#define UART_RX_TEXT "sclink uart rx 0123456789\n"
#define UART_TX_TEXT "sclink uart: hello from the guest\n"

#define TIMER_PERIOD_NS 5000000ull /* longer than a quantum */
#define TIMER_IRQS 4

/*
 * How late (ns of SystemC time) the guest sees the interrupt of the first
 * expiry it had not seen yet, @prev being EXPIRIES at the interrupt
 * before: that expiry's time is t0 + (prev + 1) * PERIOD, t0 being TIME
 * read just before the timer was enabled (so never after its true start).
 * PERIOD - COUNT would alias: an interrupt seen more than a period late
 * would look early, and no bound could fail.  Negative: seen before its
 * time.
 */
static inline int64_t timer_late_ns(uint64_t now, uint64_t t0, uint32_t prev)
{
    return (int64_t)(now - (t0 + (uint64_t)(prev + 1) * TIMER_PERIOD_NS));
}

#define DMA_DIR_TO_BUF 0
#define DMA_DIR_FROM_BUF 1
#define DMA_DIR_GUEST 2
#define DMA_IRQ_EN (1u << 4)
#define DMA_START (1u << 8)
#define DMA_BUSY 1u
#define DMA_DONE 2u
#define DMA_ERROR 4u

static int checks, failures;
static volatile uint8_t *bar0;

/* Prints "PASS: ..." or "FAIL: ..." and counts it. */
static void check(int ok, const char *fmt, ...)
{
    va_list ap;

    checks++;
    if (!ok)
        failures++;
    printf("%s: ", ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/*
 * Prints timer interrupt @i (TIME @now[i], EXPIRIES @expiries[i]) of a run
 * started at @t0 and widens [*min_late, *max_late] by how late the guest
 * saw it.
 */
static void timer_note(int i, const uint64_t *now, const uint32_t *expiries,
                       uint64_t t0, int64_t *min_late, int64_t *max_late)
{
    int64_t late = timer_late_ns(now[i], t0, i ? expiries[i - 1] : 0);

    printf("timer: interrupt %d: expiry %u, seen at SystemC %" PRIu64
           " ns, %" PRId64 " ns after the expiry\n", i + 1, expiries[i],
           now[i], late);
    if (late > *max_late)
        *max_late = late;
    if (late < *min_late)
        *min_late = late;
}

/*
 * --irq-slack-us N, or "off": the guest's own interrupt path is not
 * bounded.  Free-running, QEMU's virtual clock follows the host's, so that
 * path costs virtual time whenever the host is busy or the link slow, and
 * no bound on it says anything about sclink; under -icount it does not,
 * and the bound checks the quantum promise.
 */
#define IRQ_SLACK_OFF UINT64_MAX

static uint64_t irq_slack_arg(const char *arg)
{
    return strcmp(arg, "off") ? strtoull(arg, NULL, 0) * 1000 : IRQ_SLACK_OFF;
}

/*
 * No interrupt seen before its time, ever; with a slack, each seen within
 * one quantum plus it, and TIME at successive interrupts stepping by the
 * period within the same bound (@worst_skew ns off at most).
 */
static void timer_check_late(int64_t min_late, int64_t max_late,
                             uint64_t worst_skew, uint64_t quantum_ns,
                             uint64_t irq_slack_ns)
{
    check(min_late >= 0, "timer: no interrupt seen before its SystemC time "
          "(earliest %" PRId64 " ns after it)", min_late);
    if (irq_slack_ns == IRQ_SLACK_OFF) {
        printf("timer: free-running, the guest's latency is the host's: "
               "worst %" PRId64 " ns after the expiry, successive TIME "
               "%" PRIu64 " ns off the period (not checked)\n",
               max_late, worst_skew);
        return;
    }
    check(max_late <= (int64_t)(quantum_ns + irq_slack_ns), "timer: each "
          "interrupt seen within one quantum (+%" PRIu64 " us guest "
          "handling) of its SystemC time: worst %" PRId64 " ns, quantum "
          "%" PRIu64 " ns", irq_slack_ns / 1000, max_late, quantum_ns);
    check(worst_skew <= quantum_ns + irq_slack_ns, "timer: TIME at "
          "successive interrupts steps by the period within that bound "
          "(worst %" PRIu64 " ns off)", worst_skew);
}

/* Prints the verdict line the tests look for; returns the exit status. */
static int verdict(void)
{
    if (failures)
        printf("SCLINK-GUEST: FAIL (%d of %d failed)\n", failures, checks);
    else
        printf("SCLINK-GUEST: PASS (%d checks)\n", checks);
    fflush(stdout);
    return failures ? 1 : 0;
}

static inline uint8_t rd8(uint32_t off)
{
    return *(volatile uint8_t *)(bar0 + off);
}

static inline uint16_t rd16(uint32_t off)
{
    return *(volatile uint16_t *)(bar0 + off);
}

static inline uint32_t rd32(uint32_t off)
{
    return *(volatile uint32_t *)(bar0 + off);
}

static inline uint64_t rd64(uint32_t off)
{
    return *(volatile uint64_t *)(bar0 + off);
}

static inline void wr8(uint32_t off, uint8_t v)
{
    *(volatile uint8_t *)(bar0 + off) = v;
}

static inline void wr16(uint32_t off, uint16_t v)
{
    *(volatile uint16_t *)(bar0 + off) = v;
}

static inline void wr32(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(bar0 + off) = v;
}

static inline void wr64(uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)(bar0 + off) = v;
}

#endif /* SCLINK_GUEST_TEST_H */
