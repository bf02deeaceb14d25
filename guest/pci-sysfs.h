/*
 * Finding a PCI function through sysfs, shared by the guest programs
 * (test, MSI test, benchmark).  Header-only: each program is one static
 * binary built from one .c file by guest/build-initramfs.
 */
#ifndef SCLINK_GUEST_PCI_SYSFS_H
#define SCLINK_GUEST_PCI_SYSFS_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A sysfs attribute holding one hexadecimal number, or -1. */
static long pci_read_hex(const char *dir, const char *name)
{
    char path[400], buf[32];
    FILE *f;
    long v = -1;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f)
        return -1;
    if (fgets(buf, sizeof buf, f))
        v = strtol(buf, NULL, 16);
    fclose(f);
    return v;
}

/*
 * Finds the nth (from 0) function with these IDs, in sysfs name order, and
 * writes its directory (/sys/bus/pci/devices/DDDD:BB:DD.F) to dir.
 * Returns 0, or -1 when there is no such function.
 */
static int pci_find(unsigned vendor, unsigned device, int nth, char *dir,
                    size_t dirlen)
{
    struct dirent **names;
    int n = scandir("/sys/bus/pci/devices", &names, NULL, alphasort);
    int found = -1;

    for (int i = 0; i < n; i++) {
        char d[300];

        snprintf(d, sizeof d, "/sys/bus/pci/devices/%s", names[i]->d_name);
        if (found < 0 && names[i]->d_name[0] != '.' &&
            pci_read_hex(d, "vendor") == (long)vendor &&
            pci_read_hex(d, "device") == (long)device && nth-- == 0) {
            snprintf(dir, dirlen, "%s", d);
            found = 0;
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    return found;
}

/*
 * Sets bits in the command register of the function in dir (0x2 Memory
 * Space, 0x4 Bus Master).  Returns 0, or -1 when the config space could
 * not be read or written.
 */
static inline int pci_command_set(const char *dir, unsigned bits)
{
    char path[400];
    uint16_t cmd;
    int fd, ok;

    snprintf(path, sizeof path, "%s/config", dir);
    fd = open(path, O_RDWR);
    if (fd < 0)
        return -1;
    ok = pread(fd, &cmd, 2, 4) == 2;
    cmd |= bits;
    ok = ok && pwrite(fd, &cmd, 2, 4) == 2;
    close(fd);
    return ok ? 0 : -1;
}

#endif
