/* One valid example of every sclink message, for tests and fuzz seeds. */
#ifndef SCLINK_TEST_SAMPLES_H
#define SCLINK_TEST_SAMPLES_H

#include "sclink.h"

enum sample_kind {
    SAMPLE_HELLO,
    SAMPLE_WELCOME,
    SAMPLE_READ,
    SAMPLE_WRITE,
    SAMPLE_DMA_WRITE,
    SAMPLE_RESPONSE,
    SAMPLE_IRQ_LINE,
    SAMPLE_IRQ_MSIX,
    SAMPLE_SYNC_REACHED,
    SAMPLE_SYNC_GRANT,
    SAMPLE_BYE,
    SAMPLE_ERROR,
    SAMPLE_COUNT
};

/* Storage for one message and everything it points to. */
struct sample {
    sclink_msg env;
    sclink_hello hello;
    sclink_welcome welcome;
    sclink_device_info dev;
    sclink_bar bar0, bar2;
    sclink_bar *bars[2];
    sclink_request req;
    sclink_attributes attrs;
    sclink_response resp;
    sclink_interrupt irq;
    sclink_sync sync;
    sclink_bye bye;
    sclink_error error;
    uint8_t data[8];
    uint8_t be[4];
};

/* Fills `s` with the sample `kind`; s->env is the message. */
void sample_build(enum sample_kind kind, struct sample *s);
const char *sample_name(enum sample_kind kind);

#endif
