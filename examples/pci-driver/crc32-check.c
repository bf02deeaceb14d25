/*
 * crc32-check: the user-space half of examples/pci-driver, run in the
 * guest.  Submits buffers to the crc32dev driver (/dev/crc32dev0: write
 * one buffer, read its CRC-32 back as hex) and compares each result with
 * a CRC-32 computed here, bit by bit; checks the refused sizes and that
 * the driver's interrupt, in /proc/interrupts, is of the expected kind and
 * counted once per job.
 *
 *   crc32-check [--dev PATH] [--max-len N] [--irq msi|intx]
 *
 * One line per check, then "CRC32-CHECK: PASS (N checks)" or
 * "CRC32-CHECK: FAIL (K of N failed)"; exit status 0 or 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int checks, failed;

static void check(int ok, const char *fmt, ...)
{
    va_list ap;

    checks++;
    failed += !ok;
    printf("%s: ", ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* The reference: CRC-32 (IEEE 802.3, reflected, 0xedb88320), one bit at
 * a time, as the textbook has it.  The model uses a table. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;

    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

/* The driver's interrupt line in /proc/interrupts: its count summed over
 * the CPUs (-1 if absent) and the rest of the line (the chip and type). */
static long irq_count(char *desc, size_t desc_len)
{
    char line[1024];
    FILE *f = fopen("/proc/interrupts", "r");
    long total = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (!strstr(line, "crc32dev"))
            continue;
        char *p = strchr(line, ':');
        if (!p)
            break;
        total = 0;
        for (p++;;) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            total += v;
            p = end;
        }
        while (*p == ' ')
            p++;
        snprintf(desc, desc_len, "%s", p);
        desc[strcspn(desc, "\n")] = 0;
        break;
    }
    fclose(f);
    return total;
}

/* One job of n bytes: write, read the result back, compare. */
static void job(int fd, const unsigned char *buf, size_t n, const char *what)
{
    char text[32];
    uint32_t want = crc32_bitwise(buf, n), got;
    ssize_t r;

    r = write(fd, buf, n);
    if (r != (ssize_t)n) {
        check(0, "%s, %zu bytes: write returned %zd (%s)", what, n, r,
              r < 0 ? strerror(errno) : "short");
        return;
    }
    r = pread(fd, text, sizeof(text) - 1, 0);
    if (r != 9) {
        check(0, "%s, %zu bytes: read returned %zd (%s)", what, n, r,
              r < 0 ? strerror(errno) : "not 8 hex digits and a newline");
        return;
    }
    text[r] = 0;
    got = (uint32_t)strtoul(text, NULL, 16);
    check(got == want, "%s, %zu bytes: device %08x, user space %08x", what, n, got, want);
}

int main(int argc, char **argv)
{
    const char *dev = "/dev/crc32dev0", *irq_kind = NULL;
    size_t max_len = 65536;
    static const size_t sizes[] = {1, 3, 64, 1000, 4096, 4097, 65535};
    unsigned char *buf;
    char desc[256] = "", text[32];
    long before, after;
    ssize_t r;
    int fd, err, jobs = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dev") && i + 1 < argc)
            dev = argv[++i];
        else if (!strcmp(argv[i], "--max-len") && i + 1 < argc)
            max_len = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--irq") && i + 1 < argc)
            irq_kind = argv[++i];
        else {
            fprintf(stderr, "usage: crc32-check [--dev PATH] [--max-len N] [--irq msi|intx]\n");
            return 2;
        }
    }
    buf = malloc(max_len + 1);
    if (!buf)
        return 1;

    fd = open(dev, O_RDWR);
    check(fd >= 0, "open %s%s%s", dev, fd < 0 ? ": " : "", fd < 0 ? strerror(errno) : "");
    if (fd < 0)
        goto out;
    before = irq_count(desc, sizeof(desc));
    check(before >= 0, "the driver's interrupt is in /proc/interrupts: %s", desc);

    r = read(fd, text, sizeof(text));
    err = errno;
    check(r < 0 && err == ENODATA, "read before any job fails with ENODATA (%s)",
          r < 0 ? strerror(err) : "it did not fail");

    /* The standard check value of CRC-32: both sides must know it. */
    memcpy(buf, "123456789", 9);
    check(crc32_bitwise(buf, 9) == 0xcbf43926, "user space: CRC-32(\"123456789\") is cbf43926");
    job(fd, buf, 9, "\"123456789\"");
    jobs++;

    /* Buffers of several sizes, each with its own pseudo-random bytes. */
    uint32_t x = 2463534242u;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (size_t i = 0; i < sizes[s]; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            buf[i] = (unsigned char)x;
        }
        job(fd, buf, sizes[s], "random");
        jobs++;
    }
    memset(buf, 0xff, max_len);
    job(fd, buf, max_len, "all ones, the largest job");
    jobs++;

    r = write(fd, buf, max_len + 1);
    err = errno;
    check(r < 0 && err == EINVAL, "a job of %zu bytes (one over the limit) fails with EINVAL (%s)",
          max_len + 1, r < 0 ? strerror(err) : "it did not fail");

    after = irq_count(desc, sizeof(desc));
    /* One each: the handler's read-back lets an INTx level fall before
     * the EOI, so not even INTx comes twice. */
    check(after - before == jobs, "%ld interrupts for %d jobs", after - before, jobs);
    if (irq_kind) {
        const char *want = !strcmp(irq_kind, "msi") ? "PCI-MSI" : "IO-APIC";
        check(strstr(desc, want) != NULL, "interrupt kind %s: /proc/interrupts says '%s'",
              irq_kind, desc);
    }
    close(fd);
out:
    if (failed)
        printf("CRC32-CHECK: FAIL (%d of %d failed)\n", failed, checks);
    else
        printf("CRC32-CHECK: PASS (%d checks)\n", checks);
    return failed ? 1 : 0;
}
