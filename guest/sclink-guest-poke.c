/*
 * sclink-guest-poke: the guest half of tests/e2e/fuzz-qemu.sh.  Static,
 * runs as the test guest's program when the kernel command line says
 * sclink.prog=poke (guest/init); arguments come from sclink.args.
 *
 *   sclink-guest-poke SEED SECONDS [master]
 *
 * Keeps the device busy while a hostile gateway does its worst: for
 * SECONDS, seeded random reads and writes of 1, 2, 4 and 8 bytes at
 * naturally aligned offsets of BAR0 of the first 1234:5c11 function, with
 * Memory Space on (and Bus Master with "master", so that the gateway's DMA
 * reaches guest memory).  What the accesses return is not checked: the
 * test is about QEMU, not about the values.  Prints
 *
 *   POKE-BEGIN BAR0 SIZE
 *   POKE N          once a second, N accesses so far
 *   POKE-END N
 *
 * or "POKE: no device" (then it idles until SECONDS pass), so the host can
 * tell a guest that kept running from one that stopped.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pci-sysfs.h"

static uint64_t rng;
volatile uint64_t poke_sink; /* what reads return; never looked at */

/* xorshift64*: the same sequence for the same seed. */
static uint64_t next(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

/* Maps BAR0 of the first 1234:5c11 function; sets *size. */
static volatile uint8_t *map_bar0(int master, size_t *size)
{
    char dir[300], path[400];
    struct stat st;
    void *p;
    int fd;

    if (pci_find(0x1234, 0x5c11, 0, dir, sizeof dir) < 0)
        return NULL;
    if (pci_command_set(dir, master ? 0x6 : 0x2) < 0) /* Memory, Bus Master */
        perror("config");
    snprintf(path, sizeof path, "%s/resource0", dir);
    fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0 || st.st_size < 16) {
        close(fd);
        return NULL;
    }
    /* A huge BAR (the gateway chooses it) is poked in its first MiB. */
    *size = st.st_size > (1 << 20) ? (size_t)1 << 20 : (size_t)st.st_size;
    p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

/* One access of 1 << (r & 3) bytes at an aligned random offset. */
static void poke(volatile uint8_t *bar, size_t size)
{
    uint64_t r = next();
    unsigned width = 1u << (r & 3);
    size_t off = (size_t)(r >> 8) % size & ~(size_t)(width - 1);
    volatile void *p = bar + off;

    if (r & 4) {
        switch (width) {
        case 1: *(volatile uint8_t *)p = (uint8_t)(r >> 32); break;
        case 2: *(volatile uint16_t *)p = (uint16_t)(r >> 32); break;
        case 4: *(volatile uint32_t *)p = (uint32_t)(r >> 32); break;
        default: *(volatile uint64_t *)p = r; break;
        }
        return;
    }
    switch (width) {
    case 1: poke_sink = *(volatile uint8_t *)p; break;
    case 2: poke_sink = *(volatile uint16_t *)p; break;
    case 4: poke_sink = *(volatile uint32_t *)p; break;
    default: poke_sink = *(volatile uint64_t *)p; break;
    }
}

int main(int argc, char **argv)
{
    volatile uint8_t *bar;
    unsigned long n = 0;
    time_t end, tick;
    size_t size = 0;

    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "master"))) {
        dprintf(2, "usage: sclink-guest-poke SEED SECONDS [master]\n");
        return 2;
    }
    rng = strtoull(argv[1], NULL, 0) | 1;
    end = time(NULL) + (time_t)strtoul(argv[2], NULL, 0);
    bar = map_bar0(argc == 4, &size);
    if (!bar) {
        dprintf(1, "POKE: no device\n");
        while (time(NULL) < end)
            sleep(1);
        return 1;
    }
    dprintf(1, "POKE-BEGIN BAR0 %zu\n", size);
    tick = time(NULL);
    while (time(NULL) < end) {
        for (int i = 0; i < 64; i++)
            poke(bar, size);
        n += 64;
        if (time(NULL) != tick) {
            tick = time(NULL);
            dprintf(1, "POKE %lu\n", n);
        }
    }
    dprintf(1, "POKE-END %lu\n", n);
    return 0;
}
