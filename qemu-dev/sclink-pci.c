/*
 * sclink-pci: a PCI function served by a SystemC/TLM-2.0 gateway
 *
 *   -chardev socket,id=sc0,path=/tmp/gw.sock -device sclink-pci,chardev=sc0
 *
 * At realize the device sends Hello over the chardev and builds its PCI
 * identity, BARs and interrupt (INTx, MSI or MSI-X) from the gateway's
 * Welcome.  Guest accesses to the BARs become Requests answered by
 * Responses; the gateway sends Interrupts and DMA Requests back.  With
 * CAP_SYNC, virtual time advances in windows granted by the gateway.
 * doc/protocol.md in the sclink tree is the normative specification and
 * doc/qemu-device.md describes this device.
 *
 * This file is the PCI device: properties, realize (the Welcome made into
 * config space, BARs and interrupts), exit and reset.  The link's messages
 * are in sclink-link.c, the chardev and the waits in sclink-wait.c, time
 * windows in sclink-time.c, the accesses (MMIO, DMA, interrupts) in
 * sclink-access.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/module.h"
#include "qemu/host-utils.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/util.h"
#include "qapi/visitor.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "chardev/char.h"
#include "sclink-pci.h"
#include "trace.h"

/*
 * Checks a bar<i>-size property: pci_register_bar() asserts on a size that
 * is not a power of two, so a bad value must fail realize instead.  A
 * 32-bit BAR holds at most 2 GiB; whether a BAR is 64-bit is only known
 * from the Welcome (@is64 is true before it).
 */
static bool sclink_check_bar_size(SclinkPCIState *s, int i, bool is64,
                                  Error **errp)
{
    uint64_t size = s->pin_bar_size[i];

    if (size && (!is_power_of_2(size) || size < 16)) {
        error_setg(errp, "bar%d-size=0x%" PRIx64 ": must be a power of two "
                   "of at least 16 bytes", i, size);
        return false;
    }
    if (size > 2 * GiB && !is64) {
        error_setg(errp, "bar%d-size=0x%" PRIx64 ": BAR%d is a 32-bit BAR, "
                   "at most 2 GiB", i, size, i);
        return false;
    }
    return true;
}

/*
 * A bar<i>-size that does not fit the BAR the Welcome describes: the
 * user's configuration mistake, reported as such through errp; the
 * gateway is told the link ends on a local failure (ERR_INTERNAL), not
 * that its description cannot be built (ERR_CONFIG).
 */
static bool sclink_check_pinned_bar(SclinkPCIState *s, int i, bool is64,
                                    Error **errp)
{
    if (sclink_check_bar_size(s, i, is64, errp)) {
        return true;
    }
    sclink__send_error(s, SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
                       "QEMU configuration error (a bar-size property)");
    s->state = SCLINK_LINK_CLOSED;
    return false;
}

/* Refuses the Welcome with ERR_CONFIG (7.5) and fails realize. */
static void G_GNUC_PRINTF(3, 4) sclink_refuse(SclinkPCIState *s, Error **errp,
                                              const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sclink__send_error(s, SCLINK__V1__ERROR_CODE__ERR_CONFIG, msg);
    s->state = SCLINK_LINK_CLOSED;
    error_setg(errp, "cannot build the device the gateway describes: %s", msg);
}

/* Checks the Welcome (7.5) and builds the PCI function from it (7.6). */
static bool sclink_build(SclinkPCIState *s, const sclink_welcome *w,
                         Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    const sclink_device_info *d = w->device;
    uint64_t offered = SCLINK_CAPS_QEMU_DEVICE;
    sclink_hello hello = SCLINK__V1__HELLO__INIT;
    Sclink__V1__ErrorCode code;
    char why[160];
    bool used[SCLINK_PCI_NUM_BARS] = { false };
    uint32_t vendor, device, class_code;
    Error *local_err = NULL;
    size_t i;

    if (s->deterministic) {
        offered |= SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC;
    }
    /*
     * 7.5: role, version, capabilities and max_frame within what the Hello
     * offered, a quantum.  The interrupt kind's capability is checked with
     * the interrupts below.
     */
    hello.capabilities = offered;
    hello.has_max_frame = true;
    hello.max_frame = s->max_frame;
    if (sclink_welcome_check(&hello, w, &code, why, sizeof(why)) < 0) {
        sclink__send_error(s, code, why);
        s->state = SCLINK_LINK_CLOSED;
        if (code == SCLINK__V1__ERROR_CODE__ERR_VERSION) {
            error_setg(errp, "the peer is not an sclink %d.x gateway: %s",
                       SCLINK_VERSION_MAJOR, why);
        } else {
            error_setg(errp, "cannot build the device the gateway "
                       "describes: %s", why);
        }
        return false;
    }
    s->caps = w->capabilities;
    s->frame_limit = w->max_frame;
    sclink_window_init(&s->win, s->caps, w->quantum_ps);
    sclink__set_max_frame(s, w->max_frame);

    /* Identity, possibly pinned by properties. */
    vendor = s->pin_vendor_id != SCLINK_PCI_UNSET ? s->pin_vendor_id :
             d->vendor_id;
    device = s->pin_device_id != SCLINK_PCI_UNSET ? s->pin_device_id :
             d->device_id;
    class_code = s->pin_class_code != SCLINK_PCI_UNSET ? s->pin_class_code :
                 d->class_code;
    pci_config_set_vendor_id(pdev->config, vendor);
    pci_config_set_device_id(pdev->config, device);
    pci_config_set_revision(pdev->config, d->revision);
    pci_config_set_prog_interface(pdev->config, class_code & 0xff);
    pci_config_set_class(pdev->config, class_code >> 8);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_VENDOR_ID,
                 d->subsystem_vendor_id);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, d->subsystem_id);

    /* BARs: the Welcome's, then those only pinned by properties. */
    for (i = 0; i < d->n_bars; i++) {
        const sclink_bar *b = d->bars[i];
        SclinkPCIBar *bar = &s->bars[b->index];
        uint8_t type = PCI_BASE_ADDRESS_SPACE_MEMORY;
        g_autofree char *name = g_strdup_printf("sclink-bar%u", b->index);

        bar->size = b->size;
        if (s->pin_bar_size[b->index]) {
            if (s->pin_bar_size[b->index] != b->size) {
                warn_report("sclink-pci '%s': BAR%u size 0x%" PRIx64
                            " (bar%u-size) overrides the gateway's 0x%"
                            PRIx64, sclink_name(s), b->index,
                            s->pin_bar_size[b->index], b->index, b->size);
            }
            bar->size = s->pin_bar_size[b->index];
        }
        if (!sclink_check_pinned_bar(s, b->index,
                                     b->kind == SCLINK__V1__BAR_KIND__BAR_MEM64,
                                     errp)) {
            return false;
        }
        if (b->kind == SCLINK__V1__BAR_KIND__BAR_MEM64) {
            type |= PCI_BASE_ADDRESS_MEM_TYPE_64;
            used[b->index + 1] = true;
        }
        if (b->prefetchable) {
            type |= PCI_BASE_ADDRESS_MEM_PREFETCH;
        }
        used[b->index] = true;
        bar->present = true;
        bar->posted = b->posted_writes &&
            sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES);
        memory_region_init_io(&bar->mr, OBJECT(s), &sclink__bar_ops, bar,
                              name, bar->size);
        sclink_memory_region_allow_reentrancy(&bar->mr);
        pci_register_bar(pdev, b->index, type, &bar->mr);
    }
    for (i = 0; i < SCLINK_PCI_NUM_BARS; i++) {
        SclinkPCIBar *bar = &s->bars[i];
        g_autofree char *name = NULL;

        if (used[i] || !s->pin_bar_size[i]) {
            continue;
        }
        /* The BAR added here is 32-bit. */
        if (!sclink_check_pinned_bar(s, i, false, errp)) {
            return false;
        }
        name = g_strdup_printf("sclink-bar%zu", i);
        used[i] = true;
        bar->present = true;
        bar->size = s->pin_bar_size[i];
        memory_region_init_io(&bar->mr, OBJECT(s), &sclink__bar_ops, bar,
                              name, bar->size);
        sclink_memory_region_allow_reentrancy(&bar->mr);
        pci_register_bar(pdev, i, PCI_BASE_ADDRESS_SPACE_MEMORY, &bar->mr);
    }

    /* Interrupt */
    s->irq_kind = d->has_interrupt ? d->interrupt :
                  SCLINK__V1__INTERRUPT_KIND__IRQ_NONE;
    switch (s->irq_kind) {
    case SCLINK__V1__INTERRUPT_KIND__IRQ_NONE:
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_INTX:
        if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_INTX)) {
            sclink_refuse(s, errp, "IRQ_INTX without CAP_INTX");
            return false;
        }
        pci_config_set_interrupt_pin(pdev->config,
                                     d->has_intx_pin ? d->intx_pin : 1);
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSI:
        if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_MSI)) {
            sclink_refuse(s, errp, "IRQ_MSI without CAP_MSI");
            return false;
        }
        s->irq_vectors = d->msi_vectors;
        if (msi_init(pdev, 0, d->msi_vectors, true, false, &local_err)) {
            sclink_refuse(s, errp, "MSI: %s",
                          error_get_pretty(local_err));
            error_free(local_err);
            return false;
        }
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX:
        if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_MSIX)) {
            sclink_refuse(s, errp, "IRQ_MSIX without CAP_MSIX");
            return false;
        }
        s->irq_vectors = d->msix_vectors;
        s->msix_bar_nr = s->msix_bar;
        if (s->msix_bar_nr < 0) {
            for (i = 0; i < SCLINK_PCI_NUM_BARS && used[i]; i++) {
                /* first free slot */
            }
            s->msix_bar_nr = i < SCLINK_PCI_NUM_BARS ? i : -1;
        } else if (s->msix_bar_nr >= SCLINK_PCI_NUM_BARS ||
                   used[s->msix_bar_nr]) {
            sclink_refuse(s, errp, "msix-bar=%d is not a free BAR slot",
                          s->msix_bar);
            return false;
        }
        if (s->msix_bar_nr < 0) {
            sclink_refuse(s, errp, "no free BAR slot for the MSI-X table");
            return false;
        }
        if (msix_init_exclusive_bar(pdev, d->msix_vectors, s->msix_bar_nr,
                                    &local_err)) {
            sclink_refuse(s, errp, "MSI-X: %s",
                          error_get_pretty(local_err));
            error_free(local_err);
            s->msix_bar_nr = -1;
            return false;
        }
        /* msix_notify() drops vectors not marked used (7.2 and 10.0). */
        for (i = 0; i < d->msix_vectors; i++) {
            msix_vector_use(pdev, i);
        }
        break;
    default:
        sclink_refuse(s, errp, "unknown interrupt kind %d", s->irq_kind);
        return false;
    }
    return true;
}

/*
 * QEMU shuts down (guest poweroff, quit, signal): say Bye while we can,
 * after the access under way, if any, has its Response.  Then the link is
 * done, and the I/O thread stops before QEMU frees the chardev.
 */
static void sclink_shutdown_notify(Notifier *n, void *data)
{
    SclinkPCIState *s = container_of(n, SclinkPCIState, shutdown_notifier);

    if (sclink__turn_take(s)) {
        sclink__send_bye(s, SCLINK__V1__BYE_REASON__BYE_SHUTDOWN);
        s->state = SCLINK_LINK_CLOSED;
        sclink__turn_give(s);
    }
    s->state = SCLINK_LINK_CLOSED;
    sclink__io_quiesce(s);
}

/* The window timer: a window end is an exchange of its own (the turn). */
static void sclink_window_timer(void *opaque)
{
    SclinkPCIState *s = opaque;

    if (sclink__turn_take(s)) {
        sclink__window_end(s);
        sclink__turn_give(s);
    }
}

static void sclink_pci_realize(PCIDevice *pdev, Error **errp)
{
    SclinkPCIState *s = SCLINK_PCI(pdev);
    sclink_msg *welcome = NULL;
    const char *mode;
    int i;

    if (!sclink__chan_check(s, errp)) {
        return;
    }
    if (s->max_frame < SCLINK_MIN_MAX_FRAME ||
        s->max_frame > SCLINK_LIMIT_MAX_FRAME) {
        error_setg(errp, "max-frame=%u: must be %u..%u", s->max_frame,
                   SCLINK_MIN_MAX_FRAME, SCLINK_LIMIT_MAX_FRAME);
        return;
    }
    if (s->pin_vendor_id != SCLINK_PCI_UNSET && s->pin_vendor_id >= 0xffff) {
        error_setg(errp, "vendor-id=0x%x: must be below 0xffff",
                   s->pin_vendor_id);
        return;
    }
    if (s->pin_device_id != SCLINK_PCI_UNSET && s->pin_device_id > 0xffff) {
        error_setg(errp, "device-id=0x%x: must be 16 bits", s->pin_device_id);
        return;
    }
    if (s->pin_class_code != SCLINK_PCI_UNSET &&
        s->pin_class_code > 0xffffff) {
        error_setg(errp, "class-code=0x%x: must be 24 bits",
                   s->pin_class_code);
        return;
    }
    for (i = 0; i < SCLINK_PCI_NUM_BARS; i++) {
        /* Before Hello; the 32-bit limit is checked after the Welcome. */
        if (!sclink_check_bar_size(s, i, true, errp)) {
            return;
        }
    }

    /*
     * Checked before Hello: under -only-migratable the device is refused
     * before the gateway hears of it.
     */
    error_setg(&s->migration_blocker, "sclink-pci '%s' cannot migrate: the "
               "state of its models lives in the SystemC gateway process, "
               "which QEMU can neither save nor restore", sclink_name(s));
    if (sclink_migrate_add_blocker(&s->migration_blocker, errp) < 0) {
        return;
    }

    s->msix_bar_nr = -1;
    s->deterministic = sclink__icount_deterministic();
    /*
     * One vCPU thread under -icount: the waits keep the BQL (sclink-wait.c,
     * doc/qemu-device.md "Locking").
     */
    s->unlocked_waits = !icount_enabled();
    /* Section 3.2: Hello and Welcome travel under the default 1 MiB. */
    s->frame_limit = SCLINK_DEFAULT_MAX_FRAME;
    s->window_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, sclink_window_timer, s);
    if (!sclink__chan_open(s, errp) || !sclink__io_start(s, errp) ||
        !sclink__chan_wait_open(s, errp)) {
        goto fail;
    }
    /* Realize is the link's first exchange; nothing else can ask yet. */
    sclink__turn_try(s);

    if (!sclink__handshake(s, &welcome, errp) ||
        !sclink_build(s, welcome->welcome, errp)) {
        goto fail;
    }
    sclink_msg_free(welcome);
    welcome = NULL;

    /* Section 8.1: both sides start at 0 now; the first window is [0, Q]. */
    s->state = SCLINK_LINK_RUNNING;
    s->v0_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        sclink__arm_window(s);
    }
    s->vmstate_entry = qemu_add_vm_change_state_handler(sclink__vm_state_change,
                                                        s);
    if (!runstate_is_running()) {
        sclink__tell_paused(s, true);    /* -S may keep it stopped for long */
    }
    /* The gateway hears Bye before QEMU exits, whatever ends it. */
    s->shutdown_notifier.notify = sclink_shutdown_notify;
    qemu_register_shutdown_notifier(&s->shutdown_notifier);

    if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        mode = "no time windows (gateway did not agree CAP_SYNC)";
    } else if (sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC)) {
        mode = "deterministic (-icount, sleep=off): gateway messages are "
               "consumed only in waits";
    } else {
        mode = s->deterministic ?
               "free-running (gateway did not agree CAP_DETERMINISTIC)" :
               "free-running (no -icount shift=N,sleep=off): drift bounded "
               "by Q";
    }
    info_report("sclink-pci '%s': linked to gateway on %s: "
                "%04x:%04x, Q=%" PRIu64 " ps, caps 0x%" PRIx64 ", %s",
                sclink_name(s), s->link_label,
                pci_get_word(pdev->config + PCI_VENDOR_ID),
                pci_get_word(pdev->config + PCI_DEVICE_ID),
                s->win.quantum_ps, s->caps, mode);
    if (s->msix_bar_nr >= 0) {
        info_report("sclink-pci '%s': MSI-X table and PBA in BAR%d",
                    sclink_name(s), s->msix_bar_nr);
    }
    sclink__turn_give(s);
    return;

fail:
    sclink_msg_free(welcome);
    if (s->iothread) {
        sclink__close(s);
    }
    if (s->msix_bar_nr >= 0) {
        msix_uninit_exclusive_bar(pdev);
    }
    msi_uninit(pdev);
    sclink__io_stop(s);
    timer_free(s->window_timer);
    s->window_timer = NULL;
    g_free(s->fail_reason);
    s->fail_reason = NULL;
    sclink_migrate_del_blocker(&s->migration_blocker);
}

static void sclink_pci_exit(PCIDevice *pdev)
{
    SclinkPCIState *s = SCLINK_PCI(pdev);

    /*
     * After the access under way, if any.  An access that still waits for
     * the turn gets it afterwards, finds the link CLOSED and fails at
     * once (sclink__io_init() says why its lock outlives this).
     */
    if (sclink__turn_take(s)) {
        sclink__send_bye(s, SCLINK__V1__BYE_REASON__BYE_SHUTDOWN);
        s->state = SCLINK_LINK_CLOSED;
        sclink__turn_give(s);
    }
    s->state = SCLINK_LINK_CLOSED;
    qemu_del_vm_change_state_handler(s->vmstate_entry);
    notifier_remove(&s->shutdown_notifier);
    sclink__io_stop(s);
    if (s->msix_bar_nr >= 0) {
        msix_uninit_exclusive_bar(pdev);
    }
    msi_uninit(pdev);
    timer_free(s->window_timer);
    sclink_migrate_del_blocker(&s->migration_blocker);
}

static ResettablePhases sclink_pci_parent_phases;

/*
 * The gateway's models are part of this function, so a reset reaches them
 * too (CAP_RESET, doc/protocol.md 8.10): Sync RESET stamped T_Q, in order
 * with every Request sent before it, then a wait for RESET_DONE that
 * serves what the gateway sends first, as a wait for a Response does.
 * What the reset models drive (an INTx level falling) thus arrives before
 * RESET_DONE; what a model started before the reset meets a function
 * whose bus mastering and MSI the PCI core has just turned off.
 */
static void sclink_forward_reset(SclinkPCIState *s)
{
    sclink_msg *done;
    uint64_t t = sclink__stamp(s);

    trace_sclink_reset(sclink_name(s), t);
    if (!sclink__send_sync(s, SCLINK__V1__SYNC_KIND__SYNC_RESET, t)) {
        sclink__fail(s, "cannot send Sync RESET");
        return;
    }
    sclink__stamp_sent(s, t);   /* a stamp like a Request's (rules C, N) */
    done = sclink__wait(s, SCLINK__V1__ENVELOPE__MSG_SYNC, 0,
                        "Sync RESET_DONE");
    if (!done) {
        return;
    }
    if (done->sync->kind != SCLINK__V1__SYNC_KIND__SYNC_RESET_DONE ||
        done->sync->time_ps != t) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                          "Sync kind %d at %" PRIu64 " ps while Sync RESET "
                          "%" PRIu64 " ps waits for RESET_DONE",
                          done->sync->kind, done->sync->time_ps, t);
    } else {
        trace_sclink_reset_done(sclink_name(s), t);
    }
    sclink_msg_free(done);
}

/*
 * Device reset (system_reset, a guest reboot, a bus reset).  Runs in the
 * exit phase, after the bus's hold phase has reset the function.  The
 * link stays up; the models are reset through it when the gateway agreed
 * CAP_RESET, and keep their state otherwise.  The machine's reset at
 * start-up, before the guest ran, finds the models as the handshake left
 * them and is not forwarded (8.10).  The PCI core deasserted INTx in the
 * hold phase and the gateway will not resend a level it believes
 * unchanged: re-assert the last level it sent, after the reset models
 * have had their say.
 */
static void sclink_pci_reset_exit(Object *obj SCLINK_RESET_PARAM)
{
    SclinkPCIState *s = SCLINK_PCI(obj);

    if (sclink_pci_parent_phases.exit) {
        sclink_pci_parent_phases.exit(obj SCLINK_RESET_ARG);
    }
    if (s->state != SCLINK_LINK_RUNNING ||
        runstate_check(RUN_STATE_PRELAUNCH)) {
        /* nothing to forward */
    } else if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_RESET)) {
        warn_report("sclink-pci '%s': device reset; the gateway did not "
                    "agree CAP_RESET, so its models keep their state%s",
                    sclink_name(s),
                    s->intx_level ? " (INTx re-asserted)" : "");
    } else if (!sclink__turn_try(s)) {
        /*
         * A bus reset from one vCPU while another's access waits, or
         * from a DMA served in a wait: the reset cannot wait for the turn
         * in the middle of the machine's reset.
         */
        warn_report("sclink-pci '%s': device reset while an access waits "
                    "for the gateway; its models keep their state",
                    sclink_name(s));
    } else {
        s->in_reset = true;
        sclink_forward_reset(s);
        s->in_reset = false;
        sclink__turn_give(s);
    }
    if (s->state == SCLINK_LINK_RUNNING &&
        s->irq_kind == SCLINK__V1__INTERRUPT_KIND__IRQ_INTX) {
        pci_set_irq(PCI_DEVICE(s), s->intx_level);
    }
}

static void sclink_pci_instance_init(Object *obj)
{
    SclinkPCIState *s = SCLINK_PCI(obj);
    int i;

    for (i = 0; i < SCLINK_PCI_NUM_BARS; i++) {
        s->bars[i].dev = s;
        s->bars[i].index = i;
    }
    s->msix_bar_nr = -1;
    s->state = SCLINK_LINK_CLOSED;
    sclink__io_init(s);
}

static void sclink_pci_instance_finalize(Object *obj)
{
    sclink__io_finalize(SCLINK_PCI(obj));
}

/*
 * on-failure: an enum property, as QEMU's own (qdev_prop_losttickpolicy,
 * qdev_prop_blockdev_on_error), with the lookup table below.  Its get and
 * set are written here because qdev_propinfo_get_enum() and friends are
 * internal to hw/core.
 */
static const QEnumLookup sclink_on_failure_lookup = {
    .array = (const char *const[]) {
        [SCLINK_ON_FAILURE_STOP] = "stop",
        [SCLINK_ON_FAILURE_EXIT] = "exit",
    },
    .size = SCLINK_ON_FAILURE__MAX,
};

static void sclink_prop_get_enum(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    Property *prop = opaque;
    int *ptr = object_field_prop_ptr(obj, prop);

    visit_type_enum(v, name, ptr, prop->info->enum_table, errp);
}

static void sclink_prop_set_enum(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    Property *prop = opaque;
    int *ptr = object_field_prop_ptr(obj, prop);

    visit_type_enum(v, name, ptr, prop->info->enum_table, errp);
}

static void sclink_prop_default_enum(ObjectProperty *op, const Property *prop)
{
    object_property_set_default_str(op,
        qapi_enum_lookup(prop->info->enum_table, prop->defval.i));
}

static const PropertyInfo sclink_prop_on_failure = {
    .SCLINK_PROPINFO_TYPE = "SclinkOnFailure",
    .description = "what a lost gateway link does: stop (the VM, accesses "
                   "fail from then on) or exit (QEMU, status 1)",
    .enum_table = &sclink_on_failure_lookup,
    .get = sclink_prop_get_enum,
    .set = sclink_prop_set_enum,
    .set_default_value = sclink_prop_default_enum,
};

static SCLINK_PROPS_CONST Property sclink_pci_properties[] = {
    DEFINE_PROP_CHR("chardev", SclinkPCIState, chr),
    DEFINE_PROP_STRING("socket", SclinkPCIState, socket_addr),
    DEFINE_PROP_STRING("tls-creds", SclinkPCIState, tls_creds_id),
    DEFINE_PROP_UINT32("timeout", SclinkPCIState, timeout_ms, 10000),
    DEFINE_PROP_SIGNED("on-failure", SclinkPCIState, on_failure,
                       SCLINK_ON_FAILURE_STOP, sclink_prop_on_failure,
                       SclinkOnFailure),
    DEFINE_PROP_UINT64("quantum", SclinkPCIState, quantum_ns, 1000000),
    DEFINE_PROP_UINT32("max-frame", SclinkPCIState, max_frame,
                       SCLINK_DEFAULT_MAX_FRAME),
    DEFINE_PROP_INT32("msix-bar", SclinkPCIState, msix_bar, -1),
    DEFINE_PROP_UINT32("vendor-id", SclinkPCIState, pin_vendor_id,
                       SCLINK_PCI_UNSET),
    DEFINE_PROP_UINT32("device-id", SclinkPCIState, pin_device_id,
                       SCLINK_PCI_UNSET),
    DEFINE_PROP_UINT32("class-code", SclinkPCIState, pin_class_code,
                       SCLINK_PCI_UNSET),
    DEFINE_PROP_SIZE("bar0-size", SclinkPCIState, pin_bar_size[0], 0),
    DEFINE_PROP_SIZE("bar1-size", SclinkPCIState, pin_bar_size[1], 0),
    DEFINE_PROP_SIZE("bar2-size", SclinkPCIState, pin_bar_size[2], 0),
    DEFINE_PROP_SIZE("bar3-size", SclinkPCIState, pin_bar_size[3], 0),
    DEFINE_PROP_SIZE("bar4-size", SclinkPCIState, pin_bar_size[4], 0),
    DEFINE_PROP_SIZE("bar5-size", SclinkPCIState, pin_bar_size[5], 0),
    SCLINK_PROPS_END
};

static void sclink_pci_class_init(ObjectClass *klass, SclinkClassData *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = sclink_pci_realize;
    k->exit = sclink_pci_exit;
    /* Placeholders: realize writes the gateway's identity. */
    k->vendor_id = PCI_VENDOR_ID_QEMU;
    k->device_id = 0x5c11;
    k->class_id = PCI_CLASS_OTHERS;
    dc->desc = "PCI function served by an sclink SystemC/TLM-2.0 gateway";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    device_class_set_props(dc, sclink_pci_properties);
    /* Units in the help text (-device sclink-pci,help), not in the names. */
    object_class_property_set_description(klass, "socket",
        "the gateway's address, unix:PATH or tcp:HOST:PORT, for a socket "
        "of the device's own (instead of chardev=)");
    object_class_property_set_description(klass, "tls-creds",
        "the id of a tls-creds-x509 or tls-creds-psk object (endpoint=client): "
        "TLS on socket=");
    object_class_property_set_description(klass, "timeout",
        "longest wait for the gateway, in ms, per wait and per frame "
        "written; 0: for ever");
    object_class_property_set_description(klass, "quantum",
        "time window proposed in Hello, in ns of virtual time; 0: no wish");
    object_class_property_set_description(klass, "max-frame",
        "largest frame payload proposed in Hello, in bytes (4 KiB..64 MiB)");
    object_class_property_set_description(klass, "msix-bar",
        "BAR slot of the MSI-X table and PBA; -1: the lowest free slot");
    resettable_class_set_parent_phases(rc, NULL, NULL, sclink_pci_reset_exit,
                                       &sclink_pci_parent_phases);
}

static const TypeInfo sclink_pci_info = {
    .name = TYPE_SCLINK_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SclinkPCIState),
    .instance_init = sclink_pci_instance_init,
    .instance_finalize = sclink_pci_instance_finalize,
    .class_init = sclink_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void sclink_pci_register_types(void)
{
    type_register_static(&sclink_pci_info);
}

type_init(sclink_pci_register_types)
