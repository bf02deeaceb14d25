/*
 * sclink-pci: accesses across the link
 *
 * Guest accesses to the BARs become Requests, answered by Responses
 * (non-posted) or not (posted writes); the gateway's DMA Requests become
 * this function's bus-master accesses; its Interrupts raise INTx, MSI or
 * MSI-X.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/bswap.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "sclink-pci.h"
#include "trace.h"

void sclink__handle_interrupt(SclinkPCIState *s,
                              const sclink_interrupt *irq)
{
    /* What each Interrupt type needs agreed, by Sclink__V1__IrqType. */
    static const struct {
        uint64_t cap;
        Sclink__V1__InterruptKind kind;
        const char *name;
    } types[] = {
        [SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE] = {
            SCLINK__V1__CAPABILITY__CAP_INTX,
            SCLINK__V1__INTERRUPT_KIND__IRQ_INTX, "INTx" },
        [SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI] = {
            SCLINK__V1__CAPABILITY__CAP_MSI,
            SCLINK__V1__INTERRUPT_KIND__IRQ_MSI, "MSI" },
        [SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX] = {
            SCLINK__V1__CAPABILITY__CAP_MSIX,
            SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX, "MSI-X" },
    };
    PCIDevice *pdev = PCI_DEVICE(s);
    const char *name;

    trace_sclink_irq(sclink_name(s), irq->type, irq->index,
                     irq->has_level && irq->level, irq->time_ps);
    if ((unsigned)irq->type >= ARRAY_SIZE(types) || !types[irq->type].name) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                          "Interrupt of unknown type %d", irq->type);
        return;
    }
    name = types[irq->type].name;
    if (!sclink_has_cap(s, types[irq->type].cap) ||
        s->irq_kind != types[irq->type].kind) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                          "%s Interrupt but the device is not %s", name, name);
        return;
    }
    if (irq->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE) {
        if (irq->index != 0 || !irq->has_level) {
            sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                              "INTx Interrupt index %u (must be 0) or no level",
                              irq->index);
            return;
        }
        /* The PCI core honours Interrupt Disable and sets Status. */
        s->intx_level = irq->level;
        pci_set_irq(pdev, irq->level);
        return;
    }
    if (irq->index >= s->irq_vectors) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                          "%s vector %u out of range (%u vectors)",
                          name, irq->index, s->irq_vectors);
        return;
    }
    if (irq->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI ?
        !msi_enabled(pdev) : !msix_enabled(pdev)) {
        qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': %s vector %u "
                      "dropped: the guest has not enabled %s\n",
                      sclink_name(s), name, irq->index, name);
        return;
    }
    if (irq->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX) {
        msix_notify(pdev, irq->index);
    } else if (irq->index < msi_nr_vectors_allocated(pdev)) {
        msi_notify(pdev, irq->index);
    } else {
        /* msi_notify() asserts on it; log rather than drop silently */
        qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': MSI vector %u "
                      "dropped: the guest enabled only %u vector(s)\n",
                      sclink_name(s), irq->index,
                      msi_nr_vectors_allocated(pdev));
    }
}

static Sclink__V1__Status sclink_memtx_status(MemTxResult r)
{
    switch (r) {
    case MEMTX_OK:
        return SCLINK__V1__STATUS__STATUS_OK;
    case MEMTX_DECODE_ERROR:
        return SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
    default:
        return SCLINK__V1__STATUS__STATUS_GENERIC_ERROR;
    }
}

/* Serves a DMA Request as this function's bus-master access (rule L). */
void sclink__handle_dma(SclinkPCIState *s, const sclink_request *req)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    Sclink__V1__Response resp = SCLINK__V1__RESPONSE__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    g_autofree uint8_t *buf = NULL;
    bool is_read = req->command == SCLINK__V1__COMMAND__CMD_READ;
    Sclink__V1__Status status;
    Sclink__V1__ErrorCode code;
    char why[160];
    MemTxResult r;

    /*
     * 5.2, 5.4, 5.6: this function serves no byte enables, no streaming
     * width and no debug commands.
     */
    if (sclink_dma_check(req, s->caps, 0, &status, &code, why,
                         sizeof(why)) < 0) {
        sclink__violation(s, code, "%s", why);
        return;
    }

    if (status == SCLINK__V1__STATUS__STATUS_OK) {
        if (is_read) {
            buf = g_malloc0(req->length);
            r = pci_dma_read(pdev, req->address, buf, req->length);
        } else {
            r = pci_dma_write(pdev, req->address, req->data.data,
                              req->length);
        }
        status = sclink_memtx_status(r);
        if (r != MEMTX_OK) {
            qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': DMA %s of %u "
                          "bytes at 0x%" PRIx64 " failed (bus master %s)\n",
                          sclink_name(s), is_read ? "read" : "write",
                          req->length, req->address,
                          pci_get_word(pdev->config + PCI_COMMAND) &
                          PCI_COMMAND_MASTER ? "on" : "off");
        }
    }

    trace_sclink_dma(sclink_name(s), req->id, is_read ? "read" : "write",
                     req->address, req->length, status);
    resp.has_id = true;
    resp.id = req->id;
    resp.has_status = true;
    resp.status = status;
    if (is_read && status == SCLINK__V1__STATUS__STATUS_OK) {
        resp.has_data = true;
        resp.data.data = buf;
        resp.data.len = req->length;
    }
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    m.response = &resp;
    if (!sclink__send(s, &m)) {
        sclink__fail(s, "cannot send the Response to DMA Request %" PRIu64,
                     req->id);
    }
}

/* Sends one MMIO Request; for a non-posted one waits for its Response. */
static MemTxResult sclink_mmio(SclinkPCIBar *bar, bool is_write, hwaddr addr,
                               uint64_t *val, unsigned size)
{
    SclinkPCIState *s = bar->dev;
    Sclink__V1__Request req = SCLINK__V1__REQUEST__INIT;
    Sclink__V1__Attributes attrs = SCLINK__V1__ATTRIBUTES__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    sclink_msg *answer;
    uint8_t data[8];
    MemTxResult ret;
    const char *why;
    char text[160];

    if (s->state != SCLINK_LINK_RUNNING) {
        why = "the gateway link is down";
        ret = MEMTX_ERROR;
        goto fail;
    }

    req.has_id = true;
    req.id = s->next_id++;
    req.has_command = true;
    req.command = is_write ? SCLINK__V1__COMMAND__CMD_WRITE :
                             SCLINK__V1__COMMAND__CMD_READ;
    req.has_bar = true;
    req.bar = bar->index;
    req.has_address = true;
    req.address = addr;
    req.has_length = true;
    req.length = size;
    req.has_time_ps = true;
    req.time_ps = sclink__stamp(s);
    if (is_write) {
        stn_le_p(data, size, *val);
        req.has_data = true;
        req.data.data = data;
        req.data.len = size;
        if (bar->posted) {
            attrs.has_posted = true;
            attrs.posted = true;
            req.attributes = &attrs;
        }
    }
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    m.request = &req;
    if (!sclink__send(s, &m)) {
        sclink__fail(s, "cannot send an MMIO Request");
        why = "the gateway link is down";
        ret = MEMTX_ERROR;
        goto fail;
    }
    sclink__stamp_sent(s, req.time_ps);
    if (attrs.posted) {
        return MEMTX_OK;
    }

    answer = sclink__wait(s, SCLINK__V1__ENVELOPE__MSG_RESPONSE, req.id,
                          "Response");
    if (!answer) {
        why = "no Response from the gateway";
        ret = MEMTX_ERROR;
        goto fail;
    }
    switch (answer->response->status) {
    case SCLINK__V1__STATUS__STATUS_OK:
        /* 12.10 item 6: exactly the bytes read, none for a write. */
        if (sclink_response_check(&req, answer->response, text,
                                  sizeof(text)) < 0) {
            sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                              "%s", text);
            sclink_msg_free(answer);
            why = "malformed Response";
            ret = MEMTX_ERROR;
            goto fail;
        }
        if (!is_write) {
            *val = ldn_le_p(answer->response->data.data, size);
        }
        sclink_msg_free(answer);
        return MEMTX_OK;
    case SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR:
        why = "nothing at this offset (ADDRESS_ERROR)";
        ret = MEMTX_DECODE_ERROR;
        break;
    default:
        why = "the device refused the access";
        ret = MEMTX_ERROR;
        break;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': %s of %u bytes at "
                  "BAR%u+0x%" HWADDR_PRIx " failed: %s (status %d)\n",
                  sclink_name(s), is_write ? "write" : "read", size,
                  bar->index, addr, why, answer->response->status);
    sclink_msg_free(answer);
    if (!is_write) {
        *val = ~0ULL >> (64 - size * 8);
    }
    return ret;

fail:
    qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': %s of %u bytes at "
                  "BAR%u+0x%" HWADDR_PRIx " failed: %s\n",
                  sclink_name(s), is_write ? "write" : "read", size,
                  bar->index, addr, why);
    if (!is_write) {
        *val = ~0ULL >> (64 - size * 8);
    }
    return ret;
}

/*
 * One access at a time crosses the link (sclink__turn_take): another
 * vCPU's access waits until this one has its Response, then sends its
 * own Request.  The thread that holds the turn fails at once instead, as
 * when a gateway DMA served in a wait is aimed at this function's own
 * BAR: its Request would wait for a gateway that waits for the DMA.
 */
static MemTxResult sclink_access(SclinkPCIBar *bar, bool is_write,
                                 hwaddr addr, uint64_t *val, unsigned size)
{
    SclinkPCIState *s = bar->dev;
    MemTxResult r;

    if (!sclink__turn_take(s)) {
        qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': %s of %u bytes at "
                      "BAR%u+0x%" HWADDR_PRIx " failed: re-entered while "
                      "serving the gateway\n", sclink_name(s),
                      is_write ? "write" : "read", size, bar->index, addr);
        if (!is_write) {
            *val = ~0ULL >> (64 - size * 8);
        }
        return MEMTX_ERROR;
    }
    r = sclink_mmio(bar, is_write, addr, val, size);
    sclink__turn_give(s);
    return r;
}

static MemTxResult sclink_bar_read(void *opaque, hwaddr addr, uint64_t *val,
                                   unsigned size, MemTxAttrs attrs)
{
    SclinkPCIBar *bar = opaque;
    MemTxResult r = sclink_access(bar, false, addr, val, size);

    trace_sclink_mmio_read(sclink_name(bar->dev), bar->index, addr, size,
                           *val, r);
    return r;
}

static MemTxResult sclink_bar_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size, MemTxAttrs attrs)
{
    SclinkPCIBar *bar = opaque;
    MemTxResult r = sclink_access(bar, true, addr, &val, size);

    trace_sclink_mmio_write(sclink_name(bar->dev), bar->index, addr, size,
                            val, bar->posted, r);
    return r;
}

/*
 * Naturally aligned accesses of 1 to 8 bytes reach the gateway as they
 * are.  The region takes no unaligned access (.valid.unaligned = false):
 * TCG splits a guest's unaligned access before it gets here (7.2: a load
 * into the two aligned loads of its size around it, a store into bytes;
 * 10.0: into aligned pieces), address_space_rw() splits by alignment, and
 * anything unaligned that still arrives fails in the memory core.
 */
const MemoryRegionOps sclink__bar_ops = {
    .read_with_attrs = sclink_bar_read,
    .write_with_attrs = sclink_bar_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = false,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = false,
    },
};
