#include <string.h>

#include "samples.h"

static const char *const names[SAMPLE_COUNT] = {
    "hello", "welcome", "read", "write", "dma-write", "response",
    "irq-line", "irq-msix", "sync-reached", "sync-grant", "bye", "error",
};

const char *sample_name(enum sample_kind kind)
{
    return names[kind];
}

static void build_welcome(struct sample *s)
{
    sclink__v1__welcome__init(&s->welcome);
    sclink__v1__device_info__init(&s->dev);
    sclink__v1__bar__init(&s->bar0);
    sclink__v1__bar__init(&s->bar2);
    s->bar0.has_index = 1;
    s->bar0.index = 0;
    s->bar0.has_size = 1;
    s->bar0.size = 0x10000;
    s->bar0.has_posted_writes = 1;
    s->bar0.posted_writes = 1;
    s->bar2.has_index = 1;
    s->bar2.index = 2;
    s->bar2.has_size = 1;
    s->bar2.size = UINT64_C(1) << 32;
    s->bar2.has_kind = 1;
    s->bar2.kind = SCLINK__V1__BAR_KIND__BAR_MEM64;
    s->bar2.has_prefetchable = 1;
    s->bar2.prefetchable = 1;
    s->bars[0] = &s->bar0;
    s->bars[1] = &s->bar2;
    s->dev.has_vendor_id = 1;
    s->dev.vendor_id = 0x1af4;
    s->dev.has_device_id = 1;
    s->dev.device_id = 0x10f0;
    s->dev.has_class_code = 1;
    s->dev.class_code = 0xff0000;
    s->dev.n_bars = 2;
    s->dev.bars = s->bars;
    s->dev.has_interrupt = 1;
    s->dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX;
    s->dev.has_msix_vectors = 1;
    s->dev.msix_vectors = 8;
    s->welcome.has_version_major = 1;
    s->welcome.version_major = SCLINK_VERSION_MAJOR;
    s->welcome.has_version_minor = 1;
    s->welcome.version_minor = SCLINK_VERSION_MINOR;
    s->welcome.has_role = 1;
    s->welcome.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
    s->welcome.name = "sample-gateway";
    s->welcome.has_capabilities = 1;
    s->welcome.capabilities = SCLINK__V1__CAPABILITY__CAP_SYNC |
                              SCLINK__V1__CAPABILITY__CAP_DMA;
    s->welcome.has_quantum_ps = 1;
    s->welcome.quantum_ps = 100000000; /* 100 us */
    s->welcome.has_max_frame = 1;
    s->welcome.max_frame = SCLINK_DEFAULT_MAX_FRAME;
    s->welcome.device = &s->dev;
    s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
    s->env.welcome = &s->welcome;
}

static void build_request(struct sample *s, Sclink__V1__Command cmd, int dma)
{
    sclink__v1__request__init(&s->req);
    s->req.has_id = 1;
    s->req.id = dma ? 7 : 42;
    s->req.has_command = 1;
    s->req.command = cmd;
    if (!dma) {
        s->req.has_bar = 1;
        s->req.bar = 0;
    }
    s->req.has_address = 1;
    s->req.address = dma ? UINT64_C(0x7ff00000) : 0x1008;
    s->req.has_length = 1;
    s->req.length = 4;
    s->req.has_time_ps = 1;
    s->req.time_ps = UINT64_C(123456789);
    if (cmd == SCLINK__V1__COMMAND__CMD_WRITE) {
        memcpy(s->data, "\xde\xad\xbe\xef", 4);
        s->req.has_data = 1;
        s->req.data.len = 4;
        s->req.data.data = s->data;
        memset(s->be, 0xff, 4);
        s->be[1] = 0;
        s->req.has_byte_enable = 1;
        s->req.byte_enable.len = 4;
        s->req.byte_enable.data = s->be;
        sclink__v1__attributes__init(&s->attrs);
        s->attrs.has_posted = 1;
        s->attrs.posted = !dma;
        s->attrs.has_initiator_id = 1;
        s->attrs.initiator_id = 3;
        s->req.attributes = &s->attrs;
    }
    s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    s->env.request = &s->req;
}

void sample_build(enum sample_kind kind, struct sample *s)
{
    memset(s, 0, sizeof(*s));
    sclink__v1__envelope__init(&s->env);
    switch (kind) {
    case SAMPLE_HELLO:
        sclink__v1__hello__init(&s->hello);
        s->hello.has_version_major = 1;
        s->hello.version_major = SCLINK_VERSION_MAJOR;
        s->hello.has_version_minor = 1;
        s->hello.version_minor = SCLINK_VERSION_MINOR;
        s->hello.has_role = 1;
        s->hello.role = SCLINK__V1__ROLE__ROLE_QEMU;
        s->hello.name = "sample-qemu";
        s->hello.has_capabilities = 1;
        s->hello.capabilities = 0xff;
        s->hello.has_quantum_ps = 1;
        s->hello.quantum_ps = 10000000;
        s->hello.has_max_frame = 1;
        s->hello.max_frame = 65536;
        s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
        s->env.hello = &s->hello;
        break;
    case SAMPLE_WELCOME:
        build_welcome(s);
        break;
    case SAMPLE_READ:
        build_request(s, SCLINK__V1__COMMAND__CMD_READ, 0);
        break;
    case SAMPLE_WRITE:
        build_request(s, SCLINK__V1__COMMAND__CMD_WRITE, 0);
        break;
    case SAMPLE_DMA_WRITE:
        build_request(s, SCLINK__V1__COMMAND__CMD_WRITE, 1);
        break;
    case SAMPLE_RESPONSE:
        sclink__v1__response__init(&s->resp);
        s->resp.has_id = 1;
        s->resp.id = 42;
        s->resp.has_status = 1;
        s->resp.status = SCLINK__V1__STATUS__STATUS_OK;
        memcpy(s->data, "\x01\x02\x03\x04", 4);
        s->resp.has_data = 1;
        s->resp.data.len = 4;
        s->resp.data.data = s->data;
        s->resp.has_delay_ps = 1;
        s->resp.delay_ps = 10000;
        s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
        s->env.response = &s->resp;
        break;
    case SAMPLE_IRQ_LINE:
    case SAMPLE_IRQ_MSIX:
        sclink__v1__interrupt__init(&s->irq);
        s->irq.has_type = 1;
        s->irq.has_index = 1;
        s->irq.has_time_ps = 1;
        s->irq.time_ps = 5000000;
        if (kind == SAMPLE_IRQ_LINE) {
            s->irq.type = SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE;
            s->irq.has_level = 1;
            s->irq.level = 1;
        } else {
            s->irq.type = SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX;
            s->irq.index = 5;
        }
        s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
        s->env.interrupt = &s->irq;
        break;
    case SAMPLE_SYNC_REACHED:
    case SAMPLE_SYNC_GRANT:
        sclink__v1__sync__init(&s->sync);
        s->sync.has_kind = 1;
        s->sync.has_time_ps = 1;
        s->sync.time_ps = 100000000;
        if (kind == SAMPLE_SYNC_REACHED) {
            s->sync.kind = SCLINK__V1__SYNC_KIND__SYNC_REACHED;
        } else {
            s->sync.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT;
            s->sync.has_window_end_ps = 1;
            s->sync.window_end_ps = 200000000;
        }
        s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
        s->env.sync = &s->sync;
        break;
    case SAMPLE_BYE:
        sclink__v1__bye__init(&s->bye);
        s->bye.has_reason = 1;
        s->bye.reason = SCLINK__V1__BYE_REASON__BYE_SHUTDOWN;
        s->bye.message = "guest powered off";
        s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
        s->env.bye = &s->bye;
        break;
    case SAMPLE_ERROR:
    default:
        sclink__v1__error__init(&s->error);
        s->error.has_code = 1;
        s->error.code = SCLINK__V1__ERROR_CODE__ERR_BUSY;
        s->error.message = "gateway already serves a link";
        s->env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        s->env.error = &s->error;
        break;
    }
}
