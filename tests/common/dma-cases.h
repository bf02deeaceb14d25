/*
 * One table of DMA Requests from the gateway and what the QEMU side must
 * answer (doc/protocol.md 5.2, 5.4, 5.6), as sclink-pci does: it serves
 * plain reads and writes only.  The single source of two tests that must
 * agree:
 *
 *   tests/test-dma-cases.c          the core calls the device makes (the
 *                                   decoder, then sclink_dma_check with
 *                                   serves = 0)
 *   tests/client/test-client-run.c  sclink-client with its defaults, over a
 *                                   real socket, one link per case
 *
 * A row either ends the link (`error`: the Error the QEMU side sends) or
 * is answered (`status`).  `by_memory` rows pass the rules and are decided
 * by the memory behind them: the guest RAM the client simulates, 1 MiB at
 * bus address 0 by default (--mem, --mem-base), as QEMU's pci_dma_rw
 * answers an address nothing backs with MEMTX_DECODE_ERROR.
 */
#ifndef SCLINK_TESTS_DMA_CASES_H
#define SCLINK_TESTS_DMA_CASES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sclink.h"

/* The capabilities agreed for every row: what a gateway agrees with the
 * device, which offers no CAP_DEBUG. */
#define DMA_CASES_CAPS                                                    \
    ((uint64_t)SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES |                \
     SCLINK__V1__CAPABILITY__CAP_DMA | SCLINK__V1__CAPABILITY__CAP_MSIX | \
     SCLINK__V1__CAPABILITY__CAP_SYNC)
/* The guest memory the rows assume: [0, 1 MiB). */
#define DMA_CASES_MEM_SIZE (UINT64_C(1) << 20)
#define DMA_CASES_MAX_FRAME 65536

struct dma_case {
    const char *name;
    Sclink__V1__Command command;
    uint64_t address;
    uint32_t length;
    uint8_t byte_enable[4]; /* the pattern, be_len bytes */
    uint32_t be_len;        /* 0: no byte_enable */
    int has_sw;             /* streaming_width present */
    uint32_t streaming_width;
    int posted;
    int has_bar;
    /* what the QEMU side answers */
    Sclink__V1__ErrorCode error; /* ERR_UNSPECIFIED: a Response, not an Error */
    Sclink__V1__Status status;
    int by_memory; /* the rules let it through; the memory gives `status` */
};

#define DC_READ SCLINK__V1__COMMAND__CMD_READ
#define DC_WRITE SCLINK__V1__COMMAND__CMD_WRITE
#define DC_DREAD SCLINK__V1__COMMAND__CMD_DEBUG_READ
#define DC_DWRITE SCLINK__V1__COMMAND__CMD_DEBUG_WRITE
#define DC_OK SCLINK__V1__STATUS__STATUS_OK
#define DC_ADDR SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR
#define DC_BE SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR
#define DC_BURST SCLINK__V1__STATUS__STATUS_BURST_ERROR
#define DC_ENONE SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED
#define DC_EUNSUPPORTED SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED
#define DC_EMALFORMED SCLINK__V1__ERROR_CODE__ERR_MALFORMED

/* name, command, address, length, byte_enable, be_len, has_sw, sw,
 * posted, has_bar, error, status, by_memory */
static const struct dma_case dma_cases[] = {
    /* 5.2: plain reads and writes are served, from memory */
    { "read", DC_READ, 0x1000, 4, {0}, 0, 0, 0, 0, 0, DC_ENONE, DC_OK, 1 },
    { "write", DC_WRITE, 0x1000, 4, {0}, 0, 0, 0, 0, 0, DC_ENONE, DC_OK, 1 },
    { "read-unbacked", DC_READ, 0x10000000, 4, {0}, 0, 0, 0, 0, 0, DC_ENONE,
      DC_ADDR, 1 },
    { "write-past-the-end", DC_WRITE, 0xffffe, 4, {0}, 0, 0, 0, 0, 0, DC_ENONE,
      DC_ADDR, 1 },
    /* 5.6: byte enables are not served, whatever the pattern or address */
    { "read-byte-enable", DC_READ, 0x1000, 4, {0xff, 0x00}, 2, 0, 0, 0, 0,
      DC_ENONE, DC_BE, 0 },
    { "write-byte-enable-all", DC_WRITE, 0x1000, 4, {0xff}, 1, 0, 0, 0, 0,
      DC_ENONE, DC_BE, 0 },
    { "byte-enable-unbacked", DC_READ, 0x10000000, 4, {0x00}, 1, 0, 0, 0, 0,
      DC_ENONE, DC_BE, 0 },
    /* 5.6: streaming width below the length is not served; equal is plain */
    { "read-streaming-1", DC_READ, 0x1000, 4, {0}, 0, 1, 1, 0, 0, DC_ENONE,
      DC_BURST, 0 },
    { "write-streaming-2", DC_WRITE, 0x1000, 4, {0}, 0, 1, 2, 0, 0, DC_ENONE,
      DC_BURST, 0 },
    { "streaming-equal", DC_READ, 0x1000, 4, {0}, 0, 1, 4, 0, 0, DC_ENONE,
      DC_OK, 1 },
    { "byte-enable-and-streaming", DC_WRITE, 0x1000, 4, {0xff}, 1, 1, 1, 0, 0,
      DC_ENONE, DC_BE, 0 },
    /* 5.4: no CAP_DEBUG, so debug DMA ends the link */
    { "debug-read", DC_DREAD, 0x1000, 4, {0}, 0, 0, 0, 0, 0, DC_EUNSUPPORTED,
      DC_OK, 0 },
    { "debug-write", DC_DWRITE, 0x1000, 4, {0}, 0, 0, 0, 0, 0, DC_EUNSUPPORTED,
      DC_OK, 0 },
    /* 5.2: never posted, never a bar */
    { "posted-write", DC_WRITE, 0x1000, 4, {0}, 0, 0, 0, 1, 0, DC_EUNSUPPORTED,
      DC_OK, 0 },
    { "with-bar", DC_READ, 0x1000, 4, {0}, 0, 0, 0, 0, 1, DC_EMALFORMED, DC_OK,
      0 },
    /* validation (section 4): what no valid Request carries */
    { "zero-length", DC_READ, 0x1000, 0, {0}, 0, 0, 0, 0, 0, DC_EMALFORMED,
      DC_OK, 0 },
    { "wraps", DC_READ, UINT64_MAX - 1, 4, {0}, 0, 0, 0, 0, 0, DC_EMALFORMED,
      DC_OK, 0 },
    { "streaming-0", DC_READ, 0x1000, 4, {0}, 0, 1, 0, 0, 0, DC_EMALFORMED,
      DC_OK, 0 },
    { "byte-enable-0x0f", DC_READ, 0x1000, 4, {0x0f}, 1, 0, 0, 0, 0,
      DC_EMALFORMED, DC_OK, 0 },
    { "posted-read", DC_READ, 0x1000, 4, {0}, 0, 0, 0, 1, 0, DC_EMALFORMED,
      DC_OK, 0 },
};

#define DMA_CASES_N (sizeof(dma_cases) / sizeof(dma_cases[0]))

/* Storage a case's Request points into. */
struct dma_case_msg {
    sclink_msg env;
    sclink_request req;
    sclink_attributes attrs;
    uint8_t data[8];
    uint8_t be[4];
};

/* Builds row c as DMA Request `id` stamped t, in *m. */
static inline void dma_case_build(const struct dma_case *c, uint64_t id,
                                  uint64_t t, struct dma_case_msg *m)
{
    static const sclink_msg env_init = SCLINK__V1__ENVELOPE__INIT;
    static const sclink_attributes attrs_init = SCLINK__V1__ATTRIBUTES__INIT;

    m->env = env_init;
    m->attrs = attrs_init;
    sclink__v1__request__init(&m->req);
    memcpy(m->data, "\xde\xad\xbe\xef\x01\x02\x03\x04", 8);
    memcpy(m->be, c->byte_enable, sizeof(m->be));
    m->req.has_id = m->req.has_command = m->req.has_address = 1;
    m->req.has_length = m->req.has_time_ps = 1;
    m->req.id = id;
    m->req.command = c->command;
    m->req.address = c->address;
    m->req.length = c->length;
    m->req.time_ps = t;
    if (c->command == DC_WRITE || c->command == DC_DWRITE) {
        m->req.has_data = 1;
        m->req.data.data = m->data;
        m->req.data.len = c->length;
    }
    if (c->be_len) {
        m->req.has_byte_enable = 1;
        m->req.byte_enable.data = m->be;
        m->req.byte_enable.len = c->be_len;
    }
    m->req.has_streaming_width = c->has_sw;
    m->req.streaming_width = c->streaming_width;
    m->req.has_bar = c->has_bar;
    if (c->posted) {
        m->attrs.has_posted = m->attrs.posted = 1;
        m->req.attributes = &m->attrs;
    }
    m->env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    m->env.request = &m->req;
}

/*
 * Packs it as one frame, bypassing validation (rows break it on purpose):
 * returns the frame's size in buf, or 0 if it does not fit.
 */
static inline size_t dma_case_frame(const struct dma_case_msg *m, uint8_t *buf,
                                    size_t cap)
{
    size_t len = sclink__v1__envelope__get_packed_size(&m->env);

    if (len + 4 > cap)
        return 0;
    buf[0] = (uint8_t)(len >> 24);
    buf[1] = (uint8_t)(len >> 16);
    buf[2] = (uint8_t)(len >> 8);
    buf[3] = (uint8_t)len;
    sclink__v1__envelope__pack(&m->env, buf + 4);
    return len + 4;
}

#endif /* SCLINK_TESTS_DMA_CASES_H */
