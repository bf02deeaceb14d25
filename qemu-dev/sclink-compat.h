/*
 * sclink-compat.h: what differs between the QEMU versions sclink-pci is
 * built against (Debian's 7.2, 10.0 and 10.2), in one place, so that the
 * device itself reads as current QEMU code.  doc/qemu-device.md, "API
 * differences", lists each difference and the version that made it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_SCLINK_COMPAT_H
#define HW_MISC_SCLINK_COMPAT_H

/* From config-host.h, which qemu/osdep.h includes first. */
#if !defined(QEMU_VERSION_MAJOR) || !defined(QEMU_VERSION_MINOR)
#error "QEMU_VERSION_MAJOR/MINOR (config-host.h, via qemu/osdep.h) not defined"
#endif

#define SCLINK_QEMU_AT_LEAST(major, minor)                                  \
    (QEMU_VERSION_MAJOR > (major) ||                                        \
     (QEMU_VERSION_MAJOR == (major) && QEMU_VERSION_MINOR >= (minor)))

/* 10.0: include/sysemu/ became include/system/, sysemu.h system.h. */
#if SCLINK_QEMU_AT_LEAST(10, 0)
#include "system/cpus.h"
#include "system/cpu-timers.h"
#include "system/runstate.h"
#include "system/system.h"
#include "system/iothread.h"
#else
#include "sysemu/cpus.h"
#include "sysemu/cpu-timers.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "sysemu/iothread.h"
#endif

/*
 * icount_enabled() and icount_to_ns() moved out of cpu-timers.h into
 * exec/icount.h; without it 10.2 compiles the calls as implicit functions
 * and fails to link.
 */
#if __has_include("exec/icount.h")
#include "exec/icount.h"
#endif

/*
 * 8.0: struct PCIDevice and pci_dma_read/write moved from hw/pci/pci.h to
 * hw/pci/pci_device.h, which hw/pci/pci.h does not include.
 */
#if __has_include("hw/pci/pci_device.h")
#include "hw/pci/pci_device.h"
#endif

/* 10.2: the frontend's handle on a chardev, CharBackend, became CharFrontend. */
#include "chardev/char-fe.h"
#if !SCLINK_QEMU_AT_LEAST(10, 2)
typedef CharBackend CharFrontend;
#endif

/*
 * 10.0: property arrays are const and device_class_set_props() takes
 * their size; DEFINE_PROP_END_OF_LIST() is gone (and fails the build).
 */
#if SCLINK_QEMU_AT_LEAST(10, 0)
#define SCLINK_PROPS_CONST const
#define SCLINK_PROPS_END
#else
#define SCLINK_PROPS_CONST
#define SCLINK_PROPS_END DEFINE_PROP_END_OF_LIST(),
#endif

/* 10.1: class_init() takes const data. */
#if SCLINK_QEMU_AT_LEAST(10, 1)
typedef const void SclinkClassData;
#else
typedef void SclinkClassData;
#endif

/*
 * 9.0: the Resettable hold and exit phases take the ResetType.  Used as
 * `f(Object *obj SCLINK_RESET_PARAM)` and `parent(obj SCLINK_RESET_ARG)`.
 */
#if SCLINK_QEMU_AT_LEAST(9, 0)
#define SCLINK_RESET_PARAM , ResetType type
#define SCLINK_RESET_ARG , type
#else
#define SCLINK_RESET_PARAM
#define SCLINK_RESET_ARG
#endif

/*
 * 8.2: migrate_add_blocker() and migrate_del_blocker() take the reason by
 * reference; add frees it on failure, del frees it, and both clear the
 * caller's pointer.  The device uses that shape; before 8.2 it is built
 * here from the old calls, which take the Error itself and free nothing.
 */
#include "qapi/error.h"
#include "migration/blocker.h"
#if SCLINK_QEMU_AT_LEAST(8, 2)
#define sclink_migrate_add_blocker migrate_add_blocker
#define sclink_migrate_del_blocker migrate_del_blocker
#else
static inline int sclink_migrate_add_blocker(Error **reasonp, Error **errp)
{
    int ret = migrate_add_blocker(*reasonp, errp);

    if (ret < 0) {
        error_free(*reasonp);
        *reasonp = NULL;
    }
    return ret;
}

static inline void sclink_migrate_del_blocker(Error **reasonp)
{
    if (*reasonp) {
        migrate_del_blocker(*reasonp);
        error_free(*reasonp);
        *reasonp = NULL;
    }
}
#endif

/*
 * 10.0: PropertyInfo's name of the property's type, .name, became .type.
 * Used as `.SCLINK_PROPINFO_TYPE = "SclinkOnFailure"`.
 */
#if SCLINK_QEMU_AT_LEAST(10, 0)
#define SCLINK_PROPINFO_TYPE type
#else
#define SCLINK_PROPINFO_TYPE name
#endif

/*
 * 9.0: the BQL's calls, qemu_mutex_lock_iothread() and friends, became
 * bql_lock(), bql_unlock() and bql_locked().  The device says bql_*.
 */
#include "qemu/main-loop.h"
#if !SCLINK_QEMU_AT_LEAST(9, 0)
#define bql_lock() qemu_mutex_lock_iothread()
#define bql_unlock() qemu_mutex_unlock_iothread()
#define bql_locked() qemu_mutex_iothread_locked()
#endif

/*
 * 8.1: the memory core refuses an access to a device's MemoryRegion while
 * an access to any of the same device's regions is under way
 * (MemReentrancyGuard), unless the region sets disable_reentrancy_guard.
 * A BAR of sclink-pci is entered by several vCPUs at once while one waits
 * for the gateway with the BQL released (the others wait for their turn,
 * sclink__turn_take), and by the device's own DMA, which it refuses
 * itself: without this the other vCPUs' accesses fail ("Blocked
 * re-entrant IO") and their reads give zeros.  The guard came with the
 * series that added qemu_bh_new_guarded(), and Debian's 7.2 (like
 * upstream's later 7.2.x) carries that series: the macro is the test.
 */
#if __has_include("system/memory.h")
#include "system/memory.h"         /* 10.1: moved from exec/ */
#else
#include "exec/memory.h"
#endif
static inline void sclink_memory_region_allow_reentrancy(MemoryRegion *mr)
{
#if defined(qemu_bh_new_guarded) || SCLINK_QEMU_AT_LEAST(8, 1)
    mr->disable_reentrancy_guard = true;
#endif
}

#endif /* HW_MISC_SCLINK_COMPAT_H */
