/*
 * The simulated guest memory: the DMA target the gateway reads and writes,
 * as guest RAM behind QEMU would be.  Anything outside it is answered with
 * STATUS_ADDRESS_ERROR, as QEMU answers a DMA to an unmapped bus address.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"

int client_mem_init(struct client_mem *m, uint64_t base, uint64_t size)
{
    uint8_t *bytes;

    if (size == 0 || base + (size - 1) < base || size > SIZE_MAX)
        return SCLINK_EINVAL;
    /* calloc: fresh guest RAM reads as zeros, and untouched pages stay free. */
    bytes = calloc(1, (size_t)size);
    if (bytes == NULL)
        return SCLINK_ENOMEM;
    m->base = base;
    m->size = size;
    m->bytes = bytes;
    return 0;
}

void client_mem_free(struct client_mem *m)
{
    free(m->bytes);
    m->bytes = NULL;
}

int client_mem_contains(const struct client_mem *m, uint64_t addr,
                        uint64_t len)
{
    return len > 0 && addr >= m->base && addr - m->base < m->size &&
           len <= m->size - (addr - m->base);
}

uint8_t *client_mem_at(const struct client_mem *m, uint64_t addr)
{
    return m->bytes + (addr - m->base);
}

Sclink__V1__Status client_mem_serve(struct client_mem *m,
                                    const sclink_request *r, uint8_t *rdata)
{
    uint32_t width = r->has_streaming_width ? r->streaming_width : r->length;
    int write = r->command == SCLINK__V1__COMMAND__CMD_WRITE ||
                r->command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
    uint32_t i;
    uint8_t *p;

    /* A streaming access touches only its first `width` bytes. */
    if (!client_mem_contains(m, r->address, width))
        return SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
    p = client_mem_at(m, r->address);
    for (i = 0; i < r->length; i++) {
        /* The byte-enable pattern repeats over the access. */
        int enabled = !r->has_byte_enable ||
                      r->byte_enable.data[i % r->byte_enable.len] != 0;

        if (write) {
            if (enabled)
                p[i % width] = r->data.data[i];
        } else {
            rdata[i] = enabled ? p[i % width] : 0;
        }
    }
    return SCLINK__V1__STATUS__STATUS_OK;
}
