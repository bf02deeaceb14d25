/*
 * sclink-guest-msi: runs inside the test guest (sclink.prog=msi on the
 * kernel command line) and checks MSI-X or MSI delivery from the SystemC
 * models behind an sclink-pci device, vector by vector.
 *
 *   sclink-guest-msi [--id VVVV:DDDD] [--vectors N] [--msix-bar N]
 *                    [--quantum-ns N] [--irq-slack-us N|off]
 *
 * The platform is guest/msix-platform.yaml (or guest/msi-platform.yaml):
 * demo-platform.yaml's BAR0 layout, with dma0 on vector 0, uart0 on
 * vector 1 and timer0 on vector 2.  The device's capability list says
 * which of MSI-X and MSI it has; --vectors (default 4) is the count the
 * guest expects, --msix-bar (default 1) the BAR the MSI-X table and PBA
 * must be in.
 *
 * Interrupts reach user space through VFIO: the Debian kernel has no
 * CONFIG_VFIO_NOIOMMU, so the guest runs on q35 with QEMU's intel-iommu
 * (intremap=on: x86 Linux gives multi-message MSI only with interrupt
 * remapping) and "intel_iommu=on" on its command line, and this program
 * uses the ordinary type1 IOMMU backend: it binds vfio-pci
 * (driver_override), opens the device's IOMMU group, maps BAR0 from the
 * device fd, sets Memory Space and Bus Master through the config region
 * (without Bus Master QEMU drops the device's MSI writes, as hardware
 * would), and attaches one eventfd per vector (VFIO_DEVICE_SET_IRQS).
 * DMA goes to a buffer mapped at an IOVA with VFIO_IOMMU_MAP_DMA, so it
 * passes through the vIOMMU.
 *
 * Checks: each source raises its own vector and no other (every eventfd's
 * counter is read after each step); the timer's 4 periodic interrupts are
 * seen within one quantum + --irq-slack-us of their SystemC time (as in
 * sclink-guest-test); a source left asserted raises no second message
 * (MSI is edge: one message per rising edge).
 *
 * One line per check, "PASS: ..." or "FAIL: ...", then
 * "SCLINK-GUEST: PASS (N checks)" or "SCLINK-GUEST: FAIL (K of N failed)".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "guest-test.h"
#include "pci-sysfs.h"

#define VEC_DMA 0
#define VEC_UART 1
#define VEC_TIMER 2
#define MAX_VECTORS 32

#define DMA_IOVA 0x10000000ull

static uint64_t quantum_ns = 1000000;
static uint64_t irq_slack_ns = 500000;
static char devdir[300], devname[300];
static int container = -1, group = -1, devfd = -1;
static int efd[MAX_VECTORS];
static unsigned nvec = 4;
static uint64_t cfg_off; /* config region offset in the device fd */
static const char *kind = "?";
static unsigned irq_index;
static unsigned msix_bar = 1; /* where the MSI-X table should be */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    int ok;

    if (!f)
        return -1;
    ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Config space through the VFIO config region. */
static int cfg_read(unsigned off, void *buf, size_t len)
{
    return pread(devfd, buf, len, cfg_off + off) == (ssize_t)len ? 0 : -1;
}

static int cfg_write(unsigned off, const void *buf, size_t len)
{
    return pwrite(devfd, buf, len, cfg_off + off) == (ssize_t)len ? 0 : -1;
}

/* Offset of capability ID in the capability list, or 0. */
static unsigned find_cap(uint8_t id)
{
    uint8_t pos = 0, cap[2];

    if (cfg_read(0x34, &pos, 1) < 0)
        return 0;
    for (int n = 0; pos >= 0x40 && n < 48; n++) {
        if (cfg_read(pos & ~3u, cap, 2) < 0)
            return 0;
        if (cap[0] == id)
            return pos & ~3u;
        pos = cap[1];
    }
    return 0;
}

/* driver_override + drivers_probe, then the group and the device fd. */
static int open_vfio(void)
{
    char path[520], link[400], *g;
    struct vfio_group_status gs = { .argsz = sizeof gs };
    struct vfio_region_info ri = { .argsz = sizeof ri };
    ssize_t n;
    int tries;

    snprintf(path, sizeof path, "%s/driver_override", devdir);
    if (write_file(path, "vfio-pci") < 0) {
        printf("vfio: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/driver/unbind", devdir);
    write_file(path, devname); /* fails harmlessly when unbound */
    if (write_file("/sys/bus/pci/drivers_probe", devname) < 0)
        printf("vfio: drivers_probe: %s\n", strerror(errno));
    snprintf(path, sizeof path, "%s/driver", devdir);
    for (tries = 0; tries < 50; tries++) {
        n = readlink(path, link, sizeof link - 1);
        if (n > 0) {
            link[n] = 0;
            if (strstr(link, "vfio-pci"))
                break;
        }
        usleep(20000);
    }
    check(tries < 50, "vfio: %s bound to vfio-pci", devname);
    if (tries == 50)
        return -1;

    snprintf(path, sizeof path, "%s/iommu_group", devdir);
    n = readlink(path, link, sizeof link - 1);
    if (n <= 0) {
        check(0, "vfio: %s has an IOMMU group (is intel_iommu=on?)", devname);
        return -1;
    }
    link[n] = 0;
    g = strrchr(link, '/');
    g = g ? g + 1 : link;
    container = open("/dev/vfio/vfio", O_RDWR);
    snprintf(path, sizeof path, "/dev/vfio/%s", g);
    group = open(path, O_RDWR);
    check(container >= 0 && group >= 0 &&
          ioctl(container, VFIO_GET_API_VERSION) == VFIO_API_VERSION &&
          ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0,
          "vfio: container and group %s open, type1v2 IOMMU available", g);
    if (container < 0 || group < 0)
        return -1;
    if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) < 0 ||
        !(gs.flags & VFIO_GROUP_FLAGS_VIABLE) ||
        ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0 ||
        ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
        check(0, "vfio: group viable, container set, IOMMU set: %s",
              strerror(errno));
        return -1;
    }
    devfd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, devname);
    check(devfd >= 0, "vfio: device fd for %s", devname);
    if (devfd < 0)
        return -1;

    ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
    if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
        return -1;
    cfg_off = ri.offset;
    memset(&ri, 0, sizeof ri);
    ri.argsz = sizeof ri;
    ri.index = VFIO_PCI_BAR0_REGION_INDEX;
    if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0 ||
        !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
        check(0, "vfio: BAR0 region mappable");
        return -1;
    }
    bar0 = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, devfd,
                ri.offset);
    check(bar0 != MAP_FAILED, "vfio: BAR0 mapped from the device fd (%llu "
          "bytes)", (unsigned long long)ri.size);
    if (bar0 == MAP_FAILED)
        return -1;
    return 0;
}

static int enable_device(void)
{
    uint16_t cmd;

    if (cfg_read(4, &cmd, 2) < 0)
        return -1;
    cmd |= 0x6; /* Memory Space, Bus Master */
    return cfg_write(4, &cmd, 2);
}

/* One eventfd per vector, attached with VFIO_DEVICE_SET_IRQS. */
static int setup_irqs(void)
{
    struct vfio_irq_info ii = { .argsz = sizeof ii };
    struct vfio_irq_set *set;
    size_t sz = sizeof *set + nvec * sizeof(int32_t);
    int r;

    unsigned cap;

    if ((cap = find_cap(0x11))) {
        uint32_t table = 0, pba = 0;

        kind = "MSI-X";
        irq_index = VFIO_PCI_MSIX_IRQ_INDEX;
        cfg_read(cap + 4, &table, 4);
        cfg_read(cap + 8, &pba, 4);
        check((table & 7) == msix_bar && (pba & 7) == msix_bar,
              "MSI-X: table in BAR%u at 0x%x, PBA in BAR%u at 0x%x (want "
              "BAR%u)", table & 7, table & ~7u, pba & 7, pba & ~7u, msix_bar);
    } else if (find_cap(0x05)) {
        kind = "MSI";
        irq_index = VFIO_PCI_MSI_IRQ_INDEX;
    } else {
        check(0, "pci: the device has an MSI-X or MSI capability");
        return -1;
    }
    ii.index = irq_index;
    r = ioctl(devfd, VFIO_DEVICE_GET_IRQ_INFO, &ii);
    check(r == 0 && ii.count == nvec, "%s: the device offers %u vectors "
          "(want %u)", kind, r == 0 ? ii.count : 0, nvec);
    if (r < 0 || ii.count < nvec)
        return -1;
    set = calloc(1, sz);
    set->argsz = sz;
    set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
    set->index = irq_index;
    set->start = 0;
    set->count = nvec;
    for (unsigned v = 0; v < nvec; v++) {
        efd[v] = eventfd(0, EFD_NONBLOCK);
        ((int32_t *)set->data)[v] = efd[v];
    }
    r = ioctl(devfd, VFIO_DEVICE_SET_IRQS, set);
    check(r == 0, "%s: %u vectors enabled with one eventfd each%s%s", kind,
          nvec, r ? ": " : "", r < 0 ? strerror(errno) :
          r > 0 ? "the kernel gave fewer vectors" : "");
    free(set);
    return r == 0 ? 0 : -1;
}

/* Reads (and resets) every vector's counter into got[]; returns the total. */
static uint64_t drain(uint64_t *got)
{
    uint64_t total = 0;

    for (unsigned v = 0; v < nvec; v++) {
        uint64_t c = 0;

        got[v] = read(efd[v], &c, 8) == 8 ? c : 0;
        total += got[v];
    }
    return total;
}

/*
 * Waits up to timeout_ms for vector want; returns how many messages it
 * counted (0 on timeout) and adds any other vector's count to *others.
 */
static uint64_t wait_vector(unsigned want, int timeout_ms, uint64_t *others)
{
    struct pollfd p = { .fd = efd[want], .events = POLLIN };
    uint64_t got[MAX_VECTORS];

    if (poll(&p, 1, timeout_ms) <= 0)
        p.revents = 0;
    drain(got);
    for (unsigned v = 0; v < nvec; v++)
        if (v != want)
            *others += got[v];
    return got[want];
}

static void describe_others(const char *what)
{
    uint64_t got[MAX_VECTORS];

    usleep(20000);
    drain(got);
    for (unsigned v = 0; v < nvec; v++)
        if (got[v])
            printf("%s: vector %u fired %" PRIu64 " times\n", what, v, got[v]);
}

static void test_uart(void)
{
    char buf[64];
    size_t n = 0, want = strlen(UART_RX_TEXT);
    uint64_t others = 0, c, again;

    check((rd32(UART_BASE + 0x4) & 1) && rd32(UART_BASE + 0xc) == 0,
          "uart: RX_AVAIL, interrupt not enabled yet");
    wr32(UART_BASE + 0x8, 1); /* RX_IRQ_EN: the line rises */
    c = wait_vector(VEC_UART, 5000, &others);
    check(c == 1 && (rd32(UART_BASE + 0xc) & 1), "uart: receive interrupt on "
          "vector %d (%" PRIu64 " message(s)), IRQ_STATUS set", VEC_UART, c);
    /* The line stays high while the FIFO has data: no second message. */
    usleep(20000);
    again = wait_vector(VEC_UART, 0, &others);
    check(again == 0, "uart: a line held high sends no second message "
          "(%" PRIu64 ")", again);
    while (n < sizeof buf - 1 && (rd32(UART_BASE + 0x4) & 1))
        buf[n++] = (char)rd32(UART_BASE + 0x0);
    buf[n] = 0;
    wr32(UART_BASE + 0x8, 0);
    check(n == want && !memcmp(buf, UART_RX_TEXT, want),
          "uart: read %zu bytes from DATA", n);
    again = wait_vector(VEC_UART, 0, &others);
    check(others == 0 && again == 0, "uart: no other vector fired (%" PRIu64
          ")", others);
}

/* Like sclink-guest-test's timer check, on an eventfd. */
static void test_timer(void)
{
    uint64_t now[TIMER_IRQS], t0;
    int64_t max_late = INT64_MIN, min_late = INT64_MAX;
    uint64_t worst_skew = 0, others = 0;
    uint32_t expiries[TIMER_IRQS];
    int got = 0, multi = 0;

    wr32(TIMER_BASE + 0x8, 0);
    wr32(TIMER_BASE + 0xc, 1);
    wr64(TIMER_BASE + 0x0, TIMER_PERIOD_NS);
    t0 = rd64(TIMER_BASE + 0x18);
    wr32(TIMER_BASE + 0x8, 7); /* ENABLE | PERIODIC | IRQ_EN */
    for (int i = 0, spurious = 0; i < TIMER_IRQS && spurious < 10;) {
        uint64_t count, c = wait_vector(VEC_TIMER, 5000, &others);

        if (c == 0) {
            printf("timer: no interrupt on vector %d\n", VEC_TIMER);
            break;
        }
        if (c > 1)
            multi++;
        count = rd64(TIMER_BASE + 0x10);
        now[i] = rd64(TIMER_BASE + 0x18);
        expiries[i] = rd32(TIMER_BASE + 0x20);
        if (!(rd32(TIMER_BASE + 0xc) & 1) || count > TIMER_PERIOD_NS) {
            printf("timer: message without expiry (COUNT %" PRIu64 ")\n",
                   count);
            spurious++;
            continue;
        }
        got = ++i;
        wr32(TIMER_BASE + 0xc, 1); /* the line falls; next expiry rises */
    }
    wr32(TIMER_BASE + 0x8, 0);
    wr32(TIMER_BASE + 0xc, 1);
    check(got == TIMER_IRQS, "timer: %d of %d periodic interrupts (period "
          "%" PRIu64 " us) on vector %d", got, TIMER_IRQS,
          TIMER_PERIOD_NS / 1000, VEC_TIMER);
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
    }
    timer_check_late(min_late, max_late, worst_skew, quantum_ns,
                     irq_slack_ns);
    check(multi == 0, "timer: one message per expiry (%d waits saw more)",
          multi);
    usleep(10000);
    wait_vector(VEC_TIMER, 0, &others);
    check(others == 0, "timer: no other vector fired (%" PRIu64 ")", others);
}

/* DMA through the vIOMMU to a buffer mapped at DMA_IOVA; vector 0. */
static void test_dma(void)
{
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *buf = mmap(NULL, page, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct vfio_iommu_type1_dma_map map = { .argsz = sizeof map };
    uint32_t len = 256, status;
    uint64_t others = 0, c;
    int bad = 0;

    memset(buf, 0, page);
    map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
    map.vaddr = (uintptr_t)buf;
    map.iova = DMA_IOVA;
    map.size = page;
    check(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0,
          "dma: a page mapped at IOVA 0x%llx", (unsigned long long)DMA_IOVA);
    for (uint32_t i = 0; i < len / 4; i++)
        wr32(DMA_BUF + 4 * i, 0x5ca10000u | i);
    wr32(DMA_BASE + 0x18, DMA_DONE | DMA_ERROR);
    wr64(DMA_BASE + 0x00, 0);
    wr64(DMA_BASE + 0x08, DMA_IOVA);
    wr32(DMA_BASE + 0x10, len);
    wr32(DMA_BASE + 0x14, DMA_DIR_FROM_BUF | DMA_IRQ_EN | DMA_START);
    c = wait_vector(VEC_DMA, 5000, &others);
    status = rd32(DMA_BASE + 0x18);
    for (uint32_t i = 0; i < len / 4; i++)
        bad += ((uint32_t *)buf)[i] != (0x5ca10000u | i);
    check(c == 1, "dma: completion interrupt on vector %d (%" PRIu64
          " message(s))", VEC_DMA, c);
    check(status == DMA_DONE && !bad && buf[len] == 0,
          "dma: buffer -> IOVA, %u bytes through the vIOMMU: STATUS 0x%x, "
          "%d words wrong", len, status, bad);
    wr32(DMA_BASE + 0x18, DMA_DONE | DMA_ERROR);
    wr32(DMA_BASE + 0x14, 0);

    /* A bad job: completion (DONE|ERROR) on vector 0 again. */
    wr64(DMA_BASE + 0x00, DMA_IOVA);
    wr64(DMA_BASE + 0x08, 0x1000 - 16);
    wr32(DMA_BASE + 0x10, 64);
    wr32(DMA_BASE + 0x14, DMA_DIR_TO_BUF | DMA_IRQ_EN | DMA_START);
    c = wait_vector(VEC_DMA, 5000, &others);
    status = rd32(DMA_BASE + 0x18);
    check(c == 1 && status == (DMA_DONE | DMA_ERROR), "dma: a job past the "
          "buffer: DONE|ERROR (0x%x) and one message on vector %d", status,
          VEC_DMA);
    wr32(DMA_BASE + 0x18, DMA_DONE | DMA_ERROR);
    wr32(DMA_BASE + 0x14, 0);
    (void)rd32(DMA_BASE + 0x18);
    usleep(10000);
    wait_vector(VEC_DMA, 0, &others);
    check(others == 0, "dma: no other vector fired (%" PRIu64 ")", others);
}

int main(int argc, char **argv)
{
    unsigned vendor = 0x1234, device = 0x5c11;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--id") && i + 1 < argc)
            sscanf(argv[++i], "%x:%x", &vendor, &device);
        else if (!strcmp(argv[i], "--vectors") && i + 1 < argc)
            nvec = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--msix-bar") && i + 1 < argc)
            msix_bar = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--quantum-ns") && i + 1 < argc)
            quantum_ns = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--irq-slack-us") && i + 1 < argc)
            irq_slack_ns = irq_slack_arg(argv[++i]);
    }
    if (nvec < 3 || nvec > MAX_VECTORS)
        nvec = 4;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("sclink-guest-msi: looking for %04x:%04x\n", vendor, device);

    if (pci_find(vendor, device, 0, devdir, sizeof devdir) < 0) {
        check(0, "pci: device %04x:%04x found", vendor, device);
    } else {
        snprintf(devname, sizeof devname, "%s", strrchr(devdir, '/') + 1);
        check(1, "pci: device %04x:%04x found at %s", vendor, device, devdir);
        if (open_vfio() == 0) {
            check(enable_device() == 0, "pci: memory and bus master enabled "
                  "through the VFIO config region");
            check(rd32(ID_BASE) == SCLK_MAGIC, "id: MAGIC through the VFIO "
                  "mapping");
            if (setup_irqs() == 0) {
                uint64_t got[MAX_VECTORS];

                usleep(20000);
                check(drain(got) == 0, "%s: no message before any source is "
                      "enabled", kind);
                test_uart();
                test_timer();
                test_dma();
                describe_others("end");
            }
        }
    }
    return verdict();
}
