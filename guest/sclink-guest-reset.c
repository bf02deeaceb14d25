/*
 * sclink-guest-reset: the guest half of tests/e2e/device-reset.sh.
 * Static, runs as the test guest's program when the kernel command line
 * says sclink.prog=reset (guest/init).
 *
 * On every boot it reads, on BAR0 of the first 1234:5c11 function (the
 * demo platform, guest/demo-platform.yaml), the id model's SCRATCH0 and
 * the timer's CTRL, and prints
 *
 *   RESET-GUEST: boot scratch0=0xXXXXXXXX timer-ctrl=0xX
 *
 * Both are 0 after a reset of the models.  A SCRATCH0 that still holds
 * the mark of an earlier boot means the models kept their state across
 * QEMU's reset: "RESET-GUEST: FAIL ...".  Then it marks SCRATCH0, starts
 * the timer (periodic, no interrupt: no driver is bound), prints
 *
 *   RESET-GUEST: marked
 *
 * and waits for the host to reset the machine (monitor system_reset).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pci-sysfs.h"

#define ID_SCRATCH0 0x0010   /* id model at BAR0 + 0x0000 */
#define TIMER_PERIOD 0x2000  /* timer model at BAR0 + 0x2000 */
#define TIMER_CTRL 0x2008
#define TIMER_ENABLE_PERIODIC 0x3
#define MARK 0x5eed0001u

static volatile uint32_t *reg(volatile uint8_t *bar, unsigned off)
{
    return (volatile uint32_t *)(bar + off);
}

int main(void)
{
    char dir[300], path[400];
    volatile uint8_t *bar;
    uint32_t scratch, ctrl;
    void *p;
    int fd;

    if (pci_find(0x1234, 0x5c11, 0, dir, sizeof dir) < 0) {
        dprintf(1, "RESET-GUEST: FAIL no 1234:5c11 device\n");
        return 1;
    }
    if (pci_command_set(dir, 0x2) < 0) { /* Memory Space */
        dprintf(1, "RESET-GUEST: FAIL cannot enable memory space\n");
        return 1;
    }
    snprintf(path, sizeof path, "%s/resource0", dir);
    fd = open(path, O_RDWR | O_SYNC);
    p = fd < 0 ? MAP_FAILED : mmap(NULL, 0x3000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        dprintf(1, "RESET-GUEST: FAIL cannot map BAR0\n");
        return 1;
    }
    close(fd);
    bar = p;

    scratch = *reg(bar, ID_SCRATCH0);
    ctrl = *reg(bar, TIMER_CTRL);
    dprintf(1, "RESET-GUEST: boot scratch0=0x%08x timer-ctrl=0x%x\n", scratch, ctrl);
    if (scratch == MARK)
        dprintf(1, "RESET-GUEST: FAIL scratch0 kept the mark of the boot before the reset\n");
    if (ctrl != 0)
        dprintf(1, "RESET-GUEST: FAIL the timer kept running across the reset\n");

    *reg(bar, ID_SCRATCH0) = MARK;
    *reg(bar, TIMER_PERIOD) = 5000000; /* 5 ms */
    *reg(bar, TIMER_CTRL) = TIMER_ENABLE_PERIODIC;
    if (*reg(bar, ID_SCRATCH0) != MARK || *reg(bar, TIMER_CTRL) != TIMER_ENABLE_PERIODIC) {
        dprintf(1, "RESET-GUEST: FAIL the mark did not stick\n");
        return 1;
    }
    dprintf(1, "RESET-GUEST: marked\n");
    for (;;)
        pause(); /* until the host resets or ends the machine */
}
