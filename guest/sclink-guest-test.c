/*
 * sclink-guest-test: runs inside the test guest (PID 1's child, as root)
 * and exercises the built-in SystemC models behind an sclink-pci device.
 *
 *   sclink-guest-test [--id VVVV:DDDD] [--all] [--skip-dma] [--skip-irq]
 *                     [--quantum-ns N] [--irq-slack-us N|off]
 *
 * --all tests every device with the IDs, not only the first.  --quantum-ns
 * is the link's quantum (sclink-pci's quantum=, default 1 ms): the timer
 * check allows one quantum between an expiry and the guest seeing it, plus
 * --irq-slack-us (default 500) for the guest's own interrupt path; "off"
 * reports the latency without a bound (free-running runs: guest-test.h).
 *
 * It finds the device by its PCI IDs in /sys/bus/pci/devices, maps BAR0
 * through resource0, binds uio_pci_generic (new_id) for the INTx interrupt
 * and waits on /dev/uioN.  The BAR0 layout is that of
 * guest/demo-platform.yaml; the register maps are doc/models.md's:
 *
 *   0x0000 id     0x00 MAGIC 0x53434c4b  0x04 VERSION  0x08 CONFIG
 *                 (scratch count)  0x0c hole  0x10+4i SCRATCH i
 *   0x1000 uart   0x00 DATA  0x04 STATUS (0 RX_AVAIL, 1 TX_READY, 31:16
 *                 RX_LEVEL)  0x08 CTRL (0 RX_IRQ_EN)  0x0c IRQ_STATUS
 *   0x2000 timer  0x00 PERIOD ns (64)  0x08 CTRL (0 ENABLE, 1 PERIODIC,
 *                 2 IRQ_EN)  0x0c STATUS (0 EXPIRED, W1C)  0x10 COUNT (64)
 *                 0x18 TIME ns (64)  0x20 EXPIRIES
 *   0x4000 dma    0x00 SRC (64)  0x08 DST (64)  0x10 LEN  0x14 CTRL (1:0
 *                 DIR, 4 IRQ_EN, 8 START)  0x18 STATUS (0 BUSY, 1 DONE,
 *                 2 ERROR; W1C)  0x1c XFERRED  0x20 BUF_SIZE
 *   0x5000        dma local buffer (4 KiB)
 *   0x6000-0x7fff nothing mapped (reads give all-ones)
 *   0x8000 ram    32 KiB
 *
 * The UART's input file holds UART_RX_TEXT (the e2e tests and demo.sh
 * write it); what the guest transmits is UART_TX_TEXT, which they look for
 * in the UART's output file.
 *
 * One line per check, "PASS: ..." or "FAIL: ...", then a verdict line
 * "SCLINK-GUEST: PASS (N checks)" or "SCLINK-GUEST: FAIL (K of N failed)".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest-test.h"
#include "pci-sysfs.h"

static uint64_t quantum_ns = 1000000;
static uint64_t irq_slack_ns = 500000;
static unsigned soak_s; /* --soak: seconds of reads after the checks */
static char devdir[300];
static int uio_fd = -1;

/* Sets Memory Space and Bus Master in the command register. */
static int enable_device(void)
{
    return pci_command_set(devdir, 0x6);
}

static volatile uint8_t *map_bar(int n, size_t *size)
{
    char path[400];
    struct stat st;
    void *p;
    int fd;

    snprintf(path, sizeof path, "%s/resource%d", devdir, n);
    fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return NULL;
    p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return NULL;
    *size = st.st_size;
    return p;
}

static int bind_uio(unsigned vendor, unsigned device)
{
    char path[400], name[300];
    FILE *f;
    DIR *d;
    struct dirent *e;

    f = fopen("/sys/bus/pci/drivers/uio_pci_generic/new_id", "w");
    if (!f)
        return -1;
    fprintf(f, "%04x %04x", vendor, device);
    fclose(f); /* EEXIST for a second device: already bound by then */
    for (int tries = 0; tries < 50; tries++) {
        snprintf(path, sizeof path, "%s/uio", devdir);
        d = opendir(path);
        if (d) {
            while ((e = readdir(d))) {
                if (!strncmp(e->d_name, "uio", 3)) {
                    snprintf(name, sizeof name, "/dev/%s", e->d_name);
                    closedir(d);
                    uio_fd = open(name, O_RDWR);
                    return uio_fd < 0 ? -1 : 0;
                }
            }
            closedir(d);
        }
        usleep(20000);
    }
    return -1;
}

/*
 * Unmasks INTx: uio_pci_generic masks it (Interrupt Disable, bit 10 of the
 * command register) in its handler and has no irqcontrol, so user space
 * clears the bit through the config file, as the UIO howto shows.
 */
static void irq_unmask(void)
{
    char path[400];
    uint16_t cmd;
    int fd;

    /*
     * BAR0's writes are posted: a read first makes sure the write that
     * cleared the interrupt source has reached the model, and its level
     * change QEMU, before the pin is unmasked.
     */
    if (bar0)
        (void)rd32(ID_BASE);
    /* A 16-bit write at PCI_COMMAND, as the kernel's own unmask does. */
    snprintf(path, sizeof path, "%s/config", devdir);
    fd = open(path, O_RDWR);
    if (fd < 0 || pread(fd, &cmd, 2, 4) != 2) {
        perror("config");
    } else {
        cmd &= (uint16_t)~0x400;
        if (pwrite(fd, &cmd, 2, 4) != 2)
            perror("config write");
    }
    if (fd >= 0)
        close(fd);
}

/* Waits for one interrupt; returns 0, or -1 after timeout_ms. */
static int irq_wait(int timeout_ms)
{
    struct pollfd p = { .fd = uio_fd, .events = POLLIN };
    uint32_t count;

    if (poll(&p, 1, timeout_ms) != 1)
        return -1;
    return read(uio_fd, &count, 4) == 4 ? 0 : -1;
}

/* Diagnostics for a missing interrupt: command and status registers. */
static void print_cmd_status(const char *what)
{
    char path[400];
    uint16_t cs[2] = { 0, 0 };
    int fd;

    snprintf(path, sizeof path, "%s/config", devdir);
    fd = open(path, O_RDONLY);
    if (fd >= 0 && pread(fd, cs, 4, 4) == 4)
        printf("%s: PCI command 0x%04x status 0x%04x\n", what, cs[0], cs[1]);
    if (fd >= 0)
        close(fd);
    if (getenv("SCLINK_DEBUG_IRQ"))
        system("grep -E '^ *1[01]:' /proc/interrupts; cat /proc/irq/10/spurious");
}

static void test_id(void)
{
    uint32_t magic = rd32(ID_BASE + 0x0), version = rd32(ID_BASE + 0x4);
    uint32_t config = rd32(ID_BASE + 0x8);
    int bad = 0;

    check(magic == SCLK_MAGIC, "id: MAGIC reads 0x%08x (want 0x%08x)", magic,
          SCLK_MAGIC);
    check(version != 0xffffffffu && version != 0,
          "id: VERSION reads 0x%08x (sclink %u.%u)", version, version >> 16,
          version & 0xffff);
    check((config & 0xffff) == ID_SCRATCH, "id: CONFIG says %u scratch "
          "registers (want %d)", config & 0xffff, ID_SCRATCH);
    for (uint32_t i = 0; i < ID_SCRATCH; i++)
        wr32(ID_BASE + 0x10 + 4 * i, 0x5c000000u | (i << 8) | i);
    for (uint32_t i = 0; i < ID_SCRATCH; i++)
        bad += rd32(ID_BASE + 0x10 + 4 * i) != (0x5c000000u | (i << 8) | i);
    check(!bad, "id: %d scratch registers written and read back (%d wrong)",
          ID_SCRATCH, bad);
    wr32(ID_BASE + 0x0, 0);
    check(rd32(ID_BASE + 0x0) == SCLK_MAGIC,
          "id: a write to MAGIC is refused, MAGIC unchanged");
}

static void test_memory(void)
{
    int bad = 0;

    for (uint32_t i = 0; i < 64; i++)
        wr32(MEM_BASE + 4 * i, 0xa5000000u | i * 0x010101u);
    for (uint32_t i = 0; i < 64; i++)
        bad += rd32(MEM_BASE + 4 * i) != (0xa5000000u | i * 0x010101u);
    check(!bad, "ram: 64 32-bit words written and read back (%d wrong)", bad);

    bad = 0;
    for (uint32_t i = 0; i < 64; i++)
        wr8(MEM_BASE + 0x400 + i, (uint8_t)(0x30 + i));
    for (uint32_t i = 0; i < 64; i++)
        bad += rd8(MEM_BASE + 0x400 + i) != (uint8_t)(0x30 + i);
    check(!bad && rd32(MEM_BASE + 0x400) == 0x33323130u,
          "ram: 64 bytes written and read back, little-endian (word 0x%08x)",
          rd32(MEM_BASE + 0x400));

    bad = 0;
    for (uint32_t i = 0; i < 32; i++)
        wr16(MEM_BASE + 0x600 + 2 * i, (uint16_t)(0xbe00 + i));
    for (uint32_t i = 0; i < 32; i++)
        bad += rd16(MEM_BASE + 0x600 + 2 * i) != (uint16_t)(0xbe00 + i);
    check(!bad && rd8(MEM_BASE + 0x601) == 0xbe,
          "ram: 32 16-bit halfwords written and read back (%d wrong)", bad);

    bad = 0;
    for (uint64_t i = 0; i < 16; i++)
        wr64(MEM_BASE + 0x800 + 8 * i, 0x0123456789abcdefull ^ (i << 56 | i));
    for (uint64_t i = 0; i < 16; i++)
        bad += rd64(MEM_BASE + 0x800 + 8 * i) !=
               (0x0123456789abcdefull ^ (i << 56 | i));
    check(!bad && rd32(MEM_BASE + 0x804) == 0x01234567u,
          "ram: 16 64-bit words written and read back (%d wrong)", bad);

    /* Walking ones and zeros: a stuck data bit shows here. */
    bad = 0;
    for (int b = 0; b < 32; b++) {
        wr32(MEM_BASE + 0x1000, 1u << b);
        wr32(MEM_BASE + 0x1004, ~(1u << b));
        bad += rd32(MEM_BASE + 0x1000) != 1u << b;
        bad += rd32(MEM_BASE + 0x1004) != ~(1u << b);
    }
    check(!bad, "ram: walking ones and zeros (%d wrong)", bad);

    wr32(MEM_BASE + MEM_SIZE - 4, 0xdeadbeef);
    check(rd32(MEM_BASE + MEM_SIZE - 4) == 0xdeadbeef,
          "ram: last word of the model");
}

static void test_uart_tx(void)
{
    const char *s = UART_TX_TEXT;

    check(rd32(UART_BASE + 0x4) & 2, "uart: STATUS says TX_READY");
    for (const char *p = s; *p; p++)
        wr32(UART_BASE + 0x0, (uint8_t)*p);
    check(1, "uart: transmitted %zu characters", strlen(s));
}

/* The receive interrupt: the input file is already in the FIFO. */
static void test_uart_rx(void)
{
    char got[64];
    size_t n = 0, want = strlen(UART_RX_TEXT);
    uint32_t status = rd32(UART_BASE + 0x4);
    int irq_ok;

    check((status & 1) && status >> 16 == want,
          "uart: STATUS 0x%08x: RX_AVAIL with %zu bytes in the FIFO",
          status, want);
    irq_unmask();
    wr32(UART_BASE + 0x8, 1); /* RX_IRQ_EN */
    irq_ok = irq_wait(5000) == 0;
    if (!irq_ok)
        print_cmd_status("uart: no interrupt");
    check(irq_ok && (rd32(UART_BASE + 0xc) & 1),
          "uart: receive interrupt seen on /dev/uio, IRQ_STATUS set");
    while (n < sizeof got - 1 && (rd32(UART_BASE + 0x4) & 1))
        got[n++] = (char)rd32(UART_BASE + 0x0);
    got[n] = 0;
    check(n == want && !memcmp(got, UART_RX_TEXT, want),
          "uart: read %zu bytes from DATA: \"%.*s\"", n,
          (int)(n && got[n - 1] == '\n' ? n - 1 : n), got);
    check(rd32(UART_BASE + 0xc) == 0 && rd32(UART_BASE + 0x0) == 0,
          "uart: FIFO empty, interrupt dropped");
    wr32(UART_BASE + 0x8, 0);
    irq_unmask();
}

/*
 * A periodic timer: PERIOD in ns, interrupts on /dev/uio.  At each one the
 * guest reads TIME and EXPIRIES: the expiry it is handling is the first it
 * had not seen, and TIME minus that expiry's SystemC time is how late the
 * guest sees it (timer_late_ns).  The link lets QEMU run up to one
 * quantum ahead of SystemC, so an interrupt reaches QEMU up to a quantum
 * after its SystemC time; the guest's own path (Linux's handler, uio,
 * this process waking up) adds the rest, allowed --irq-slack-us (default
 * 500 us, deterministic mode; free-running, "off": see timer_check_late).
 * TIME read at successive interrupts must step by the period within the
 * same bound.
 */
static void test_timer(void)
{
    uint64_t now[TIMER_IRQS], t0;
    int64_t max_late = INT64_MIN, min_late = INT64_MAX;
    uint64_t worst_skew = 0;
    uint32_t expiries[TIMER_IRQS];
    int got = 0, increasing = 1;

    wr32(TIMER_BASE + 0x8, 0);
    wr32(TIMER_BASE + 0xc, 1);
    wr64(TIMER_BASE + 0x0, TIMER_PERIOD_NS);
    check(rd64(TIMER_BASE + 0x0) == TIMER_PERIOD_NS &&
          rd32(TIMER_BASE + 0x4) == 0,
          "timer: PERIOD reads back %" PRIu64 " ns", TIMER_PERIOD_NS);
    irq_unmask();
    t0 = rd64(TIMER_BASE + 0x18);
    wr32(TIMER_BASE + 0x8, 7); /* ENABLE | PERIODIC | IRQ_EN */
    for (int i = 0, spurious = 0; i < TIMER_IRQS && spurious < 10;) {
        uint64_t count;

        if (irq_wait(5000) < 0) {
            print_cmd_status("timer: no interrupt");
            break;
        }
        count = rd64(TIMER_BASE + 0x10);
        now[i] = rd64(TIMER_BASE + 0x18);
        expiries[i] = rd32(TIMER_BASE + 0x20);
        if (!(rd32(TIMER_BASE + 0xc) & 1) || count > TIMER_PERIOD_NS) {
            printf("timer: interrupt without expiry (COUNT %" PRIu64 ")\n",
                   count);
            spurious++;
            irq_unmask();
            continue;
        }
        got = ++i;
        wr32(TIMER_BASE + 0xc, 1);
        irq_unmask();
    }
    wr32(TIMER_BASE + 0x8, 0);
    wr32(TIMER_BASE + 0xc, 1);
    irq_unmask();
    check(got == TIMER_IRQS, "timer: %d of %d periodic interrupts (period "
          "%" PRIu64 " us) seen on /dev/uio", got, TIMER_IRQS,
          TIMER_PERIOD_NS / 1000);
    if (got == 0)
        return;
    for (int i = 0; i < got; i++) {
        uint64_t want = (i ? now[i - 1] : t0) +
                        (uint64_t)(expiries[i] - (i ? expiries[i - 1] : 0)) *
                        TIMER_PERIOD_NS;
        uint64_t skew = now[i] > want ? now[i] - want : want - now[i];


        timer_note(i, now, expiries, t0, &min_late, &max_late);
        if (i > 0 && skew > worst_skew)
            worst_skew = skew;
        if (expiries[i] <= (i ? expiries[i - 1] : 0))
            increasing = 0;
    }
    check(increasing, "timer: EXPIRIES grows at each interrupt (%u after "
          "%d; more than one per interrupt only on a slow link)",
          expiries[got - 1], got);
    timer_check_late(min_late, max_late, worst_skew, quantum_ns,
                     irq_slack_ns);
}

static void test_unmapped(void)
{
    uint32_t v = rd32(HOLE_BASE + 0x10);

    check(v == 0xffffffffu, "unmapped: read of BAR0+0x%x gives 0x%08x "
          "(want all-ones)", HOLE_BASE + 0x10, v);
    wr32(HOLE_BASE + 0x10, 0x12345678);
    check(rd32(ID_BASE + 0x0) == SCLK_MAGIC,
          "unmapped: a write there is dropped, the device goes on");
}

static uint64_t virt_to_phys(void *p)
{
    uint64_t entry = 0;
    long page = sysconf(_SC_PAGESIZE);
    int fd = open("/proc/self/pagemap", O_RDONLY);

    if (fd < 0)
        return 0;
    if (pread(fd, &entry, 8, ((uintptr_t)p / page) * 8) != 8)
        entry = 0;
    close(fd);
    if (!(entry & (1ull << 63)))
        return 0;
    return (entry & ((1ull << 55) - 1)) * page + ((uintptr_t)p % page);
}

/* Runs one DMA job and waits for it; returns STATUS (DONE/ERROR bits). */
static uint32_t dma_run(unsigned dir, uint64_t src, uint64_t dst,
                        uint32_t len, int with_irq, int *irq_ok)
{
    uint32_t status;

    wr32(DMA_BASE + 0x18, DMA_DONE | DMA_ERROR);
    wr64(DMA_BASE + 0x00, src);
    wr64(DMA_BASE + 0x08, dst);
    wr32(DMA_BASE + 0x10, len);
    if (with_irq)
        irq_unmask();
    wr32(DMA_BASE + 0x14, dir | (with_irq ? DMA_IRQ_EN : 0) | DMA_START);
    *irq_ok = !with_irq || irq_wait(5000) == 0;
    for (int i = 0; i < 1000 && (rd32(DMA_BASE + 0x18) & DMA_BUSY); i++)
        usleep(1000);
    status = rd32(DMA_BASE + 0x18);
    wr32(DMA_BASE + 0x18, DMA_DONE | DMA_ERROR);
    wr32(DMA_BASE + 0x14, 0);
    if (with_irq)
        irq_unmask();
    return status;
}

static void test_dma(int with_irq)
{
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *src = aligned_alloc(page, page), *dst = aligned_alloc(page, page);
    uint32_t status, xferred, len = 1024;
    uint64_t ps, pd;
    int irq_ok, bad = 0;

    memset(dst, 0, page);
    for (long i = 0; i < page; i++)
        src[i] = (uint8_t)(i * 7 + 3);
    mlock(src, page);
    mlock(dst, page);
    ps = virt_to_phys(src);
    pd = virt_to_phys(dst);
    check(ps && pd, "dma: guest buffers at 0x%" PRIx64 " and 0x%" PRIx64, ps,
          pd);
    if (!ps || !pd)
        return;
    check(rd32(DMA_BASE + 0x20) == DMA_BUF_SIZE, "dma: BUF_SIZE %u",
          rd32(DMA_BASE + 0x20));

    /* Guest memory -> the model's buffer, checked through the BAR. */
    for (uint32_t i = 0; i < len / 4; i++)
        wr32(DMA_BUF + 4 * i, 0);
    status = dma_run(DMA_DIR_TO_BUF, ps, 0, len, with_irq, &irq_ok);
    xferred = rd32(DMA_BASE + 0x1c);
    for (uint32_t i = 0; i < len; i++)
        bad += rd8(DMA_BUF + i) != src[i];
    check(status == DMA_DONE && xferred == len && !bad,
          "dma: guest -> buffer, %u bytes: STATUS 0x%x, XFERRED %u, "
          "%d bytes wrong", len, status, xferred, bad);
    if (with_irq)
        check(irq_ok, "dma: guest -> buffer completion interrupt seen");

    /* The model's buffer -> guest memory. */
    for (uint32_t i = 0; i < len / 4; i++)
        wr32(DMA_BUF + 4 * i, 0xc0de0000u | i);
    status = dma_run(DMA_DIR_FROM_BUF, 0, pd, len, with_irq, &irq_ok);
    bad = 0;
    for (uint32_t i = 0; i < len / 4; i++)
        bad += ((uint32_t *)dst)[i] != (0xc0de0000u | i);
    check(status == DMA_DONE && !bad && dst[len] == 0,
          "dma: buffer -> guest, %u bytes: STATUS 0x%x, %d words wrong, "
          "nothing beyond", len, status, bad);
    if (with_irq)
        check(irq_ok, "dma: buffer -> guest completion interrupt seen");

    /* Guest memory -> guest memory. */
    memset(dst, 0, page);
    status = dma_run(DMA_DIR_GUEST, ps, pd, 256, with_irq, &irq_ok);
    check(status == DMA_DONE && !memcmp(src, dst, 256) && dst[256] == 0,
          "dma: guest -> guest, 256 bytes: STATUS 0x%x", status);

    /* A bad job (buffer range past BUF_SIZE) ends with ERROR. */
    status = dma_run(DMA_DIR_TO_BUF, ps, DMA_BUF_SIZE - 16, 64, with_irq,
                     &irq_ok);
    check(status == (DMA_DONE | DMA_ERROR),
          "dma: a job past the buffer ends with DONE|ERROR (0x%x)", status);
    munlock(src, page);
    munlock(dst, page);
    free(src);
    free(dst);
}

/*
 * --soak S: keep reading the id block for S seconds after the checks, so a
 * fault test can strike while the guest is certainly still using the link.
 */
static void soak(void)
{
    time_t end = time(NULL) + (time_t)soak_s;
    unsigned long reads = 0, bad = 0;

    while (time(NULL) < end) {
        bad += rd32(ID_BASE) != SCLK_MAGIC;
        reads++;
    }
    check(bad == 0, "soak: %lu reads of MAGIC in %u s, %lu wrong", reads, soak_s, bad);
}

/* All checks on the device in devdir. */
static void test_device(unsigned vendor, unsigned device, int skip_dma,
                        int skip_irq)
{
    size_t size = 0;

    check(enable_device() == 0, "pci: memory and bus master enabled");
    bar0 = map_bar(0, &size);
    check(bar0 != NULL, "pci: BAR0 mapped (%zu bytes)", size);
    if (!bar0)
        return;
    test_id();
    test_memory();
    test_uart_tx();
    test_unmapped();
    if (uio_fd >= 0)
        close(uio_fd);
    uio_fd = -1;
    if (!skip_irq) {
        check(bind_uio(vendor, device) == 0, "uio: uio_pci_generic bound");
        if (uio_fd >= 0) {
            test_uart_rx();
            test_timer();
        }
    }
    if (!skip_dma)
        test_dma(!skip_irq && uio_fd >= 0);
    if (soak_s)
        soak();
    munmap((void *)bar0, size);
}

int main(int argc, char **argv)
{
    unsigned vendor = 0x1234, device = 0x5c11;
    int skip_dma = 0, skip_irq = 0, all = 0, n;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--id") && i + 1 < argc)
            sscanf(argv[++i], "%x:%x", &vendor, &device);
        else if (!strcmp(argv[i], "--quantum-ns") && i + 1 < argc)
            quantum_ns = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--irq-slack-us") && i + 1 < argc)
            irq_slack_ns = irq_slack_arg(argv[++i]);
        else if (!strcmp(argv[i], "--skip-dma"))
            skip_dma = 1;
        else if (!strcmp(argv[i], "--skip-irq"))
            skip_irq = 1;
        else if (!strcmp(argv[i], "--all"))
            all = 1;
        else if (!strcmp(argv[i], "--soak") && i + 1 < argc)
            soak_s = (unsigned)strtoul(argv[++i], NULL, 0);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("sclink-guest-test: looking for %04x:%04x\n", vendor, device);

    for (n = 0; pci_find(vendor, device, n, devdir, sizeof devdir) == 0; n++) {
        check(1, "pci: device %04x:%04x found at %s", vendor, device, devdir);
        test_device(vendor, device, skip_dma, skip_irq);
        if (!all) {
            n++;
            break;
        }
    }
    if (n == 0)
        check(0, "pci: device %04x:%04x found", vendor, device);
    else if (all)
        check(1, "pci: %d devices tested", n);

    return verdict();
}
